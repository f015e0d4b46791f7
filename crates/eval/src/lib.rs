//! How well a detector's verdicts match ground truth.
//!
//! A detector is only as good as its measured precision on honest heavy users and its recall
//! on campaigns, so every detector hydrascope ships (and any outside one that writes the
//! contract's verdicts) is scored the same way: [`evaluate`] joins [`Verdict`]s with
//! [`TruthRecord`]s on `account_id` and reports, over the accounts present in both:
//!
//! - precision, recall, F1 and false-positive rate over accounts (positive = the account
//!   serves a campaign, predicted positive = it is flagged);
//! - recall per campaign, and false-positive rate per benign persona, because one persona of
//!   hard negatives (evaluation harnesses, batch jobs) can hide behind a low overall rate;
//! - ROC AUC of the score, which judges the ranking independently of the policy threshold;
//! - the adjusted Rand index of the predicted clusters against the true campaigns, which
//!   judges attribution: flagging every account but lumping two campaigns together is not
//!   the same as telling them apart.
//!
//! [`replay`] measures the other half of a detector's worth, how *soon* it flags each campaign,
//! from a time-ordered replay.
//!
//! It is not a reader and not a gate: it does no I/O (the CLI reads the two files) and it
//! applies no pass/fail bar, it only measures. See [`metrics`] for the measures alone.
//!
//! [`Verdict`]: hydrascope_events::Verdict
//! [`TruthRecord`]: hydrascope_events::TruthRecord

pub mod metrics;
pub mod replay;
mod report;

pub use metrics::Confusion;
pub use report::{
    CampaignRecall, Coverage, EvaluationError, EvaluationReport, Input, PersonaFalsePositives,
    evaluate,
};
