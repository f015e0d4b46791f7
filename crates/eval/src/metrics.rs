//! The measures, each a pure function of counts, labels or scores.
//!
//! Every measure is `Option<f64>`: a rate over an empty class (the false-positive rate of a
//! run without benign accounts, the precision of a detector that flagged nothing) is not
//! measured, and reporting it as 0 or NaN would let it pass for a result. Counting is done in
//! integers and divided once at the end, so equal inputs give bit-identical reports.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// `numerator / denominator`, absent when the denominator is zero.
pub fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The two-by-two table of account verdicts: positive = the account serves a campaign,
/// predicted positive = the account is flagged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub true_positives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    pub false_negatives: u64,
}

impl Confusion {
    /// Counts one account.
    pub fn record(&mut self, campaign: bool, flagged: bool) {
        let cell = match (campaign, flagged) {
            (true, true) => &mut self.true_positives,
            (false, true) => &mut self.false_positives,
            (false, false) => &mut self.true_negatives,
            (true, false) => &mut self.false_negatives,
        };
        *cell += 1;
    }

    /// Share of flagged accounts that serve a campaign; absent when nothing was flagged.
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Share of campaign accounts that were flagged; absent without campaign accounts.
    pub fn recall(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// The harmonic mean of precision and recall, computed as `2TP / (2TP + FP + FN)`: equal
    /// to it wherever both are defined, and 0 (not absent) for a detector that flagged
    /// nothing while campaigns were there to find. Absent only when there was nothing to
    /// find and nothing was flagged.
    pub fn f1(&self) -> Option<f64> {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }

    /// Share of benign accounts that were flagged; absent without benign accounts.
    pub fn false_positive_rate(&self) -> Option<f64> {
        ratio(
            self.false_positives,
            self.false_positives + self.true_negatives,
        )
    }
}

/// The area under the ROC curve of `positives` against `negatives`: the probability that a
/// random positive scores above a random negative, a tie counting one half. Computed exactly
/// as the Mann–Whitney U statistic with average ranks for tied scores, in O(n log n).
/// Absent when either class is empty.
pub fn roc_auc(positives: &[f64], negatives: &[f64]) -> Option<f64> {
    if positives.is_empty() || negatives.is_empty() {
        return None;
    }
    let mut scored: Vec<(f64, bool)> = positives
        .iter()
        .map(|&score| (score, true))
        .chain(negatives.iter().map(|&score| (score, false)))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Twice the rank sum of the positives, so that average ranks (halves) stay integers.
    let mut twice_rank_sum: u128 = 0;
    let mut below = 0usize;
    for tied in scored.chunk_by(|a, b| a.0 == b.0) {
        // The tied scores hold ranks below+1 ..= below+len; twice their average is the sum
        // of the first and the last.
        let twice_average_rank = (2 * below + 1 + tied.len()) as u128;
        let tied_positives = tied.iter().filter(|(_, positive)| *positive).count() as u128;
        twice_rank_sum += twice_average_rank * tied_positives;
        below += tied.len();
    }
    let (n_pos, n_neg) = (positives.len() as u128, negatives.len() as u128);
    let twice_u = twice_rank_sum - n_pos * (n_pos + 1);
    Some(twice_u as f64 / (2 * n_pos * n_neg) as f64)
}

/// The adjusted Rand index of two partitions of the same items, given as one `(true label,
/// predicted label)` pair per item (Hubert and Arabie, 1985): 1 for identical partitions
/// (whatever the labels are called), about 0 for a prediction no better than chance,
/// negative for worse. Absent when there are no items.
///
/// When the index is 0/0 the two partitions are identical (both one group, or both all
/// singletons, or fewer than two items) and it is 1, as in scikit-learn.
pub fn adjusted_rand_index<A, B>(labels: impl IntoIterator<Item = (A, B)>) -> Option<f64>
where
    A: Eq + Hash,
    B: Eq + Hash,
{
    let mut joint: HashMap<(A, B), u64> = HashMap::new();
    for pair in labels {
        *joint.entry(pair).or_default() += 1;
    }
    let mut true_sizes: HashMap<&A, u64> = HashMap::new();
    let mut predicted_sizes: HashMap<&B, u64> = HashMap::new();
    for ((a, b), &count) in &joint {
        *true_sizes.entry(a).or_default() += count;
        *predicted_sizes.entry(b).or_default() += count;
    }
    let items: u64 = joint.values().sum();
    if items == 0 {
        return None;
    }
    let index = pairs_within(joint.values().copied());
    let a = pairs_within(true_sizes.into_values());
    let b = pairs_within(predicted_sizes.into_values());
    let total = pairs(items);
    // ARI = (index - ab/total) / ((a + b)/2 - ab/total), both sides multiplied by 2·total so
    // that everything stays an exact integer until the one division.
    let numerator = (2 * index * total) as i128 - (2 * a * b) as i128;
    let denominator = (a + b) * total - 2 * a * b;
    if denominator == 0 {
        return Some(1.0);
    }
    Some(numerator as f64 / denominator as f64)
}

/// The number of unordered pairs of items that share a group, given the group sizes.
fn pairs_within(sizes: impl Iterator<Item = u64>) -> u128 {
    sizes.map(pairs).sum()
}

/// The number of unordered pairs among `n` items.
fn pairs(n: u64) -> u128 {
    let n = u128::from(n);
    n * n.saturating_sub(1) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ari(truth: &[u32], predicted: &[u32]) -> f64 {
        adjusted_rand_index(truth.iter().zip(predicted)).unwrap()
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-12,
            "{actual} is not {expected}"
        );
    }

