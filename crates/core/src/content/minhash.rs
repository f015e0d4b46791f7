//! MinHash signatures of prompt skeletons, under a versioned hash spec.
//!
//! **Campaign behaviour.** Prompts of one template share most of their word sequences even when
//! the slot values are ones the skeleton could not mask (a task statement pasted into a fixed
//! frame). A MinHash signature estimates the Jaccard similarity of two prompts' sets of word
//! 3-grams from 64 numbers, and its LSH band keys ([`MinHash::bands`]) turn "find every pair of
//! near-duplicate prompts among millions" into grouping by key.
//!
//! **Honest behaviour that looks like it.** Stock phrases ("Write a Python function that …")
//! give honest prompts a small overlap, and one user's retries and edits give a large one.
//! Word 3-grams make the first small (a shared phrase is a few shingles of many), and the
//! signals built on top count *distinct accounts* per band key, which retries by one user do
//! not inflate.
//!
//! # The hash spec, version [`SKETCH_VERSION`]
//!
//! Signatures are persisted, shared with partners and computed on many nodes, so they depend on
//! nothing but this text: no random generator, no `Hasher` of the standard library, no
//! platform-dependent width. Changing anything below changes the signatures and requires a new
//! [`SKETCH_VERSION`]; `golden_signature_is_pinned` in the tests fails loudly when it happens.
//!
//! 1. **Tokens.** Over the skeleton ([`super::skeleton`]): each CJK ideograph, kana or hangul
//!    syllable is a token; a mask (`<q>`, `<code>`, `<id>`, `<name>`, `<cut>`: `<` + ASCII
//!    lower-case letters + `>`) is a token; otherwise a token is a maximal run of alphanumeric
//!    characters, `#`, `_` and `'`. Everything else separates tokens. A token's hash is
//!    `xxh3_64_with_seed(utf8_bytes, TOKEN_SEED)`, except that the gendered third-person
//!    pronouns (`he she him her his hers himself herself`, `他 她`) all hash as `<pro>`: they
//!    follow the name slot of a template ("Priya walks her dog", "Tomasz walks his dog").
//! 2. **Shingles.** Every window of 3 consecutive tokens (word 3-grams; character 3-grams in
//!    CJK text, since each character is a token). Its hash is `xxh3_64_with_seed(le(h1) ‖
//!    le(h2) ‖ le(h3), SHINGLE_SEED)` over 24 bytes. A text of 1 or 2 tokens has one shingle,
//!    with 0 for the missing hashes; a text without tokens has none.
//! 3. **One-permutation hashing.** A shingle hash `h` falls into bin `h >> 58` (its top 6 bits,
//!    [`K`] = 64 bins) with value `h as u32` (its low 32 bits); each bin keeps its least value.
//! 4. **Optimal densification** (Shrivastava, ICML 2017). An empty bin `i` borrows the value
//!    of the original (not densified) bin `j = xxh3_64_with_seed(le_u64(attempt << 8 | i),
//!    DENSIFY_SEED) >> 58` for `attempt = 1, 2, …`, the first `j` that is not empty; after
//!    [`MAX_DENSIFY_ATTEMPTS`] attempts, the next non-empty bin after `i` (cyclically). A text
//!    without shingles has every slot [`EMPTY_SLOT`].
//! 5. **Band keys.** Band `t` of `r` rows is `xxh3_64_with_seed(le_u32(t) ‖ le_u32(slot[t·r])
//!    ‖ … ‖ le_u32(slot[t·r + r − 1]), BAND_SEED)`.
//!
//! # Why K = 64 slots of 32 bits
//!
//! The standard error of the estimate is √(J(1−J)/K): at most 0.0625 with 64 slots, which
//! separates "same template" (J ≳ 0.7) from "shares a stock phrase" (J ≲ 0.2) in a single
//! comparison, while a signature stays 256 bytes (one cache-friendly array, a ~350-character
//! sketch). 128 slots would halve nothing that matters here (the error falls by √2) and double
//! the size and the hashing; 32 slots would leave 0.09 of error, too coarse near the LSH
//! threshold. 32-bit values collide by chance with probability 2⁻³², negligible next to that
//! error. One-permutation hashing costs one hash per shingle instead of K, which is what makes
//! a full sketch of a 512-byte prompt take about a microsecond.
//!
//! # Banding: (b, r) = (16, 4) by default
//!
//! Two signatures with Jaccard J share at least one of b bands of r rows with probability
//! 1 − (1 − Jʳ)ᵇ, an S-curve whose steepest point sits near (1/b)^(1/r). With all 64 slots as
//! 16 bands of 4 that point is J ≈ 0.50:
//!
//! | J | 0.2 | 0.3 | 0.4 | 0.5 | 0.6 | 0.7 | 0.8 | 0.9 |
//! |---|---|---|---|---|---|---|---|---|
//! | P(candidate), b=16 r=4 | 0.03 | 0.12 | 0.34 | 0.64 | 0.89 | 0.99 | >0.999 | >0.999 |
//! | P(candidate), b=12 r=5 | 0.004 | 0.03 | 0.12 | 0.32 | 0.62 | 0.89 | 0.99 | >0.999 |
//!
//! Candidates are then verified with [`MinHash::jaccard`], so the banding trades a few wasted
//! comparisons for recall: (16, 4) finds template siblings at J = 0.7 with probability 0.99.
//! (12, 5) suits a stricter threshold (~0.6–0.7) with fewer candidates.

