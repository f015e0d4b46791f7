//! Lockstep: accounts driven by one scheduler are active in the same ten-minute bins.
//!
//! **Campaign behaviour.** A harvesting pipeline wakes its accounts together — a round-robin
//! balancer that cycles through all of them every few minutes, job waves that start every
//! account at once — so the sets of bins in which two of its accounts are active
//! ([`ActivityBins::bins`]) are nearly the same, day and night (SynchroTrap, Cao et al. 2014).
//!
//! **Honest behaviour that looks like it.** People share hours, not minutes: everyone is
//! active in the evening peak, but two people rarely in the same ten-minute slots of the same
//! days. Two heavy evening users still overlap by chance, mostly in the busiest bins. Bins are
//! therefore weighted by rarity: a bin in which a quarter or more of the accounts are active
//! counts once, each further factor of [`RARITY_STEP`] in rarity counts once more, up to
//! [`MAX_BIN_WEIGHT`] — so overlap at 4 a.m. says more than overlap at 9 p.m. Similarity is the
//! weighted Jaccard index of the two bin sets (shared weight over combined weight), and a pair
//! needs [`MIN_SHARED_BINS`] bins in common, so short histories never match by luck. University
//! classes and health checks do run in lockstep; the score separates them by content and
//! organisation, not this module.
//!
//! **Cost.** Comparing all pairs is quadratic; instead each account gets a MinHash signature of
//! its weighted bin set (a bin of weight w enters as w distinct elements, so the signature
//! estimates exactly the weighted Jaccard index), signatures are cut into LSH bands, and only
//! accounts that share a band are compared exactly. A band shared by more than [`MAX_BUCKET`]
//! accounts (a huge lockstep campaign) does not yield all its pairs: each account is compared
//! with the next [`BUCKET_WINDOW`] in an order shuffled per band, so a campaign of n accounts
//! costs about bands × n × window comparisons and its accounts still meet hundreds of
//! different partners.
//!
//! # The sketch spec, version [`LOCKSTEP_SKETCH_VERSION`]
//!
//! Signatures are compared only within one run, but they are pinned anyway so that runs on
//! different machines give the same pairs: element `(bin, copy)` hashes as
//! `xxh3_64_with_seed(le_u32(bin) ‖ le_u32(copy), ELEMENT_SEED)`; one-permutation hashing puts
//! it in slot `h >> 58` with value `h as u32`, each slot keeping its least value; an empty
//! slot takes the value of the next filled slot to its right (cyclically), plus
//! [`ROTATION_OFFSET`] times the distance (Shrivastava and Li 2014). Band `t` of `r` rows is
//! `xxh3_64_with_seed(le_u32(t) ‖ le_u32(slot[t·r]) ‖ … , BAND_SEED)`.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::evidence::{Edge, EvidenceKind, KindSet};
use crate::activity::ActivityBins;

/// Version of the sketch spec above.
pub const LOCKSTEP_SKETCH_VERSION: u8 = 1;
/// Seed of element hashes: ASCII "lockstep".
pub const ELEMENT_SEED: u64 = 0x6c6f_636b_7374_6570;
/// Seed of band keys: ASCII "lockband".
pub const BAND_SEED: u64 = 0x6c6f_636b_6261_6e64;
/// Seed of the per-band shuffle of large buckets: ASCII "shuffle1".
const SHUFFLE_SEED: u64 = 0x7368_7566_666c_6531;
/// Added per slot of distance when an empty slot borrows a value: an odd constant, so that
/// borrowed values differ from the originals.
pub const ROTATION_OFFSET: u32 = 0x9e37_79b9;

