//! `scan`: the whole batch detection over one input, embedded in this process or with its
//! plans run by another session (a Ballista cluster).

use std::path::{Path, PathBuf};

use datafusion::prelude::{SessionConfig, SessionContext};
use hydrascope_core::AccountSummary;
use hydrascope_core::detect::{Detection, detect};
use hydrascope_core::policy::Policy;
use hydrascope_io::ReadStats;
use hydrascope_io::quarantine::BadInputPolicy;

use crate::evidence::EvidenceLimits;
use crate::input::register_canonical_events;
use crate::{EngineError, account_summaries, register_events, register_functions};

/// What a scan found.
#[derive(Debug)]
pub struct ScanResult {
    /// Every account seen, sorted by id.
    pub summaries: Vec<(String, AccountSummary)>,
    /// Outcomes in the order of `summaries`.
    pub detection: Detection,
    /// Read statistics for raw input (canonical input was checked when ingested).
    pub read: Option<ReadStats>,
    /// True when the input was the canonical dataset, read natively.
    pub canonical: bool,
    /// Events whose `prompt_sketch` did not decode (their content signals are missing);
    /// unknown when the plans ran on other processes (a cluster's executors).
    pub malformed_sketches: Option<u64>,
}

/// Where a scan's plans run.
#[derive(Clone)]
pub enum Placement {
    /// In this process; the evidence pass within these limits.
    Embedded(EvidenceLimits),
    /// On the executors behind `ctx`, a session of a Ballista cluster's
    /// (`hydrascope-cluster`). The input must be the canonical dataset, at a path every
    /// executor reads; the evidence pass writes its small tables as Parquet files under
    /// `scratch`, which every executor must read too.
    Cluster {
        ctx: SessionContext,
        scratch: PathBuf,
    },
}

/// Scans `input` where `placement` says: [`scan`] in this process, [`scan_with`] on a
/// cluster.
pub async fn scan_on(
    placement: &Placement,
    input: &Path,
    quarantine: &Path,
    bad_input: &BadInputPolicy,
    policy: &Policy,
) -> Result<ScanResult, EngineError> {
    match placement {
        Placement::Embedded(_) => scan(input, quarantine, bad_input, policy).await,
        Placement::Cluster { ctx, .. } => scan_with(ctx, input, policy).await,
    }
}

/// Scans `input` (file, directory or glob), quarantining bad records of raw input to
/// `quarantine`, and runs detection under `policy`.
pub async fn scan(
    input: &Path,
    quarantine: &Path,
    bad_input: &BadInputPolicy,
    policy: &Policy,
) -> Result<ScanResult, EngineError> {
    let ctx = SessionContext::new_with_config(session_config());
    let sketches = register_functions(&ctx);
    let registered = register_events(&ctx, input, quarantine)?;
    let summaries = account_summaries(&ctx).await?;
    let read = registered.finish(bad_input)?;
    let detection = detect(&summaries, policy);
    Ok(ScanResult {
        summaries,
        detection,
        read,
        canonical: registered.is_canonical(),
        malformed_sketches: Some(sketches.malformed()),
    })
}

/// Scans the canonical dataset `input` with the plans run by `ctx`, a session whose queries
/// execute elsewhere (a Ballista cluster's, `hydrascope-cluster`): the same plan as
/// [`scan`], whose account summaries come back to this process for detection.
pub async fn scan_with(
    ctx: &SessionContext,
    input: &Path,
    policy: &Policy,
) -> Result<ScanResult, EngineError> {
    register_functions(ctx);
    register_canonical_events(ctx, input)?;
    let summaries = account_summaries(ctx).await?;
    let detection = detect(&summaries, policy);
    Ok(ScanResult {
        summaries,
        detection,
        read: None,
        canonical: true,
        malformed_sketches: None,
    })
}

/// The configuration of a scan's sessions: the input read in parallel on every core.
pub(crate) fn session_config() -> SessionConfig {
    SessionConfig::new()
        .with_target_partitions(std::thread::available_parallelism().map_or(1, |n| n.get()))
}
