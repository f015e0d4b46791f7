//! The errors that stop a run. Bad *records* never do: they become quarantine records (see
//! [`crate::quarantine`]). What is left here is what a user has to fix before anything
//! useful can happen: an input that matches nothing, an output that cannot be written, or more
//! bad input than the policy allows.

use std::io;
use std::path::PathBuf;

use hydrascope_events::format::thousands;

/// An error that stops reading or writing, with the path it is about.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("no input file matches {spec:?}")]
    NoInput { spec: String },

    #[error("{spec:?} is not a valid glob pattern: {source}")]
    BadPattern {
        spec: String,
        source: glob::PatternError,
    },

    /// A directory or an existing dataset file that must be read before the run can start.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("cannot create {}: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },

    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },

    #[error("cannot read Parquet {}: {source}", path.display())]
    ParquetRead {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },

    #[error("cannot write Parquet {}: {source}", path.display())]
    ParquetWrite {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },

    #[error("{} has no known event format (expected .jsonl, .ndjson, .json, .csv or .parquet, optionally .gz or .zst)", path.display())]
    UnsupportedOutput { path: PathBuf },

    /// The run finished and its outputs are written, but too much of the input was bad to
    /// trust the result.
    #[error(
        "{} of {} input records ({}) were bad, above the allowed {}; see {} (top reasons: {top_reasons})",
        thousands(*bad), thousands(*total), percent(*bad as f64 / *total as f64), percent(*allowed_share),
        quarantine.display()
    )]
    TooMuchBadInput {
        bad: u64,
        total: u64,
        allowed_share: f64,
        quarantine: PathBuf,
        top_reasons: String,
    },
}

fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}