/// Slots of a signature; the standard error of the estimate is at most 1/(2√64) = 0.0625.
const SLOTS: usize = 64;
/// log2 of [`SLOTS`].
const SLOT_BITS: u32 = 6;
/// Bands of rows: 12 × 5 puts the steepest point of the LSH S-curve near J = 0.6, the
/// similarity threshold: a pair at J = 0.6 is compared with probability 0.62, at 0.7 with
/// 0.89, at 0.8 with 0.98 — and, since the bins of a scan form a small universe (a few
/// thousand), busy honest accounts at J ≈ 0.25 still collide often enough that four rows
/// instead of five would double the comparisons.
pub const BANDS: (usize, usize) = (12, 5);

/// Accounts active in fewer bins are not compared: two hours of activity in total is too
/// little to tell a scheduler from a coincidence.
pub const MIN_ACTIVE_BINS: usize = 12;
/// Bins two accounts must share, for the same reason.
pub const MIN_SHARED_BINS: u32 = 12;
/// Weighted Jaccard index from which two accounts are in lockstep: well over half of their
/// (weighted) activity is in common. Schedulers give 0.7–1 (a round robin that drops one
/// request in ten: 0.82); independent heavy users of the same peak hours stay near 0.25.
pub const MIN_SIMILARITY: f64 = 0.6;
/// Buckets up to this size yield all their pairs.
pub const MAX_BUCKET: usize = 64;
/// In larger buckets, partners per account (in each band).
pub const BUCKET_WINDOW: usize = 16;
/// Factor of rarity per extra unit of bin weight.
pub const RARITY_STEP: f64 = 4.0;
/// The largest weight of a bin: a bin in which at most 1 in 64 accounts is active (4³).
pub const MAX_BIN_WEIGHT: u32 = 4;

/// How lockstep pairs are found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LockstepParams {
    /// See [`MIN_ACTIVE_BINS`].
    pub min_active_bins: usize,
    /// See [`MIN_SHARED_BINS`].
    pub min_shared_bins: u32,
    /// See [`MIN_SIMILARITY`].
    pub min_similarity: f64,
    /// See [`MAX_BUCKET`].
    pub max_bucket: usize,
    /// See [`BUCKET_WINDOW`].
    pub bucket_window: usize,
}

impl Default for LockstepParams {
    fn default() -> Self {
        LockstepParams {
            min_active_bins: MIN_ACTIVE_BINS,
            min_shared_bins: MIN_SHARED_BINS,
            min_similarity: MIN_SIMILARITY,
            max_bucket: MAX_BUCKET,
            bucket_window: BUCKET_WINDOW,
        }
    }
}

/// Two accounts in lockstep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LockstepPair {
    pub a: u32,
    pub b: u32,
    /// Rarity-weighted Jaccard index of their active bins.
    pub similarity: f32,
    pub shared_bins: u32,
}

impl LockstepPair {
    /// The pair as a link, weighing its similarity (at most [`super::FAMILY_CAP`]).
    pub fn edge(&self) -> Edge {
        Edge::new(
            self.a,
            self.b,
            self.similarity,
            KindSet::of(EvidenceKind::Lockstep),
        )
    }
}

/// The pairs of accounts (indices into `accounts`) in lockstep, sorted by `(a, b)`.
pub fn lockstep_pairs(accounts: &[&ActivityBins], params: &LockstepParams) -> Vec<LockstepPair> {
    let eligible: Vec<u32> = (0..accounts.len() as u32)
        .filter(|&a| accounts[a as usize].bins().len() >= params.min_active_bins)
        .collect();
    let activity: Vec<&ActivityBins> = eligible.iter().map(|&a| accounts[a as usize]).collect();
    let weights = BinWeights::of(activity.iter().copied());
    let sketches = Sketches::of(&activity, &weights, params.max_bucket);
    let mut pairs = Vec::new();
    for bucket in sketches.banded.chunk_by(|x, y| x.0 == y.0) {
        let band = usize::from(bucket[0].1);
        let members: Vec<u32> = bucket.iter().map(|entry| entry.2).collect();
        for (x, y) in bucket_pairs(members, bucket[0].0, params) {
            if sketches.met_in_earlier_band(x, y, band)
                || sketches.estimate(x, y) < params.min_similarity - ESTIMATE_MARGIN
            {
                continue;
            }
            let (ax, ay) = (activity[x as usize], activity[y as usize]);
            let (similarity, shared_bins) = weighted_jaccard(ax, ay, &weights);
            if similarity >= params.min_similarity && shared_bins >= params.min_shared_bins {
                pairs.push(LockstepPair {
                    a: eligible[x.min(y) as usize],
                    b: eligible[x.max(y) as usize],
                    similarity: similarity as f32,
                    shared_bins,
                });
            }
        }
    }
    pairs.sort_unstable_by_key(|p| (p.a, p.b));
    pairs.dedup_by_key(|p| (p.a, p.b));
    pairs
}