use xxhash_rust::const_xxh3;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use super::skeleton::{is_cjk, skeleton};

/// The version of the hash spec above; part of every encoded sketch.
pub const SKETCH_VERSION: u8 = 1;

/// Slots in a signature.
pub const K: usize = 64;
/// log2 of [`K`]: the bin of a shingle is the top `K_BITS` bits of its hash.
const K_BITS: u32 = 6;

/// Seed of token hashes: ASCII "hydrasco".
pub const TOKEN_SEED: u64 = 0x6879_6472_6173_636f;
/// Seed of shingle hashes: ASCII "shingle3".
pub const SHINGLE_SEED: u64 = 0x7368_696e_676c_6533;
/// Seed of the densification probes: ASCII "densify1".
pub const DENSIFY_SEED: u64 = 0x6465_6e73_6966_7931;
/// Seed of LSH band keys: ASCII "lshbands".
pub const BAND_SEED: u64 = 0x6c73_6862_616e_6473;

/// Probes of an empty bin before densification falls back to the next non-empty bin.
pub const MAX_DENSIFY_ATTEMPTS: u32 = 1024;

/// The value of every slot of the signature of a text without tokens.
pub const EMPTY_SLOT: u32 = u32::MAX;

/// Words per shingle.
pub const SHINGLE_TOKENS: usize = 3;

/// Default LSH banding: 16 bands of 4 rows, candidate threshold J ≈ 0.5.
pub const DEFAULT_BANDS: (usize, usize) = (16, 4);

/// A MinHash signature: [`K`] slots of 32 bits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MinHash {
    slots: [u32; K],
}

impl MinHash {
    /// The signature of a raw text: its [`skeleton`], shingled and hashed.
    pub fn of_text(text: &str) -> MinHash {
        MinHash::of_skeleton(&skeleton(text))
    }

    /// The signature of a text that is already a skeleton.
    pub fn of_skeleton(skeleton: &str) -> MinHash {
        let mut bins = [EMPTY_SLOT; K];
        let mut filled = 0u64;
        for_each_shingle(skeleton, |h| {
            let bin = (h >> (64 - K_BITS)) as usize;
            bins[bin] = bins[bin].min(h as u32);
            filled |= 1 << bin;
        });
        densify(&mut bins, filled);
        MinHash { slots: bins }
    }

    /// A signature from its slots (as [`MinHash::slots`] gave them).
    pub fn from_slots(slots: [u32; K]) -> MinHash {
        MinHash { slots }
    }

    /// The slots.
    pub fn slots(&self) -> &[u32; K] {
        &self.slots
    }

    /// A stable 64-bit identity of the signature (xxh3 of its slots, little-endian): equal
    /// signatures, and only those in practice, have equal identities, so summaries can count
    /// distinct prompts and frames without keeping 64 slots for each.
    pub fn identity(&self) -> u64 {
        let mut bytes = [0u8; 4 * K];
        for (chunk, slot) in bytes.chunks_exact_mut(4).zip(&self.slots) {
            chunk.copy_from_slice(&slot.to_le_bytes());
        }
        xxh3_64(&bytes)
    }

    /// Whether this is the signature of a text without tokens.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(|&v| v == EMPTY_SLOT)
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets: the share of equal
    /// slots. 0 when either text had no tokens (an empty prompt resembles nothing).
    pub fn jaccard(&self, other: &MinHash) -> f64 {
        if self.is_empty() || other.is_empty() {
            return 0.0;
        }
        let equal = self
            .slots
            .iter()
            .zip(&other.slots)
            .filter(|(a, b)| a == b)
            .count();
        equal as f64 / K as f64
    }

