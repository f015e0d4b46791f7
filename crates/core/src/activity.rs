//! When an account is active, in ten-minute bins.
//!
//! Campaign accounts are driven by schedulers: a load balancer that cycles through the
//! accounts around the clock, job waves that wake every account at once, or an imitation of
//! human hours that still never takes a day off. Honest users have a day and a week, and they
//! skip days. The bins keep exactly what those differences need — how many events fell in each
//! ten-minute slot — in a form that merges by adding counts, so partitions and machines combine
//! exactly. Memory is bounded by the slots an account was active in, at most 144 a day.
//!
//! The same bins also serve coordination: two accounts that are active in the same slots far
//! more often than chance share a scheduler (see `lockstep` signals built on
//! [`ActivityBins::bins`]).

use hydrascope_events::EpochMillis;
use hydrascope_events::time::MILLIS_PER_DAY;
use serde::{Deserialize, Serialize};

use crate::merge::Mergeable;

/// Width of one activity bin. Ten minutes is the resolution of the real per-client request
/// traces (ServeGen) and coarse enough that two accounts fed by one scheduler land in the same
/// bin despite network jitter.
pub const BIN_MILLIS: i64 = 600_000;
/// Bins in one day.
pub const BINS_PER_DAY: u32 = (MILLIS_PER_DAY / BIN_MILLIS) as u32;
/// Bins in one hour.
const BINS_PER_HOUR: u32 = 6;

/// The index of the bin an instant falls in (bins are counted from the epoch).
pub fn bin_of(ts: EpochMillis) -> u32 {
    u32::try_from(ts.div_euclid(BIN_MILLIS)).unwrap_or(0)
}

/// Event counts per ten-minute bin, sorted by bin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityBins {
    bins: Vec<(u32, u32)>,
}

impl ActivityBins {
    /// Counts one event at `ts`. Cheap when events arrive roughly in time order.
    pub fn observe(&mut self, ts: EpochMillis) {
        let bin = bin_of(ts);
        match self.bins.last_mut() {
            Some((last, count)) if *last == bin => *count += 1,
            Some((last, _)) if *last < bin => self.bins.push((bin, 1)),
            None => self.bins.push((bin, 1)),
            Some(_) => match self.bins.binary_search_by_key(&bin, |(b, _)| *b) {
                Ok(at) => self.bins[at].1 += 1,
                Err(at) => self.bins.insert(at, (bin, 1)),
            },
        }
    }

    /// The active bins with their event counts, in time order.
    pub fn bins(&self) -> &[(u32, u32)] {
        &self.bins
    }

    /// Events counted.
    pub fn events(&self) -> u64 {
        self.bins.iter().map(|(_, n)| u64::from(*n)).sum()
    }

    /// Distinct days with at least one event.
    pub fn active_days(&self) -> u32 {
        let mut days = self.bins.iter().map(|(bin, _)| bin / BINS_PER_DAY);
        let Some(mut current) = days.next() else {
            return 0;
        };
        let mut count = 1;
        for day in days {
            if day != current {
                count += 1;
                current = day;
            }
        }
        count
    }

    /// Days from the first active day to the last, inclusive.
    pub fn span_days(&self) -> u32 {
        match (self.bins.first(), self.bins.last()) {
            (Some((first, _)), Some((last, _))) => last / BINS_PER_DAY - first / BINS_PER_DAY + 1,
            _ => 0,
        }
    }

    /// Share of the days in the account's span on which it was active: near 1 for a job that
    /// runs daily, lower for people, who skip days.
    pub fn day_coverage(&self) -> f64 {
        ratio(self.active_days().into(), self.span_days().into())
    }

    /// Events per UTC hour of day.
    pub fn hour_of_day(&self) -> [u64; 24] {
        let mut hours = [0u64; 24];
        for (bin, count) in &self.bins {
            hours[((bin % BINS_PER_DAY) / BINS_PER_HOUR) as usize] += u64::from(*count);
        }
        hours
    }

    /// Normalised entropy (0..=1) of the hour-of-day distribution: near 1 for activity spread
    /// evenly round the clock, lower for a day-and-night rhythm in any time zone. Accounts
    /// with few events get a low value by construction, so callers weigh it by volume.
    pub fn hour_entropy(&self) -> f64 {
        normalised_entropy(&self.hour_of_day())
    }

    /// Coefficient of variation of the events per active bin: 0 for perfectly even load,
    /// large for bursts.
    pub fn burstiness(&self) -> f64 {
        coefficient_of_variation(self.bins.iter().map(|(_, n)| f64::from(*n)))
    }

    /// Coefficient of variation of the gaps between consecutive active bins: near 0 for a
    /// fixed-period scheduler (a health check, a round-robin balancer), around 1 or more for
    /// people.
    pub fn gap_variation(&self) -> f64 {
        coefficient_of_variation(
            self.bins
                .windows(2)
                .map(|pair| f64::from(pair[1].0 - pair[0].0)),
        )
    }
}

