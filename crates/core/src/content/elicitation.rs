//! Chain-of-thought elicitation: does a request ask the model to lay out its full reasoning?
//!
//! **Campaign behaviour.** A distiller wants more than answers: it wants the reasoning that
//! produced them, to train a student to reason. So campaign templates ask for it explicitly and
//! on every request ("think step by step and show all your work", "reconstruct your complete
//! reasoning process", "请一步一步地写出完整的思考过程"), usually in the fixed frame of the template.
//!
//! **Honest behaviour that looks like it.** Students ask to be walked through a solution,
//! people say "explain" all the time, and "Let's think step by step" is folk wisdom for better
//! answers. An honest user does this now and then; a campaign does it on nearly every request
//! of every account. This module only grades one request; the share per account is up to the
//! signals built on top.
//!
//! **How it tells a casual "explain" from a request for the reasoning trace.** Cues carry
//! weights: a bare "explain" or "why" is far below the [`Elicitation::Weak`] bar, "step by
//! step" or "walk me through" is weak, and an explicit request for the reasoning itself
//! ("show your work", "explain your reasoning in detail", "chain of thought", "完整的推理过程")
//! is strong, as are two weaker cues together. Requests *not* to explain ("just the answer",
//! "不需要解释") subtract.
//!
//! ```
//! use hydrascope_core::content::elicitation::{detect, Elicitation};
//!
//! assert_eq!(detect("Can you explain what a mortgage is?", None), Elicitation::Absent);
//! assert_eq!(detect("Walk me through how to set up SSH keys.", None), Elicitation::Weak);
//! assert_eq!(detect("Solve it. Think step by step and show your work.", None), Elicitation::Strong);
//! ```

use std::fmt;

use super::cues::{self, CueSums};

/// How explicitly a request asks for the model's reasoning. The discriminant is stored in an
/// encoded sketch: never reorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum Elicitation {
    /// No request for reasoning beyond ordinary explanation.
    #[default]
    Absent = 0,
    /// Asks for steps or a walk-through, not for the full reasoning trace.
    Weak = 1,
    /// Asks explicitly for the full reasoning: every step, the complete thought process.
    Strong = 2,
}

impl Elicitation {
    /// The stable snake_case name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Elicitation::Absent => "absent",
            Elicitation::Weak => "weak",
            Elicitation::Strong => "strong",
        }
    }

    /// The strength stored as `code` in a sketch.
    pub fn from_code(code: u8) -> Option<Elicitation> {
        match code {
            0 => Some(Elicitation::Absent),
            1 => Some(Elicitation::Weak),
            2 => Some(Elicitation::Strong),
            _ => None,
        }
    }

    /// The strength of a cue score (see [`score`]).
    pub fn of_score(score: f32) -> Elicitation {
        if score >= STRONG_AT {
            Elicitation::Strong
        } else if score >= WEAK_AT {
            Elicitation::Weak
        } else {
            Elicitation::Absent
        }
    }
}

impl fmt::Display for Elicitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The cue score from which a request is [`Elicitation::Strong`].
pub const STRONG_AT: f32 = 1.0;
/// The cue score from which a request is [`Elicitation::Weak`].
pub const WEAK_AT: f32 = 0.4;

/// The most the body of a long prompt (pasted material between its opening and closing
/// instructions, where "step by step" may be quoted rather than asked) adds to the score.
pub const BODY_CAP: f32 = 0.3;

/// How explicitly the prompt and the system prompt together ask for the model's reasoning.
pub fn detect(prompt: &str, system_prompt: Option<&str>) -> Elicitation {
    Elicitation::of_score(score(prompt, system_prompt))
}

/// The sum of the weights of the elicitation cues in the prompt and the system prompt (each
/// cue counted once); negative cues ("just the answer") subtract. Cues in the body of a long
/// prompt add at most [`BODY_CAP`].
pub fn score(prompt: &str, system_prompt: Option<&str>) -> f32 {
    score_with(&cues::scan(system_prompt.into_iter().chain([prompt])))
}

/// [`score`] from the request's phrase evidence, already gathered.
pub(crate) fn score_with(cues: &CueSums) -> f32 {
    let (frame, body) = cues.elicitation();
    frame + body.min(BODY_CAP)
}

