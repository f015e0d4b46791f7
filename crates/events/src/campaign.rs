//! What a scan concludes per campaign: the records of `campaigns.json`.
//!
//! `scan` writes them, and the report, the dashboard and the indicator export read them
//! back, so the format is defined once, here, beside the per-account [`Verdict`](crate::Verdict).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One detected campaign: its accounts, what they sent, and what links them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    /// Its flagged accounts.
    pub accounts: Vec<String>,
    pub exchanges: u64,
    /// The first and last exchange of its accounts (RFC 3339).
    pub first_seen: String,
    pub last_seen: String,
    /// Share of analysed exchanges per capability, largest first.
    pub capability_mix: Vec<(String, f64)>,
    /// Kinds of evidence that link the accounts, with the number of links each gave.
    pub linked_by: Vec<(String, u64)>,
    /// The values behind the links: shared templates with example prompts, and
    /// infrastructure (`templates`, `distinct_templates`, `infrastructure`).
    #[serde(flatten)]
    pub evidence: CampaignEvidence,
    /// When the accounts were opened in one burst: the window and how many.
    pub signup_burst: Option<SignupWindow>,
    /// Exchanges per UTC day (`YYYY-MM-DD`).
    pub timeline: BTreeMap<String, u64>,
    pub mean_score: f64,
    /// Partners' campaigns (imported indicators) that its accounts share values with, and how
    /// many of its accounts do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partner_campaigns: Vec<(String, usize)>,
}

/// A burst of sign-ups that opened a campaign's accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignupWindow {
    /// First and last UTC day of the window (`YYYY-MM-DD`).
    pub from: String,
    pub to: String,
    /// The campaign's accounts opened inside the window, of `members`.
    pub opened_inside: usize,
    pub members: usize,
    /// Share of all accounts opened inside the window.
    pub population_share: f64,
}

/// What one campaign's accounts share.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignEvidence {
    /// The template frames that the most of the campaign's accounts used, most accounts first.
    pub templates: Vec<SharedTemplate>,
    /// Distinct template frames the campaign's accounts used, estimated (HyperLogLog: within
    /// a few percent; exact for a handful).
    pub distinct_templates: u64,
    /// Per kind of infrastructure (`ip`, `network`, `asn`, `user_agent`, `client_fp`,
    /// `payment_fp`): the values that the most of the campaign's accounts used. Kinds that its
    /// traffic never carried are absent.
    pub infrastructure: BTreeMap<String, SharedValues>,
    /// Why the values were not read, when they were not (the other fields are then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_read: Option<String>,
    /// When the values were read (RFC 3339), when that was apart from the detection: the live
    /// service reads them on demand, and the campaign may have grown since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
}

/// One template frame and how the campaign used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedTemplate {
    /// The frame's identity, as account summaries count it, in hex.
    pub frame: String,
    /// The campaign's accounts that used it.
    pub accounts: u64,
    pub exchanges: u64,
    /// Distinct prompts filling it, each from another of the campaign's accounts, cut short.
    pub examples: Vec<String>,
}

/// The most used values of one kind of infrastructure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedValues {
    /// Distinct values the campaign's accounts used, estimated as
    /// [`CampaignEvidence::distinct_templates`] is.
    pub distinct: u64,
    /// The values used by the most accounts, then the most exchanges.
    pub top: Vec<SharedValue>,
}

/// One value and how the campaign used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedValue {
    pub value: String,
    pub accounts: u64,
    pub exchanges: u64,
}

/// A campaign another provider found, as imported from its indicators
/// (`hydrascope indicators import`): what `scan` and `serve` recognise its traffic by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerCampaign {
    /// The campaign's name in the partner's bundle.
    pub name: String,
    /// Where it came from: the bundle's file and identifier.
    pub source: String,
    pub indicators: Vec<PartnerIndicator>,
}

/// One value a partner attributed to its campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerIndicator {
    /// The kind of infrastructure, as `campaigns.json` names it (`ip`, `network`, `asn`,
    /// `user_agent`, `client_fp`, `payment_fp`).
    pub kind: String,
    /// The value as hydrascope's events carry it (an address, `a.b.c.0/24`, a number, …).
    pub value: String,
}
