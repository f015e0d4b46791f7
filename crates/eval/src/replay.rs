//! How soon a detector caught each campaign, measured on a time-ordered replay.
//!
//! Recall at the end of the traffic says whether a campaign was found, not whether it was found
//! in time: the harvest is the campaign's exchanges, and every exchange answered before the
//! accounts are stopped is lost. A [`ReplayTally`] watches a replay go by — each exchange, and
//! the accounts each re-score flags for the first time — and reports per campaign how many of
//! its exchanges had been sent when it was first detected, and when half and nine tenths of its
//! accounts had been flagged; and per benign persona, how many honest accounts were flagged at
//! any point (a flag later withdrawn still challenged or blocked a paying customer).
//!
//! Like [`evaluate`](crate::evaluate), it measures and applies no bar.

use std::collections::HashMap;

use hydrascope_events::time::Rfc3339;
use hydrascope_events::{EpochMillis, TruthRecord};
use serde::{Serialize, Serializer};

use crate::metrics::ratio;
use crate::report::{EvaluationError, Input, PersonaFalsePositives, index_by_account};

/// The shares of a campaign's accounts whose flagging is reported, in percent: half, and
/// nine tenths (the point where what is left can no longer carry the campaign).
const FLAGGED_PERCENTS: [u64; 2] = [50, 90];

/// The campaigns and personas of the ground truth, counting a replay's exchanges and flags.
#[derive(Debug)]
pub struct ReplayTally {
    accounts: HashMap<String, Member>,
    campaigns: Vec<CampaignTally>,
    personas: Vec<PersonaTally>,
    /// Exchanges of accounts the ground truth does not know.
    outside_truth: u64,
}

/// One account of the ground truth.
#[derive(Debug)]
struct Member {
    cohort: Cohort,
    seen: bool,
    flagged: bool,
}

#[derive(Debug, Clone, Copy)]
enum Cohort {
    Campaign(usize),
    Persona(usize),
}

#[derive(Debug, Default)]
struct CampaignTally {
    name: String,
    accounts: u64,
    seen: u64,
    /// Exchanges observed so far.
    sent: u64,
    /// Per first flag of a member, in order: when, and the campaign's exchanges by then.
    flags: Vec<(EpochMillis, u64)>,
}

#[derive(Debug, Default)]
struct PersonaTally {
    name: String,
    seen: u64,
    flagged: u64,
}

impl ReplayTally {
    /// A tally over `truth`; an account listed twice is an error, as in [`evaluate`].
    ///
    /// [`evaluate`]: crate::evaluate
    pub fn new(truth: &[TruthRecord]) -> Result<Self, EvaluationError> {
        index_by_account(truth, |t| &t.account_id, Input::Truth)?;
        let campaigns = distinct_sorted(truth.iter().filter_map(|t| t.campaign.as_deref()));
        let personas = distinct_sorted(
            truth
                .iter()
                .filter(|t| t.campaign.is_none())
                .map(|t| t.persona.as_str()),
        );
        let position = |names: &[&str], name: &str| {
            names
                .binary_search(&name)
                .expect("every name of the truth is listed")
        };
        let mut tally = ReplayTally {
            accounts: HashMap::with_capacity(truth.len()),
            campaigns: campaigns
                .iter()
                .map(|name| CampaignTally::named(name))
                .collect(),
            personas: personas
                .iter()
                .map(|name| PersonaTally::named(name))
                .collect(),
            outside_truth: 0,
        };
        for record in truth {
            let cohort = match &record.campaign {
                Some(campaign) => {
                    let c = position(&campaigns, campaign);
                    tally.campaigns[c].accounts += 1;
                    Cohort::Campaign(c)
                }
                None => Cohort::Persona(position(&personas, &record.persona)),
            };
            let member = Member {
                cohort,
                seen: false,
                flagged: false,
            };
            tally.accounts.insert(record.account_id.clone(), member);
        }
        Ok(tally)
    }

    /// Counts one exchange of `account_id`.
    pub fn observe(&mut self, account_id: &str) {
        let Some(member) = self.accounts.get_mut(account_id) else {
            self.outside_truth += 1;
            return;
        };
        let first = !member.seen;
        member.seen = true;
        match member.cohort {
            Cohort::Campaign(c) => {
                let campaign = &mut self.campaigns[c];
                campaign.sent += 1;
                campaign.seen += u64::from(first);
            }
            Cohort::Persona(p) => self.personas[p].seen += u64::from(first),
        }
    }

