//! Verdicts: what a scan concludes about each account it saw, with the evidence.
//!
//! `hydrascope scan` writes one [`Verdict`] per account as a JSONL line, and
//! `hydrascope evaluate` reads them back beside a ground-truth file. Outside detectors that
//! want to be measured the same way write the same lines, so the field names and the
//! [`Action`] names are part of the contract (`spec/events.md`, "Verdicts").

use std::fmt;

use serde::de::{Deserializer, Error as _};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// The contract's range of a verdict's score.
const SCORE_RANGE: std::ops::RangeInclusive<f64> = 0.0..=1.0;

/// What the response policy decided for an account, from the mildest to the most severe:
/// the derived ordering is by severity, so `max()` over an account's decisions is the one
/// that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Monitor,
    Throttle,
    Challenge,
    Block,
}

impl Action {
    /// Every action, mildest first.
    pub const ALL: [Action; 5] = [
        Action::Allow,
        Action::Monitor,
        Action::Throttle,
        Action::Challenge,
        Action::Block,
    ];

    /// The contract's name of the action, as written in verdicts.
    pub fn name(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Monitor => "monitor",
            Action::Throttle => "throttle",
            Action::Challenge => "challenge",
            Action::Block => "block",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One piece of evidence behind a verdict: which signal fired and what it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalValue {
    /// The signal's name (`template_shared_across_accounts`, …).
    pub name: String,
    /// What the signal measured. Whole numbers (most values are counts) are written as JSON
    /// integers, as in the contract's example, so that `412` does not come back as `412.0`.
    #[serde(serialize_with = "whole_numbers_as_integers")]
    pub value: f64,
    /// A sentence an analyst can read.
    pub detail: String,
}

/// One line of a verdicts file: the scan's conclusion about one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub account_id: String,
    /// How likely the account serves a distillation campaign, in [0, 1]; reading a score
    /// outside that range (the contract's) is an error.
    #[serde(deserialize_with = "score_in_range")]
    pub score: f64,
    /// The verdict at the configured policy threshold.
    pub flagged: bool,
    /// The coordinated group the account was attributed to, if any.
    pub cluster_id: Option<String>,
    pub action: Action,
    /// The evidence; the contract requires it to be non-empty when `flagged` is true.
    pub signals: Vec<SignalValue>,
}

fn score_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let score = f64::deserialize(deserializer)?;
    if SCORE_RANGE.contains(&score) {
        Ok(score)
    } else {
        Err(D::Error::custom(format_args!(
            "score {score} is outside [0, 1]"
        )))
    }
}

fn whole_numbers_as_integers<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    /// Beyond 2^53 an f64 no longer holds every integer, so it stays a float.
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value.abs() <= EXACT_INTEGERS {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The verdict example of `spec/events.md`, on one line.
    const CONTRACT_EXAMPLE: &str = r#"{"account_id": "acct_9f2c", "score": 0.97, "flagged": true, "cluster_id": "c-0007", "action": "block", "signals": [{"name": "template_shared_across_accounts", "value": 412, "detail": "..."}]}"#;

    #[test]
    fn the_contract_example_parses_and_reserialises_to_the_same_json() {
        let verdict: Verdict = serde_json::from_str(CONTRACT_EXAMPLE).unwrap();
        assert_eq!(
            verdict,
            Verdict {
                account_id: "acct_9f2c".into(),
                score: 0.97,
                flagged: true,
                cluster_id: Some("c-0007".into()),
                action: Action::Block,
                signals: vec![SignalValue {
                    name: "template_shared_across_accounts".into(),
                    value: 412.0,
                    detail: "...".into(),
                }],
            }
        );
        let written = serde_json::to_string(&verdict).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&written).unwrap(),
            serde_json::from_str::<Value>(CONTRACT_EXAMPLE).unwrap()
        );
    }

    #[test]
    fn an_unattributed_allowed_account_has_a_null_cluster_and_no_signals() {
        let line = r#"{"account_id":"a","score":0.02,"flagged":false,"cluster_id":null,"action":"allow","signals":[]}"#;
        let verdict: Verdict = serde_json::from_str(line).unwrap();
        assert_eq!(verdict.cluster_id, None);
        assert_eq!(serde_json::to_string(&verdict).unwrap(), line);
    }

    #[test]
    fn fractional_signal_values_stay_fractional() {
        let signal = SignalValue {
            name: "burst_share".into(),
            value: 0.25,
            detail: String::new(),
        };
        let written = serde_json::to_string(&signal).unwrap();
        assert!(written.contains(r#""value":0.25"#), "{written}");
    }

    #[test]
    fn a_score_outside_zero_to_one_is_refused() {
        let line = r#"{"account_id":"a","score":1.5,"flagged":true,"cluster_id":null,"action":"block","signals":[]}"#;
        let error = serde_json::from_str::<Verdict>(line).unwrap_err();
        assert!(
            error.to_string().contains("score 1.5 is outside [0, 1]"),
            "{error}"
        );
    }

    #[test]
    fn actions_are_lowercase_and_ordered_by_severity() {
        let names: Vec<String> = Action::ALL
            .iter()
            .map(|action| serde_json::to_string(action).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                r#""allow""#,
                r#""monitor""#,
                r#""throttle""#,
                r#""challenge""#,
                r#""block""#
            ]
        );
        assert!(Action::ALL.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(Action::Challenge.to_string(), "challenge");
        assert!(serde_json::from_str::<Action>(r#""Block""#).is_err());
    }
}