/// Cues and weights: 1.0 is an explicit request for the reasoning trace; 0.4–0.7 asks for
/// steps; below that, words that only strengthen another cue.
pub(crate) const CUE_WEIGHTS: &[(&str, f32)] = &[
    // Explicit requests for the reasoning itself.
    ("think step by step", 1.0),
    ("think step-by-step", 1.0),
    ("think through this step by step", 1.0),
    ("show your work", 1.0),
    ("show all your work", 1.0),
    ("show all work", 1.0),
    ("show your reasoning", 1.0),
    ("show your thinking", 1.0),
    ("show the reasoning", 0.8),
    ("show your steps", 0.9),
    ("show all steps", 0.9),
    ("show every step", 1.0),
    ("show each step", 1.0),
    ("chain of thought", 1.0),
    ("chain-of-thought", 1.0),
    ("reasoning trace", 1.0),
    ("reasoning process", 0.8),
    ("thought process", 0.8),
    ("thinking process", 0.8),
    ("full reasoning", 1.0),
    ("complete reasoning", 1.0),
    ("entire reasoning", 1.0),
    ("detailed reasoning", 1.0),
    ("all of your reasoning", 1.0),
    ("reconstruct the reasoning", 1.0),
    ("reconstruct your reasoning", 1.0),
    ("reconstruct the full", 1.0),
    ("internal reasoning", 1.0),
    ("your reasoning", 0.25),
    ("explain your reasoning", 0.5),
    ("explain your thinking", 0.5),
    ("articulate your reasoning", 0.8),
    ("how you arrived at", 0.7),
    ("how you got to", 0.5),
    ("intermediate steps", 0.8),
    ("every step", 0.5),
    ("each step", 0.5),
    ("all the steps", 0.5),
    ("every intermediate", 0.6),
    ("<thinking>", 1.0),
    ("<think>", 1.0),
    ("before giving the final answer", 0.5),
    ("before answering", 0.4),
    ("let's think", 0.6),
    ("reason carefully", 0.5),
    // Step-by-step and walk-throughs.
    ("step by step", 0.6),
    ("step-by-step", 0.6),
    ("walk me through", 0.6),
    ("walk through", 0.4),
    ("justify each", 0.6),
    ("justify your answer", 0.5),
    ("explain why", 0.3),
    // Intensifiers: only count together with a cue above.
    ("in detail", 0.3),
    ("detailed explanation", 0.4),
    ("thoroughly", 0.2),
    ("explain", 0.15),
    // Chinese.
    ("一步一步", 0.8),
    ("一步步", 0.8),
    ("逐步", 0.6),
    ("分步", 0.5),
    ("每一步", 0.6),
    ("每个步骤", 0.6),
    ("推理过程", 0.8),
    ("思考过程", 0.8),
    ("思维过程", 0.8),
    ("解题过程", 0.8),
    ("解题步骤", 0.8),
    ("推理步骤", 0.8),
    ("思维链", 1.0),
    ("展示推理", 1.0),
    ("展示你的推理", 1.0),
    ("完整的推理", 1.0),
    ("完整的思考", 1.0),
    ("完整推理", 1.0),
    ("详细推理", 0.8),
    ("写出完整", 0.5),
    ("详细解释你的", 0.6),
    ("你的推理", 0.6),
    ("详细解释", 0.3),
    ("详细", 0.2),
    ("说明理由", 0.4),
    ("解释", 0.15),
    // Requests not to explain.
    ("just the answer", -0.8),
    ("only the answer", -0.8),
    ("just give me the answer", -0.8),
    ("no explanation", -0.8),
    ("without explanation", -0.8),
    ("don't explain", -0.8),
    ("do not explain", -0.8),
    ("don't show your work", -1.2),
    ("do not show your work", -1.2),
    ("no need to explain", -0.8),
    ("只给出答案", -0.8),
    ("只需要答案", -0.8),
    ("直接给出答案", -0.8),
    ("不需要解释", -0.8),
    ("不要解释", -0.8),
    ("无需解释", -0.8),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_casual_explain_is_not_elicitation() {
        for prompt in [
            "Can you explain the difference between a Roth IRA and a traditional IRA?",
            "Explain how vaccines train the immune system.",
            "Why is the sky blue?",
            "请解释一下什么是通货膨胀。",
        ] {
            assert_eq!(detect(prompt, None), Elicitation::Absent, "{prompt}");
        }
    }

    #[test]
    fn step_by_step_instructions_and_walk_throughs_are_weak() {
        for prompt in [
            "Give me step-by-step instructions for repotting a monstera.",
            "Walk me through setting up a Python virtual environment.",
            "请逐步说明如何配置路由器。",
        ] {
            assert_eq!(detect(prompt, None), Elicitation::Weak, "{prompt}");
        }
    }

    #[test]
    fn explicit_requests_for_the_full_reasoning_are_strong() {
        for prompt in [
            "Solve the problem. Think step by step.",
            "Show your work.",
            "Explain your reasoning in detail before giving the final answer.",
            "Reconstruct the reasoning that leads to this conclusion, every intermediate step.",
            "Write out your full chain of thought, then the answer.",
            "请一步一步地思考，并写出完整的思考过程。",
            "详细解释你的推理过程。",
            "请展示推理步骤。",
        ] {
            assert_eq!(detect(prompt, None), Elicitation::Strong, "{prompt}");
        }
    }

    #[test]
    fn explaining_your_reasoning_is_weak_until_asked_in_detail() {
        assert_eq!(detect("Explain your reasoning.", None), Elicitation::Weak);
        assert_eq!(
            detect("Explain your reasoning in detail.", None),
            Elicitation::Strong
        );
    }

    #[test]
    fn the_system_prompt_counts_too() {
        let system = "You are a tutor. Always show your reasoning step by step.";
        assert_eq!(
            detect("What is 17 * 23?", Some(system)),
            Elicitation::Strong
        );
    }

    #[test]
    fn asking_for_just_the_answer_cancels_a_weak_cue() {
        assert_eq!(
            detect(
                "Step by step is not needed, just give me the answer: 17 * 23?",
                None
            ),
            Elicitation::Absent
        );
        assert_eq!(
            detect("Don't show your work, only the number.", None),
            Elicitation::Absent
        );
    }

    #[test]
    fn a_repeated_cue_counts_once() {
        assert_eq!(
            detect(
                "explain, explain, explain, explain, explain, explain, explain",
                None
            ),
            Elicitation::Absent
        );
    }

    #[test]
    fn codes_round_trip() {
        for e in [Elicitation::Absent, Elicitation::Weak, Elicitation::Strong] {
            assert_eq!(Elicitation::from_code(e as u8), Some(e));
        }
        assert_eq!(Elicitation::from_code(3), None);
    }
}
