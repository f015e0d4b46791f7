//! One automaton pass over a request for the phrase lexicons of both content classifiers
//! ([`capability`](super::capability) and [`elicitation`](super::elicitation)): sketching every
//! event of a large body of traffic reads each text once, not once per classifier.

use std::sync::LazyLock;

use super::capability::{self, Capability};
use super::elicitation;
use super::lexicon::{Lexicon, Region, Seen};

/// What a phrase is evidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cue {
    Capability(Capability),
    Elicitation,
}

impl Cue {
    fn slot(self) -> usize {
        match self {
            Cue::Capability(c) => c as usize,
            Cue::Elicitation => ELICITATION_SLOT,
        }
    }
}

const ELICITATION_SLOT: usize = Capability::ALL.len();
const SLOTS: usize = ELICITATION_SLOT + 1;

/// The summed weights of the phrases found in a request, per cue, apart for the frame and the
/// body of long texts (see [`Region`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct CueSums {
    frame: [f32; SLOTS],
    body: [f32; SLOTS],
}

impl CueSums {
    /// (frame, body) evidence for a capability.
    pub(crate) fn capability(&self, capability: Capability) -> (f32, f32) {
        let slot = Cue::Capability(capability).slot();
        (self.frame[slot], self.body[slot])
    }

    /// (frame, body) evidence of chain-of-thought elicitation.
    pub(crate) fn elicitation(&self) -> (f32, f32) {
        (self.frame[ELICITATION_SLOT], self.body[ELICITATION_SLOT])
    }
}

/// The cue sums of a request's texts (each phrase counted once over all of them).
pub(crate) fn scan<'a>(texts: impl IntoIterator<Item = &'a str>) -> CueSums {
    let mut sums = CueSums::default();
    let mut seen = Seen::new();
    for text in texts {
        LEXICON.scan_framed(text, &mut seen, |cue, weight, region| {
            let sums = match region {
                Region::Frame => &mut sums.frame,
                Region::Body => &mut sums.body,
            };
            sums[cue.slot()] += weight;
        });
    }
    sums
}

static LEXICON: LazyLock<Lexicon<Cue>> = LazyLock::new(|| {
    let phrases: Vec<(&str, Cue, f32)> = capability::phrases()
        .map(|(phrase, c, weight)| (phrase, Cue::Capability(c), weight))
        .chain(
            elicitation::CUE_WEIGHTS
                .iter()
                .map(|&(phrase, weight)| (phrase, Cue::Elicitation, weight)),
        )
        .collect();
    Lexicon::new(&phrases)
});
