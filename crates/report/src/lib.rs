//! The evidence package: what a scan found, as one self-contained HTML page that a
//! trust-and-safety analyst, a lawyer or a lawmaker can read, print or file, and as STIX 2.1
//! indicators to share with other providers ([`stix`]).
//!
//! The page is built from the scan's own outputs (`campaigns.json`, `verdicts.jsonl`), not
//! from a second analysis, so every number on it is one the scan wrote. It needs nothing to
//! open: styles are inlined, charts are inline SVG ([`charts`]), and there is no script.
//! Every value from the data is escaped ([`maud`]); prompts quoted as examples cannot inject
//! markup into the page.

pub mod benchmark;
pub mod charts;
mod page;
pub mod scan_dir;
pub mod stix;
pub mod words;

use std::collections::HashMap;

use hydrascope_events::{Campaign, Verdict};

pub use page::render;
pub use scan_dir::{ReportError, ScanOutputs};

/// Member accounts listed per campaign at most, highest scores first; the rest are counted
/// and are in `verdicts.jsonl`. The largest 2026 campaign had 25,000 accounts.
pub const MEMBERS_LISTED: usize = 200;

/// What a report shows.
#[derive(Debug)]
pub struct ReportInput<'a> {
    /// What was scanned, in words (a directory, a time window).
    pub source: &'a str,
    /// When the report was made (RFC 3339).
    pub generated_at: &'a str,
    pub accounts_scanned: usize,
    pub flagged: usize,
    pub campaigns: &'a [Campaign],
    /// The verdicts of (at least) every campaign's accounts, by account id.
    pub verdicts: &'a HashMap<String, Verdict>,
    /// Shows counts only: no infrastructure values and no example prompts, for readers who
    /// may see what was found but not whose traffic it was.
    pub redact: bool,
    /// Has the browser reload the page this often (a live dashboard); `None` for a report.
    pub refresh_secs: Option<u32>,
}
