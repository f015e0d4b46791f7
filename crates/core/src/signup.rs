//! Sign-up bursts: groups whose accounts were opened together.
//!
//! An operator opens its accounts in batches, days before it uses them: the 2026 reports
//! describe thousands of accounts created in waves. Honest accounts that end up linked — the
//! users of one popular coding tool, an enterprise's staff, a reseller's customers — were
//! opened one by one over months and years. So when most members of a coordinated group were
//! created within a few days of each other, and far more of them than the population's own
//! sign-up rate over those days would give, the group is one identity factory's output.
//!
//! The test is relative to the population: a provider that launched last week has everyone
//! signing up at once, and there a shared sign-up week says nothing.

use std::collections::{HashMap, HashSet};

use hydrascope_events::EpochMillis;
use hydrascope_events::time::{MILLIS_PER_DAY, day_number};

/// Half the width of the sign-up window around the group's median creation time.
pub const BURST_HALF_WIDTH: EpochMillis = 2 * MILLIS_PER_DAY;
/// Smallest share of a group's members created inside the window.
pub const MIN_BURST_SHARE: f64 = 0.5;
/// How many times the population's share created in the same window the group's share must
/// be: ten times the base rate is already a one-in-millions coincidence for a group of five.
pub const MIN_BURST_LIFT: f64 = 10.0;

/// The sign-up times of a population, for base rates.
#[derive(Debug, Clone, Default)]
pub struct SignupTimes {
    sorted: Vec<EpochMillis>,
}

/// A group's members opened together, with the numbers that show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignupBurst {
    /// The window's bounds (inclusive).
    pub from: EpochMillis,
    pub to: EpochMillis,
    /// Members created inside the window.
    pub members_inside: usize,
    /// Members of the group.
    pub members: usize,
    /// Share of the population with a known sign-up time created inside the window.
    pub population_share: f64,
}

impl SignupBurst {
    /// Share of the group's members created inside the window.
    pub fn share(&self) -> f64 {
        self.members_inside as f64 / self.members.max(1) as f64
    }
}

impl SignupTimes {
    /// The sign-up times of every account that has one.
    pub fn of(times: impl IntoIterator<Item = Option<EpochMillis>>) -> Self {
        let mut sorted: Vec<EpochMillis> = times.into_iter().flatten().collect();
        sorted.sort_unstable();
        SignupTimes { sorted }
    }

    /// Share of the population created in `[from, to]`.
    fn share_between(&self, from: EpochMillis, to: EpochMillis) -> f64 {
        if self.sorted.is_empty() {
            return 0.0;
        }
        let start = self.sorted.partition_point(|&t| t < from);
        let end = self.sorted.partition_point(|&t| t <= to);
        (end - start) as f64 / self.sorted.len() as f64
    }

    /// Whether a group whose members were created at `members` (unknown times as `None`) was
    /// opened in one burst: at least [`MIN_BURST_SHARE`] of them within
    /// [`BURST_HALF_WIDTH`] of their median sign-up time, and at least [`MIN_BURST_LIFT`]
    /// times the population's share for that window.
    pub fn burst(&self, members: &[Option<EpochMillis>]) -> Option<SignupBurst> {
        let mut known: Vec<EpochMillis> = members.iter().flatten().copied().collect();
        if known.is_empty() {
            return None;
        }
        known.sort_unstable();
        let median = known[known.len() / 2];
        let (from, to) = (median - BURST_HALF_WIDTH, median + BURST_HALF_WIDTH);
        let members_inside = known.iter().filter(|&&t| (from..=to).contains(&t)).count();
        let burst = SignupBurst {
            from,
            to,
            members_inside,
            members: members.len(),
            population_share: self.share_between(from, to),
        };
        (burst.share() >= MIN_BURST_SHARE
            && burst.share() >= MIN_BURST_LIFT * burst.population_share)
            .then_some(burst)
    }
}

/// Fewest accounts opened on one day for the day to be crowded: a handful of sign-ups is
/// never evidence of a batch.
pub const MIN_CROWDED_SIGNUPS: usize = 10;

/// Days on which accounts were opened at least [`MIN_BURST_LIFT`] times faster than the
/// established accounts were over their whole sign-up history (and at least
/// [`MIN_CROWDED_SIGNUPS`] of them): an identity factory's batches, not days of honest
/// sign-ups.
///
/// Newness is judged against the accounts presumed honest, and those include the fresh
/// accounts of a campaign that detection has not yet found. When the campaign is large they
/// are a large share of the presumed-honest accounts, their ages become the ordinary ones,
/// and no campaign account looks new (at full scale, 9,200 of 10,600 missed campaign
/// accounts lacked newness evidence). The accounts opened on crowded days are left out of
/// that judgement. Established accounts give the honest base rate: they were opened long
/// before the scan, one by one, and no campaign's account is among them.
#[derive(Debug, Clone, Default)]
pub struct CrowdedDays {
    days: HashSet<i64>,
}

