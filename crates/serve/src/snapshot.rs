//! What the service knows after a re-score: every account's verdict, the campaigns and their
//! fingerprints. A snapshot is immutable once built and is swapped in whole, so that
//! `/v1/check` reads a consistent view without waiting for the detector.

use std::collections::{BTreeMap, HashMap};

use hydrascope_core::AccountSummary;
use hydrascope_core::activity::{BIN_MILLIS, BINS_PER_DAY};
use hydrascope_core::detect::Detection;
use hydrascope_core::explain::verdicts;
use hydrascope_core::recognise::CampaignKeys;
use hydrascope_core::replay::FirstFlag;
use hydrascope_events::time::{format_rfc3339, utc_day};
use hydrascope_events::{Action, EpochMillis, Verdict};
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

/// One detected campaign.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignState {
    pub id: String,
    pub accounts: Vec<String>,
    pub exchanges: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Kinds of evidence that link its accounts, with the number of links each gave.
    pub linked_by: Vec<(String, u64)>,
    pub mean_score: f64,
    /// Exchanges per UTC day.
    pub timeline: BTreeMap<String, u64>,
}

/// Everything the last re-score concluded.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Event time of the newest event the re-score saw.
    pub as_of: Option<EpochMillis>,
    pub events: u64,
    pub accounts: HashMap<String, AccountState>,
    /// Campaigns by id, in canonical order.
    pub campaigns: Vec<CampaignState>,
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
        let mut campaigns = Vec::new();
        let mut campaign_of_group = HashMap::new();
        for (g, members) in detection.campaigns() {
            campaign_of_group.insert(g, campaigns.len());
            campaigns.push(campaign_state(summaries, detection, g, &members));
        }
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
    pub fn campaign(&self, id: &str) -> Option<&CampaignState> {
        self.campaigns.iter().find(|c| c.id == id)
    }
}

fn campaign_state(
    summaries: &[(String, AccountSummary)],
    detection: &Detection,
    group: usize,
    members: &[u32],
) -> CampaignState {
    let member_summaries = || members.iter().map(|&m| &summaries[m as usize].1);
    let mut timeline: BTreeMap<i64, u64> = BTreeMap::new();
    for summary in member_summaries() {
        for &(bin, count) in summary.activity.bins() {
            let day = i64::from(bin / BINS_PER_DAY);
            *timeline.entry(day).or_default() += u64::from(count);
        }
    }
    let day_millis = BIN_MILLIS * i64::from(BINS_PER_DAY);
    let scores: f64 = members
        .iter()
        .map(|&m| detection.accounts[m as usize].score)
        .sum();
    CampaignState {
        id: detection.groups[group].id.clone(),
        accounts: members
            .iter()
            .map(|&m| summaries[m as usize].0.clone())
            .collect(),
        exchanges: member_summaries().map(|s| s.events).sum(),
        first_seen: member_summaries()
            .filter_map(|s| s.first_ts)
            .min()
            .map(format_rfc3339),
        last_seen: member_summaries()
            .filter_map(|s| s.last_ts)
            .max()
            .map(format_rfc3339),
        linked_by: detection.groups[group]
            .evidence
            .iter()
            .filter(|k| k.edges > 0)
            .map(|k| (k.kind.name().to_owned(), k.edges))
            .collect(),
        mean_score: (scores / members.len().max(1) as f64 * 1e4).round() / 1e4,
        timeline: timeline
            .into_iter()
            .map(|(day, count)| (utc_day(day * day_millis), count))
            .collect(),
    }
}
