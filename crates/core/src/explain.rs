//! Verdicts in the contract's format (`spec/events.md`): every account's score, decision and
//! the evidence behind them, worded for the analyst who has to act on it. The batch scan, the
//! replay and the live server all explain a detection with this one module, so a verdict reads
//! the same wherever it was reached.

use hydrascope_events::time::utc_day;
use hydrascope_events::{SignalValue, Verdict};

use crate::AccountSummary;
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
