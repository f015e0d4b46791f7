//! Prompt sets: what ordinary users ask and the task collections campaigns target.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::{malformed, read_text};
use crate::error::SimError;

/// Longest prompt kept, in bytes (cut at a character boundary). Some corpus prompts carry
/// pages of reference material; their opening carries the signal a detector can use (the
/// request, the task), while the rest would multiply output size and halve write throughput.
pub(crate) const MAX_PROMPT_BYTES: usize = 512;

/// One corpus file of prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PromptSet {
    ArenaHard,
    MtBench,
    WritingBench,
    HumanEval,
    Gsm8kTrain,
    Gsm8kTest,
    SweLancer,
    Tau2,
    AgentBenchOs,
}

impl PromptSet {
    pub(crate) const ALL: [PromptSet; 9] = [
        PromptSet::ArenaHard,
        PromptSet::MtBench,
        PromptSet::WritingBench,
        PromptSet::HumanEval,
        PromptSet::Gsm8kTrain,
        PromptSet::Gsm8kTest,
        PromptSet::SweLancer,
        PromptSet::Tau2,
        PromptSet::AgentBenchOs,
    ];

    /// The file under the corpus directory.
    fn path(self) -> &'static str {
        match self {
            PromptSet::ArenaHard => "prompts/benign/arena_hard.jsonl",
            PromptSet::MtBench => "prompts/benign/mt_bench.jsonl",
            PromptSet::WritingBench => "prompts/benign/writingbench.jsonl",
            PromptSet::HumanEval => "prompts/tasks/humaneval.jsonl",
            PromptSet::Gsm8kTrain => "prompts/tasks/gsm8k_train.jsonl",
            PromptSet::Gsm8kTest => "prompts/tasks/gsm8k_test.jsonl",
            PromptSet::SweLancer => "prompts/tasks/swe_lancer.jsonl",
            PromptSet::Tau2 => "prompts/tasks/tau2.jsonl",
            PromptSet::AgentBenchOs => "prompts/tasks/agentbench_os.jsonl",
        }
    }
}

/// One prompt, with its scripted second turn where the corpus has one (MT-Bench).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prompt {
    pub(crate) text: Box<str>,
    pub(crate) followup: Option<Box<str>>,
}

impl Prompt {
    /// A prompt, cut to [`MAX_PROMPT_BYTES`].
    pub(crate) fn new(text: &str, followup: Option<&str>) -> Prompt {
        Prompt {
            text: truncate(text).into(),
            followup: followup.map(|f| truncate(f).into()),
        }
    }
}

fn truncate(text: &str) -> &str {
    if text.len() <= MAX_PROMPT_BYTES {
        return text;
    }
    let cut = (0..=MAX_PROMPT_BYTES)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    &text[..cut]
}

/// Every prompt set, each non-empty and without repeats.
#[derive(Debug, Clone)]
pub(crate) struct Prompts {
    sets: Vec<Vec<Prompt>>,
}

impl Prompts {
    /// Builds from one list per [`PromptSet::ALL`] entry, in that order. A text that occurs
    /// again in its set is dropped (the first occurrence kept): cut at [`MAX_PROMPT_BYTES`],
    /// rows that differ only in their tail read the same (2,555 tau2 rows hold 263 texts,
    /// 463 SWE-Lancer rows 366), and two items of one text would make a campaign send the
    /// same task twice.
    pub(crate) fn new(sets: Vec<Vec<Prompt>>) -> Prompts {
        assert_eq!(sets.len(), PromptSet::ALL.len());
        assert!(
            sets.iter().all(|s| !s.is_empty()),
            "every prompt set needs prompts"
        );
        let sets = sets
            .into_iter()
            .map(|set| {
                let mut seen = HashSet::new();
                set.into_iter()
                    .filter(|prompt| seen.insert(prompt.text.clone()))
                    .collect()
            })
            .collect();
        Prompts { sets }
    }

    /// All prompts of a set.
    pub(crate) fn set(&self, set: PromptSet) -> &[Prompt] {
        &self.sets[set as usize]
    }

    /// The prompt of `set` that `item` designates (wrapping around).
    pub(crate) fn pick(&self, set: PromptSet, item: u32) -> &Prompt {
        let prompts = self.set(set);
        &prompts[item as usize % prompts.len()]
    }
}

#[derive(Deserialize)]
struct Row {
    text: String,
    #[serde(default)]
    followup: Option<String>,
}

pub(super) fn load(dir: &Path) -> Result<Prompts, SimError> {
    let sets = PromptSet::ALL
        .iter()
        .map(|set| load_set(&dir.join(set.path())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Prompts::new(sets))
}

fn load_set(path: &Path) -> Result<Vec<Prompt>, SimError> {
    let text = read_text(path)?;
    let mut prompts = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(line)
            .map_err(|e| malformed(path, format!("line {}: {e}", number + 1)))?;
        if !row.text.trim().is_empty() {
            prompts.push(Prompt::new(&row.text, row.followup.as_deref()));
        }
    }
    if prompts.is_empty() {
        return Err(malformed(path, "no prompts"));
    }
    Ok(prompts)
}
