//! Incremental detection: events fed in one at a time, detection re-run from time to time, and
//! the moment each account was first flagged.
//!
//! A batch scan answers "which accounts serve a campaign, given all the traffic". A defender
//! also needs "how soon": a campaign caught after it has harvested most of its answers is
//! caught too late. [`Incremental`] is the state the time-ordered replay and the live server
//! share: every account's [`AccountSummary`], updated event by event, and a record of when each
//! account was first flagged and how many of its events had been seen by then. Re-scoring is
//! [`detect`] over the current summaries, the very function the batch scan calls, so a replay
//! measures the detector that ships and not a second copy of it.
//!
//! When to re-score is the driver's business: the live server does it on a wall-clock timer,
//! the replay in event time with a [`Schedule`].

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU64;
use std::time::Duration;

use hydrascope_events::{Action, EpochMillis, Event};

use crate::account::AccountSummary;
use crate::content::PromptSketch;
use crate::detect::{Detection, detect};
use crate::policy::Policy;

/// The first time an account was flagged.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstFlag {
    pub account_id: String,
    /// The instant of the re-score that first flagged the account.
    pub at: EpochMillis,
    /// The account's events observed by then.
    pub events: u64,
    pub score: f64,
    /// The action the policy decided at that re-score.
    pub action: Action,
}

/// Every account's summary, kept up to date event by event, with the first flag of each
/// account that has been flagged.
#[derive(Debug, Default)]
pub struct Incremental {
    /// Sorted by account id at each re-score, as the batch scan orders them, so that a
    /// re-score over the same summaries is the scan's detection, group names included.
    /// [`Detection::accounts`] follows the same order.
    summaries: Vec<(String, AccountSummary)>,
    /// Position of each account in `summaries`.
    index: HashMap<String, usize>,
    /// True once an account was added out of order since the last re-score.
    unsorted: bool,
    flagged_once: HashSet<String>,
    first_flags: Vec<FirstFlag>,
    events: u64,
}

impl Incremental {
    pub fn new() -> Self {
        Incremental::default()
    }

    /// Adds one event, with the sketch of its content when it has one.
    pub fn observe(&mut self, event: &Event, sketch: Option<&PromptSketch>) {
        let at = match self.index.get(event.account_id.as_str()) {
            Some(&at) => at,
            None => self.add_account(&event.account_id),
        };
        self.summaries[at].1.observe(event, sketch);
        self.events += 1;
    }

    fn add_account(&mut self, account_id: &str) -> usize {
        if let Some((last, _)) = self.summaries.last() {
            self.unsorted |= last.as_str() > account_id;
        }
        let at = self.summaries.len();
        self.summaries
            .push((account_id.to_owned(), AccountSummary::default()));
        self.index.insert(account_id.to_owned(), at);
        at
    }

    /// Puts accounts added since the last re-score in their place.
    fn sort(&mut self) {
        if !self.unsorted {
            return;
        }
        self.summaries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (position, (account_id, _)) in self.summaries.iter().enumerate() {
            *self
                .index
                .get_mut(account_id)
                .expect("every account is indexed") = position;
        }
        self.unsorted = false;
    }

    /// Runs detection over every account seen so far, as of `now`, and records the accounts it
    /// flags for the first time. Returns the detection, whose outcomes are in the order of
    /// [`Incremental::summaries`].
    pub fn rescore(&mut self, now: EpochMillis, policy: &Policy) -> Detection {
        self.sort();
        let detection = detect(&self.summaries, policy);
        for ((account_id, summary), outcome) in self.summaries.iter().zip(&detection.accounts) {
            if outcome.decision.flagged && !self.flagged_once.contains(account_id) {
                self.flagged_once.insert(account_id.clone());
                self.first_flags.push(FirstFlag {
                    account_id: account_id.clone(),
                    at: now,
                    events: summary.events,
                    score: outcome.score,
                    action: outcome.decision.action,
                });
            }
        }
        detection
    }

    /// Every account seen; sorted by account id as of the last re-score.
    pub fn summaries(&self) -> &[(String, AccountSummary)] {
        &self.summaries
    }

    /// The first flag of every account flagged so far, in the order they were flagged.
    pub fn first_flags(&self) -> &[FirstFlag] {
        &self.first_flags
    }

    /// Events observed.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The summaries and first flags, for the report once the traffic has ended.
    pub fn into_parts(self) -> (Vec<(String, AccountSummary)>, Vec<FirstFlag>) {
        (self.summaries, self.first_flags)
    }
}

/// When a replay re-scores, in event time: at every multiple of a period since the epoch that
/// the traffic crosses. Aligning to the epoch (00:00, 06:00, … UTC for six hours) makes runs
/// over different windows re-score at the same instants, so their flag times compare.
///
/// A stretch without traffic gets one re-score, at the first instant it crosses: nothing has
/// changed for the ones after it.
#[derive(Debug, Clone)]
pub struct Schedule {
    every: NonZeroU64,
    next: Option<EpochMillis>,
}

impl Schedule {
    /// Every `every` of event time; `None` when it is shorter than a millisecond.
    pub fn new(every: Duration) -> Option<Schedule> {
        let millis = u64::try_from(every.as_millis()).unwrap_or(u64::MAX);
        Some(Schedule {
            every: NonZeroU64::new(millis)?,
            next: None,
        })
    }

    /// Before observing an event at `ts` (events come in time order): the instant to re-score
    /// at first, when the event is the first at or after it. A re-score at that instant covers
    /// exactly the events before it.
    pub fn due(&mut self, ts: EpochMillis) -> Option<EpochMillis> {
        let due = self.next.filter(|&next| ts >= next);
        if due.is_some() || self.next.is_none() {
            self.next = Some(self.boundary_after(ts));
        }
        due
    }

