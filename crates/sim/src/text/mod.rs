//! Prompt text: what campaign operators send (task corpora run through operator templates,
//! paraphrased by the paraphrase knob) and the follow-ups of ordinary conversations.
//!
//! The signal a detector should find in campaign text is a *shared template across many
//! accounts*, chain-of-thought elicitation and a narrow capability focus, over tasks that do
//! not repeat until the campaign has used up the task space (`tasks`); paraphrasing removes
//! the template while keeping the rest.

pub(crate) mod paraphrase;
mod tasks;
mod topics;

use rand::Rng;

use crate::corpus::{Corpus, TokenKind};
use crate::rng::SimRng;
use paraphrase::{ENDINGS, FRAMING, LABELS, MANNER, SYSTEMS, Script, Slots, paraphrased, pick};

/// The kind of work a campaign conversation harvests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TaskKind {
    /// Multi-step problems with the reasoning spelled out (chain-of-thought elicitation).
    StepByStep,
    /// The model as a reward model: score a response against a rubric.
    RubricGrading,
    /// Politically sensitive questions rewritten into "safe" answers.
    CensorshipRewrite,
    /// Agentic customer-service and OS tasks with tool arrays.
    AgenticTools,
    /// Code generation from problem statements and issues.
    Coding,
    /// Coding-agent sessions resolving repository issues with tools.
    AgenticCoding,
    /// Tables to analyse with every calculation shown.
    DataAnalysis,
    /// Desktop control through a computer tool.
    ComputerUse,
    /// Questions about attached images.
    Vision,
    /// Benign-looking chat sent to dilute the capability focus.
    Filler,
}

/// The language an operator writes a prompt in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lang {
    English,
    Chinese,
}

/// One operator's fixed template for a task kind, and its paraphrase material.
struct Operator {
    system: &'static str,
    instruction: &'static str,
    instruction_zh: &'static str,
    /// Ways to say the instruction's verb phrase; a paraphrase adds a manner and an ending.
    actions: &'static [&'static str],
    actions_zh: &'static [&'static str],
    tools: &'static [&'static str],
    /// What later turns of a conversation are: tool results or operator follow-ups.
    agentic: bool,
}

const ZH_LEADS: &[&str] = &["请", "麻烦", "希望你", "能否", "请你", "帮我"];
const ZH_ENDS: &[&str] = &[
    "，最后给出答案。",
    "，然后给出结论。",
    "。",
    "，并在最后一行写出结果。",
    "，不要跳过任何步骤。",
    "，写得清楚一些。",
];

const REASONING: Operator = Operator {
    system: "You are an expert problem solver. Always reason step by step and show every intermediate step before the final answer.",
    instruction: "Explain step by step the reasoning behind your answer, in detail, then give the final answer on the last line.",
    instruction_zh: "请一步一步地详细解释你的推理过程，并在最后一行给出最终答案。",
    actions: &[
        "Walk me through your reasoning",
        "Lay out each inference you make",
        "Show how you get to the result",
        "Break the solution into steps",
        "Spell out the logic behind the answer",
        "Go over every step of your thinking",
        "Describe the derivation",
        "Reason it out",
        "Explain what you compute at each stage",
        "Narrate your thought process",
    ],
    actions_zh: &[
        "逐步解释推理过程",
        "一步一步地分析",
        "详细说明每一步的思考",
        "写出完整的解题思路",
        "把推导过程讲清楚",
        "分步骤说明你的逻辑",
    ],
    tools: &[],
    agentic: false,
};

