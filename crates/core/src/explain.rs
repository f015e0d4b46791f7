//! Verdicts in the contract's format (`spec/events.md`): every account's score, decision and
//! the evidence behind them, worded for the analyst who has to act on it; and the campaigns
//! as `campaigns.json` lists them. The batch scan, the replay and the live server all explain
//! a detection with this one module, so a verdict or a campaign reads the same wherever it was
//! reached.

use std::collections::BTreeMap;

use hydrascope_events::campaign::{CampaignEvidence, SignupWindow};
use hydrascope_events::time::{format_rfc3339, utc_day};
use hydrascope_events::{Campaign, SignalValue, Verdict};

use crate::AccountSummary;
use crate::activity::BIN_MILLIS;
use crate::cluster::Group;
use crate::content::Capability;
use crate::detect::{AccountOutcome, Detection};
use crate::score::Evidence;
use crate::signup::SignupBurst;

/// The contract's verdict for every account, with its evidence.
pub fn verdicts(summaries: &[(String, AccountSummary)], detection: &Detection) -> Vec<Verdict> {
    let reference = detection.reference_accounts;
    summaries
        .iter()
        .zip(&detection.accounts)
        .map(|((account_id, _), outcome)| {
            let mut signals: Vec<SignalValue> = outcome
                .assessment
                .strong_evidence()
                .map(|e| signal_value(e, reference, outcome.assessment.pooled))
                .collect();
            if outcome.kin > 0 {
                signals.push(kin_signal(outcome));
            }
            if let Some(g) = outcome.group {
                signals.push(group_signal(detection, g, outcome));
                if let Some(burst) = &detection.bursts[g] {
                    signals.push(burst_signal(burst));
                }
            }
            if outcome.decision.allow_listed {
                signals.push(SignalValue {
                    name: "allow_listed".into(),
                    value: 1.0,
                    detail: "the policy allow-lists this account or its organisation".into(),
                });
            }
            Verdict {
                account_id: account_id.clone(),
                score: (outcome.score * 1e4).round() / 1e4,
                flagged: outcome.decision.flagged,
                cluster_id: outcome.group.map(|g| detection.groups[g].id.clone()),
                action: outcome.decision.action,
                signals,
            }
        })
        .collect()
}

/// One signal of the evidence; `pooled` when it was measured on the traffic of the account's
/// whole group (the account alone is too small to be judged).
fn signal_value(evidence: &Evidence, reference: usize, pooled: bool) -> SignalValue {
    let whose = if pooled {
        "the group's pooled traffic: "
    } else {
        ""
    };
    SignalValue {
        name: evidence.signal.name().into(),
        value: (evidence.value * 1e4).round() / 1e4,
        detail: format!(
            "{whose}above {:.1}% of {reference} reference accounts (strength {:.2})",
            evidence.percentile * 100.0,
            evidence.strength
        ),
    }
}

fn group_signal(detection: &Detection, group: usize, outcome: &AccountOutcome) -> SignalValue {
    let group = &detection.groups[group];
    // Evidence lent through a card is the card's signal's, not the group's.
    let lent = if outcome.kin > 0 {
        0.0
    } else {
        outcome.group_evidence
    };
    let kinds: Vec<&str> = group
        .evidence
        .iter()
        .filter(|k| k.edges > 0)
        .map(|k| k.kind.name())
        .collect();
    SignalValue {
        name: "coordinated_group".into(),
        value: group.members.len() as f64,
        detail: format!(
            "member of {} with {} accounts linked by {} (group evidence {:.2})",
            group.id,
            group.members.len(),
            kinds.join(", "),
            lent
        ),
    }
}

fn kin_signal(outcome: &AccountOutcome) -> SignalValue {
    SignalValue {
        name: "shared_payment".into(),
        value: outcome.kin as f64,
        detail: format!(
            "pays with an instrument that {} flagged accounts, and nearly no one else, pay with \
             (evidence {:.2})",
            outcome.kin, outcome.group_evidence
        ),
    }
}

fn burst_signal(burst: &SignupBurst) -> SignalValue {
    SignalValue {
        name: "signup_burst".into(),
        value: (burst.share() * 1e4).round() / 1e4,
        detail: format!(
            "{} of the group's {} accounts were opened between {} and {}, when {:.2}% of all \
             accounts were",
            burst.members_inside,
            burst.members,
            utc_day(burst.from),
            utc_day(burst.to),
            burst.population_share * 100.0
        ),
    }
}

/// A sign-up burst as `campaigns.json` lists it.
fn signup_window(burst: &SignupBurst) -> SignupWindow {
    SignupWindow {
        from: utc_day(burst.from),
        to: utc_day(burst.to),
        opened_inside: burst.members_inside,
        members: burst.members,
        population_share: burst.population_share,
    }
}

/// The campaigns as `campaigns.json` lists them, without the values behind their evidence
/// (templates, infrastructure: only the events hold those). Groups with at least one flagged
/// member become campaigns; their flagged members are its accounts
/// ([`Detection::campaigns`]).
pub fn campaigns(summaries: &[(String, AccountSummary)], detection: &Detection) -> Vec<Campaign> {
    detection
        .campaigns()
        .map(|(g, members)| {
            let members: Vec<(&String, &AccountSummary, &AccountOutcome)> = members
                .iter()
                .map(|&m| {
                    let (id, summary) = &summaries[m as usize];
                    (id, summary, &detection.accounts[m as usize])
                })
                .collect();
            let burst = detection.bursts[g].as_ref();
            campaign_report(&detection.groups[g], burst, &members)
        })
        .collect()
}

fn campaign_report(
    group: &Group,
    burst: Option<&SignupBurst>,
    members: &[(&String, &AccountSummary, &AccountOutcome)],
) -> Campaign {
    let exchanges = members.iter().map(|(_, s, _)| s.events).sum();
    let first = members
        .iter()
        .filter_map(|(_, s, _)| s.first_ts)
        .min()
        .unwrap_or(0);
    let last = members
        .iter()
        .filter_map(|(_, s, _)| s.last_ts)
        .max()
        .unwrap_or(0);
    let analysed: u64 = members.iter().map(|(_, s, _)| s.with_content).sum();
    let mut capability_mix: Vec<(String, f64)> = Capability::ALL
        .iter()
        .map(|&c| {
            let count: u64 = members
                .iter()
                .map(|(_, s, _)| s.capabilities[c as usize])
                .sum();
            (c.name().to_owned(), count as f64 / analysed.max(1) as f64)
        })
        .filter(|(_, share)| *share > 0.0)
        .collect();
    capability_mix.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut timeline = BTreeMap::new();
    for (_, summary, _) in members {
        for (bin, count) in summary.activity.bins() {
            let day = utc_day(i64::from(*bin) * BIN_MILLIS);
            *timeline.entry(day).or_insert(0) += u64::from(*count);
        }
    }
    Campaign {
        id: group.id.clone(),
        accounts: members.iter().map(|(id, _, _)| (*id).clone()).collect(),
        exchanges,
        first_seen: format_rfc3339(first),
        last_seen: format_rfc3339(last),
        capability_mix,
        linked_by: group
            .evidence
            .iter()
            .filter(|k| k.edges > 0)
            .map(|k| (k.kind.name().to_owned(), k.edges))
            .collect(),
        evidence: CampaignEvidence::default(),
        signup_burst: burst.map(signup_window),
        timeline,
        mean_score: members.iter().map(|(_, _, o)| o.score).sum::<f64>() / members.len() as f64,
        partner_campaigns: Vec::new(),
    }
}
