//! Paraphrasing: wording the same operator request in ways that share no template.
//!
//! An operator's literal template is one fixed string. Its paraphrases are assembled from
//! independent slots (an action, a manner, an ending…), one option per slot, so a pool of a
//! few dozen fragments yields thousands of wordings and two paraphrased prompts rarely share a
//! run of five words. At strength `p`, each part of a prompt is paraphrased with
//! probability `p`, so `p = 0` is the literal template and `p = 1` never uses it.

use rand::Rng;

use crate::rng::SimRng;

/// How the options of a composed phrase are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Space-separated words.
    Latin,
    /// Chinese: no spaces between fragments.
    Han,
}

/// A phrase made of slots; one option is taken from each slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slots<'a>(pub(crate) &'a [&'a [&'a str]]);

impl<'a> Slots<'a> {
    /// Appends one composed phrase, each option drawn at random.
    pub(crate) fn write(&self, script: Script, rng: &mut SimRng, out: &mut String) {
        self.compose(script, |slot| pick(slot, rng), out);
    }

    /// Appends the phrase that the next digits of `digits` designate, one digit per slot.
    pub(crate) fn write_at(&self, script: Script, digits: &mut Digits, out: &mut String) {
        self.compose(script, |slot| slot[digits.next(slot.len())], out);
    }

    /// How many phrases the slots compose (1 for no slot).
    pub(crate) fn count(&self) -> u64 {
        self.0.iter().map(|slot| slot.len() as u64).product()
    }

    /// Joins one option per slot: Latin options with a space, except before an empty one.
    fn compose(
        &self,
        script: Script,
        mut choose: impl FnMut(&'a [&'a str]) -> &'a str,
        out: &mut String,
    ) {
        let mut first = true;
        for slot in self.0 {
            let option = choose(slot);
            if option.is_empty() {
                continue;
            }
            if !first && script == Script::Latin {
                out.push(' ');
            }
            out.push_str(option);
            first = false;
        }
    }
}

/// A task's index in a space composed of slots, read as a mixed-radix number: each slot in
/// turn takes the next digit in the slot's own base. Indices `0..count` therefore name every
/// combination exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Digits(pub(crate) u64);

impl Digits {
    /// The next digit, in `0..radix`.
    pub(crate) fn next(&mut self, radix: usize) -> usize {
        let radix = radix as u64;
        let digit = self.0 % radix;
        self.0 /= radix;
        digit as usize
    }
}

/// One option of a list, uniformly.
pub(crate) fn pick<'a>(options: &[&'a str], rng: &mut SimRng) -> &'a str {
    options[rng.random_range(0..options.len())]
}

/// Whether one part is paraphrased at `strength`.
pub(crate) fn paraphrased(strength: f64, rng: &mut SimRng) -> bool {
    strength > 0.0 && rng.random::<f64>() < strength
}

/// Openers a paraphrasing operator puts before the request so that prompts start differently.
pub(crate) const FRAMING: Slots<'static> = Slots(&[
    &[
        "I'm a teacher",
        "I work in QA",
        "As a student",
        "Quick one:",
        "For a side project",
        "My manager asked me this",
        "I'm preparing for an interview",
        "For our internal wiki",
        "I've been stuck on this",
        "Context: I'm new to this",
        "Hi!",
        "Hello there.",
        "Not urgent, but",
        "So,",
    ],
    &[
        "and I need help with the following.",
        "and would love a careful answer.",
        "so please take your time.",
        "and want to understand this properly.",
        "and I need something I can reuse.",
        "— here is what I have.",
        "and this has to be right.",
        "and any insight helps.",
    ],
]);

/// How the task is introduced; the literal template always says `Task:`.
pub(crate) const LABELS: &[&str] = &[
    "",
    "Problem:",
    "Here it is:",
    "Input:",
    "### Details",
    "Question —",
    "Context:",
    "The material:",
    "See below.",
    "Specifically:",
];

/// Operator-independent ways to ask for the manner of an answer.
pub(crate) const MANNER: &[&str] = &[
    "carefully",
    "in detail",
    "one step at a time",
    "without skipping anything",
    "as explicitly as you can",
    "thoroughly",
    "in plain words",
    "rigorously",
    "with every intermediate result",
    "slowly and clearly",
];

/// Ways to close a request.
pub(crate) const ENDINGS: &[&str] = &[
    "before answering.",
    "and then state the result.",
    "and finish with the answer on its own line.",
    "before you commit to anything.",
    "then conclude.",
    "and only then give the outcome.",
    "and end with a short summary.",
    "— the final answer goes last.",
    "please.",
    "and keep the conclusion separate.",
];

/// System prompts a paraphrasing operator rotates through (or drops).
pub(crate) const SYSTEMS: Slots<'static> = Slots(&[
    &[
        "You are a helpful assistant.",
        "You are an expert.",
        "You are a careful analyst.",
        "Act as a senior specialist.",
        "You are a knowledgeable tutor.",
        "Assistant persona: precise and patient.",
    ],
    &[
        "Be accurate.",
        "Answer fully.",
        "Be concise but complete.",
        "Use clear structure.",
        "Avoid speculation.",
        "Explain as needed.",
    ],
]);