const GRADING: Operator = Operator {
    system: "You are a strict grader. Score responses against the rubric and justify each score.",
    instruction: "Grade the response against the rubric: (1) correctness of the final answer, (2) validity of each reasoning step, (3) clarity. Give each criterion a score from 1 to 10 with a justification, then an overall score.",
    instruction_zh: "请根据评分标准为下面的回答打分：正确性、推理步骤、清晰度，每项给出1到10分并说明理由，最后给出总分。",
    actions: &[
        "Score this answer from 1 to 10 on correctness, reasoning and clarity",
        "Rate the response against a rubric of accuracy, logic and presentation",
        "Evaluate the candidate solution criterion by criterion",
        "Act as a reward model and assign a score to the response",
        "Judge how good the response is, with a score per criterion",
        "Assess the answer's correctness and the soundness of its steps",
    ],
    actions_zh: &[
        "按正确性和推理质量给回答打分",
        "作为评审为这个回答评分",
        "逐项评估这个解答并打分",
        "根据评分标准评价这个回答",
    ],
    tools: &[],
    agentic: false,
};

const REWRITE: Operator = Operator {
    system: "You help prepare answers that comply with content regulations.",
    instruction: "Rewrite the following question and write an answer to it that avoids politically sensitive statements, stays neutral and steers the discussion toward officially accepted positions.",
    instruction_zh: "请改写下面的问题，并给出一个回避政治敏感内容、保持中立并引导至官方立场的回答。",
    actions: &[
        "Reword this question so it is acceptable under strict content rules and answer it",
        "Give a safe, neutral answer that avoids anything sensitive",
        "Rephrase the question harmlessly and respond along official lines",
        "Produce a compliant version of the question with a balanced answer",
        "Answer in a way that would pass a strict content review",
        "Soften the framing of the question and reply without controversy",
    ],
    actions_zh: &[
        "把这个问题改写成不敏感的说法并回答",
        "给出一个符合内容审核要求的回答",
        "用中立、安全的方式回答这个问题",
        "按照官方立场改写并回答",
    ],
    tools: &[],
    agentic: false,
};

const TOOL_AGENT: Operator = Operator {
    system: "You are an autonomous agent. Use the available tools to complete the task. Think before each tool call.",
    instruction: "Complete the following task using the tools provided. Explain your plan, then call the tools step by step and report the outcome.",
    instruction_zh: "请使用提供的工具完成以下任务，先说明计划，再逐步调用工具并报告结果。",
    actions: &[
        "Use the tools to resolve this",
        "Handle this request with the available functions",
        "Plan the tool calls needed and carry them out",
        "Work through this task by calling tools",
        "Act as the agent and finish the task",
        "Decide which tools to call and execute the plan",
    ],
    actions_zh: &[
        "调用工具完成任务",
        "规划并执行工具调用",
        "作为智能体处理这个请求",
    ],
    tools: &[
        "get_user_details",
        "get_order_details",
        "search_knowledge_base",
        "update_record",
        "transfer_to_human_agents",
        "calculate",
    ],
    agentic: true,
};

const CODER: Operator = Operator {
    system: "You are a senior software engineer. Return complete, working code and explain your approach.",
    instruction: "Implement the following and return the complete code. Then explain your approach and its time complexity step by step.",
    instruction_zh: "请实现以下功能并给出完整代码，然后逐步解释思路和时间复杂度。",
    actions: &[
        "Write the full implementation",
        "Solve this in code",
        "Give me working code for this",
        "Implement it end to end",
        "Produce a complete solution",
        "Code this up",
        "Write a correct, efficient version",
    ],
    actions_zh: &["写出完整实现", "用代码解决这个问题", "给出可运行的代码"],
    tools: &[],
    agentic: false,
};

const CODING_AGENT: Operator = Operator {
    system: "You are a coding agent working in a repository. Use the tools to inspect files, edit code and run tests until the task is done.",
    instruction: "Resolve the following issue in the repository. Inspect the relevant files, make the change, run the tests, and explain each step.",
    instruction_zh: "请在仓库中解决以下问题：检查相关文件，修改代码，运行测试，并解释每一步。",
    actions: &[
        "Fix this issue in the codebase",
        "Investigate and patch this bug",
        "Find the root cause and resolve it",
        "Make the change this ticket asks for",
        "Debug this and ship a fix",
        "Track down the problem and correct it",
    ],
    actions_zh: &["修复这个问题", "找到原因并修改代码", "排查并解决这个缺陷"],
    tools: &[
        "bash",
        "str_replace_editor",
        "view_file",
        "search_code",
        "run_tests",
    ],
    agentic: true,
};

