//! The response policy: from a score to a verdict and an action.
//!
//! Detection produces evidence and a score; what a provider does about it is its own decision,
//! written down in a TOML policy file (documented key by key in
//! `policy.example.toml`). The policy sets the flagging threshold, the score at which each
//! stronger action starts, a ceiling for accounts flagged on their own behaviour alone (a false
//! block of a paying customer is a real failure, so blocking can require corroboration by a
//! coordinated group), and allow-lists of organisations and accounts that are never acted on.
//!
//! A policy is validated when it is read: unknown keys, out-of-range or non-increasing
//! thresholds are refused with a message naming the key, so that a typo cannot silently
//! disable a rule.

use std::collections::BTreeSet;

use hydrascope_events::Action;
use serde::Deserialize;

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid TOML for hydrascope: {0}")]
    Syntax(String),
    #[error("policy: `{key}` must lie in 0..=1, got {value}")]
    OutOfRange { key: &'static str, value: f64 },
    #[error(
        "policy: `actions.{higher}` ({higher_value}) must be above `actions.{lower}` ({lower_value})"
    )]
    NotIncreasing {
        lower: &'static str,
        lower_value: f64,
        higher: &'static str,
        higher_value: f64,
    },
}

/// The decision for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub flagged: bool,
    pub action: Action,
    /// True when an allow-list decided, whatever the score.
    pub allow_listed: bool,
}

/// A validated response policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    flag_threshold: f64,
    /// Lowest score for monitor, throttle, challenge and block, increasing.
    thresholds: [(Action, f64); 4],
    max_action_alone: Action,
    allowed_orgs: BTreeSet<String>,
    allowed_accounts: BTreeSet<String>,
}