    /// The LSH band keys: `b` bands of `r` consecutive slots each (see the module docs for
    /// the choice). Two texts are near-duplicate candidates when they share any key; keys of
    /// different bands never collide by construction. An empty signature has no keys.
    ///
    /// # Panics
    /// When `r` is 0 or `b × r` exceeds [`K`].
    pub fn bands(&self, b: usize, r: usize) -> impl Iterator<Item = u64> + '_ {
        assert!(
            r > 0 && b * r <= K,
            "{b} bands of {r} rows need more than {K} slots"
        );
        let bands = if self.is_empty() { 0 } else { b };
        (0..bands).map(move |band| {
            let mut buf = [0u8; 4 + 4 * K];
            buf[..4].copy_from_slice(&(band as u32).to_le_bytes());
            for (row, slot) in self.slots[band * r..(band + 1) * r].iter().enumerate() {
                buf[4 + 4 * row..8 + 4 * row].copy_from_slice(&slot.to_le_bytes());
            }
            xxh3_64_with_seed(&buf[..4 + 4 * r], BAND_SEED)
        })
    }
}

impl std::fmt::Debug for MinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MinHash[")?;
        for (i, slot) in self.slots.iter().take(4).enumerate() {
            write!(f, "{}{slot:08x}", if i > 0 { " " } else { "" })?;
        }
        write!(f, " …]")
    }
}

/// Fills the empty bins of a one-permutation sketch (step 4 of the spec); bit `i` of `filled`
/// says whether bin `i` received a shingle.
fn densify(bins: &mut [u32; K], filled: u64) {
    if filled == 0 || filled == u64::MAX {
        return;
    }
    let is_filled = |j: usize| filled >> j & 1 == 1;
    let original = *bins;
    let mut empty = !filled;
    while empty != 0 {
        let i = empty.trailing_zeros() as usize;
        empty &= empty - 1;
        let j = first_filled_probe(&PROBES[i], filled)
            .or_else(|| {
                (PROBE_TABLE as u32 + 1..=MAX_DENSIFY_ATTEMPTS)
                    .map(|attempt| probe(i, attempt))
                    .find(|&j| is_filled(j))
            })
            .or_else(|| (1..K).map(|step| (i + step) % K).find(|&j| is_filled(j)));
        bins[i] = j.map_or(EMPTY_SLOT, |j| original[j]);
    }
}

/// The first bin of a row of tabulated probes that is filled. Probes are tested eight at a
/// time without branching: with a mostly filled sketch the first eight almost always hit.
#[inline]
fn first_filled_probe(row: &[u8; PROBE_TABLE], filled: u64) -> Option<usize> {
    row.chunks_exact(8).find_map(|chunk| {
        let hits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |hits, (k, &j)| hits | ((filled >> j) as u32 & 1) << k);
        (hits != 0).then(|| usize::from(chunk[hits.trailing_zeros() as usize]))
    })
}

/// The bin that empty bin `i` probes at `attempt` (step 4 of the spec).
fn probe(i: usize, attempt: u32) -> usize {
    (xxh3_64_with_seed(&probe_key(i, attempt), DENSIFY_SEED) >> (64 - K_BITS)) as usize
}

const fn probe_key(i: usize, attempt: u32) -> [u8; 8] {
    (((attempt as u64) << 8) | i as u64).to_le_bytes()
}

/// Probes tabulated per bin, computed at compile time: with this many, a text with at least
/// a handful of shingles almost never needs [`probe`] at run time.
const PROBE_TABLE: usize = 48;
static PROBES: [[u8; PROBE_TABLE]; K] = {
    let mut table = [[0u8; PROBE_TABLE]; K];
    let mut i = 0;
    while i < K {
        let mut attempt = 1;
        while attempt <= PROBE_TABLE {
            let h = const_xxh3::xxh3_64_with_seed(&probe_key(i, attempt as u32), DENSIFY_SEED);
            table[i][attempt - 1] = (h >> (64 - K_BITS)) as u8;
            attempt += 1;
        }
        i += 1;
    }
    table
};

