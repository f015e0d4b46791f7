//! `GET /`: the analyst's dashboard, the same page as `hydrascope report` built from the last
//! re-score instead of a scan's files, and reloaded by the browser every
//! [`REFRESH_SECS`] seconds (no script: a `refresh` header in the page).

use std::collections::HashMap;

use hydrascope_events::time::{format_rfc3339, now_millis};
use hydrascope_events::{Campaign, Verdict};
use hydrascope_report::{ReportInput, render};

use crate::snapshot::Snapshot;

/// How often the browser reloads the dashboard.
pub const REFRESH_SECS: u32 = 30;

/// The dashboard of one snapshot, whose campaigns are `campaigns` (with the values behind
/// their evidence, as far as they were read).
pub fn page(snapshot: &Snapshot, campaigns: &[Campaign]) -> String {
    let verdicts: HashMap<String, Verdict> = campaigns
        .iter()
        .flat_map(|c| &c.accounts)
        .filter_map(|id| {
            let state = snapshot.accounts.get(id)?;
            Some((id.clone(), state.verdict.clone()))
        })
        .collect();
    let source = match snapshot.as_of {
        Some(as_of) => format!(
            "the live service, {} events up to {}",
            snapshot.events,
            format_rfc3339(as_of)
        ),
        None => "the live service, no events yet".to_owned(),
    };
    render(&ReportInput {
        source: &source,
        generated_at: &format_rfc3339(now_millis()),
        accounts_scanned: snapshot.accounts.len(),
        flagged: snapshot
            .accounts
            .values()
            .filter(|a| a.verdict.flagged)
            .count(),
        campaigns,
        verdicts: &verdicts,
        redact: false,
        refresh_secs: Some(REFRESH_SECS),
    })
}
