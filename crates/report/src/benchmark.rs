//! What a benchmark run measured, as a page to look at: `evaluate`'s precision and recall
//! and `replay`'s time to detection, with the same styles and charts as the campaign report.
//!
//! Numbers that tests check carry `data-field` attributes, inside elements with
//! `data-campaign` or `data-persona` set to the row's name.

use hydrascope_eval::EvaluationReport;
use hydrascope_eval::replay::{CampaignTimeline, Milestone, ReplayReport};
use maud::{Markup, html};

use crate::charts::{self, thousands};
use crate::page::document;

/// `evaluate`'s report.
pub fn evaluation_page(report: &EvaluationReport, title: &str) -> String {
    let recall: Vec<(String, f64)> = report
        .campaigns
        .iter()
        .map(|c| (c.campaign.clone(), c.recall))
        .collect();
    page(
        title,
        html! {
            h2 { "Detection quality" }
            table.headline {
                tbody {
                    (metric("Precision", "precision", report.precision))
                    (metric("Recall", "recall", report.recall))
                    (metric("F1", "f1", report.f1))
                    (metric("False-positive rate", "false-positive-rate", report.false_positive_rate))
                    (metric("ROC AUC", "roc-auc", report.roc_auc))
                    (metric("Adjusted Rand index (attribution)", "ari", report.adjusted_rand_index))
                }
            }
            p.note {
                (thousands(report.accounts.evaluated)) " accounts evaluated ("
                (thousands(report.accounts.campaign)) " serving a campaign, "
                (thousands(report.accounts.benign)) " honest); "
                (thousands(report.accounts.only_in_truth)) " in the ground truth without a verdict, "
                (thousands(report.accounts.only_in_verdicts)) " verdicts for accounts it does not know."
            }
            h2 { "Recall per campaign" }
            (charts::shares(&recall, "Recall per campaign", 1.0))
            table {
                thead { tr { th { "Campaign" } th.num { "Accounts" } th.num { "Flagged" } th.num { "Recall" } } }
                tbody {
                    @for c in &report.campaigns {
                        tr data-campaign=(c.campaign) {
                            td { (c.campaign) }
                            td.num data-field="accounts" { (thousands(c.accounts)) }
                            td.num data-field="flagged" { (thousands(c.flagged)) }
                            td.num data-field="recall" { (precise(c.recall)) }
                        }
                    }
                }
            }
            (personas(&report.benign_personas))
        },
    )
}

/// `replay`'s report: how soon each campaign was detected.
pub fn replay_page(report: &ReplayReport, title: &str) -> String {
    let before_first: Vec<(String, f64)> = report
        .campaigns
        .iter()
        .filter_map(|c| {
            let first = c.first_detection.as_ref()?;
            Some((c.campaign.clone(), first.share_of_exchanges))
        })
        .collect();
    let scale = before_first
        .iter()
        .map(|(_, share)| *share)
        .fold(0.0, f64::max)
        .max(0.01);
    page(
        title,
        html! {
            h2 { "Time to detection" }
            p {
                "For each campaign: when its first account was flagged, and how many of its exchanges "
                "it had sent by then; then the same when half and nine tenths of its accounts were "
                "flagged. The fewer exchanges before detection, the less of the model was copied."
            }
            h3 { "Share of its exchanges sent before its first detection" }
            (charts::shares(&before_first, "Share of exchanges before first detection", scale))
            table {
                thead { tr {
                    th { "Campaign" } th.num { "Accounts" } th.num { "Exchanges" } th.num { "Flagged" }
                    th { "First detected" } th { "Half flagged" } th { "90% flagged" }
                } }
                tbody {
                    @for c in &report.campaigns {
                        (timeline_row(c))
                    }
                }
            }
            (personas(&report.benign_personas))
        },
    )
}

fn timeline_row(c: &CampaignTimeline) -> Markup {
    html! {
        tr data-campaign=(c.campaign) {
            td { (c.campaign) }
            td.num { (thousands(c.accounts)) }
            td.num { (thousands(c.exchanges)) }
            td.num data-field="flagged" { (thousands(c.flagged)) }
            td data-field="first-detection" { (milestone(c.first_detection.as_ref())) }
            td { (milestone(c.half_flagged.as_ref())) }
            td { (milestone(c.ninety_percent_flagged.as_ref())) }
        }
    }
}

fn milestone(milestone: Option<&Milestone>) -> Markup {
    match milestone {
        None => html! { "never" },
        Some(m) => html! {
            (hydrascope_events::time::format_rfc3339(m.at)) ", after "
            (thousands(m.exchanges_before)) " exchanges (" (precise(m.share_of_exchanges)) ")"
        },
    }
}

fn personas(personas: &[hydrascope_eval::PersonaFalsePositives]) -> Markup {
    html! {
        h2 { "Honest accounts flagged, per kind of user" }
        table {
            thead { tr { th { "Persona" } th.num { "Accounts" } th.num { "Flagged" } th.num { "False-positive rate" } } }
            tbody {
                @for p in personas {
                    tr data-persona=(p.persona) {
                        td { (p.persona) }
                        td.num { (thousands(p.accounts)) }
                        td.num data-field="flagged" { (thousands(p.flagged)) }
                        td.num { (precise(p.false_positive_rate)) }
                    }
                }
            }
        }
    }
}

fn metric(name: &str, field: &str, value: Option<f64>) -> Markup {
    html! {
        tr {
            th { (name) }
            td.num data-field=(field) {
                @match value {
                    Some(value) => { (format!("{value:.4}")) }
                    None => { "not measurable" }
                }
            }
        }
    }
}

/// A share as a percentage with three decimals: detection times are fractions of a percent.
fn precise(share: f64) -> String {
    format!("{:.3}%", share * 100.0)
}

fn page(title: &str, body: Markup) -> String {
    document(
        title,
        None,
        html! {
            h1 { (title) }
            (body)
        },
    )
}

#[cfg(test)]
mod tests {
    use hydrascope_eval::{CampaignRecall, Confusion, Coverage, PersonaFalsePositives};

    use super::*;

    #[test]
    fn an_evaluation_page_marks_its_numbers_and_says_what_was_not_measurable() {
        let report = EvaluationReport {
            accounts: Coverage::default(),
            confusion: Confusion::default(),
            precision: Some(1.0),
            recall: Some(0.989),
            f1: None,
            false_positive_rate: Some(0.0),
            roc_auc: None,
            adjusted_rand_index: Some(0.948),
            campaigns: vec![CampaignRecall {
                campaign: "qwen-2026".into(),
                accounts: 25_000,
                flagged: 24_625,
                recall: 0.985,
            }],
            benign_personas: vec![PersonaFalsePositives {
                persona: "coding-agent".into(),
                accounts: 800,
                flagged: 0,
                false_positive_rate: 0.0,
            }],
        };
        let page = evaluation_page(&report, "run <1>");
        assert!(page.contains(r#"<td class="num" data-field="recall">0.9890</td>"#));
        assert!(page.contains(r#"<td class="num" data-field="f1">not measurable</td>"#));
        assert!(page.contains(r#"<tr data-campaign="qwen-2026">"#));
        assert!(page.contains(r#"<td class="num" data-field="flagged">24,625</td>"#));
        assert!(page.contains("run &lt;1&gt;"));
    }
}