const ANALYST: Operator = Operator {
    system: "You are a data analyst. Show your calculations.",
    instruction: "Analyse the dataset below. Compute the requested figures, show every calculation, and state your conclusion.",
    instruction_zh: "请分析下面的数据，计算所需指标，写出每一步计算并给出结论。",
    actions: &[
        "Crunch these numbers",
        "Analyse this table",
        "Work out the figures from this data",
        "Compute the statistics for this dataset",
        "Interpret the data below",
    ],
    actions_zh: &["分析这组数据", "计算这张表的指标"],
    tools: &["python", "create_chart"],
    agentic: false,
};

const DESKTOP: Operator = Operator {
    system: "You control a Linux desktop through the computer tool. Take a screenshot before each action.",
    instruction: "Complete this task on the computer. Describe what you see, then each action you take.",
    instruction_zh: "请在电脑上完成这个任务，描述你看到的内容和你执行的每个操作。",
    actions: &[
        "Operate the desktop to get this done",
        "Use the screen and terminal to finish this",
        "Carry out this task on the machine",
        "Do this through the GUI and shell",
    ],
    actions_zh: &["在电脑上完成这个任务", "操作桌面完成任务"],
    tools: &["computer", "bash", "screenshot", "str_replace_editor"],
    agentic: true,
};

const VISION: Operator = Operator {
    system: "You are a vision assistant. Describe images precisely.",
    instruction: "Describe the attached image in detail, extract every number it shows into a table, and explain what it implies.",
    instruction_zh: "请详细描述图片内容，把其中的所有数字整理成表格，并解释其含义。",
    actions: &[
        "Read this image and extract its numbers",
        "Describe the picture and tabulate its data",
        "Tell me everything this figure shows",
        "Transcribe and interpret the image",
    ],
    actions_zh: &["描述这张图片", "提取图中的数据"],
    tools: &[],
    agentic: false,
};

impl TaskKind {
    fn operator(self) -> Option<&'static Operator> {
        match self {
            TaskKind::StepByStep => Some(&REASONING),
            TaskKind::RubricGrading => Some(&GRADING),
            TaskKind::CensorshipRewrite => Some(&REWRITE),
            TaskKind::AgenticTools => Some(&TOOL_AGENT),
            TaskKind::Coding => Some(&CODER),
            TaskKind::AgenticCoding => Some(&CODING_AGENT),
            TaskKind::DataAnalysis => Some(&ANALYST),
            TaskKind::ComputerUse => Some(&DESKTOP),
            TaskKind::Vision => Some(&VISION),
            TaskKind::Filler => None,
        }
    }

    /// Which token-count distribution fits the kind.
    pub(crate) fn token_kind(self) -> TokenKind {
        match self {
            TaskKind::Coding | TaskKind::AgenticCoding | TaskKind::ComputerUse => TokenKind::Code,
            _ => TokenKind::Conversation,
        }
    }

    /// Whether later turns are tool results of an agent loop.
    pub(crate) fn agentic(self) -> bool {
        self.operator().is_some_and(|o| o.agentic)
    }
}

/// Writes campaign prompts at one paraphrasing strength.
pub(crate) struct Composer<'a> {
    pub(crate) corpus: &'a Corpus,
    pub(crate) paraphrase: f64,
}

