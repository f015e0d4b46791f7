//! `POST /v1/check`: may this account send this request? Answered from the published snapshot
//! alone, without waiting for the detector, in this order:
//!
//! 1. an operator's override (allow or block) decides;
//! 2. otherwise the account's own decision from the last re-score applies;
//! 3. a new account (never seen, or too small to be judged yet) that is not flagged is matched
//!    against the keys the known campaigns own ([`hydrascope_core::recognise`]): a strong
//!    match (the campaign's card, or two independent kinds of its keys) is challenged, a weak
//!    one (one shared address) monitored. A challenge, not a block: a person behind a
//!    residential address an operator's proxies also use can pass it.

use hydrascope_core::content::EventSketch;
use hydrascope_core::recognise::{Recognition, RequestKeys};
use hydrascope_core::signals::MIN_EVENTS_TO_JUDGE;
use hydrascope_events::{Action, Event};
use serde::Serialize;

use crate::shared::Shared;
use crate::store::OverrideKind;

/// What a throttled client is told to wait before it retries.
pub const THROTTLE_RETRY_SECS: u64 = 60;

/// The answer to a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckAnswer {
    pub decision: Action,
    pub reason: String,
    /// Seconds to wait before retrying, for `throttle`.
    pub retry_after_secs: Option<u64>,
    /// The account's score at the last re-score, if it was seen.
    pub score: Option<f64>,
    /// The campaign the decision is about, if any.
    pub campaign: Option<String>,
    /// What decided: `override`, `detection`, `recognition` or `default`.
    pub decided_by: &'static str,
}

/// Answers a check for one request, given as an event prepared like stored events
/// ([`crate::ingest::prepare`]).
pub fn check(shared: &Shared, request: &Event) -> CheckAnswer {
    let account_id = request.account_id.as_str();
    if let Some(set) = shared.overrides.load().get(account_id) {
        let decision = match set.kind {
            OverrideKind::Allow => Action::Allow,
            OverrideKind::Block => Action::Block,
        };
        return answer(
            decision,
            format!("override by {}: {}", set.author, set.reason),
            None,
            None,
            "override",
        );
    }
    let snapshot = shared.snapshot.load();
    let known = snapshot.accounts.get(account_id);
    if let Some(state) = known.filter(|s| s.verdict.action > Action::Allow) {
        return answer(
            state.verdict.action,
            state.reason(),
            Some(state.verdict.score),
            state
                .verdict
                .cluster_id
                .clone()
                .filter(|_| state.verdict.flagged),
            "detection",
        );
    }
    let is_new = known.is_none_or(|s| s.exchanges < MIN_EVENTS_TO_JUDGE);
    let score = known.map(|s| s.verdict.score);
    let partners = shared.partners.load();
    if is_new && !(snapshot.keys.is_empty() && partners.is_empty()) {
        // The request's keys, once for both; its prompt's sketch only when a detected
        // campaign could own one of its templates (partners' keys are link keys).
        let sketch = (!snapshot.keys.is_empty()).then(|| EventSketch::of_event(request));
        let keys = RequestKeys::of(request, sketch.as_ref().and_then(|s| s.sketch()));
        let named = snapshot.keys.recognise(&keys).into_iter().find_map(|r| {
            let campaign = snapshot.campaign_of_group.get(&r.campaign)?;
            Some((r, &snapshot.campaigns[*campaign].id))
        });
        if let Some((recognition, campaign)) = named {
            return recognised(&recognition, "campaign", campaign, score, "recognition");
        }
        if let Some(recognition) = partners.recognise(&keys).first() {
            let campaign = partners.name(recognition.campaign);
            return recognised(
                recognition,
                "a partner's campaign",
                campaign,
                score,
                "partner_indicator",
            );
        }
    }
    let reason = match known {
        Some(state) => state.reason(),
        None => "no record of this account".to_owned(),
    };
    answer(Action::Allow, reason, score, None, "default")
}

/// The answer for a new account recognised as a campaign's: challenged on a strong match,
/// watched on one coincidence ([`Recognition::is_strong`]).
fn recognised(
    recognition: &Recognition,
    whose: &str,
    campaign: &str,
    score: Option<f64>,
    decided_by: &'static str,
) -> CheckAnswer {
    let kinds: Vec<&str> = recognition.kinds.iter().map(|k| k.name()).collect();
    let decision = if recognition.is_strong() {
        Action::Challenge
    } else {
        Action::Monitor
    };
    answer(
        decision,
        format!(
            "a new account whose request shares {} with {whose} {campaign}",
            kinds.join(", ")
        ),
        score,
        Some(campaign.to_owned()),
        decided_by,
    )
}

fn answer(
    decision: Action,
    reason: String,
    score: Option<f64>,
    campaign: Option<String>,
    decided_by: &'static str,
) -> CheckAnswer {
    CheckAnswer {
        decision,
        reason,
        retry_after_secs: (decision == Action::Throttle).then_some(THROTTLE_RETRY_SECS),
        score,
        campaign,
        decided_by,
    }
}
