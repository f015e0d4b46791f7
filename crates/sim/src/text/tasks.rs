//! Task spaces: every distinct task a campaign can harvest, numbered.
//!
//! An operator harvesting a capability wants each answer once, so campaigns work through a
//! *task space* like a queue (see `campaigns`): task `i` of a kind is a corpus item combined
//! with one option of each of the operator's slots (a language and a requirement for a coding
//! problem, a context, angle, topic and form for a sensitive question…). A space's size is the
//! number of items times the product of its slot sizes, and indices `0..size` name every
//! combination exactly once; numbers inside corpus problems and generated tables are also
//! varied at random, so even a space used up twice rarely repeats a prompt verbatim.

use rand::Rng;

use super::paraphrase::{Digits, Script, Slots};
use super::{Lang, TaskKind, topics, vary_numbers};
use crate::corpus::{Corpus, Prompt, PromptSet};
use crate::rng::SimRng;

/// One family of tasks: each item of a corpus set (or a single blank one) times every
/// combination of the slots.
#[derive(Debug, Clone, Copy)]
struct Family {
    set: Option<PromptSet>,
    slots: Slots<'static>,
}

impl Family {
    const fn of(set: PromptSet, slots: Slots<'static>) -> Family {
        Family {
            set: Some(set),
            slots,
        }
    }

    const fn composed(slots: Slots<'static>) -> Family {
        Family { set: None, slots }
    }

    fn items(&self, corpus: &Corpus) -> u64 {
        self.set
            .map_or(1, |set| corpus.prompts.set(set).len() as u64)
    }

    fn size(&self, corpus: &Corpus) -> u64 {
        self.items(corpus) * self.slots.count()
    }
}

/// What an operator asks of a word problem's solution.
const PROBLEM_CHECKS: &[&str] = &[
    "Show the units at every step.",
    "Check the answer by substituting it back.",
    "Write each step as an equation.",
    "Say what each quantity stands for first.",
    "Round money to the cent.",
    "Point out the hardest step.",
    "Use no more than six steps.",
    "Put only the number on the last line.",
];
const PROBLEM_ASKS: Slots = Slots(&[PROBLEM_CHECKS]);

/// Languages and constraints a coding problem is asked in.
const LANGUAGES: &[&str] = &[
    "Use Python 3.12.",
    "Write it in Rust.",
    "Write it in TypeScript.",
    "Write it in Go.",
    "Write it in Java.",
    "Write it in C++17.",
    "Write it in C#.",
    "Write it in Kotlin.",
];
const CONSTRAINTS: &[&str] = &[
    "Include unit tests.",
    "Handle empty and invalid input.",
    "Avoid recursion.",
    "Optimise for memory.",
    "Add type annotations and docstrings.",
    "Explain the complexity.",
    "Do not use external libraries.",
    "Make it thread-safe.",
    "Keep every function short.",
    "Log every error path.",
];
const CODE_STYLES: &[&str] = &[
    "Return only the code.",
    "Comment every non-obvious line.",
    "Give two alternative solutions.",
    "Start with a brute-force version, then optimise it.",
    "Show example calls and their output.",
    "List the edge cases first.",
];
/// What an operator adds to a repository issue.
const ISSUE_NOTES: &[&str] = &[
    "Keep the diff minimal.",
    "Add a regression test.",
    "Do not change public APIs.",
    "Explain the root cause first.",
    "Check the mobile layout too.",
    "Update the changelog.",
    "Mention any follow-up work.",
    "Run the whole test suite before finishing.",
];
const ISSUE_CONTEXTS: &[&str] = &[
    "A customer reported this today.",
    "This blocks the next release.",
    "CI has been red since this started.",
    "QA reproduced it on staging.",
    "It only happens on Android.",
    "It started after the last dependency upgrade.",
    "Several users hit this last week.",
    "Product marked this as high priority.",
];
const CODE_ASKS: Slots = Slots(&[LANGUAGES, CONSTRAINTS, CODE_STYLES]);
const ISSUE_ASKS: Slots = Slots(&[CONSTRAINTS, ISSUE_NOTES, ISSUE_CONTEXTS]);

