//! What the service knows after a re-score: every account's verdict, the campaigns and their
//! fingerprints. A snapshot is immutable once built and is swapped in whole, so that
//! `/v1/check` reads a consistent view without waiting for the detector.

use std::collections::HashMap;

use hydrascope_core::AccountSummary;
use hydrascope_core::detect::Detection;
use hydrascope_core::explain::{self, verdicts};
use hydrascope_core::recognise::CampaignKeys;
use hydrascope_core::replay::FirstFlag;
use hydrascope_events::time::format_rfc3339;
use hydrascope_events::{Action, Campaign, EpochMillis, Verdict};
use serde::Serialize;

/// One account as of the last re-score.
#[derive(Debug, Clone, Serialize)]
pub struct AccountState {
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Exchanges observed.
    pub exchanges: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// When the account was first flagged (event time of that re-score), if ever.
    pub first_flagged: Option<String>,
}

impl AccountState {
    /// A one-line reason for the account's decision: the score and the strongest evidence.
    pub fn reason(&self) -> String {
        let verdict = &self.verdict;
        let signals: Vec<&str> = verdict
            .signals
            .iter()
            .map(|s| s.name.as_str())
            .take(4)
            .collect();
        let campaign = verdict
            .cluster_id
            .as_deref()
            .filter(|_| verdict.flagged)
            .map(|id| format!(" in campaign {id}"))
            .unwrap_or_default();
        let evidence = if signals.is_empty() {
            "no evidence".to_owned()
        } else {
            signals.join(", ")
        };
        format!("score {:.2}{campaign}: {evidence}", verdict.score)
    }
}

/// Everything the last re-score concluded.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Event time of the newest event the re-score saw.
    pub as_of: Option<EpochMillis>,
    pub events: u64,
    pub accounts: HashMap<String, AccountState>,
    /// Campaigns, in canonical order, as `campaigns.json` lists them but without the values
    /// behind their evidence, which [`crate::evidence`] reads on demand.
    pub campaigns: Vec<Campaign>,
    /// The keys each campaign owns, with campaigns as indices of `campaign_of_group`.
    pub keys: CampaignKeys,
    /// Detection group index → position in `campaigns`, for the groups that are campaigns.
    pub campaign_of_group: HashMap<usize, usize>,
}

impl Snapshot {
    /// The snapshot of one detection over `summaries`.
    pub fn build(
        summaries: &[(String, AccountSummary)],
        detection: &Detection,
        first_flags: &[FirstFlag],
        as_of: Option<EpochMillis>,
    ) -> Snapshot {
        let flagged_at: HashMap<&str, EpochMillis> = first_flags
            .iter()
            .map(|f| (f.account_id.as_str(), f.at))
            .collect();
        let accounts: HashMap<String, AccountState> = summaries
            .iter()
            .zip(verdicts(summaries, detection))
            .map(|((id, summary), verdict)| {
                let state = AccountState {
                    verdict,
                    exchanges: summary.events,
                    first_seen: summary.first_ts.map(format_rfc3339),
                    last_seen: summary.last_ts.map(format_rfc3339),
                    first_flagged: flagged_at.get(id.as_str()).map(|&t| format_rfc3339(t)),
                };
                (id.clone(), state)
            })
            .collect();
        let campaigns = explain::campaigns(summaries, detection);
        let campaign_of_group = detection
            .campaigns()
            .enumerate()
            .map(|(position, (g, _))| (g, position))
            .collect();
        Snapshot {
            as_of,
            events: summaries.iter().map(|(_, s)| s.events).sum(),
            accounts,
            campaigns,
            keys: CampaignKeys::of(summaries, detection),
            campaign_of_group,
        }
    }

    /// The action detection decided for an account; `None` for an account never seen.
    pub fn action_of(&self, account_id: &str) -> Option<Action> {
        self.accounts.get(account_id).map(|a| a.verdict.action)
    }

    /// A campaign by id.
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }
}
