//! Weighted phrase lexicons matched in one automaton pass, for the content classifiers.
//!
//! A lexicon is a list of `(phrase, tag, weight)`. Matching is ASCII case-insensitive, and a
//! phrase that starts (ends) with an ASCII letter or digit only matches at a word boundary
//! ("rate" does not match in "separate"); a phrase ending in `*` matches as a prefix
//! ("refactor*" matches "refactoring"). Phrases in Chinese match anywhere. Each phrase counts
//! once per request, however often it occurs and in however many of the request's texts, so
//! that repeating a word does not inflate a score.
//!
//! A request says what it wants in its instruction frame: the opening and the closing words.
//! Long prompts also carry pasted material (an article to summarise, a log, a paper to
//! outline) that mentions every topic under the sun, so [`Lexicon::scan_framed`] tells the
//! classifiers whether a phrase stood in the frame or in the body, and they cap what the body
//! can add.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// Bytes at the start of a text that count as its instruction frame.
const FRAME_HEAD_BYTES: usize = 600;
/// Bytes at the end of a text that count as its instruction frame.
const FRAME_TAIL_BYTES: usize = 300;

/// Where in a text a phrase was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    /// The whole of a short text, or the head or tail of a long one.
    Frame,
    /// Between the head and the tail of a long text.
    Body,
}

/// The most phrases a lexicon may hold (the size of [`Seen`]).
const MAX_PHRASES: usize = 1024;

/// A compiled lexicon with tags of type `T`.
pub(crate) struct Lexicon<T> {
    automaton: AhoCorasick,
    /// Per automaton pattern: the phrase it came from, its tag and weight and its boundaries.
    entries: Vec<Entry<T>>,
}

struct Entry<T> {
    phrase: usize,
    tag: T,
    weight: f32,
    start_boundary: bool,
    end_boundary: bool,
}

/// The phrases of a lexicon already counted for the current request.
pub(crate) struct Seen([u64; MAX_PHRASES / 64]);

impl Seen {
    pub(crate) fn new() -> Seen {
        Seen([0; MAX_PHRASES / 64])
    }

    /// Marks `phrase`; true when it was not marked before.
    fn first_time(&mut self, phrase: usize) -> bool {
        let (word, bit) = (phrase / 64, 1u64 << (phrase % 64));
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }
}

impl<T: Copy> Lexicon<T> {
    /// Compiles a lexicon. A phrase with an apostrophe also matches with a typographic one.
    ///
    /// # Panics
    /// On more than [`MAX_PHRASES`] phrases or an empty phrase: lexicons are constants, so
    /// this is a programming error caught by the first test that classifies anything.
    pub(crate) fn new(phrases: &[(&str, T, f32)]) -> Lexicon<T> {
        assert!(phrases.len() <= MAX_PHRASES, "lexicon too large");
        let mut patterns = Vec::with_capacity(phrases.len());
        let mut entries = Vec::with_capacity(phrases.len());
        for (phrase, &(text, tag, weight)) in phrases.iter().enumerate() {
            let (text, prefix) = match text.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (text, false),
            };
            assert!(!text.is_empty(), "empty lexicon phrase");
            let bytes = text.as_bytes();
            let entry = || Entry {
                phrase,
                tag,
                weight,
                start_boundary: bytes[0].is_ascii_alphanumeric(),
                end_boundary: !prefix && bytes[bytes.len() - 1].is_ascii_alphanumeric(),
            };
            patterns.push(text.to_owned());
            entries.push(entry());
            if text.contains('\'') {
                patterns.push(text.replace('\'', "\u{2019}"));
                entries.push(entry());
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .build(&patterns)
            .expect("lexicon phrases compile");
        Lexicon { automaton, entries }
    }

    /// Like [`Lexicon::scan`], also saying whether each phrase stood in the frame of the text
    /// (all of a short text; the first and last few hundred bytes of a long one) or in its
    /// body. The head and tail are read first, so a phrase found there counts as in the frame
    /// even when the body repeats it.
    pub(crate) fn scan_framed(
        &self,
        text: &str,
        seen: &mut Seen,
        mut found: impl FnMut(T, f32, Region),
    ) {
        if text.len() <= FRAME_HEAD_BYTES + FRAME_TAIL_BYTES {
            self.scan(text, seen, |tag, weight| found(tag, weight, Region::Frame));
            return;
        }
        let head_end = text.floor_char_boundary(FRAME_HEAD_BYTES);
        let tail_start = text.ceil_char_boundary(text.len() - FRAME_TAIL_BYTES);
        for (part, region) in [
            (&text[..head_end], Region::Frame),
            (&text[tail_start..], Region::Frame),
            (&text[head_end..tail_start], Region::Body),
        ] {
            self.scan(part, seen, |tag, weight| found(tag, weight, region));
        }
    }

    /// Calls `found(tag, weight)` once for every phrase found in `text` and not yet in `seen`.
    pub(crate) fn scan(&self, text: &str, seen: &mut Seen, mut found: impl FnMut(T, f32)) {
        let bytes = text.as_bytes();
        for m in self.automaton.find_overlapping_iter(text) {
            let entry = &self.entries[m.pattern().as_usize()];
            let starts_word = !entry.start_boundary
                || m.start() == 0
                || !bytes[m.start() - 1].is_ascii_alphanumeric();
            let ends_word = !entry.end_boundary
                || bytes
                    .get(m.end())
                    .is_none_or(|b| !b.is_ascii_alphanumeric());
            if starts_word && ends_word && seen.first_time(entry.phrase) {
                found(entry.tag, entry.weight);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(lexicon: &Lexicon<u8>, texts: &[&str]) -> Vec<u8> {
        let mut seen = Seen::new();
        let mut out = Vec::new();
        for text in texts {
            lexicon.scan(text, &mut seen, |tag, _| out.push(tag));
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn phrases_match_whole_words_case_insensitively_once_per_request() {
        let lexicon = Lexicon::new(&[("rate", 1, 1.0), ("refactor*", 2, 1.0), ("评分", 3, 1.0)]);
        assert_eq!(hits(&lexicon, &["Please RATE this; rate it again"]), [1]);
        assert_eq!(hits(&lexicon, &["separate the parts"]), Vec::<u8>::new());
        assert_eq!(hits(&lexicon, &["Refactoring this module", "rate"]), [1, 2]);
        assert_eq!(hits(&lexicon, &["请给这个回答评分"]), [3]);
    }

    #[test]
    fn phrases_in_the_middle_of_a_long_text_are_in_its_body() {
        let lexicon = Lexicon::new(&[("poem", 1, 1.0), ("story", 2, 1.0)]);
        let filler = "lorem ipsum ".repeat(100);
        let text = format!("Write a story.{filler} a poem {filler} Thanks, and a story again.");
        let mut seen = Seen::new();
        let mut found = Vec::new();
        lexicon.scan_framed(&text, &mut seen, |tag, _, region| found.push((tag, region)));
        found.sort_by_key(|&(tag, _)| tag);
        assert_eq!(found, [(1, Region::Body), (2, Region::Frame)]);
    }

    #[test]
    fn apostrophes_match_in_both_typographies() {
        let lexicon = Lexicon::new(&[("don't explain", 1, 1.0)]);
        assert_eq!(hits(&lexicon, &["Please don\u{2019}t explain"]), [1]);
        assert_eq!(hits(&lexicon, &["please don't explain"]), [1]);
    }
}