/// Rules an operator sets for a tool-using agent.
const TOOL_POLICIES: &[&str] = &[
    "Follow the company policy strictly.",
    "Verify the user's identity before any change.",
    "Confirm with the user before every write action.",
    "Never promise a refund you cannot issue.",
    "Escalate to a human only as a last resort.",
    "Quote the policy when you refuse.",
    "Offer alternatives before refusing.",
    "Keep a record of every change you make.",
];
const TOOL_LIMITS: &[&str] = &[
    "Use at most five tool calls.",
    "Check the record before updating it.",
    "Batch lookups where you can.",
    "Stop if a tool fails twice.",
    "Look the order up before answering.",
    "Never call a tool twice with the same arguments.",
];
const TOOL_STYLES: &[&str] = &[
    "Explain each call before making it.",
    "Summarise the outcome at the end.",
    "Think aloud between calls.",
    "Keep replies to the user short.",
    "State your assumptions.",
    "Report what you changed.",
];
const TOOL_ASKS: Slots = Slots(&[TOOL_POLICIES, TOOL_LIMITS, TOOL_STYLES]);

/// The machine, its state and the report asked for in a computer-use task.
const DESKTOP_SYSTEMS: &[&str] = &[
    "The machine runs Ubuntu 22.04.",
    "The machine runs Debian 12.",
    "The machine runs Fedora 40.",
    "The machine runs Arch Linux.",
    "You are in a Docker container.",
    "You are logged in as root.",
    "You are logged in as a user with sudo.",
    "The shell is zsh.",
];
const DESKTOP_STATES: &[&str] = &[
    "A terminal is already open.",
    "A browser window has focus.",
    "The screen is locked; the password is in ~/pw.txt.",
    "Several windows are open.",
    "The file manager shows the home directory.",
    "Nothing is open yet.",
];
const DESKTOP_REPORTS: &[&str] = &[
    "Report the final answer only.",
    "Describe each screenshot.",
    "List every command you run.",
    "Explain why each step is needed.",
    "Verify the result before finishing.",
    "Undo any change that was not needed.",
];
const DESKTOP_ASKS: Slots = Slots(&[DESKTOP_SYSTEMS, DESKTOP_STATES, DESKTOP_REPORTS]);

/// An image: what it is, what it shows, over which span, then the question about it.
const IMAGE_KINDS: &[&str] = &[
    "[photo of a whiteboard with",
    "[screenshot of a dashboard showing",
    "[scanned invoice listing",
    "[bar chart of",
    "[line chart of",
    "[photo of a handwritten page with",
    "[diagram of",
    "[table image with",
    "[pie chart of",
    "[scatter plot of",
    "[slide with",
    "[heat map of",
];
const IMAGE_SUBJECTS: &[&str] = &[
    "quarterly revenue by region",
    "daily active users",
    "a physics derivation",
    "server latency percentiles",
    "a network topology",
    "line items and totals",
    "exam scores by class",
    "energy use per month",
    "support tickets by category",
    "conversion rates by channel",
    "rainfall by city",
    "inventory by warehouse",
    "survey answers by age group",
    "CPU load by host",
    "shipping delays by carrier",
    "patient visits by clinic",
];
const IMAGE_SPANS: &[&str] = &[
    "for 2019–2024]",
    "over 30 days]",
    "by week]",
    "for the last quarter]",
    "with targets marked]",
    "in two colours]",
    "with a legend]",
    "hour by hour]",
];
const IMAGE_QUESTIONS: &[&str] = &[
    "What trend does it show?",
    "Which value is the largest, and by how much?",
    "Are there any errors in it?",
    "Summarise it for an executive.",
    "What would you expect next?",
    "Convert it into a CSV table.",
    "What is the total?",
    "Which entries look unusual?",
    "Explain it to a beginner.",
    "What is missing from it?",
];
const IMAGE: Slots = Slots(&[IMAGE_KINDS, IMAGE_SUBJECTS, IMAGE_SPANS, IMAGE_QUESTIONS]);

/// The two metrics of a generated table and the question about it.
const METRICS: &[&str] = &[
    "revenue",
    "orders",
    "returns",
    "signups",
    "churn_pct",
    "cost",
];
const TABLE_QUESTIONS: &[&str] = &[
    "Which group grew fastest, and by how much?",
    "Compute the mean and standard deviation of each column.",
    "Is there a correlation between the two metrics?",
    "Forecast the next period for each group.",
    "Which rows look like outliers and why?",
];
const TABLE: Slots = Slots(&[METRICS, METRICS, TABLE_QUESTIONS]);