    /// Records the accounts a re-score at `at` flagged for the first time. Re-scores come in
    /// time order, after the exchanges they covered were observed.
    pub fn flagged<'a>(&mut self, at: EpochMillis, accounts: impl IntoIterator<Item = &'a str>) {
        for account_id in accounts {
            let Some(member) = self.accounts.get_mut(account_id) else {
                continue;
            };
            if std::mem::replace(&mut member.flagged, true) {
                continue;
            }
            match member.cohort {
                Cohort::Campaign(c) => {
                    let campaign = &mut self.campaigns[c];
                    campaign.flags.push((at, campaign.sent));
                }
                Cohort::Persona(p) => self.personas[p].flagged += 1,
            }
        }
    }

    /// What the replay has shown so far.
    pub fn report(&self) -> ReplayReport {
        ReplayReport {
            campaigns: self.campaigns.iter().map(CampaignTally::timeline).collect(),
            benign_personas: self
                .personas
                .iter()
                .map(|p| PersonaFalsePositives {
                    persona: p.name.clone(),
                    accounts: p.seen,
                    flagged: p.flagged,
                    false_positive_rate: ratio(p.flagged, p.seen).unwrap_or_default(),
                })
                .collect(),
            truth_accounts_unseen: self.accounts.values().filter(|m| !m.seen).count() as u64,
            exchanges_outside_truth: self.outside_truth,
        }
    }
}

/// The distinct names, sorted.
fn distinct_sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    names.dedup();
    names
}

impl PersonaTally {
    fn named(name: &str) -> Self {
        PersonaTally {
            name: name.to_owned(),
            ..PersonaTally::default()
        }
    }
}

impl CampaignTally {
    fn named(name: &str) -> Self {
        CampaignTally {
            name: name.to_owned(),
            ..CampaignTally::default()
        }
    }

    fn timeline(&self) -> CampaignTimeline {
        let milestone = |accounts: u64| {
            let index = usize::try_from(accounts.checked_sub(1)?).ok()?;
            let &(at, sent) = self.flags.get(index)?;
            Some(Milestone {
                accounts_flagged: accounts,
                at,
                exchanges_before: sent,
                share_of_exchanges: ratio(sent, self.sent).unwrap_or_default(),
            })
        };
        let [half, most] = FLAGGED_PERCENTS.map(|percent| {
            // At least one account: a share of a one-account campaign is that account.
            milestone(self.seen.saturating_mul(percent).div_ceil(100).max(1))
        });
        CampaignTimeline {
            campaign: self.name.clone(),
            accounts: self.seen,
            accounts_in_truth: self.accounts,
            exchanges: self.sent,
            flagged: self.flags.len() as u64,
            first_detection: milestone(1),
            half_flagged: half,
            ninety_percent_flagged: most,
        }
    }
}

/// What a replay showed about how soon campaigns were detected and what it cost honest users.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayReport {
    /// By campaign name.
    pub campaigns: Vec<CampaignTimeline>,
    /// Honest accounts flagged at any point of the replay, by persona: `accounts` are those
    /// that sent at least one exchange.
    pub benign_personas: Vec<PersonaFalsePositives>,
    /// Accounts of the ground truth that sent nothing in the replayed traffic.
    pub truth_accounts_unseen: u64,
    /// Exchanges of accounts the ground truth does not list.
    pub exchanges_outside_truth: u64,
}

/// How soon one campaign was detected. Accounts are those that sent at least one exchange in
/// the replayed traffic (an account that never did cannot be flagged); shares of accounts are
/// of those.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignTimeline {
    pub campaign: String,
    pub accounts: u64,
    /// The campaign's accounts in the ground truth, seen or not.
    pub accounts_in_truth: u64,
    /// The campaign's exchanges in the replayed traffic.
    pub exchanges: u64,
    /// Accounts flagged at any point.
    pub flagged: u64,
    /// The first account flagged; `None` (never) when none was.
    pub first_detection: Option<Milestone>,
    /// Half of the accounts flagged (rounded up).
    pub half_flagged: Option<Milestone>,
    /// Nine tenths of the accounts flagged (rounded up).
    pub ninety_percent_flagged: Option<Milestone>,
}

