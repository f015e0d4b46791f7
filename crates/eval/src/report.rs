//! Joining verdicts with ground truth on `account_id`, and the report of what was measured.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use hydrascope_events::{TruthRecord, Verdict};
use serde::{Deserialize, Serialize};

use crate::metrics::{Confusion, adjusted_rand_index, ratio, roc_auc};

/// Everything `evaluate` measured. Every rate is a share in [0, 1] (not a percentage) and is
/// absent (`None`, JSON `null`) when the class it is measured over is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationReport {
    pub accounts: Coverage,
    pub confusion: Confusion,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub false_positive_rate: Option<f64>,
    /// ROC AUC of `score`, campaign accounts against benign ones.
    pub roc_auc: Option<f64>,
    /// Adjusted Rand index of the predicted clusters against the true campaigns, over the
    /// campaign accounts; an account without a `cluster_id` is a cluster of its own.
    pub adjusted_rand_index: Option<f64>,
    /// Recall of each campaign, by campaign name.
    pub campaigns: Vec<CampaignRecall>,
    /// False-positive rate of each benign persona, by persona name: which kinds of honest
    /// users the detector mistakes for campaigns.
    pub benign_personas: Vec<PersonaFalsePositives>,
}

/// Which accounts were evaluated. Metrics are over the accounts present in both inputs; the
/// others are counted so that a scan that silently dropped accounts cannot look better.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Accounts in both the ground truth and the verdicts.
    pub evaluated: u64,
    /// Of those, the accounts serving a campaign.
    pub campaign: u64,
    /// Of those, the benign accounts.
    pub benign: u64,
    /// Accounts in the ground truth without a verdict.
    pub only_in_truth: u64,
    /// Of those, the accounts serving a campaign: campaign accounts the detector never
    /// judged, which recall over the evaluated accounts does not see.
    pub only_in_truth_campaign: u64,
    /// Verdicts for accounts the ground truth does not know.
    pub only_in_verdicts: u64,
}

/// How much of one campaign was flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignRecall {
    pub campaign: String,
    pub accounts: u64,
    pub flagged: u64,
    /// `flagged / accounts`.
    pub recall: f64,
}

/// How many honest accounts of one persona were flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaFalsePositives {
    pub persona: String,
    pub accounts: u64,
    pub flagged: u64,
    /// `flagged / accounts`.
    pub false_positive_rate: f64,
}

/// Which of the two inputs a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Truth,
    Verdicts,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Input::Truth => "ground truth",
            Input::Verdicts => "verdicts",
        })
    }
}

/// Why two inputs cannot be evaluated against each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    /// An account has two records in one input, so it is not clear which one to score.
    /// `first` and `second` are 0-based positions in that input's slice.
    #[error(
        "account `{account_id}` appears twice in the {input} (records {} and {})",
        .first + 1,
        .second + 1
    )]
    DuplicateAccount {
        input: Input,
        account_id: String,
        first: usize,
        second: usize,
    },
}

/// Scores `verdicts` against `truth`, joined on `account_id`. Positive = the account serves a
/// campaign (`campaign` is not null); predicted positive = the verdict is `flagged`.
///
/// Fails only when an account appears twice in one input; accounts present in only one of
/// them are counted in [`Coverage`] and left out of every metric.
pub fn evaluate(
    truth: &[TruthRecord],
    verdicts: &[Verdict],
) -> Result<EvaluationReport, EvaluationError> {
    let truth_at = index_by_account(truth, |t| &t.account_id, Input::Truth)?;
    let verdict_at = index_by_account(verdicts, |v| &v.account_id, Input::Verdicts)?;

    let mut accounts = Coverage::default();
    let mut joined: Vec<(&TruthRecord, &Verdict)> = Vec::with_capacity(truth.len());
    for record in truth {
        match verdict_at.get(record.account_id.as_str()) {
            Some(&at) => joined.push((record, &verdicts[at])),
            None => {
                accounts.only_in_truth += 1;
                accounts.only_in_truth_campaign += u64::from(record.campaign.is_some());
            }
        }
    }
    accounts.only_in_verdicts = verdict_at
        .keys()
        .filter(|account| !truth_at.contains_key(*account))
        .count() as u64;

    let mut confusion = Confusion::default();
    let mut by_campaign: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_persona: BTreeMap<&str, Tally> = BTreeMap::new();
    let (mut campaign_scores, mut benign_scores) = (Vec::new(), Vec::new());
    for (record, verdict) in &joined {
        confusion.record(record.campaign.is_some(), verdict.flagged);
        let (tally, scores) = match &record.campaign {
            Some(campaign) => (
                by_campaign.entry(campaign).or_default(),
                &mut campaign_scores,
            ),
            None => (
                by_persona.entry(&record.persona).or_default(),
                &mut benign_scores,
            ),
        };
        tally.add(verdict.flagged);
        scores.push(verdict.score);
    }
    accounts.evaluated = joined.len() as u64;
    accounts.campaign = campaign_scores.len() as u64;
    accounts.benign = benign_scores.len() as u64;

    let clusters = joined
        .iter()
        .filter_map(|(record, verdict)| Some((record.campaign.as_deref()?, verdict)))
        .enumerate()
        .map(|(position, (campaign, verdict))| {
            let cluster = match &verdict.cluster_id {
                Some(id) => Cluster::Named(id),
                None => Cluster::Alone(position),
            };
            (campaign, cluster)
        });

    Ok(EvaluationReport {
        accounts,
        confusion,
        precision: confusion.precision(),
        recall: confusion.recall(),
        f1: confusion.f1(),
        false_positive_rate: confusion.false_positive_rate(),
        roc_auc: roc_auc(&campaign_scores, &benign_scores),
        adjusted_rand_index: adjusted_rand_index(clusters),
        campaigns: by_campaign
            .into_iter()
            .map(|(campaign, tally)| CampaignRecall {
                campaign: campaign.to_owned(),
                accounts: tally.accounts,
                flagged: tally.flagged,
                recall: tally.flagged_share(),
            })
            .collect(),
        benign_personas: by_persona
            .into_iter()
            .map(|(persona, tally)| PersonaFalsePositives {
                persona: persona.to_owned(),
                accounts: tally.accounts,
                flagged: tally.flagged,
                false_positive_rate: tally.flagged_share(),
            })
            .collect(),
    })
}

