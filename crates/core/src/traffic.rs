//! The shape of a body of traffic: how much, from how many accounts, over which days.
//!
//! This is what a user checks first when data arrives ("is this the week I meant, and about
//! the volume I expected?") and what every report opens with.

use std::collections::{BTreeMap, HashSet};

use hydrascope_events::time::{MILLIS_PER_DAY, day_number, utc_day};
use hydrascope_events::{EpochMillis, Event};
use serde::Serialize;

use crate::merge::{Mergeable, combine_bounds};

/// Counts of events and accounts over time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficSummary {
    events: u64,
    with_prompt: u64,
    accounts: HashSet<String>,
    first_ts: Option<EpochMillis>,
    last_ts: Option<EpochMillis>,
    /// Events per UTC day, keyed by days since the epoch.
    per_day: BTreeMap<i64, u64>,
}

/// A finished [`TrafficSummary`], ready to print or serialise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficReport {
    pub events: u64,
    pub accounts: usize,
    /// Share of events that carry prompt text or a prompt sketch (content signals need them).
    pub with_content_share: f64,
    pub first_day: Option<String>,
    pub last_day: Option<String>,
    pub days: usize,
    pub busiest_day: Option<(String, u64)>,
}

impl TrafficSummary {
    /// Adds one event.
    pub fn observe(&mut self, event: &Event) {
        self.events += 1;
        if event.prompt.is_some() || event.prompt_sketch.is_some() {
            self.with_prompt += 1;
        }
        if !self.accounts.contains(&event.account_id) {
            self.accounts.insert(event.account_id.clone());
        }
        self.first_ts = Some(self.first_ts.map_or(event.ts, |t| t.min(event.ts)));
        self.last_ts = Some(self.last_ts.map_or(event.ts, |t| t.max(event.ts)));
        *self.per_day.entry(day_number(event.ts)).or_default() += 1;
    }

    /// The finished figures.
    pub fn report(&self) -> TrafficReport {
        let day_name = |day: i64| utc_day(day * MILLIS_PER_DAY);
        TrafficReport {
            events: self.events,
            accounts: self.accounts.len(),
            with_content_share: if self.events == 0 {
                0.0
            } else {
                self.with_prompt as f64 / self.events as f64
            },
            first_day: self.first_ts.map(utc_day),
            last_day: self.last_ts.map(utc_day),
            days: self.per_day.len(),
            busiest_day: self
                .per_day
                .iter()
                .max_by_key(|(day, count)| (**count, std::cmp::Reverse(**day)))
                .map(|(day, count)| (day_name(*day), *count)),
        }
    }
}

impl Mergeable for TrafficSummary {
    fn merge(&mut self, other: Self) {
        self.events += other.events;
        self.with_prompt += other.with_prompt;
        self.accounts.extend(other.accounts);
        self.first_ts = combine_bounds(self.first_ts, other.first_ts, i64::min);
        self.last_ts = combine_bounds(self.last_ts, other.last_ts, i64::max);
        for (day, count) in other.per_day {
            *self.per_day.entry(day).or_default() += count;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY0: i64 = 20_565 * MILLIS_PER_DAY; // 2026-04-22

    fn event(ts: i64, account: &str) -> Event {
        Event::new(ts, account)
    }

    fn summary_of(events: &[Event]) -> TrafficSummary {
        let mut summary = TrafficSummary::default();
        events.iter().for_each(|e| summary.observe(e));
        summary
    }

    #[test]
    fn counts_events_accounts_and_days() {
        let report = summary_of(&[
            event(DAY0 + 5, "a"),
            event(DAY0 + 9, "b"),
            event(DAY0 + MILLIS_PER_DAY, "a"),
        ])
        .report();
        assert_eq!(report.events, 3);
        assert_eq!(report.accounts, 2);
        assert_eq!(report.first_day.as_deref(), Some("2026-04-22"));
        assert_eq!(report.last_day.as_deref(), Some("2026-04-23"));
        assert_eq!(report.busiest_day, Some(("2026-04-22".to_owned(), 2)));
        assert_eq!(report.with_content_share, 0.0);
    }

    #[test]
    fn merging_partitions_equals_summarising_everything() {
        let events: Vec<Event> = (0..50)
            .map(|i| event(DAY0 + i * 7_200_000, &format!("acct{}", i % 7)))
            .collect();
        let whole = summary_of(&events);
        let parts = events.chunks(9).rev().map(summary_of);
        assert_eq!(TrafficSummary::merge_all(parts), whole);
    }

    #[test]
    fn merging_with_an_empty_summary_changes_nothing() {
        let summary = summary_of(&[event(DAY0, "a")]);
        let mut merged = summary.clone();
        merged.merge(TrafficSummary::default());
        assert_eq!(merged, summary);
    }
}