/// The policy file as written, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    verdict: VerdictSection,
    #[serde(default)]
    actions: ActionsSection,
    #[serde(default)]
    allow: AllowSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictSection {
    #[serde(default = "default_flag_threshold")]
    flag_threshold: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionsSection {
    #[serde(default = "default_monitor")]
    monitor: f64,
    #[serde(default = "default_throttle")]
    throttle: f64,
    #[serde(default = "default_challenge")]
    challenge: f64,
    #[serde(default = "default_block")]
    block: f64,
    #[serde(default = "default_max_action_alone")]
    max_action_without_cluster: Action,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSection {
    #[serde(default)]
    orgs: Vec<String>,
    #[serde(default)]
    accounts: Vec<String>,
}

/// Flag at 0.8: an account needs strong evidence on several independent signals, or
/// corroboration by its group, to get there.
fn default_flag_threshold() -> f64 {
    0.8
}
fn default_monitor() -> f64 {
    0.5
}
fn default_throttle() -> f64 {
    0.7
}
fn default_challenge() -> f64 {
    0.8
}
fn default_block() -> f64 {
    0.9
}
/// Without a coordinated group behind it, the strongest action is a challenge: an honest
/// heavy user can answer one, but cannot undo a block.
fn default_max_action_alone() -> Action {
    Action::Challenge
}

impl Default for VerdictSection {
    fn default() -> Self {
        VerdictSection {
            flag_threshold: default_flag_threshold(),
        }
    }
}

impl Default for ActionsSection {
    fn default() -> Self {
        ActionsSection {
            monitor: default_monitor(),
            throttle: default_throttle(),
            challenge: default_challenge(),
            block: default_block(),
            max_action_without_cluster: default_max_action_alone(),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from_toml_str("").expect("the defaults are a valid policy")
    }
}

impl Policy {
    /// Reads and validates a policy from TOML text; every key is optional.
    pub fn from_toml_str(text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        let thresholds = [
            (Action::Monitor, "monitor", file.actions.monitor),
            (Action::Throttle, "throttle", file.actions.throttle),
            (Action::Challenge, "challenge", file.actions.challenge),
            (Action::Block, "block", file.actions.block),
        ];
        check_range("verdict.flag_threshold", file.verdict.flag_threshold)?;
        for (_, key, value) in thresholds {
            check_range(key, value)?;
        }
        for pair in thresholds.windows(2) {
            let ((_, lower, lower_value), (_, higher, higher_value)) = (pair[0], pair[1]);
            if higher_value <= lower_value {
                return Err(PolicyError::NotIncreasing {
                    lower,
                    lower_value,
                    higher,
                    higher_value,
                });
            }
        }
        Ok(Policy {
            flag_threshold: file.verdict.flag_threshold,
            thresholds: thresholds.map(|(action, _, value)| (action, value)),
            max_action_alone: file.actions.max_action_without_cluster,
            allowed_orgs: file.allow.orgs.into_iter().collect(),
            allowed_accounts: file.allow.accounts.into_iter().collect(),
        })
    }

    /// The score at or above which an account is flagged.
    pub fn flag_threshold(&self) -> f64 {
        self.flag_threshold
    }

    /// Whether an account with `score` is flagged: at the threshold and not allow-listed.
    pub fn flags(&self, account_id: &str, org_id: Option<&str>, score: f64) -> bool {
        score >= self.flag_threshold && !self.allow_lists(account_id, org_id)
    }

    fn allow_lists(&self, account_id: &str, org_id: Option<&str>) -> bool {
        self.allowed_accounts.contains(account_id)
            || org_id.is_some_and(|org| self.allowed_orgs.contains(org))
    }

    /// Decides for an account with `score`, attributed to a coordinated group or not.
    pub fn decide(
        &self,
        account_id: &str,
        org_id: Option<&str>,
        score: f64,
        in_group: bool,
    ) -> Decision {
        let allow_listed = self.allow_lists(account_id, org_id);
        if allow_listed {
            return Decision {
                flagged: false,
                action: Action::Allow,
                allow_listed,
            };
        }
        let by_score = self
            .thresholds
            .iter()
            .rev()
            .find(|(_, threshold)| score >= *threshold)
            .map_or(Action::Allow, |(action, _)| *action);
        let action = if in_group {
            by_score
        } else {
            by_score.min(self.max_action_alone)
        };
        Decision {
            flagged: self.flags(account_id, org_id, score),
            action,
            allow_listed,
        }
    }
}

fn check_range(key: &'static str, value: f64) -> Result<(), PolicyError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(PolicyError::OutOfRange { key, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_policy_is_the_documented_default() {
        let policy = Policy::default();
        assert_eq!(policy.flag_threshold(), 0.8);
        assert_eq!(policy.decide("a", None, 0.95, true).action, Action::Block);
        assert_eq!(
            policy.decide("a", None, 0.72, true).action,
            Action::Throttle
        );
        assert_eq!(policy.decide("a", None, 0.1, true).action, Action::Allow);
    }

    #[test]
    fn the_shipped_example_is_the_default_policy() {
        let example = include_str!("../../../policy.example.toml");
        assert_eq!(Policy::from_toml_str(example).unwrap(), Policy::default());
    }

    #[test]
    fn an_account_alone_is_never_blocked_by_default() {
        let decision = Policy::default().decide("a", None, 0.99, false);
        assert!(decision.flagged);
        assert_eq!(decision.action, Action::Challenge);
    }

    #[test]
    fn allow_listed_orgs_and_accounts_are_never_acted_on() {
        let policy = Policy::from_toml_str(
            r#"
            [allow]
            orgs = ["org_university"]
            accounts = ["acct_eval"]
            "#,
        )
        .unwrap();
        for (account, org) in [("acct_eval", None), ("x", Some("org_university"))] {
            let decision = policy.decide(account, org, 1.0, true);
            assert_eq!(decision.action, Action::Allow);
            assert!(!decision.flagged && decision.allow_listed);
        }
    }

    #[test]
    fn a_custom_policy_is_applied() {
        let policy = Policy::from_toml_str(
            r#"
            [verdict]
            flag_threshold = 0.6
            [actions]
            monitor = 0.3
            throttle = 0.5
            challenge = 0.6
            block = 0.7
            max_action_without_cluster = "block"
            "#,
        )
        .unwrap();
        let decision = policy.decide("a", None, 0.75, false);
        assert!(decision.flagged);
        assert_eq!(decision.action, Action::Block);
    }

    #[test]
    fn mistakes_are_refused_with_the_key_named() {
        let errors = [
            ("[verdict]\nflag_treshold = 0.5", "flag_treshold"),
            ("[verdict]\nflag_threshold = 1.5", "verdict.flag_threshold"),
            (
                "[actions]\nthrottle = 0.9\nchallenge = 0.85",
                "actions.challenge",
            ),
            ("[actions]\nmax_action_without_cluster = \"ban\"", "ban"),
            ("[allow]\norgs = \"org\"", "orgs"),
            ("verdict = 3", "verdict"),
        ];
        for (text, named) in errors {
            let message = Policy::from_toml_str(text).unwrap_err().to_string();
            assert!(message.contains(named), "{text:?} gave {message:?}");
        }
    }
}