/// How far below the similarity threshold a signature's estimate may fall and still be
/// verified exactly: 2.4 standard errors of a 64-slot estimate at J = 0.6, so about one true
/// pair in a hundred at the threshold is lost, while the bulk of chance collisions (J ≈ 0.2–0.3
/// between busy accounts) costs 64 comparisons instead of a merge of two bin lists.
const ESTIMATE_MARGIN: f64 = 0.15;

/// The signatures of the compared accounts and their band keys.
struct Sketches {
    signatures: Vec<[u32; SLOTS]>,
    /// `(band key, band, account)`, sorted: a run of one key is an LSH bucket.
    banded: Vec<(u64, u8, u32)>,
    /// Whether the bucket of account `i` in band `t` yields all its pairs: `[i * bands + t]`.
    small: Vec<bool>,
}

impl Sketches {
    fn of(activity: &[&ActivityBins], weights: &BinWeights, max_bucket: usize) -> Sketches {
        let signatures: Vec<[u32; SLOTS]> =
            activity.iter().map(|a| signature(a, weights)).collect();
        let mut banded: Vec<(u64, u8, u32)> = Vec::with_capacity(activity.len() * BANDS.0);
        for (i, signature) in signatures.iter().enumerate() {
            banded.extend(
                band_keys(signature)
                    .enumerate()
                    .map(|(band, key)| (key, band as u8, i as u32)),
            );
        }
        banded.sort_unstable();
        let mut small = vec![false; activity.len() * BANDS.0];
        for bucket in banded.chunk_by(|x, y| x.0 == y.0) {
            for &(_, band, i) in bucket {
                small[i as usize * BANDS.0 + usize::from(band)] = bucket.len() <= max_bucket;
            }
        }
        Sketches {
            signatures,
            banded,
            small,
        }
    }

    /// Whether `x` and `y` already met in a small bucket of an earlier band, where all pairs
    /// are compared: then this band need not compare them again, and no set of compared pairs
    /// is needed.
    fn met_in_earlier_band(&self, x: u32, y: u32, band: usize) -> bool {
        let rows = BANDS.1;
        let (sx, sy) = (&self.signatures[x as usize], &self.signatures[y as usize]);
        (0..band).any(|t| {
            self.small[x as usize * BANDS.0 + t]
                && sx[t * rows..(t + 1) * rows] == sy[t * rows..(t + 1) * rows]
        })
    }

    /// The signatures' estimate of the weighted Jaccard index: the share of equal slots.
    fn estimate(&self, x: u32, y: u32) -> f64 {
        let (sx, sy) = (&self.signatures[x as usize], &self.signatures[y as usize]);
        let equal = sx.iter().zip(sy).filter(|(a, b)| a == b).count();
        equal as f64 / SLOTS as f64
    }
}

/// The pairs of one LSH bucket to compare: all of them in a small bucket; in a large one, each
/// member with the next [`LockstepParams::bucket_window`] in an order shuffled by the band
/// key (so every band pairs a member with different partners).
fn bucket_pairs(mut members: Vec<u32>, key: u64, params: &LockstepParams) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    if members.len() <= params.max_bucket {
        for (i, &a) in members.iter().enumerate() {
            pairs.extend(members[i + 1..].iter().map(|&b| (a, b)));
        }
        return pairs;
    }
    members.sort_by_key(|&a| xxh3_64_with_seed(&a.to_le_bytes(), SHUFFLE_SEED ^ key));
    for (i, &a) in members.iter().enumerate() {
        let window = &members[i + 1..(i + 1 + params.bucket_window).min(members.len())];
        pairs.extend(window.iter().map(|&b| (a.min(b), a.max(b))));
    }
    pairs
}

