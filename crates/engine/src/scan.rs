//! `scan`: the whole batch detection over one input, embedded in this process.

use std::path::Path;

use datafusion::prelude::{SessionConfig, SessionContext};
use hydrascope_core::AccountSummary;
use hydrascope_core::detect::{Detection, detect};
use hydrascope_core::policy::Policy;
use hydrascope_io::ReadStats;
use hydrascope_io::quarantine::BadInputPolicy;

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
    /// Events whose `prompt_sketch` did not decode (their content signals are missing).
    pub malformed_sketches: u64,
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
        malformed_sketches: sketches.malformed(),
    })
}

/// The configuration of a scan's sessions: the input read in parallel on every core.
pub(crate) fn session_config() -> SessionConfig {
    SessionConfig::new()
        .with_target_partitions(std::thread::available_parallelism().map_or(1, |n| n.get()))
}