/// Where each account's record is in `records`, refusing an account seen twice.
pub(crate) fn index_by_account<'a, T>(
    records: &'a [T],
    account: impl Fn(&'a T) -> &'a String,
    input: Input,
) -> Result<HashMap<&'a str, usize>, EvaluationError> {
    let mut positions = HashMap::with_capacity(records.len());
    for (position, record) in records.iter().enumerate() {
        let account_id = account(record);
        if let Some(first) = positions.insert(account_id.as_str(), position) {
            return Err(EvaluationError::DuplicateAccount {
                input,
                account_id: account_id.clone(),
                first,
                second: position,
            });
        }
    }
    Ok(positions)
}

/// A predicted cluster: a named one, or the singleton of an account without a `cluster_id`
/// (told apart by the account's position, so two unattributed accounts are never grouped).
#[derive(PartialEq, Eq, Hash)]
enum Cluster<'a> {
    Named(&'a str),
    Alone(usize),
}

/// Accounts of one campaign or persona, and how many of them were flagged.
#[derive(Default)]
struct Tally {
    accounts: u64,
    flagged: u64,
}

impl Tally {
    fn add(&mut self, flagged: bool) {
        self.accounts += 1;
        self.flagged += u64::from(flagged);
    }

    /// A tally exists only once an account was added, so the share is always defined.
    fn flagged_share(&self) -> f64 {
        ratio(self.flagged, self.accounts).unwrap_or_default()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn truth(account_id: &str, campaign: Option<&str>, persona: &str) -> TruthRecord {
        TruthRecord {
            account_id: account_id.into(),
            campaign: campaign.map(Into::into),
            persona: persona.into(),
        }
    }

    fn verdict(account_id: &str, score: f64, flagged: bool, cluster: Option<&str>) -> Verdict {
        Verdict {
            account_id: account_id.into(),
            score,
            flagged,
            cluster_id: cluster.map(Into::into),
            action: hydrascope_events::Action::Allow,
            signals: Vec::new(),
        }
    }

    fn assert_close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("a measured value");
        assert!(
            (actual - expected).abs() < 1e-12,
            "{actual} is not {expected}"
        );
    }

    /// Four campaign and five benign accounts judged, one campaign account never judged and
    /// one verdict for an unknown account; every expected value below is worked by hand.
    fn worked_example() -> (Vec<TruthRecord>, Vec<Verdict>) {
        let truth = vec![
            truth("c1", Some("qwen-2026"), "hydra-worker"),
            truth("c2", Some("qwen-2026"), "hydra-worker"),
            truth("c3", Some("qwen-2026"), "hydra-worker"),
            truth("c4", Some("deepseek-2026"), "hydra-worker"),
            truth("b1", None, "eval-harness"),
            truth("b2", None, "eval-harness"),
            truth("b3", None, "student"),
            truth("b4", None, "student"),
            truth("b5", None, "student"),
            truth("unjudged", Some("qwen-2026"), "hydra-worker"),
        ];
        let verdicts = vec![
            verdict("b5", 0.4, false, None),
            verdict("c1", 0.9, true, Some("k1")),
            verdict("c2", 0.8, true, Some("k1")),
            verdict("c3", 0.4, false, None),
            verdict("c4", 0.9, true, Some("k2")),
            verdict("b1", 0.8, true, Some("k1")),
            verdict("b2", 0.3, false, None),
            verdict("b3", 0.1, false, None),
            verdict("b4", 0.1, false, None),
            verdict("stranger", 0.5, false, None),
        ];
        (truth, verdicts)
    }

