//! Content analysis: what the text of a request says about the campaign behind it.
//!
//! A distillation campaign is visible in its prompts before it is visible anywhere else:
//! thousands of accounts send prompts built from a few shared templates, filled with many
//! distinct tasks, asking for the model's full reasoning, and focused on a narrow set of
//! capabilities. This module turns one request into those facts; the signals built on top
//! count them per account and across accounts, which is where campaigns and honest users
//! actually part (a single prompt never convicts anyone).
//!
//! - [`skeleton`]: the prompt with its slot values masked, and its instruction frame, so that
//!   one template's prompts collide;
//! - [`minhash`]: near-duplicate signatures of skeletons under a versioned hash spec, with LSH
//!   band keys;
//! - [`capability`]: which capabilities a request exercises;
//! - [`elicitation`]: whether it asks for the model's chain of thought;
//! - [`sketch`]: all of that in one [`PromptSketch`], the contract's `prompt_sketch`.
//!
//! Everything here is a pure function of the request, deterministic across machines and runs,
//! and cheap enough to run on every event (about a microsecond for a typical prompt).
//!
//! ```
//! use hydrascope_core::content::PromptSketch;
//!
//! let a = PromptSketch::of_prompt("Translate \"good morning\" into French. Show your reasoning step by step.", None);
//! let b = PromptSketch::of_prompt("Translate \"where is the station\" into French. Show your reasoning step by step.", None);
//! assert_eq!(a.minhash.jaccard(&b.minhash), 1.0);
//! ```

use hydrascope_events::Event;

pub mod capability;
mod cues;
pub mod elicitation;
mod lexicon;
pub mod minhash;
pub mod skeleton;
pub mod sketch;

pub use capability::{Capability, CapabilitySet};
pub use elicitation::Elicitation;
pub use minhash::{MinHash, SKETCH_VERSION};
pub use skeleton::{skeleton, template_frame};
pub use sketch::{PromptSketch, SketchError};

/// The parts of a request that content analysis reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PromptRequest<'a> {
    /// The latest user turn.
    pub prompt: &'a str,
    pub system_prompt: Option<&'a str>,
    /// How many tools the request offered.
    pub tool_count: usize,
    /// Whether extended thinking was requested.
    pub thinking: bool,
}

impl<'a> PromptRequest<'a> {
    /// A request with only a prompt.
    pub fn new(prompt: &'a str) -> Self {
        PromptRequest {
            prompt,
            ..PromptRequest::default()
        }
    }

    /// The request of an event, or `None` when the event carries no prompt text.
    pub fn from_event(event: &'a Event) -> Option<Self> {
        Some(PromptRequest {
            prompt: event.prompt.as_deref()?,
            system_prompt: event.system_prompt.as_deref(),
            tool_count: event.tools.as_ref().map_or(0, |tools| tools.count()),
            thinking: event.thinking.is_some_and(|t| t.is_on()),
        })
    }

    /// The texts of the request: the system prompt (if any), then the prompt.
    fn texts(&self) -> impl Iterator<Item = &'a str> {
        self.system_prompt.into_iter().chain([self.prompt])
    }
}

/// What one event's content comes to: the sketch every content signal reads, whether the
/// provider logged the prompt text or only a sketch computed at the edge (the contract's
/// `prompt_sketch`, for text that may not leave it).
///
/// This is the one place that decides it, for every driver: the batch engine's sketch
/// column, the replay and the live server. The prompt text wins over a carried sketch, since
/// the sketch computed here is the one this build's signals are calibrated on. A carried
/// sketch that does not decode (corrupt, or of another version) is one bad field of one
/// event: the event counts as having no content, and the caller counts and reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSketch<'a> {
    /// Computed from the prompt text.
    Computed(PromptSketch),
    /// The event's own `prompt_sketch`, which decodes to `sketch`.
    Carried {
        encoded: &'a str,
        sketch: PromptSketch,
    },
    /// The event's own `prompt_sketch`, which does not decode.
    Malformed(SketchError),
    /// Neither text nor sketch.
    Absent,
}

impl<'a> EventSketch<'a> {
    /// The content of a request (when the event has prompt text) or of the sketch it carries.
    pub fn of(request: Option<PromptRequest<'_>>, carried: Option<&'a str>) -> Self {
        match (request, carried) {
            (Some(request), _) => EventSketch::Computed(PromptSketch::of_request(&request)),
            (None, Some(encoded)) => match PromptSketch::decode(encoded) {
                Ok(sketch) => EventSketch::Carried { encoded, sketch },
                Err(error) => EventSketch::Malformed(error),
            },
            (None, None) => EventSketch::Absent,
        }
    }

    /// The content of an event.
    pub fn of_event(event: &'a Event) -> Self {
        EventSketch::of(
            PromptRequest::from_event(event),
            event.prompt_sketch.as_deref(),
        )
    }

    /// The identity of the template frame of a request's prompt, or of the sketch the event
    /// carries, decided as [`EventSketch::of`] decides; `None` without usable content. The
    /// same value as the sketch's [`PromptSketch::frame_id`], at the cost of the frame's
    /// signature alone: campaign evidence reads it for every event of every flagged account,
    /// and the whole sketch (cue scan, capability scores, two signatures) cost the evidence
    /// pass most of its time.
    pub fn frame_id(prompt: Option<&str>, carried: Option<&str>) -> Option<u64> {
        match prompt {
            Some(prompt) => Some(PromptSketch::frame_id_of_prompt(prompt)),
            None => EventSketch::of(None, carried)
                .sketch()
                .map(PromptSketch::frame_id),
        }
    }

    /// The sketch the content signals read, if the event has usable content.
    pub fn sketch(&self) -> Option<&PromptSketch> {
        match self {
            EventSketch::Computed(sketch) | EventSketch::Carried { sketch, .. } => Some(sketch),
            EventSketch::Malformed(_) | EventSketch::Absent => None,
        }
    }
}

#[cfg(test)]
mod tests;
