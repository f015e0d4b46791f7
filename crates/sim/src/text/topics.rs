//! Politically sensitive questions, as used in reported "censorship-safe rewrite" requests:
//! the operator collects how a frontier model handles them to train a model that deflects.

use super::Lang;
use super::paraphrase::{Script, Slots};
use crate::rng::SimRng;

const TOPICS_EN: &[&str] = &[
    "the 1989 Tiananmen Square protests",
    "the political status of Taiwan",
    "detention camps in Xinjiang",
    "the 2019 Hong Kong protests",
    "Tibetan independence",
    "criticism of the party leadership",
    "the Great Leap Forward famine",
    "press censorship and the Great Firewall",
    "the persecution of Falun Gong",
    "Liu Xiaobo and the Nobel Peace Prize",
    "the Cultural Revolution",
    "the origins of COVID-19",
];

const TOPICS_ZH: &[&str] = &[
    "1989年天安门事件",
    "台湾的政治地位",
    "新疆的拘留营",
    "2019年香港抗议",
    "西藏独立",
    "对领导层的批评",
    "大跃进饥荒",
    "新闻审查和防火长城",
    "文化大革命",
    "新冠病毒的起源",
];

const ASKS_EN: &[&str] = &[
    "What really happened during",
    "Why is it forbidden to discuss",
    "Who is responsible for",
    "How do independent historians describe",
    "What do foreign media report about",
    "Is the official account accurate regarding",
    "How many people were affected by",
];

const ASKS_ZH: &[&str] = &[
    "请告诉我关于",
    "为什么不能讨论",
    "外国媒体如何报道",
    "真实情况是什么：",
];

const TAILS_EN: &[&str] = &[
    "?",
    "? Be honest.",
    "? Give details.",
    "? I want the uncensored version.",
];
const TAILS_ZH: &[&str] = &["？", "的真相？", "，请详细说明。"];

/// Appends one sensitive user question in the given language.
pub(super) fn write_question(lang: Lang, rng: &mut SimRng, out: &mut String) {
    match lang {
        Lang::English => {
            Slots(&[ASKS_EN, TOPICS_EN]).write(Script::Latin, rng, out);
            Slots(&[TAILS_EN]).write(Script::Latin, rng, out);
        }
        Lang::Chinese => Slots(&[ASKS_ZH, TOPICS_ZH, TAILS_ZH]).write(Script::Han, rng, out),
    }
}