/// The task spaces, as families.
const WORD_PROBLEMS: &[Family] = &[Family::of(PromptSet::Gsm8kTrain, PROBLEM_ASKS)];
const QUESTIONS_EN: &[Family] = &[Family::composed(topics::QUESTIONS_EN)];
const QUESTIONS_ZH: &[Family] = &[Family::composed(topics::QUESTIONS_ZH)];
const TOOL_TASKS: &[Family] = &[
    Family::of(PromptSet::Tau2, TOOL_ASKS),
    Family::of(PromptSet::AgentBenchOs, TOOL_ASKS),
];
const ISSUES: Family = Family::of(PromptSet::SweLancer, ISSUE_ASKS);
const CODING_TASKS: &[Family] = &[Family::of(PromptSet::HumanEval, CODE_ASKS), ISSUES];
const AGENTIC_CODING_TASKS: &[Family] = &[ISSUES];
const TABLES: &[Family] = &[Family::composed(TABLE)];
const DESKTOP_TASKS: &[Family] = &[Family::of(PromptSet::AgentBenchOs, DESKTOP_ASKS)];
const IMAGES: &[Family] = &[Family::composed(IMAGE)];

impl TaskKind {
    /// The families making up the kind's task space in `lang` (only sensitive questions
    /// differ by language; every other kind's task content stays in its corpus language).
    fn families(self, lang: Lang) -> &'static [Family] {
        match (self, lang) {
            (TaskKind::StepByStep | TaskKind::RubricGrading, _) => WORD_PROBLEMS,
            (TaskKind::CensorshipRewrite, Lang::English) => QUESTIONS_EN,
            (TaskKind::CensorshipRewrite, Lang::Chinese) => QUESTIONS_ZH,
            (TaskKind::AgenticTools, _) => TOOL_TASKS,
            (TaskKind::Coding, _) => CODING_TASKS,
            (TaskKind::AgenticCoding, _) => AGENTIC_CODING_TASKS,
            (TaskKind::DataAnalysis, _) => TABLES,
            (TaskKind::ComputerUse, _) => DESKTOP_TASKS,
            (TaskKind::Vision, _) => IMAGES,
            (TaskKind::Filler, _) => &[],
        }
    }

    /// Whether the kind's task space depends on the language of the prompt.
    pub(crate) fn localised(self) -> bool {
        self == TaskKind::CensorshipRewrite
    }

    /// How many distinct tasks of the kind there are in `lang`.
    pub(crate) fn task_space(self, corpus: &Corpus, lang: Lang) -> u64 {
        self.families(lang).iter().map(|f| f.size(corpus)).sum()
    }
}

/// Appends task `task` (below [`TaskKind::task_space`]) of a campaign conversation.
pub(super) fn write_task(
    corpus: &Corpus,
    kind: TaskKind,
    lang: Lang,
    task: u64,
    rng: &mut SimRng,
    out: &mut String,
) {
    let Some((family, item, mut digits)) = locate(corpus, kind.families(lang), task) else {
        return;
    };
    match kind {
        TaskKind::CensorshipRewrite => topics::write_question(lang, &mut digits, out),
        TaskKind::DataAnalysis => write_table(&mut digits, rng, out),
        TaskKind::Vision => {
            out.push_str("<image>\n");
            Slots(&IMAGE.0[..3]).write_at(Script::Latin, &mut digits, out);
            out.push('\n');
            Slots(&IMAGE.0[3..]).write_at(Script::Latin, &mut digits, out);
        }
        TaskKind::Filler => {}
        _ => {
            // A corpus item, then the operator's lines for it. Code stays verbatim; numbers
            // in problems and scenarios are varied, making each send a new instance.
            let text = item.map_or("", |prompt| &prompt.text);
            if matches!(kind, TaskKind::Coding | TaskKind::AgenticCoding) {
                out.push_str(text);
            } else {
                vary_numbers(text, rng, out);
            }
            out.push_str("\n\n");
            family.slots.write_at(Script::Latin, &mut digits, out);
            if kind == TaskKind::RubricGrading {
                out.push_str("\n\nResponse:\n");
                write_candidate(rng, out);
            }
        }
    }
    debug_assert_eq!(
        digits,
        Digits(0),
        "{kind:?} left slots of task {task} unused"
    );
}

