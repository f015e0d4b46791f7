//! The batch engine of hydrascope: the detection core run as Apache DataFusion plans.
//!
//! `hydrascope scan` and `hydrascope replay` run here, in process by default; the plans use
//! only DataFusion's extension points (table providers, UDFs, UDAFs with mergeable state) so
//! that the same plan can later be shipped to a Ballista cluster unchanged. The detection logic itself lives in
//! `hydrascope-core`; this crate only adapts it to Arrow arrays and DataFusion plans.

pub mod error;
pub mod evidence;
pub mod functions;
pub mod input;
pub mod replay;
pub mod scan;
pub mod summaries;

pub use error::EngineError;
pub use evidence::{
    CampaignEvidence, EVIDENCE_MEMORY, EVIDENCE_SPILL, EvidenceLimits, SharedTemplate, SharedValue,
    SharedValues, attach_evidence, campaign_evidence, is_memory_exhausted,
};
pub use functions::{Functions, SketchStats, register_functions};
pub use input::{
    EVENTS_TABLE, RegisteredInput, register_canonical_events, register_events,
    register_events_again,
};
pub use replay::{ReplayObserver, ReplayOptions, ReplayResult, Rescore, replay};
pub use scan::{Placement, ScanResult, scan, scan_on, scan_with};
pub use summaries::{
    account_summaries, account_summary_expr, account_summary_frame, read_summary_columns,
};

#[cfg(test)]
mod tests;