    #[test]
    fn identical_partitions_have_an_ari_of_one_whatever_the_labels() {
        assert_close(ari(&[0, 0, 1, 1, 2], &[0, 0, 1, 1, 2]), 1.0);
        assert_close(ari(&[0, 0, 1, 1, 2], &[7, 7, 3, 3, 9]), 1.0);
    }

    #[test]
    fn textbook_partitions_have_their_known_ari() {
        // Worked by hand: index 1, row pairs 1, column pairs 2, 6 pairs in all, so
        // (1 - 2/6) / (3/2 - 2/6) = 4/7; scikit-learn's documented values agree.
        assert_close(ari(&[0, 0, 1, 2], &[0, 0, 1, 1]), 4.0 / 7.0);
        assert_close(ari(&[0, 0, 1, 1], &[0, 0, 1, 2]), 4.0 / 7.0);
        // Splitting one group into singletons is exactly chance level.
        assert_close(ari(&[0, 0, 0, 0], &[0, 1, 2, 3]), 0.0);
        // Every predicted group mixes both true groups: worse than chance.
        assert_close(ari(&[0, 0, 1, 1], &[0, 1, 0, 1]), -0.5);
    }

    #[test]
    fn degenerate_but_identical_partitions_have_an_ari_of_one() {
        assert_close(ari(&[0, 0, 0], &[5, 5, 5]), 1.0);
        assert_close(ari(&[0, 1, 2], &[5, 6, 7]), 1.0);
        assert_close(ari(&[0], &[5]), 1.0);
        assert_eq!(adjusted_rand_index(std::iter::empty::<(u8, u8)>()), None);
    }

    #[test]
    fn auc_counts_ties_as_one_half() {
        // Pairs: 0.8>0.5, 0.8>0.2, 0.5=0.5 (one half), 0.5>0.2: 3.5 of 4.
        assert_close(roc_auc(&[0.8, 0.5], &[0.5, 0.2]).unwrap(), 0.875);
        assert_close(roc_auc(&[0.3; 4], &[0.3; 7]).unwrap(), 0.5);
    }

    #[test]
    fn auc_is_one_for_perfect_separation_and_zero_for_inverted_scores() {
        assert_close(roc_auc(&[0.9, 0.7], &[0.1, 0.2, 0.3]).unwrap(), 1.0);
        assert_close(roc_auc(&[0.1, 0.2], &[0.7, 0.9]).unwrap(), 0.0);
    }

    #[test]
    fn auc_by_ranks_equals_auc_by_counting_every_pair() {
        // A deterministic spread of scores on a coarse grid, so that ties are frequent.
        let grid = |i: u64, step: u64| ((i * step) % 11) as f64 / 10.0;
        let positives: Vec<f64> = (0..37).map(|i| grid(i, 7)).collect();
        let negatives: Vec<f64> = (0..53).map(|i| grid(i, 3) * 0.8).collect();
        let mut wins = 0.0;
        for p in &positives {
            for n in &negatives {
                wins += if p > n {
                    1.0
                } else if p == n {
                    0.5
                } else {
                    0.0
                };
            }
        }
        let by_pairs = wins / (positives.len() * negatives.len()) as f64;
        assert_close(roc_auc(&positives, &negatives).unwrap(), by_pairs);
    }

    #[test]
    fn auc_without_one_of_the_classes_is_absent() {
        assert_eq!(roc_auc(&[0.9], &[]), None);
        assert_eq!(roc_auc(&[], &[0.1]), None);
    }

    #[test]
    fn rates_over_empty_classes_are_absent_not_nan() {
        let mut nothing_flagged = Confusion::default();
        nothing_flagged.record(true, false);
        nothing_flagged.record(false, false);
        assert_eq!(nothing_flagged.precision(), None);
        assert_eq!(nothing_flagged.recall(), Some(0.0));
        assert_eq!(nothing_flagged.f1(), Some(0.0));
        assert_eq!(nothing_flagged.false_positive_rate(), Some(0.0));

        let mut campaigns_only = Confusion::default();
        campaigns_only.record(true, true);
        assert_eq!(campaigns_only.false_positive_rate(), None);
        assert_eq!(campaigns_only.precision(), Some(1.0));

        let empty = Confusion::default();
        assert_eq!(
            (empty.precision(), empty.recall(), empty.f1()),
            (None, None, None)
        );
    }

    #[test]
    fn f1_is_the_harmonic_mean_of_precision_and_recall() {
        let confusion = Confusion {
            true_positives: 3,
            false_positives: 1,
            true_negatives: 10,
            false_negatives: 3,
        };
        let (p, r) = (confusion.precision().unwrap(), confusion.recall().unwrap());
        assert_close(confusion.f1().unwrap(), 2.0 * p * r / (p + r));
    }
}
