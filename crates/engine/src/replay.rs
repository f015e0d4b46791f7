//! `replay`: the traffic in time order through the core's incremental detection, the way the
//! live server will see it, re-scoring as it goes.
//!
//! ```text
//! events ─► ORDER BY ts, request_id, account_id (spills to disk past the memory limit)
//!        ─► each event: its content (EventSketch), Incremental::observe
//!        ─► at every boundary of the Schedule, and once at the end: Incremental::rescore
//! ```
//!
//! The order is DataFusion's sort over the `events` table, so the input can be far larger
//! than memory; everything after it runs on one thread, because a re-score needs every
//! event before its instant and none after. Accounts are summarised exactly as the scan
//! summarises them (the same columns, rebuilt into events, the same content decision), so
//! the last re-score of a replay sees the summaries a scan of the same input would.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::prelude::{SessionConfig, SessionContext, col};
use futures::StreamExt;
use hydrascope_core::AccountSummary;
use hydrascope_core::content::EventSketch;
use hydrascope_core::detect::Detection;
use hydrascope_core::policy::Policy;
use hydrascope_core::replay::{FirstFlag, Incremental, Schedule};
use hydrascope_events::{EpochMillis, Event};
use hydrascope_io::ReadStats;
use hydrascope_io::batch::batch_to_events;
use hydrascope_io::quarantine::BadInputPolicy;

use crate::functions::{account, sketch};
use crate::{EVENTS_TABLE, EngineError, register_events};

/// How a replay runs.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// When to re-score, in event time.
    pub schedule: Schedule,
    /// Memory the sort may hold before it spills sorted runs to disk.
    pub memory_limit: usize,
    /// Where the sort spills (temporary files, removed when the replay ends).
    pub spill_dir: PathBuf,
}

/// One re-score, as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Rescore {
    /// The instant in event time it scored as of.
    pub at: EpochMillis,
    pub accounts: usize,
    /// Events observed by then.
    pub events: u64,
    /// Accounts flagged at this re-score.
    pub flagged: usize,
    /// Of those, the accounts flagged for the first time.
    pub first_flagged: usize,
    /// Wall time of the detection.
    pub took: Duration,
}

/// What watches a replay go by: progress, and measures that need more than the detector
/// knows (the ground truth's campaigns).
pub trait ReplayObserver {
    /// After the core has observed `event`.
    fn observed(&mut self, event: &Event);
    /// After each re-score, with the accounts it flagged for the first time.
    fn rescored(&mut self, rescore: &Rescore, first_flags: &[FirstFlag]);
}

/// What a replay found.
#[derive(Debug)]
pub struct ReplayResult {
    /// Every account seen, sorted by account id (as the scan sorts them).
    pub summaries: Vec<(String, AccountSummary)>,
    /// The last re-score, over all the traffic; outcomes in the order of `summaries`.
    pub detection: Detection,
    /// In the order the accounts were first flagged.
    pub first_flags: Vec<FirstFlag>,
    pub rescores: Vec<Rescore>,
    /// The first and last event time.
    pub window: (EpochMillis, EpochMillis),
    /// Read statistics for raw input (canonical input was checked when ingested).
    pub read: Option<ReadStats>,
    /// True when the input was the canonical dataset, read natively.
    pub canonical: bool,
    /// Events whose `prompt_sketch` did not decode (their content signals are missing).
    pub malformed_sketches: u64,
}

/// Replays `input` (file, directory or glob) in time order under `policy`, quarantining bad
/// records of raw input to `quarantine`.
pub async fn replay(
    input: &Path,
    quarantine: &Path,
    bad_input: &BadInputPolicy,
    policy: &Policy,
    options: &ReplayOptions,
    observer: &mut impl ReplayObserver,
) -> Result<ReplayResult, EngineError> {
    let ctx = session(options)?;
    let registered = register_events(&ctx, input, quarantine)?;
    let mut stream = time_ordered(&ctx).await?;
    let mut run = Run::new(policy, options.schedule.clone());
    while let Some(batch) = stream.next().await {
        for event in batch_to_events(&batch?) {
            let event = event.map_err(|rejection| {
                EngineError::Input(format!("an event of the sorted table: {rejection}"))
            })?;
            run.observe(&event, observer);
        }
    }
    let read = registered.finish(bad_input)?;
    run.finish(read, registered.is_canonical(), observer)
}