/// The moment a number of a campaign's accounts had been flagged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    pub accounts_flagged: u64,
    /// The re-score that flagged the last of them.
    #[serde(serialize_with = "rfc3339")]
    pub at: EpochMillis,
    /// The campaign's exchanges observed before that re-score.
    pub exchanges_before: u64,
    /// `exchanges_before` as a share of the campaign's exchanges.
    pub share_of_exchanges: f64,
}

fn rfc3339<S: Serializer>(at: &EpochMillis, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(Rfc3339::new(*at).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::truth;

    /// Campaign `x` of four accounts (one never sends), campaign `y` of one, three students.
    fn tally() -> ReplayTally {
        ReplayTally::new(&[
            truth("x1", Some("x"), "hydra-worker"),
            truth("x2", Some("x"), "hydra-worker"),
            truth("x3", Some("x"), "hydra-worker"),
            truth("x4", Some("x"), "hydra-worker"),
            truth("y1", Some("y"), "hydra-worker"),
            truth("s1", None, "student"),
            truth("s2", None, "student"),
            truth("s3", None, "student"),
        ])
        .unwrap()
    }

    fn send(tally: &mut ReplayTally, accounts: &[&str]) {
        for account in accounts {
            tally.observe(account);
        }
    }

    #[test]
    fn milestones_count_the_campaigns_exchanges_before_the_rescore_that_reached_them() {
        let mut tally = tally();
        send(
            &mut tally,
            &["x1", "x2", "x3", "x1", "s1", "s2", "s3", "stranger"],
        );
        tally.flagged(100, ["x1", "s1", "stranger"]);
        send(&mut tally, &["x2", "x3", "x2", "y1"]);
        tally.flagged(200, ["x2", "x1", "s1"]);
        send(&mut tally, &["x3", "x1"]);
        tally.flagged(300, ["x3"]);
        let report = tally.report();

        let x = &report.campaigns[0];
        assert_eq!(
            (x.campaign.as_str(), x.accounts, x.accounts_in_truth),
            ("x", 3, 4)
        );
        assert_eq!((x.exchanges, x.flagged), (9, 3));
        let first = x.first_detection.as_ref().unwrap();
        assert_eq!(
            (first.at, first.accounts_flagged, first.exchanges_before),
            (100, 1, 4)
        );
        assert!((first.share_of_exchanges - 4.0 / 9.0).abs() < 1e-12);
        // Half of three accounts is two; nine tenths is three.
        let half = x.half_flagged.as_ref().unwrap();
        assert_eq!(
            (half.at, half.accounts_flagged, half.exchanges_before),
            (200, 2, 7)
        );
        let most = x.ninety_percent_flagged.as_ref().unwrap();
        assert_eq!(
            (most.at, most.accounts_flagged, most.exchanges_before),
            (300, 3, 9)
        );

        let y = &report.campaigns[1];
        assert_eq!((y.accounts, y.exchanges, y.flagged), (1, 1, 0));
        assert!(y.first_detection.is_none() && y.ninety_percent_flagged.is_none());

        let students = &report.benign_personas[0];
        assert_eq!((students.accounts, students.flagged), (3, 1));
        assert!((students.false_positive_rate - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(report.truth_accounts_unseen, 1);
        assert_eq!(report.exchanges_outside_truth, 1);
    }

    #[test]
    fn a_campaign_never_flagged_reports_never_and_serialises_times_as_rfc3339() {
        let mut tally = tally();
        send(&mut tally, &["x1", "y1"]);
        tally.flagged(1_776_816_000_000, ["y1"]);
        let json = serde_json::to_value(tally.report()).unwrap();
        assert!(json["campaigns"][0]["first_detection"].is_null());
        assert_eq!(
            json["campaigns"][1]["first_detection"]["at"],
            "2026-04-22T00:00:00.000Z"
        );
        assert_eq!(json["campaigns"][1]["half_flagged"]["accounts_flagged"], 1);
    }

    #[test]
    fn a_truth_listing_an_account_twice_is_refused() {
        let error = ReplayTally::new(&[
            truth("a", None, "student"),
            truth("a", Some("x"), "hydra-worker"),
        ])
        .unwrap_err();
        assert!(matches!(
            error,
            EvaluationError::DuplicateAccount {
                first: 0,
                second: 1,
                ..
            }
        ));
    }
}