/// Calls `f` with the hash of every shingle of a skeleton (steps 1–2 of the spec).
pub(crate) fn for_each_shingle(skeleton: &str, mut f: impl FnMut(u64)) {
    let mut window = [0u64; SHINGLE_TOKENS];
    let mut seen = 0usize;
    for_each_token(skeleton, |token| {
        window.rotate_left(1);
        window[SHINGLE_TOKENS - 1] = token_hash(token);
        seen += 1;
        if seen >= SHINGLE_TOKENS {
            f(shingle_hash(&window));
        }
    });
    if (1..SHINGLE_TOKENS).contains(&seen) {
        // Too short for one full window: one shingle of what there is, zero-padded.
        let mut short = [0u64; SHINGLE_TOKENS];
        short[..seen].copy_from_slice(&window[SHINGLE_TOKENS - seen..]);
        f(shingle_hash(&short));
    }
}

fn token_hash(token: &str) -> u64 {
    let token = match token {
        "he" | "she" | "him" | "her" | "his" | "hers" | "himself" | "herself" | "他" | "她" => {
            "<pro>"
        }
        other => other,
    };
    xxh3_64_with_seed(token.as_bytes(), TOKEN_SEED)
}

fn shingle_hash(window: &[u64; SHINGLE_TOKENS]) -> u64 {
    let mut buf = [0u8; 8 * SHINGLE_TOKENS];
    for (chunk, h) in buf.chunks_exact_mut(8).zip(window) {
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    xxh3_64_with_seed(&buf, SHINGLE_SEED)
}

/// Calls `f` with every token of a skeleton (step 1 of the spec).
pub(crate) fn for_each_token<'a>(skeleton: &'a str, mut f: impl FnMut(&'a str)) {
    let bytes = skeleton.as_bytes();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() || matches!(b, b'#' | b'_' | b'\'') {
            start.get_or_insert(i);
            i += 1;
            continue;
        }
        let (c, len) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = skeleton[i..].chars().next().unwrap_or(' ');
            (c, c.len_utf8())
        };
        if is_token_char(c) && !is_cjk(c) {
            start.get_or_insert(i);
            i += len;
            continue;
        }
        if let Some(s) = start.take() {
            f(&skeleton[s..i]);
        }
        if is_cjk(c) {
            f(&skeleton[i..i + len]);
        } else if c == '<'
            && let Some(mask_len) = mask_len(&bytes[i..])
        {
            f(&skeleton[i..i + mask_len]);
            i += mask_len;
            continue;
        }
        i += len;
    }
    if let Some(s) = start {
        f(&skeleton[s..]);
    }
}

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '#' | '_' | '\'')
}