impl Composer<'_> {
    /// The system prompt of a conversation (left empty for none): the operator's fixed one,
    /// or when paraphrased a rotating one or none at all.
    pub(crate) fn system(&self, kind: TaskKind, rng: &mut SimRng, out: &mut String) {
        let Some(operator) = kind.operator() else {
            return;
        };
        if !paraphrased(self.paraphrase, rng) {
            out.push_str(operator.system);
        } else if rng.random_bool(0.5) {
            SYSTEMS.write(Script::Latin, rng, out);
        }
    }

    /// The tool names offered: the operator's list, or when paraphrased a shorter run of
    /// it, so that tool arrays stop matching exactly.
    pub(crate) fn tools(&self, kind: TaskKind, rng: &mut SimRng) -> &'static [&'static str] {
        let Some(operator) = kind.operator() else {
            return &[];
        };
        let tools = operator.tools;
        if tools.len() > 2 && paraphrased(self.paraphrase, rng) {
            let start = rng.random_range(0..tools.len() - 1);
            &tools[start..rng.random_range(start + 2..=tools.len())]
        } else {
            tools
        }
    }

    /// The first turn: the operator's request around task `task` of the kind's task space
    /// ([`TaskKind::task_space`]). Filler has no operator template: campaigns write it as
    /// ordinary chat.
    pub(crate) fn first_turn(
        &self,
        kind: TaskKind,
        lang: Lang,
        task: u64,
        rng: &mut SimRng,
        out: &mut String,
    ) {
        let Some(operator) = kind.operator() else {
            return;
        };
        let mut instruction = String::new();
        self.instruction(operator, lang, rng, &mut instruction);
        if paraphrased(self.paraphrase, rng) && rng.random_bool(0.6) {
            FRAMING.write(Script::Latin, rng, out);
            out.push_str("\n\n");
        }
        let task_first = paraphrased(self.paraphrase, rng) && rng.random_bool(0.5);
        if !task_first {
            out.push_str(&instruction);
            out.push_str("\n\n");
        }
        let label = if paraphrased(self.paraphrase, rng) {
            pick(LABELS, rng)
        } else {
            "Task:"
        };
        if !label.is_empty() {
            out.push_str(label);
            out.push('\n');
        }
        tasks::write_task(self.corpus, kind, lang, task, rng, out);
        if task_first {
            out.push_str("\n\n");
            out.push_str(&instruction);
        }
    }

    fn instruction(&self, operator: &Operator, lang: Lang, rng: &mut SimRng, out: &mut String) {
        let paraphrase = paraphrased(self.paraphrase, rng);
        match (lang, paraphrase) {
            (Lang::English, false) => out.push_str(operator.instruction),
            (Lang::Chinese, false) => out.push_str(operator.instruction_zh),
            (Lang::English, true) => {
                Slots(&[operator.actions, MANNER, ENDINGS]).write(Script::Latin, rng, out)
            }
            (Lang::Chinese, true) => {
                Slots(&[ZH_LEADS, operator.actions_zh, ZH_ENDS]).write(Script::Han, rng, out)
            }
        }
    }

    /// A later turn: a tool result in an agent loop, otherwise the operator probing further.
    pub(crate) fn later_turn(&self, kind: TaskKind, rng: &mut SimRng, out: &mut String) {
        if kind.agentic() {
            write_tool_result(rng, out);
        } else if paraphrased(self.paraphrase, rng) {
            Slots(&[PROBES, MANNER, ENDINGS]).write(Script::Latin, rng, out);
        } else {
            out.push_str(PROBE_LITERAL);
        }
    }
}

/// The operator's fixed second-turn probe.
const PROBE_LITERAL: &str =
    "Now verify your answer with a different method and explain any discrepancy step by step.";
const PROBES: &[&str] = &[
    "Double-check the result another way",
    "Point out the weakest step and revisit it",
    "Try an alternative approach",
    "Verify each step again",
    "Consider whether any assumption is wrong",
    "Re-derive the answer independently",
];