impl CrowdedDays {
    /// The crowded days among the sign-up times of `all` accounts, against the sign-up times of
    /// the `established` ones. Without established sign-ups there is no base rate and no day
    /// is crowded.
    pub fn of(
        all: impl IntoIterator<Item = EpochMillis>,
        established: impl IntoIterator<Item = EpochMillis>,
    ) -> Self {
        let established: Vec<i64> = established.into_iter().map(day_number).collect();
        let (Some(first), Some(last)) = (established.iter().min(), established.iter().max()) else {
            return CrowdedDays::default();
        };
        let base_rate = established.len() as f64 / (last - first + 1) as f64;
        let threshold = (MIN_BURST_LIFT * base_rate).max(MIN_CROWDED_SIGNUPS as f64);
        let mut per_day: HashMap<i64, usize> = HashMap::new();
        for created in all {
            *per_day.entry(day_number(created)).or_default() += 1;
        }
        let days = per_day
            .into_iter()
            .filter(|&(_, signups)| signups as f64 >= threshold)
            .map(|(day, _)| day)
            .collect();
        CrowdedDays { days }
    }

    /// Whether an account created at `created` was opened on a crowded day.
    pub fn contains(&self, created: EpochMillis) -> bool {
        self.days.contains(&day_number(created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: EpochMillis = 1_776_816_000_000;

    /// A population that signed up one account every `every` over `span` days before T0.
    fn steady(span: i64, every: EpochMillis) -> Vec<Option<EpochMillis>> {
        (0..span * MILLIS_PER_DAY / every)
            .map(|i| Some(T0 - span * MILLIS_PER_DAY + i * every))
            .collect()
    }

    #[test]
    fn accounts_opened_within_hours_of_each_other_are_a_burst() {
        let mut all = steady(1000, MILLIS_PER_DAY / 10);
        let group: Vec<_> = (0..40).map(|i| Some(T0 + i * 600_000)).collect();
        all.extend(&group);
        let times = SignupTimes::of(all);
        let burst = times.burst(&group).expect("a burst");
        assert_eq!(burst.members_inside, 40);
        assert!(burst.population_share < 0.01, "{burst:?}");
    }

    #[test]
    fn accounts_opened_over_years_are_not_a_burst() {
        let all = steady(1000, MILLIS_PER_DAY / 10);
        let group: Vec<_> = all.iter().step_by(97).copied().take(40).collect();
        assert_eq!(SignupTimes::of(all.clone()).burst(&group), None);
    }

    #[test]
    fn a_shared_sign_up_week_says_nothing_when_everyone_signed_up_that_week() {
        let all: Vec<_> = (0..10_000).map(|i| Some(T0 + i * 30_000)).collect();
        let group: Vec<_> = all[..40].to_vec();
        assert_eq!(SignupTimes::of(all).burst(&group), None);
    }

    #[test]
    fn a_day_with_ten_times_the_established_sign_up_rate_is_crowded() {
        // Established accounts: 10 a day over the 1,000 days before T0. On T0's day 30
        // accounts are opened (3 times that rate), on the next 150 (15 times).
        let established: Vec<EpochMillis> = steady(1000, MILLIS_PER_DAY / 10)
            .into_iter()
            .flatten()
            .collect();
        let batch = |day: i64, n: i64| (0..n).map(move |i| T0 + day * MILLIS_PER_DAY + i * 1000);
        let all = established
            .iter()
            .copied()
            .chain(batch(0, 30))
            .chain(batch(1, 150));
        let crowded = CrowdedDays::of(all, established.iter().copied());
        assert!(!crowded.contains(T0));
        assert!(crowded.contains(T0 + MILLIS_PER_DAY));
        assert!(!crowded.contains(T0 - 500 * MILLIS_PER_DAY));
        assert!(!CrowdedDays::of(batch(1, 150), []).contains(T0 + MILLIS_PER_DAY));
    }

    #[test]
    fn members_without_a_sign_up_time_count_against_the_burst() {
        let all = steady(1000, MILLIS_PER_DAY / 10);
        let mut group: Vec<_> = (0..4).map(|i| Some(T0 + i * 600_000)).collect();
        group.extend([None; 5]);
        assert_eq!(SignupTimes::of(all.clone()).burst(&group), None);
        group.truncate(7);
        assert!(SignupTimes::of(all).burst(&group).is_some());
    }
}