impl Mergeable for ActivityBins {
    fn merge(&mut self, other: Self) {
        if other.bins.is_empty() {
            return;
        }
        if self.bins.is_empty() {
            self.bins = other.bins;
            return;
        }
        let mut merged = Vec::with_capacity(self.bins.len() + other.bins.len());
        let (mut left, mut right) = (self.bins.iter().peekable(), other.bins.iter().peekable());
        loop {
            let next = match (left.peek(), right.peek()) {
                (Some(a), Some(b)) if a.0 == b.0 => {
                    let sum = (a.0, a.1 + b.1);
                    left.next();
                    right.next();
                    sum
                }
                (Some(a), Some(b)) if a.0 < b.0 => *left.next().expect("peeked"),
                (Some(_), Some(_)) | (None, Some(_)) => *right.next().expect("peeked"),
                (Some(_), None) => *left.next().expect("peeked"),
                (None, None) => break,
            };
            merged.push(next);
        }
        self.bins = merged;
    }
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

/// Shannon entropy of a histogram divided by the entropy of the uniform one.
pub(crate) fn normalised_entropy(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 || counts.len() < 2 {
        return 0.0;
    }
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.ln()
        })
        .sum();
    entropy / (counts.len() as f64).ln()
}

/// Standard deviation over mean; 0 for fewer than two values.
pub(crate) fn coefficient_of_variation(values: impl Iterator<Item = f64>) -> f64 {
    let (mut n, mut sum, mut sum_sq) = (0.0, 0.0, 0.0);
    for v in values {
        n += 1.0;
        sum += v;
        sum_sq += v * v;
    }
    if n < 2.0 || sum <= 0.0 {
        return 0.0;
    }
    let mean = sum / n;
    let variance = (sum_sq / n - mean * mean).max(0.0);
    variance.sqrt() / mean
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY0: i64 = 20_565 * MILLIS_PER_DAY; // 2026-04-22T00:00Z
    const HOUR: i64 = 3_600_000;

    fn bins_of(timestamps: impl IntoIterator<Item = i64>) -> ActivityBins {
        let mut bins = ActivityBins::default();
        timestamps.into_iter().for_each(|ts| bins.observe(ts));
        bins
    }

    #[test]
    fn a_round_the_clock_balancer_is_regular_and_spread_over_all_hours() {
        let balancer = bins_of((0..7 * 24 * 6).map(|i| DAY0 + i * BIN_MILLIS + 1_000));
        assert!(balancer.hour_entropy() > 0.99);
        assert!(balancer.gap_variation() < 0.01);
        assert!(balancer.burstiness() < 0.01);
        assert_eq!((balancer.active_days(), balancer.span_days()), (7, 7));
        assert_eq!(balancer.day_coverage(), 1.0);
    }

    #[test]
    fn a_person_has_a_rhythm_skips_days_and_comes_in_bursts() {
        let person = bins_of((0..14).filter(|d| d % 3 != 2).flat_map(|day| {
            let evening = DAY0 + day * MILLIS_PER_DAY + 19 * HOUR;
            [0, 60_000, 120_000, 1_500_000, 1_560_000].map(|offset| evening + offset + day * 7_000)
        }));
        assert!(person.hour_entropy() < 0.3, "{}", person.hour_entropy());
        assert!(person.gap_variation() > 1.0, "{}", person.gap_variation());
        assert!(person.day_coverage() < 0.75);
    }

    #[test]
    fn out_of_order_events_land_in_the_same_bins() {
        let ordered = bins_of([DAY0, DAY0 + 1, DAY0 + HOUR, DAY0 + 2 * HOUR]);
        let shuffled = bins_of([DAY0 + 2 * HOUR, DAY0 + 1, DAY0 + HOUR, DAY0]);
        assert_eq!(ordered, shuffled);
        assert_eq!(ordered.events(), 4);
        assert_eq!(ordered.bins()[0], (bin_of(DAY0), 2));
    }

    #[test]
    fn merging_partitions_equals_binning_everything() {
        let timestamps: Vec<i64> = (0..500)
            .map(|i| DAY0 + (i * 7_919_123) % (9 * MILLIS_PER_DAY))
            .collect();
        let whole = bins_of(timestamps.iter().copied());
        let parts = timestamps.chunks(37).map(|c| bins_of(c.iter().copied()));
        assert_eq!(ActivityBins::merge_all(parts), whole);
    }

    #[test]
    fn empty_bins_measure_nothing() {
        let empty = ActivityBins::default();
        assert_eq!(empty.active_days(), 0);
        assert_eq!(empty.day_coverage(), 0.0);
        assert_eq!(empty.hour_entropy(), 0.0);
        assert_eq!(empty.gap_variation(), 0.0);
    }
}