/// The rarity weight of every bin, from how many of the compared accounts are active in it.
struct BinWeights {
    first: u32,
    weights: Vec<u8>,
}

impl BinWeights {
    fn of<'a>(accounts: impl Iterator<Item = &'a ActivityBins> + Clone) -> BinWeights {
        let bins = || {
            accounts
                .clone()
                .flat_map(|a| a.bins().iter().map(|(bin, _)| *bin))
        };
        let (Some(first), Some(last)) = (bins().min(), bins().max()) else {
            return BinWeights {
                first: 0,
                weights: Vec::new(),
            };
        };
        let mut active = vec![0u32; (last - first) as usize + 1];
        for bin in bins() {
            active[(bin - first) as usize] += 1;
        }
        let population = accounts.count() as f64;
        let weights = active
            .iter()
            .map(|&n| rarity_weight(n, population))
            .collect();
        BinWeights { first, weights }
    }

    fn weight(&self, bin: u32) -> u32 {
        u32::from(self.weights[(bin - self.first) as usize])
    }
}

/// 1 for a bin in which at least 1/[`RARITY_STEP`] of the accounts are active, one more per
/// further factor of [`RARITY_STEP`], at most [`MAX_BIN_WEIGHT`].
fn rarity_weight(active: u32, population: f64) -> u8 {
    let rarity = population / f64::from(active.max(1));
    let steps = (rarity.ln() / RARITY_STEP.ln()).floor().max(0.0) as u32;
    (1 + steps).min(MAX_BIN_WEIGHT) as u8
}

/// The one-permutation MinHash of an account's weighted bin set (see the spec above).
fn signature(activity: &ActivityBins, weights: &BinWeights) -> [u32; SLOTS] {
    let mut slots = [u32::MAX; SLOTS];
    let mut filled = 0u64;
    for &(bin, _) in activity.bins() {
        for copy in 0..weights.weight(bin) {
            let mut element = [0u8; 8];
            element[..4].copy_from_slice(&bin.to_le_bytes());
            element[4..].copy_from_slice(&copy.to_le_bytes());
            let h = xxh3_64_with_seed(&element, ELEMENT_SEED);
            let slot = (h >> (64 - SLOT_BITS)) as usize;
            slots[slot] = slots[slot].min(h as u32);
            filled |= 1 << slot;
        }
    }
    densify(&mut slots, filled);
    slots
}

/// Fills empty slots by rotation: the value of the next filled slot to the right, plus
/// [`ROTATION_OFFSET`] per slot of distance.
fn densify(slots: &mut [u32; SLOTS], filled: u64) {
    if filled == 0 {
        return;
    }
    let original = *slots;
    for i in (0..SLOTS).filter(|&i| filled >> i & 1 == 0) {
        let distance = filled.rotate_right(i as u32).trailing_zeros() as usize;
        let source = original[(i + distance) % SLOTS];
        slots[i] = source.wrapping_add(ROTATION_OFFSET.wrapping_mul(distance as u32));
    }
}

/// The LSH band keys of a signature.
fn band_keys(slots: &[u32; SLOTS]) -> impl Iterator<Item = u64> + '_ {
    let (bands, rows) = BANDS;
    (0..bands).map(move |band| {
        let mut bytes = [0u8; 4 + 4 * SLOTS];
        bytes[..4].copy_from_slice(&(band as u32).to_le_bytes());
        for (row, slot) in slots[band * rows..(band + 1) * rows].iter().enumerate() {
            bytes[4 + 4 * row..8 + 4 * row].copy_from_slice(&slot.to_le_bytes());
        }
        xxh3_64_with_seed(&bytes[..4 + 4 * rows], BAND_SEED)
    })
}