    /// The first multiple of the period after `ts`.
    fn boundary_after(&self, ts: EpochMillis) -> EpochMillis {
        let every = i64::try_from(self.every.get()).unwrap_or(i64::MAX);
        ts.div_euclid(every).saturating_add(1).saturating_mul(every)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    use crate::test_traffic::T0;

    fn event(ts: EpochMillis, account: &str) -> Event {
        let mut event = Event::new(ts, account);
        event.prompt = Some(format!("Prove that {ts} is the sum of two squares."));
        event
    }

    /// A policy that flags every account it is not told to allow.
    fn flag_everyone(allowed: &str) -> Policy {
        Policy::from_toml_str(&format!(
            "[verdict]\nflag_threshold = 0.0\n[allow]\naccounts = [\"{allowed}\"]\n"
        ))
        .unwrap()
    }

    fn observe_all(state: &mut Incremental, events: &[Event]) {
        for event in events {
            let sketch = crate::content::EventSketch::of_event(event);
            state.observe(event, sketch.sketch());
        }
    }

    #[test]
    fn an_account_is_recorded_once_at_the_rescore_that_first_flags_it_with_its_events_by_then() {
        let policy = flag_everyone("acct_allowed");
        let mut state = Incremental::new();
        observe_all(
            &mut state,
            &[
                event(T0, "acct_b"),
                event(T0 + 1, "acct_b"),
                event(T0 + 2, "acct_allowed"),
            ],
        );
        state.rescore(T0 + HOUR, &policy);
        observe_all(
            &mut state,
            &[event(T0 + HOUR, "acct_b"), event(T0 + HOUR + 1, "acct_a")],
        );
        let detection = state.rescore(T0 + 2 * HOUR, &policy);

        let flags: Vec<(&str, EpochMillis, u64)> = state
            .first_flags()
            .iter()
            .map(|f| (f.account_id.as_str(), f.at, f.events))
            .collect();
        assert_eq!(
            flags,
            [("acct_b", T0 + HOUR, 2), ("acct_a", T0 + 2 * HOUR, 1)]
        );
        assert_eq!(state.events(), 5);
        // Outcomes follow the accounts, sorted by id as the scan sorts them.
        let ids: Vec<&str> = state
            .summaries()
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(ids, ["acct_a", "acct_allowed", "acct_b"]);
        let flagged: Vec<bool> = detection
            .accounts
            .iter()
            .map(|o| o.decision.flagged)
            .collect();
        assert_eq!(flagged, [true, false, true]);
        assert_eq!(state.summaries()[2].1.events, 3);
    }

    #[test]
    fn the_incremental_summaries_are_the_ones_a_batch_over_the_same_events_builds() {
        let events: Vec<Event> = (0..40)
            .map(|i| {
                event(
                    T0 + i * HOUR / 4,
                    ["acct_a", "acct_b", "acct_c"][i as usize % 3],
                )
            })
            .collect();
        let mut state = Incremental::new();
        for (i, chunk) in events.chunks(7).enumerate() {
            observe_all(&mut state, chunk);
            state.rescore(T0 + i as i64 * HOUR, &Policy::default());
        }
        let mut batch: Vec<(String, AccountSummary)> = Vec::new();
        for account in ["acct_a", "acct_b", "acct_c"] {
            let mut summary = AccountSummary::default();
            for event in events.iter().filter(|e| e.account_id == account) {
                let sketch = crate::content::EventSketch::of_event(event);
                summary.observe(event, sketch.sketch());
            }
            batch.push((account.to_owned(), summary));
        }
        assert_eq!(state.summaries(), batch.as_slice());
    }

    #[test]
    fn the_default_policy_flags_no_one_among_a_few_quiet_accounts() {
        let mut state = Incremental::new();
        observe_all(&mut state, &[event(T0, "acct_a"), event(T0 + 5, "acct_b")]);
        let detection = state.rescore(T0 + HOUR, &Policy::default());
        assert_eq!(detection.accounts.len(), 2);
        assert!(state.first_flags().is_empty());
        let (summaries, flags) = state.into_parts();
        assert_eq!((summaries.len(), flags.len()), (2, 0));
    }

    #[test]
    fn a_schedule_rescores_at_each_boundary_the_traffic_crosses_once() {
        let mut schedule = Schedule::new(Duration::from_secs(6 * 3_600)).unwrap();
        let start = T0 + 5 * HOUR; // 05:00, boundaries at 06:00, 12:00, …
        assert_eq!(schedule.due(start), None);
        assert_eq!(schedule.due(start + HOUR - 1), None);
        assert_eq!(schedule.due(start + HOUR), Some(T0 + 6 * HOUR));
        assert_eq!(schedule.due(start + 2 * HOUR), None);
        // A quiet day: one re-score at the first boundary crossed, then the grid goes on.
        assert_eq!(schedule.due(T0 + 40 * HOUR), Some(T0 + 12 * HOUR));
        assert_eq!(schedule.due(T0 + 41 * HOUR), None);
        assert_eq!(schedule.due(T0 + 42 * HOUR), Some(T0 + 42 * HOUR));
    }

    #[test]
    fn a_schedule_needs_at_least_a_millisecond() {
        assert!(Schedule::new(Duration::from_micros(999)).is_none());
        assert!(Schedule::new(Duration::from_millis(1)).is_some());
    }
}