/// A session whose sort holds at most `memory_limit` bytes and spills to `spill_dir`. The
/// input is still read in parallel.
fn session(options: &ReplayOptions) -> Result<SessionContext, EngineError> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(options.memory_limit)))
        .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(
            DiskManagerMode::Directories(vec![options.spill_dir.clone()]),
        ))
        .build_arc()?;
    // One sort over all partitions rather than a sort per partition and a merge: the merge
    // cannot spill, and the per-partition sorts would leave it no memory to start in.
    let config = SessionConfig::new()
        .with_target_partitions(std::thread::available_parallelism().map_or(1, |n| n.get()))
        .with_repartition_sorts(false);
    Ok(SessionContext::new_with_config_rt(config, runtime))
}

/// The columns a replay reads: what the account summary and the content decision read, the
/// account, and the tie-break of the order.
fn replay_columns() -> Vec<&'static str> {
    let mut columns: Vec<&str> = ["account_id", "request_id"]
        .into_iter()
        .chain(account::COLUMNS)
        .chain(sketch::COLUMNS)
        .collect();
    columns.sort_unstable();
    columns.dedup();
    columns
}

/// The events table in time order; events of the same millisecond by request, then account,
/// so that a replay of the same input is the same replay.
async fn time_ordered(ctx: &SessionContext) -> Result<SendableRecordBatchStream, EngineError> {
    Ok(ctx
        .table(EVENTS_TABLE)
        .await?
        .select_columns(&replay_columns())?
        .sort(vec![
            col("ts").sort(true, false),
            col("request_id").sort(true, false),
            col("account_id").sort(true, false),
        ])?
        .execute_stream()
        .await?)
}

/// The replay in progress: the core's state, the schedule and what has been measured.
struct Run<'p> {
    policy: &'p Policy,
    schedule: Schedule,
    state: Incremental,
    rescores: Vec<Rescore>,
    window: Option<(EpochMillis, EpochMillis)>,
    malformed_sketches: u64,
}

impl<'p> Run<'p> {
    fn new(policy: &'p Policy, schedule: Schedule) -> Self {
        Run {
            policy,
            schedule,
            state: Incremental::new(),
            rescores: Vec::new(),
            window: None,
            malformed_sketches: 0,
        }
    }

    /// Re-scores first when the event crosses a boundary of the schedule, then observes it.
    fn observe(&mut self, event: &Event, observer: &mut impl ReplayObserver) {
        if let Some(at) = self.schedule.due(event.ts) {
            self.rescore(at, observer);
        }
        let content = EventSketch::of_event(event);
        if let EventSketch::Malformed(error) = &content {
            self.malformed_sketches += 1;
            if self.malformed_sketches == 1 {
                tracing::warn!(
                    %error,
                    "events carry prompt sketches that do not decode; their content is ignored \
                     (counted in the replay's malformed sketches)"
                );
            }
        }
        self.state.observe(event, content.sketch());
        self.window = Some(match self.window {
            Some((first, _)) => (first, event.ts),
            None => (event.ts, event.ts),
        });
        observer.observed(event);
    }

    fn rescore(&mut self, at: EpochMillis, observer: &mut impl ReplayObserver) -> Detection {
        let flagged_before = self.state.first_flags().len();
        let started = Instant::now();
        let detection = self.state.rescore(at, self.policy);
        let rescore = Rescore {
            at,
            accounts: detection.accounts.len(),
            events: self.state.events(),
            flagged: detection
                .accounts
                .iter()
                .filter(|o| o.decision.flagged)
                .count(),
            first_flagged: self.state.first_flags().len() - flagged_before,
            took: started.elapsed(),
        };
        tracing::debug!(?rescore, "re-scored");
        observer.rescored(&rescore, &self.state.first_flags()[flagged_before..]);
        self.rescores.push(rescore);
        detection
    }

    /// The last re-score, as of the last event, and the result.
    fn finish(
        mut self,
        read: Option<ReadStats>,
        canonical: bool,
        observer: &mut impl ReplayObserver,
    ) -> Result<ReplayResult, EngineError> {
        let window = self
            .window
            .ok_or_else(|| EngineError::Input("the input holds no events to replay".into()))?;
        let detection = self.rescore(window.1, observer);
        let (summaries, first_flags) = self.state.into_parts();
        Ok(ReplayResult {
            summaries,
            detection,
            first_flags,
            rescores: self.rescores,
            window,
            read,
            canonical,
            malformed_sketches: self.malformed_sketches,
        })
    }
}