/// The length of a mask (`<` + ASCII lower-case letters + `>`) at the start of `bytes`.
fn mask_len(bytes: &[u8]) -> Option<usize> {
    let letters = bytes[1..]
        .iter()
        .take(8)
        .take_while(|b| b.is_ascii_lowercase())
        .count();
    (letters > 0 && bytes.get(1 + letters) == Some(&b'>')).then_some(letters + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_token(text, |t| out.push(t));
        out
    }

    #[test]
    fn tokens_are_words_masks_and_single_cjk_characters() {
        assert_eq!(
            tokens("fix <id>: it's #% off, <name>'s 请计算"),
            [
                "fix", "<id>", "it's", "#", "off", "<name>", "'s", "请", "计", "算"
            ]
        );
        assert_eq!(tokens("a <b c> <>"), ["a", "b", "c"]);
    }

    const GOLDEN_TEXT: &str = "You are a meticulous math tutor. Solve the following problem and \
        show every step: A train leaves Boston at 3 pm travelling at 60 mph. How far has it gone \
        by 7 pm?";
    const GOLDEN_CJK: &str = "请一步一步地思考：小明有15个苹果，给了小红3个，现在有几个？";

    #[test]
    fn golden_signature_is_pinned() {
        // If this fails, the hash spec changed: every stored and shared sketch is now
        // incomparable with new ones. Bump SKETCH_VERSION and update the pins deliberately.
        let sig = MinHash::of_text(GOLDEN_TEXT);
        let hex: Vec<String> = sig.slots().iter().map(|s| format!("{s:08x}")).collect();
        let keys: Vec<u64> = sig.bands(16, 4).take(2).collect();
        let cjk = MinHash::of_text(GOLDEN_CJK);
        let short = MinHash::of_text("Hello there");
        assert_eq!(hex.join(" "), GOLDEN_SLOTS);
        assert_eq!(keys, GOLDEN_BAND_KEYS);
        assert_eq!(&cjk.slots()[..4], &GOLDEN_CJK_SLOTS);
        assert_eq!(&short.slots()[..4], &GOLDEN_SHORT_SLOTS);
    }

    const GOLDEN_SLOTS: &str = concat!(
        "949428d2 f99e6acf 8a36babb 476d7fdf eaeed6dc 4d425361 e97609e6 eaeed6dc ",
        "3c4af4b3 63028972 1caca75a eaeed6dc 45ae1801 8a36babb 695ae10d 13b8934c ",
        "34b7b221 3bdcf5ea 967dba41 45ae1801 e97609e6 30a82550 77f4aa9c 1caca75a ",
        "f4ca33b5 e4e65375 e97609e6 34b7b221 77f4aa9c 77f4aa9c 4d425361 13b8934c ",
        "01563db0 9620480b 476d7fdf dd3321e6 45ae1801 34b7b221 a9c5ebf1 f99e6acf ",
        "8a36babb 3bdcf5ea 01563db0 476d7fdf 695ae10d 13b8934c 01563db0 f99e6acf ",
        "7f2224cb 01563db0 949428d2 967dba41 63028972 af58725b 01563db0 dd3321e6 ",
        "695ae10d 695ae10d fd485c02 967dba41 e97609e6 3c4af4b3 f4ca33b5 af58725b",
    );
    const GOLDEN_BAND_KEYS: [u64; 2] = [16059958363482377727, 377371274535766684];
    const GOLDEN_CJK_SLOTS: [u32; 4] = [3987862911, 4244062858, 3025500417, 758310859];
    const GOLDEN_SHORT_SLOTS: [u32; 4] = [1238247792; 4];

    #[test]
    fn the_compile_time_probe_table_follows_the_spec() {
        for (i, row) in PROBES.iter().enumerate() {
            for (a, &j) in row.iter().enumerate() {
                let key = ((a as u64 + 1) << 8) | i as u64;
                let spec = xxh3_64_with_seed(&key.to_le_bytes(), DENSIFY_SEED) >> 58;
                assert_eq!(u64::from(j), spec);
                assert_eq!(usize::from(j), probe(i, a as u32 + 1));
            }
        }
    }

    #[test]
    fn identical_texts_have_identical_signatures() {
        let text = "Summarise the following customer review in two sentences.";
        assert_eq!(MinHash::of_text(text), MinHash::of_text(text));
        assert_eq!(MinHash::of_text(text).jaccard(&MinHash::of_text(text)), 1.0);
    }

    #[test]
    fn an_empty_prompt_resembles_nothing_and_has_no_band_keys() {
        let empty = MinHash::of_text("  \n ");
        assert!(empty.is_empty());
        assert_eq!(empty.jaccard(&empty), 0.0);
        assert_eq!(empty.bands(16, 4).count(), 0);
    }

    #[test]
    fn a_one_word_prompt_still_has_a_signature() {
        let hi = MinHash::of_text("hello");
        assert!(!hi.is_empty());
        assert_eq!(hi.jaccard(&MinHash::of_text("Hello!")), 1.0);
        assert!(hi.jaccard(&MinHash::of_text("goodbye")) < 0.1);
    }

    #[test]
    fn bands_have_distinct_keys_and_follow_the_slots() {
        let a = MinHash::of_text("translate the following sentence into french please");
        let keys: Vec<u64> = a.bands(16, 4).collect();
        assert_eq!(keys.len(), 16);
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 16);
        let mut slots = *a.slots();
        slots[0] ^= 1;
        let changed: Vec<u64> = MinHash::from_slots(slots).bands(16, 4).collect();
        assert_ne!(changed[0], keys[0]);
        assert_eq!(changed[1..], keys[1..]);
    }

    #[test]
    #[should_panic(expected = "need more than 64 slots")]
    fn asking_for_more_rows_than_slots_panics() {
        let _ = MinHash::of_text("a b c").bands(17, 4).count();
    }

    #[test]
    fn the_documented_s_curve_matches_the_formula() {
        let p = |j: f64, b: i32, r: i32| 1.0 - (1.0 - j.powi(r)).powi(b);
        assert!((p(0.5, 16, 4) - 0.64).abs() < 0.01);
        assert!((p(0.7, 16, 4) - 0.99).abs() < 0.01);
        assert!((p(0.3, 16, 4) - 0.12).abs() < 0.01);
        assert!((p(0.6, 12, 5) - 0.62).abs() < 0.01);
        assert!((p(0.2, 12, 5) - 0.004).abs() < 0.001);
    }
}