/// The family, corpus item and slot digits of task `task` of a space made of `families`.
fn locate<'c>(
    corpus: &'c Corpus,
    families: &[Family],
    task: u64,
) -> Option<(Family, Option<&'c Prompt>, Digits)> {
    let mut rest = task;
    for family in families {
        let size = family.size(corpus);
        if rest >= size {
            rest -= size;
            continue;
        }
        let items = family.items(corpus);
        let item = family
            .set
            .map(|set| &corpus.prompts.set(set)[(rest % items) as usize]);
        return Some((*family, item, Digits(rest / items)));
    }
    None
}

/// A candidate answer for the model to grade.
fn write_candidate(rng: &mut SimRng, out: &mut String) {
    use std::fmt::Write;
    let steps = rng.random_range(1..4);
    for step in 1..=steps {
        let _ = write!(
            out,
            "Step {step}: {} = {}. ",
            rng.random_range(2..90),
            rng.random_range(2..900)
        );
    }
    let _ = write!(out, "The answer is {}.", rng.random_range(1..5_000));
}

/// A small CSV table of two metrics with random figures, and a question about it.
fn write_table(digits: &mut Digits, rng: &mut SimRng, out: &mut String) {
    use std::fmt::Write;
    const GROUPS: &[&str] = &[
        "north", "south", "east", "west", "online", "retail", "export",
    ];
    let a = METRICS[digits.next(METRICS.len())];
    let b = METRICS[digits.next(METRICS.len())];
    let _ = writeln!(out, "group,period,{a},{b}");
    for group in GROUPS.iter().take(rng.random_range(3..GROUPS.len())) {
        for period in 1..=rng.random_range(2..5) {
            let _ = writeln!(
                out,
                "{group},Q{period},{},{}",
                rng.random_range(10..10_000),
                rng.random_range(1..500)
            );
        }
    }
    out.push_str(TABLE_QUESTIONS[digits.next(TABLE_QUESTIONS.len())]);
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;

    use super::*;

    const KINDS: [TaskKind; 9] = [
        TaskKind::StepByStep,
        TaskKind::RubricGrading,
        TaskKind::CensorshipRewrite,
        TaskKind::AgenticTools,
        TaskKind::Coding,
        TaskKind::AgenticCoding,
        TaskKind::DataAnalysis,
        TaskKind::ComputerUse,
        TaskKind::Vision,
    ];

    /// Task `task` written with the same random draws every time, so that only the task
    /// index tells two texts apart.
    fn text(corpus: &Corpus, kind: TaskKind, lang: Lang, task: u64) -> String {
        let mut out = String::new();
        write_task(
            corpus,
            kind,
            lang,
            task,
            &mut SimRng::seed_from_u64(1),
            &mut out,
        );
        out
    }

    #[test]
    fn distinct_task_indices_write_distinct_tasks() {
        let corpus = Corpus::built_in();
        for kind in KINDS {
            for lang in [Lang::English, Lang::Chinese] {
                let space = kind.task_space(&corpus, lang);
                // The start and the end of the space, across every family boundary.
                let tasks: Vec<u64> = (0..space.min(500))
                    .chain(space.saturating_sub(500)..space)
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                let texts: HashSet<String> = tasks
                    .iter()
                    .map(|&t| text(&corpus, kind, lang, t))
                    .collect();
                assert_eq!(texts.len(), tasks.len(), "{kind:?} in {lang:?}");
                assert!(texts.iter().all(|t| !t.is_empty()), "{kind:?}");
            }
        }
    }

    #[test]
    fn task_spaces_are_large_where_tasks_are_composed() {
        let corpus = Corpus::built_in();
        let space = |kind: TaskKind, lang| kind.task_space(&corpus, lang);
        assert!(space(TaskKind::Vision, Lang::English) >= 10_000);
        assert!(space(TaskKind::CensorshipRewrite, Lang::English) >= 20_000);
        assert!(space(TaskKind::CensorshipRewrite, Lang::Chinese) >= 15_000);
        assert!(
            space(TaskKind::Coding, Lang::English) > space(TaskKind::AgenticCoding, Lang::English)
        );
    }
}
