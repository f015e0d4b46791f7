//! hydrascope's batch scan on an Apache DataFusion Ballista cluster.
//!
//! The scan's plans are DataFusion plans over the canonical dataset, whose only extensions
//! are hydrascope's functions ([`hydrascope_engine::Functions`]): a Ballista scheduler plans
//! and splits them into stages, and executors run the stages. Functions travel in a plan by
//! name, so the scheduler (which turns the client's logical plan into physical stages) and
//! every executor (which decodes the stages it runs) must have them registered. That is why
//! operators start the cluster from hydrascope's own binary (`hydrascope scheduler`,
//! `hydrascope executor`), built on the Ballista crates of the DataFusion version the engine
//! uses, instead of Ballista's stock binaries.
//!
//! ```text
//!  hydrascope scan --cluster df://HOST:PORT
//!     │ logical plan (events ─► hs_account_summary per account)
//!     ▼
//!  scheduler ── stages ──► executor 1: read Parquet row groups, partial summaries ─┐ shuffle
//!                          executor 2: read Parquet row groups, partial summaries ─┤ by account
//!                          executors:  merge partial summaries per account  ◄──────┘
//!     ◄── one summary per account ── detection, verdicts and campaigns in the client
//! ```

pub mod client;
pub mod executor;
pub mod scheduler;

pub use client::connect;
pub use executor::{ExecutorOptions, run_executor};
pub use scheduler::{EXECUTOR_TIMEOUT_SECS, run_scheduler};

/// Why a cluster process could not start or a cluster could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("Ballista: {0}")]
    Ballista(#[from] ballista_core::error::BallistaError),
    #[error("connecting to the scheduler at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
}
