//! The traffic the engine's integration tests run on, and what the core alone makes of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hydrascope_core::AccountSummary;
use hydrascope_core::content::{EventSketch, PromptSketch};
use hydrascope_events::Event;
use hydrascope_io::ingest::{IngestOptions, ingest};
use hydrascope_io::write::{EventSink, JsonlWriter};
use hydrascope_sim::{Corpus, KnobOverrides, Scenario, SimConfig, simulate};

/// Events kept per account: every persona and campaign stays, in a few seconds of debug build.
const EVENTS_PER_ACCOUNT: usize = 80;

/// A small scenario with every campaign and a benign population with its hard negatives, each
/// account's first events.
pub fn simulated_events() -> &'static [Event] {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let config = SimConfig {
            scenario: Scenario::All,
            scale: 0.002,
            seed: 11,
            benign_accounts: 200,
            knobs: KnobOverrides::default(),
            corpus: Corpus::built_in(),
        };
        let mut events = Vec::new();
        let mut per_account: BTreeMap<String, usize> = BTreeMap::new();
        simulate(
            &config,
            |event| {
                let seen = per_account.entry(event.account_id.clone()).or_default();
                *seen += 1;
                if *seen <= EVENTS_PER_ACCOUNT {
                    events.push(event.clone());
                }
                Ok::<(), std::convert::Infallible>(())
            },
            |_| {},
        )
        .expect("the simulation runs");
        events
    })
}

/// The content of an event as the contract defines it: its prompt's sketch, else the sketch
/// it carries (when that decodes).
pub fn content_of(event: &Event) -> Option<PromptSketch> {
    EventSketch::of_event(event).sketch().cloned()
}

/// The summaries built directly by the core, sorted by account.
pub fn core_summaries(events: &[Event]) -> Vec<(String, AccountSummary)> {
    let mut summaries: BTreeMap<String, AccountSummary> = BTreeMap::new();
    for event in events {
        summaries
            .entry(event.account_id.clone())
            .or_default()
            .observe(event, content_of(event).as_ref());
    }
    summaries.into_iter().collect()
}

pub fn write_jsonl(events: &[Event], path: &Path) {
    let mut writer = JsonlWriter::create(path).unwrap();
    for event in events {
        writer.write(event).unwrap();
    }
    writer.finish().unwrap();
}

/// The events as raw JSONL in `dir`.
pub fn raw_input(dir: &Path, events: &[Event]) -> PathBuf {
    let input = dir.join("events.jsonl");
    write_jsonl(events, &input);
    input
}

/// The events as the canonical dataset (one Parquet file per day) in `dir`.
pub fn ingested_input(dir: &Path, events: &[Event]) -> PathBuf {
    let dataset = dir.join("dataset");
    ingest(raw_input(dir, events), &dataset, &IngestOptions::default()).unwrap();
    dataset
}

pub fn assert_same_summaries(
    found: &[(String, AccountSummary)],
    expected: &[(String, AccountSummary)],
) {
    assert_eq!(found.len(), expected.len(), "accounts");
    for ((id, summary), (expected_id, expected_summary)) in found.iter().zip(expected) {
        assert_eq!(id, expected_id);
        assert_eq!(summary, expected_summary, "summary of {id}");
    }
}