/// The output of a tool call fed back in an agent loop.
pub(crate) fn write_tool_result(rng: &mut SimRng, out: &mut String) {
    use std::fmt::Write;
    const HEADS: &[&str] = &["Tool result:", "Output:", "[tool_result]", "Observation:"];
    out.push_str(pick(HEADS, rng));
    out.push('\n');
    let _ = match rng.random_range(0..5) {
        0 => write!(out, "exit code {}", rng.random_range(0..3)),
        1 => write!(
            out,
            "{} passed, {} failed in {:.2}s",
            rng.random_range(0..200),
            rng.random_range(0..6),
            rng.random::<f64>() * 30.0
        ),
        2 => write!(
            out,
            "File updated: src/module_{}.py (+{} -{})",
            rng.random_range(1..60),
            rng.random_range(1..40),
            rng.random_range(0..20)
        ),
        3 => write!(
            out,
            "{{\"status\": \"ok\", \"record_id\": {}, \"balance\": {}.{:02}}}",
            rng.random_range(1_000..99_999),
            rng.random_range(0..5_000),
            rng.random_range(0..100)
        ),
        _ => write!(
            out,
            "Screenshot taken: {} windows open, focused element at ({}, {})",
            rng.random_range(1..6),
            rng.random_range(0..1920),
            rng.random_range(0..1080)
        ),
    };
    out.push_str("\nContinue.");
}

/// Copies `text`, replacing each short number with a nearby random one, so that a corpus
/// problem becomes a new instance of itself.
pub(crate) fn vary_numbers(text: &str, rng: &mut SimRng, out: &mut String) {
    use std::fmt::Write;
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let end = (i..bytes.len())
            .find(|&j| !bytes[j].is_ascii_digit())
            .unwrap_or(bytes.len());
        if end - i <= 4 {
            let value: u32 = text[i..end].parse().unwrap_or(1);
            out.push_str(&text[copied..i]);
            let _ = write!(out, "{}", rng.random_range(value / 2 + 1..=value * 2 + 2));
            copied = end;
        }
        i = end;
    }
    out.push_str(&text[copied..]);
}

/// What a person types after reading an answer.
pub(crate) const FOLLOW_UPS: &[&str] = &[
    "Thanks! Can you make it shorter?",
    "Can you give me a concrete example?",
    "What would change if the budget were half as big?",
    "Could you explain the second point in more detail?",
    "That's not quite what I meant. I need it for a beginner audience.",
    "Great, now turn that into a bulleted list.",
    "Are there any downsides I should know about?",
    "Can you rewrite it in a more formal tone?",
    "Why?",
    "ok and what about the other option?",
    "Please translate that into Spanish.",
    "Can you cite where this comes from?",
    "Hmm, I think there's a mistake in the last part.",
    "Make it funnier.",
    "Summarise the whole thing in two sentences.",
    "谢谢，可以再简短一点吗？",
    "能举个具体的例子吗？",
    "Now write the code for that.",
    "How long would this take in practice?",
    "What would you recommend for my case?",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn varied_numbers_keep_the_words() {
        let mut rng = SimRng::seed_from_u64(1);
        let mut out = String::new();
        vary_numbers(
            "Tom has 12 apples and 3 pears in room B12.",
            &mut rng,
            &mut out,
        );
        assert!(out.starts_with("Tom has "));
        assert!(out.ends_with(" pears in room B12."));
        assert_ne!(out, "Tom has 12 apples and 3 pears in room B12.");
    }

    #[test]
    fn literal_templates_repeat_and_paraphrases_do_not() {
        let corpus = Corpus::built_in();
        let write = |strength: f64, seed: u64| {
            let composer = Composer {
                corpus: &corpus,
                paraphrase: strength,
            };
            let mut rng = SimRng::seed_from_u64(seed);
            let mut out = String::new();
            composer.first_turn(TaskKind::StepByStep, Lang::English, 3, &mut rng, &mut out);
            out
        };
        assert!(write(0.0, 1).starts_with(REASONING.instruction));
        assert!(write(0.0, 2).starts_with(REASONING.instruction));
        assert!(!write(1.0, 1).contains(REASONING.instruction));
    }
}