/// The rarity-weighted Jaccard index of two accounts' active bins, and how many they share.
fn weighted_jaccard(x: &ActivityBins, y: &ActivityBins, weights: &BinWeights) -> (f64, u32) {
    let (x, y) = (x.bins(), y.bins());
    let (mut i, mut j) = (0, 0);
    let (mut shared, mut union, mut common) = (0u64, 0u64, 0u32);
    let weight = |bin: u32| u64::from(weights.weight(bin));
    loop {
        union += match (x.get(i), y.get(j)) {
            (Some(p), Some(q)) if p.0 == q.0 => {
                (i, j, common) = (i + 1, j + 1, common + 1);
                shared += weight(p.0);
                weight(p.0)
            }
            (Some(p), Some(q)) if p.0 < q.0 => {
                i += 1;
                weight(p.0)
            }
            (Some(p), None) => {
                i += 1;
                weight(p.0)
            }
            (_, Some(q)) => {
                j += 1;
                weight(q.0)
            }
            (None, None) => break,
        };
    }
    let similarity = if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    };
    (similarity, common)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::BIN_MILLIS;

    const DAY0: i64 = 1_776_816_000_000; // 2026-04-22T00:00Z

    fn active_in(bins: impl IntoIterator<Item = i64>) -> ActivityBins {
        let mut activity = ActivityBins::default();
        bins.into_iter()
            .for_each(|b| activity.observe(DAY0 + b * BIN_MILLIS + 1));
        activity
    }

    #[test]
    fn a_bin_most_accounts_share_weighs_least() {
        assert_eq!(rarity_weight(40, 100.0), 1);
        assert_eq!(rarity_weight(10, 100.0), 2);
        assert_eq!(rarity_weight(1, 100.0), 4);
    }

    #[test]
    fn identical_schedules_are_fully_similar_and_disjoint_ones_not_at_all() {
        let (a, b, c) = (active_in(0..50), active_in(0..50), active_in(100..150));
        let weights = BinWeights::of([&a, &b, &c].into_iter());
        assert_eq!(weighted_jaccard(&a, &b, &weights), (1.0, 50));
        assert_eq!(weighted_jaccard(&a, &c, &weights), (0.0, 0));
    }

    #[test]
    fn shared_busy_bins_count_less_than_unshared_rare_ones() {
        // Bins 0..10 are busy (everyone), 10..20 rare (only a and b).
        let a = active_in((0..10).chain(10..15));
        let b = active_in((0..10).chain(15..20));
        let crowd: Vec<ActivityBins> = (0..8).map(|_| active_in(0..10)).collect();
        let weights = BinWeights::of([&a, &b].into_iter().chain(&crowd));
        let (similarity, shared) = weighted_jaccard(&a, &b, &weights);
        assert_eq!(shared, 10);
        assert!(similarity < 10.0 / 20.0, "{similarity}");
    }

    #[test]
    fn sparse_signatures_are_densified_deterministically() {
        let activity = active_in([3, 99]);
        let weights = BinWeights::of([&activity].into_iter());
        let signature = signature(&activity, &weights);
        assert!(signature.iter().all(|&slot| slot != u32::MAX));
        assert_eq!(signature, super::signature(&active_in([99, 3]), &weights));
    }

    #[test]
    fn large_buckets_pair_each_account_with_a_window_of_others() {
        let params = LockstepParams {
            max_bucket: 10,
            bucket_window: 3,
            ..LockstepParams::default()
        };
        let pairs = bucket_pairs((0..100).collect(), 7, &params);
        assert_eq!(pairs.len(), 3 * 100 - 6);
        assert!(pairs.iter().all(|(a, b)| a < b));
        assert_eq!(bucket_pairs((0..10).collect(), 7, &params).len(), 45);
    }
}
