//! The replay against the core: events come out of the sort in time order, whichever road
//! they took in and whether or not the sort spilled, every re-score covers exactly the events
//! before its instant, and the last one sees the summaries a loop over all the events builds.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{assert_same_summaries, core_summaries, ingested_input, raw_input, simulated_events};
use hydrascope_core::policy::Policy;
use hydrascope_core::replay::{FirstFlag, Schedule};
use hydrascope_engine::{ReplayObserver, ReplayOptions, ReplayResult, Rescore, replay};
use hydrascope_events::{EpochMillis, Event};
use hydrascope_io::quarantine::BadInputPolicy;

const WEEK: Duration = Duration::from_secs(7 * 86_400);
const MIB: usize = 1 << 20;

/// What the observer saw: every event's time, every re-score, and the files under the spill
/// directory when the first event came out of the sort.
#[derive(Default)]
struct Recorder<'a> {
    spill_dir: Option<&'a Path>,
    times: Vec<EpochMillis>,
    rescores: Vec<Rescore>,
    first_flags: Vec<FirstFlag>,
    spilled_files: usize,
}

impl ReplayObserver for Recorder<'_> {
    fn observed(&mut self, event: &Event) {
        if self.times.is_empty() {
            self.spilled_files = self.spill_dir.map_or(0, files_under);
        }
        self.times.push(event.ts);
    }

    fn rescored(&mut self, rescore: &Rescore, first_flags: &[FirstFlag]) {
        self.rescores.push(rescore.clone());
        self.first_flags.extend_from_slice(first_flags);
    }
}

fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

async fn replay_weekly(
    input: &Path,
    memory_limit: usize,
    spill_dir: &Path,
    recorder: &mut Recorder<'_>,
) -> ReplayResult {
    let options = ReplayOptions {
        schedule: Schedule::new(WEEK).unwrap(),
        memory_limit,
        spill_dir: spill_dir.to_path_buf(),
    };
    replay(
        input,
        &input.with_extension("quarantine.jsonl"),
        &BadInputPolicy::default(),
        &Policy::default(),
        &options,
        recorder,
    )
    .await
    .unwrap()
}

/// What every replay of the simulated events must show.
fn assert_a_faithful_replay(result: &ReplayResult, recorder: &Recorder, events: &[Event]) {
    assert_eq!(recorder.times.len(), events.len());
    assert!(recorder.times.is_sorted(), "events out of time order");
    let (first, last) = (recorder.times[0], *recorder.times.last().unwrap());
    assert_eq!(result.window, (first, last));
    assert_same_summaries(&result.summaries, &core_summaries(events));
    assert_eq!(result.detection.accounts.len(), result.summaries.len());

    // Six weeks of traffic re-scored weekly, then once at the last event.
    assert!(
        result.rescores.len() >= 6,
        "{} re-scores",
        result.rescores.len()
    );
    assert_eq!(recorder.rescores, result.rescores);
    let (last_rescore, boundaries) = result.rescores.split_last().unwrap();
    assert_eq!(last_rescore.at, last);
    assert_eq!(last_rescore.events, events.len() as u64);
    for rescore in boundaries {
        assert!(first < rescore.at && rescore.at <= last);
        let before = events.iter().filter(|e| e.ts < rescore.at).count();
        assert_eq!(rescore.events, before as u64, "re-score at {}", rescore.at);
    }
    assert!(result.rescores.is_sorted_by_key(|r| r.at));
    assert_eq!(recorder.first_flags, result.first_flags);
    let first_flagged: usize = result.rescores.iter().map(|r| r.first_flagged).sum();
    assert_eq!(first_flagged, result.first_flags.len());
}

#[tokio::test]
async fn a_replay_of_raw_input_is_in_time_order_and_ends_with_the_core_loops_summaries() {
    let events = simulated_events();
    let dir = tempfile::tempdir().unwrap();
    let input = raw_input(dir.path(), events);
    let mut recorder = Recorder::default();

    let result = replay_weekly(&input, 512 * MIB, dir.path(), &mut recorder).await;

    assert!(!result.canonical);
    assert_eq!(result.read.as_ref().unwrap().events, events.len() as u64);
    assert_a_faithful_replay(&result, &recorder, events);
}

#[tokio::test]
async fn a_sort_larger_than_its_memory_spills_to_disk_and_replays_the_dataset_the_same() {
    let events = simulated_events();
    let dir = tempfile::tempdir().unwrap();
    let dataset = ingested_input(dir.path(), events);
    let spill_dir = dir.path().join("spill");
    std::fs::create_dir(&spill_dir).unwrap();
    let mut recorder = Recorder {
        spill_dir: Some(&spill_dir),
        ..Recorder::default()
    };

    let result = replay_weekly(&dataset, 24 * MIB, &spill_dir, &mut recorder).await;

    assert!(result.canonical);
    assert!(recorder.spilled_files > 0, "the sort did not spill");
    assert_a_faithful_replay(&result, &recorder, events);
    assert_eq!(files_under(&spill_dir), 0, "spill files left behind");
}

#[tokio::test]
async fn an_input_without_events_is_an_error_not_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.jsonl");
    std::fs::write(&input, "").unwrap();
    let options = ReplayOptions {
        schedule: Schedule::new(WEEK).unwrap(),
        memory_limit: 64 * MIB,
        spill_dir: dir.path().to_path_buf(),
    };
    let error = replay(
        &input,
        &dir.path().join("q.jsonl"),
        &BadInputPolicy::default(),
        &Policy::default(),
        &options,
        &mut Recorder::default(),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("no events"), "{error}");
}