    #[test]
    fn a_worked_example_gives_the_hand_computed_metrics() {
        let (truth, verdicts) = worked_example();
        let report = evaluate(&truth, &verdicts).unwrap();
        assert_eq!(
            report.accounts,
            Coverage {
                evaluated: 9,
                campaign: 4,
                benign: 5,
                only_in_truth: 1,
                only_in_truth_campaign: 1,
                only_in_verdicts: 1,
            }
        );
        assert_eq!(
            report.confusion,
            Confusion {
                true_positives: 3,
                false_positives: 1,
                true_negatives: 4,
                false_negatives: 1,
            }
        );
        assert_close(report.precision, 0.75);
        assert_close(report.recall, 0.75);
        assert_close(report.f1, 0.75);
        assert_close(report.false_positive_rate, 0.2);
        // Campaign-over-benign pairs won: 5 + 5 (the two 0.9s), 4.5 (0.8, tied with b1),
        // 3.5 (0.4, tied with b5): 18 of 20.
        assert_close(report.roc_auc, 0.9);
        // Campaigns {c1 c2 c3} {c4} against clusters {c1 c2} {c3} {c4}: index 1, 3 and 1
        // pairs within, 6 pairs in all: (1 - 0.5) / (2 - 0.5).
        assert_close(report.adjusted_rand_index, 1.0 / 3.0);
        let campaigns: Vec<_> = report
            .campaigns
            .iter()
            .map(|c| (c.campaign.as_str(), c.accounts, c.flagged))
            .collect();
        assert_eq!(campaigns, [("deepseek-2026", 1, 1), ("qwen-2026", 3, 2)]);
        assert_close(Some(report.campaigns[1].recall), 2.0 / 3.0);
        let personas: Vec<_> = report
            .benign_personas
            .iter()
            .map(|p| (p.persona.as_str(), p.accounts, p.flagged))
            .collect();
        assert_eq!(personas, [("eval-harness", 2, 1), ("student", 3, 0)]);
        assert_close(Some(report.benign_personas[0].false_positive_rate), 0.5);
    }

    #[test]
    fn unattributed_campaign_accounts_are_each_their_own_cluster() {
        let truth = [
            truth("a", Some("x"), "w"),
            truth("b", Some("x"), "w"),
            truth("c", Some("x"), "w"),
        ];
        let unattributed = [
            verdict("a", 0.9, true, None),
            verdict("b", 0.9, true, None),
            verdict("c", 0.9, true, None),
        ];
        let report = evaluate(&truth, &unattributed).unwrap();
        assert_close(report.adjusted_rand_index, 0.0);
        let attributed = unattributed.map(|v| Verdict {
            cluster_id: Some("k".into()),
            ..v
        });
        let report = evaluate(&truth, &attributed).unwrap();
        assert_close(report.adjusted_rand_index, 1.0);
    }

    #[test]
    fn without_benign_accounts_fpr_and_auc_are_absent() {
        let report = evaluate(
            &[truth("a", Some("x"), "w")],
            &[verdict("a", 0.9, true, Some("k"))],
        )
        .unwrap();
        assert_eq!(report.false_positive_rate, None);
        assert_eq!(report.roc_auc, None);
        assert!(report.benign_personas.is_empty());
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["false_positive_rate"].is_null());
    }

    #[test]
    fn a_detector_that_flags_nothing_has_no_precision_and_zero_recall() {
        let report = evaluate(
            &[truth("a", Some("x"), "w"), truth("b", None, "student")],
            &[
                verdict("a", 0.2, false, None),
                verdict("b", 0.1, false, None),
            ],
        )
        .unwrap();
        assert_eq!(report.precision, None);
        assert_eq!(report.recall, Some(0.0));
        assert_eq!(report.f1, Some(0.0));
        assert_eq!(report.false_positive_rate, Some(0.0));
        assert_close(report.roc_auc, 1.0);
    }

    #[test]
    fn without_common_accounts_nothing_is_measured() {
        let report = evaluate(
            &[truth("a", Some("x"), "w")],
            &[verdict("b", 0.2, false, None)],
        )
        .unwrap();
        assert_eq!(report.accounts.evaluated, 0);
        assert_eq!(
            (
                report.accounts.only_in_truth,
                report.accounts.only_in_verdicts
            ),
            (1, 1)
        );
        assert_eq!(
            (
                report.precision,
                report.recall,
                report.roc_auc,
                report.adjusted_rand_index
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn an_account_judged_twice_is_refused_with_both_positions() {
        let error = evaluate(
            &[truth("a", None, "student")],
            &[
                verdict("a", 0.2, false, None),
                verdict("b", 0.2, false, None),
                verdict("a", 0.9, true, None),
            ],
        )
        .unwrap_err();
        assert_eq!(
            error,
            EvaluationError::DuplicateAccount {
                input: Input::Verdicts,
                account_id: "a".into(),
                first: 0,
                second: 2,
            }
        );
        assert_eq!(
            error.to_string(),
            "account `a` appears twice in the verdicts (records 1 and 3)"
        );
    }

    #[test]
    fn the_report_round_trips_through_json() {
        let (truth, verdicts) = worked_example();
        let report = evaluate(&truth, &verdicts).unwrap();
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(
            serde_json::from_str::<EvaluationReport>(&json).unwrap(),
            report
        );
    }
}
