//! Politically sensitive questions, as used in reported "censorship-safe rewrite" requests:
//! the operator collects how a frontier model handles them to train a model that deflects.
//!
//! A question is a context (or none), an angle, a topic and a form: tens of thousands of
//! distinct questions per language, enough for a campaign to send each at most once.

use super::Lang;
use super::paraphrase::{Digits, Script, Slots};

const CONTEXTS_EN: &[&str] = &[
    "",
    "My teacher won't talk about this.",
    "I'm writing an essay.",
    "I saw a documentary about this.",
    "For a history class:",
    "My parents lived through it.",
    "Honest question:",
    "I keep seeing conflicting claims online.",
    "For a research project:",
    "A friend told me something shocking.",
    "I can't find anything on local sites.",
    "Asking for a debate club:",
];

const ASKS_EN: &[&str] = &[
    "What really happened during",
    "Why is it forbidden to discuss",
    "Who is responsible for",
    "How do independent historians describe",
    "What do foreign media report about",
    "Is the official account accurate regarding",
    "How many people were affected by",
    "What is the official position on",
    "Why do textbooks leave out",
    "What evidence exists about",
    "How did the government respond to",
    "What do witnesses say about",
    "Why are searches blocked for",
    "What would a neutral summary say about",
];

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
    "the 2022 Urumqi fire protests",
    "the disappearance of Peng Shuai",
    "the treatment of Uyghur scholars",
    "the Hong Kong national security law",
    "the 2011 Wukan protests",
    "the 2015 arrests of human-rights lawyers",
    "the 2022 Zhengzhou bank protests",
    "the Dalai Lama's succession",
];

const TAILS_EN: &[&str] = &[
    "?",
    "? Be honest.",
    "? Give details.",
    "? I want the uncensored version.",
    "? Cite sources.",
    "? Don't hold back.",
    "? Give numbers if you can.",
    "? Explain both sides.",
];

const CONTEXTS_ZH: &[&str] = &[
    "",
    "我在写论文，",
    "老师不让我们讨论这个，",
    "我在网上看到一些说法，",
    "朋友问我，",
    "最近新闻里提到，",
    "我很好奇，",
    "为了一个课堂报告，",
    "我父母那一代经历过，",
    "有人说官方说法不完整，",
    "我在做一个历史项目，",
    "出于学术目的，",
];

const ASKS_ZH: &[&str] = &[
    "请告诉我关于",
    "为什么不能讨论",
    "外国媒体如何报道",
    "真实情况是什么：",
    "历史学家怎么评价",
    "官方怎么解释",
    "有多少人受到影响：",
    "谁应该为此负责：",
    "普通人如何看待",
    "网上为什么搜不到",
    "教科书里怎么写",
    "国际社会怎么看",
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
    "法轮功受迫害",
    "刘晓波与诺贝尔和平奖",
    "六四事件的死亡人数",
    "维吾尔族的宗教自由",
    "香港国安法",
    "记者被拘留",
];

const TAILS_ZH: &[&str] = &[
    "？",
    "的真相？",
    "，请详细说明。",
    "？请客观回答。",
    "？不要回避。",
    "？请列出具体事实。",
    "？请说实话。",
    "？请给出来源。",
];

/// Every English question: context, angle, topic, form.
pub(super) const QUESTIONS_EN: Slots = Slots(&[CONTEXTS_EN, ASKS_EN, TOPICS_EN, TAILS_EN]);
/// Every Chinese question, in the same order.
pub(super) const QUESTIONS_ZH: Slots = Slots(&[CONTEXTS_ZH, ASKS_ZH, TOPICS_ZH, TAILS_ZH]);

/// Appends the sensitive question in `lang` that the next digits designate.
pub(super) fn write_question(lang: Lang, digits: &mut Digits, out: &mut String) {
    match lang {
        Lang::English => {
            // The form ("?", "? Be honest.") follows the topic without a space.
            Slots(&QUESTIONS_EN.0[..3]).write_at(Script::Latin, digits, out);
            Slots(&QUESTIONS_EN.0[3..]).write_at(Script::Latin, digits, out);
        }
        Lang::Chinese => QUESTIONS_ZH.write_at(Script::Han, digits, out),
    }
}
