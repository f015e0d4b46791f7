//! The page: an overview of every campaign, then one section per campaign, each starting on
//! a new sheet when printed.
//!
//! Numbers that tests and readers check against `campaigns.json` carry `data-field`
//! attributes (`accounts`, `exchanges`, `first-seen`, `last-seen`) on the element that shows
//! them, inside an element with `data-campaign` set to the campaign's id.

use hydrascope_events::campaign::{CampaignEvidence, SharedValues};
use hydrascope_events::{Campaign, Verdict};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::charts::{self, percent, thousands};
use crate::words::{confidence, counted, kind_words, listed, spaced, top_capabilities};
use crate::{MEMBERS_LISTED, ReportInput};

const STYLE: &str = include_str!("report.css");

/// The whole page.
pub fn render(input: &ReportInput) -> String {
    let exchanges: u64 = input.campaigns.iter().map(|c| c.exchanges).sum();
    let members: usize = input.campaigns.iter().map(|c| c.accounts.len()).sum();
    let title = format!("hydrascope — distillation campaigns in {}", input.source);
    document(
        &title,
        input.refresh_secs,
        html! {
            header {
                h1 { "Distillation campaigns found by hydrascope" }
                p.meta { "Traffic: " (input.source) ". Report made " (input.generated_at) "." }
                p.lede data-field="totals" {
                    (thousands(input.accounts_scanned as u64)) " accounts were examined. "
                    (thousands(input.flagged as u64)) " were flagged; "
                    (thousands(members as u64)) " of them belong to "
                    (counted(input.campaigns.len() as u64, ("coordinated campaign", "coordinated campaigns")))
                    ", which sent " (thousands(exchanges)) " exchanges between them."
                }
            }
            (how_to_read(input.refresh_secs))
            (overview(input.campaigns))
            @for campaign in input.campaigns {
                (campaign_section(campaign, input))
            }
        },
    )
}

/// A whole HTML document with the report's styles inlined, reloaded by the browser every
/// `refresh_secs` when given: the one shell of every page this crate writes.
pub(crate) fn document(title: &str, refresh_secs: Option<u32>, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(secs) = refresh_secs {
                    meta http-equiv="refresh" content=(secs);
                }
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

fn how_to_read(refresh_secs: Option<u32>) -> Markup {
    html! {
        section.explainer {
            h2 { "How to read this report" }
            p {
                "A distillation campaign is one operator using many accounts to collect a model's "
                "answers in bulk, to train another model on them. Each account on its own can look "
                "like an ordinary light user; what gives the operator away is what the accounts "
                "share: the same prompt templates, the same networks, payment instruments or client "
                "software, sign-ups in one burst, and a narrow focus on the capabilities worth "
                "copying."
            }
            p {
                "Every account was compared with the accounts presumed honest. An account is "
                "flagged when its score (0 to 1) reaches the response policy's threshold; flagged "
                "accounts linked by shared evidence form a campaign. Confidence is the mean score "
                "of its accounts: high from 0.9, medium from 0.8, low below. "
                @match refresh_secs {
                    Some(secs) => { "Every figure here is the live service's last re-score; the page reloads every " (secs) " seconds." }
                    None => { "Every figure here is taken from the scan's output files (campaigns.json, verdicts.jsonl)." }
                }
            }
        }
    }
}

fn overview(campaigns: &[Campaign]) -> Markup {
    html! {
        section #overview {
            h2 { "Overview" }
            @if campaigns.is_empty() {
                p { "No campaign was found." }
            } @else {
                table {
                    thead { tr {
                        th { "Campaign" } th.num { "Accounts" } th.num { "Exchanges" }
                        th { "First seen" } th { "Last seen" } th { "Targeted capabilities" }
                        th { "Confidence" }
                    } }
                    tbody {
                        @for campaign in campaigns {
                            tr data-campaign=(campaign.id) {
                                td { a href=(format!("#{}", campaign.id)) { (campaign.id) } }
                                td.num data-field="accounts" { (thousands(campaign.accounts.len() as u64)) }
                                td.num data-field="exchanges" { (thousands(campaign.exchanges)) }
                                td data-field="first-seen" { (day(&campaign.first_seen)) }
                                td data-field="last-seen" { (day(&campaign.last_seen)) }
                                td { (listed(&top_capabilities(campaign, 3))) }
                                td { (confidence(campaign.mean_score)) " (" (format!("{:.2}", campaign.mean_score)) ")" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn campaign_section(campaign: &Campaign, input: &ReportInput) -> Markup {
    let days = campaign.timeline.len().max(1) as f64;
    let per_account_day = campaign.exchanges as f64 / campaign.accounts.len().max(1) as f64 / days;
    let capabilities: Vec<(String, f64)> = campaign
        .capability_mix
        .iter()
        .map(|(name, share)| (spaced(name), *share))
        .collect();
    html! {
        section.campaign id=(campaign.id) data-campaign=(campaign.id) {
            h2 { "Campaign " (campaign.id) }
            p.lede {
                (thousands(campaign.accounts.len() as u64)) " accounts sent "
                (thousands(campaign.exchanges)) " exchanges between " (day(&campaign.first_seen))
                " and " (day(&campaign.last_seen)) " (" (campaign.timeline.len()) " active days, about "
                (format!("{per_account_day:.0}")) " exchanges per account per day), mostly asking for "
                (listed(&top_capabilities(campaign, 3))) ". "
                @if !campaign.linked_by.is_empty() {
                    "Its accounts are linked by " (listed(&linked_by(campaign))) "."
                }
            }
            dl.figures {
                dt { "Accounts" } dd data-field="accounts" { (thousands(campaign.accounts.len() as u64)) }
                dt { "Exchanges" } dd data-field="exchanges" { (thousands(campaign.exchanges)) }
                dt { "First seen" } dd data-field="first-seen" { (campaign.first_seen) }
                dt { "Last seen" } dd data-field="last-seen" { (campaign.last_seen) }
                dt { "Confidence" } dd { (confidence(campaign.mean_score)) " (mean score " (format!("{:.2}", campaign.mean_score)) ")" }
                @if let Some(burst) = &campaign.signup_burst {
                    dt { "Sign-ups" }
                    dd { (burst.opened_inside) " of its " (burst.members) " accounts were opened between "
                         (burst.from) " and " (burst.to) ", when "
                         (percent(burst.population_share)) " of all new accounts were opened" }
                }
            }
            h3 { "Exchanges per day" }
            (charts::timeline(&campaign.timeline))
            h3 { "What it asked for" }
            p.note { "Share of its analysed exchanges that exercise each capability (an exchange can exercise several)." }
            (charts::shares(&capabilities, "Capabilities", 1.0))
            @if let Some(read_at) = &campaign.evidence.read_at {
                p.note { "The templates and infrastructure below were read from the stored events at "
                    (read_at) "; the campaign may have grown since." }
            }
            (templates(&campaign.evidence, input.redact))
            (infrastructure(&campaign.evidence, input.redact))
            (decided(campaign))
            (members(campaign, input))
        }
    }
}

fn templates(evidence: &CampaignEvidence, redact: bool) -> Markup {
    html! {
        h3 { "Shared prompt templates" }
        @if let Some(reason) = &evidence.not_read {
            (not_read(reason))
        } @else if evidence.templates.is_empty() {
            p { "No template was shared by its accounts." }
        } @else {
            p { "Its accounts filled " (counted(evidence.distinct_templates, ("template", "templates")))
                "; those shared by the most accounts:" }
            table {
                thead { tr { th { "Template" } th.num { "Accounts" } th.num { "Exchanges" } th { "Example prompts" } } }
                tbody {
                    @for template in &evidence.templates {
                        tr {
                            td.code { (template.frame) }
                            td.num { (thousands(template.accounts)) }
                            td.num { (thousands(template.exchanges)) }
                            td {
                                @if redact {
                                    span.note { "hidden in this edition" }
                                } @else if template.examples.is_empty() {
                                    span.note { "not kept (only sketches of the prompts were stored)" }
                                } @else {
                                    @for example in &template.examples {
                                        blockquote { (example) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Why a campaign's templates and infrastructure have no values.
fn not_read(reason: &str) -> Markup {
    html! { p.note { "The values behind the evidence were not read: " (reason) } }
}

fn infrastructure(evidence: &CampaignEvidence, redact: bool) -> Markup {
    html! {
        h3 { "Infrastructure" }
        @if let Some(reason) = &evidence.not_read {
            (not_read(reason))
        } @else if evidence.infrastructure.is_empty() {
            p { "No infrastructure was recorded." }
        } @else {
            @if redact { p.note { "Values are hidden in this edition; counts are shown." } }
            @for (kind, values) in &evidence.infrastructure {
                (shared_values(kind, values, redact))
            }
        }
    }
}

fn shared_values(kind: &str, values: &SharedValues, redact: bool) -> Markup {
    let words = kind_words(kind);
    html! {
        h4 { (counted(values.distinct, words)) }
        table.values {
            thead { tr { th { (words.0) } th.num { "Accounts" } th.num { "Exchanges" } } }
            tbody {
                @for (rank, value) in values.top.iter().enumerate() {
                    tr {
                        @if redact {
                            td.note { (words.0) " " (rank + 1) }
                        } @else if kind == "asn" {
                            td.code { "AS" (value.value) }
                        } @else {
                            td.code { (value.value) }
                        }
                        td.num { (thousands(value.accounts)) }
                        td.num { (thousands(value.exchanges)) }
                    }
                }
            }
        }
    }
}

fn decided(campaign: &Campaign) -> Markup {
    html! {
        h3 { "How it was decided" }
        ul {
            @for (kind, links) in &campaign.linked_by {
                li { "Shared " (spaced(kind_words(kind).1)) ": " (counted(*links, ("link", "links"))) " between its accounts." }
            }
            @for (partner, accounts) in &campaign.partner_campaigns {
                li { (counted(*accounts as u64, ("account", "accounts"))) " share values with "
                     (partner) ", a campaign a partner reported." }
            }
            @if let Some(burst) = &campaign.signup_burst {
                li { "Opened in one burst: " (burst.opened_inside) " of " (burst.members) " accounts between " (burst.from) " and " (burst.to) "." }
            }
            li { "Every account listed below was flagged on its own score; the mean is "
                 (format!("{:.2}", campaign.mean_score)) ". Each row names the strongest evidence against the account." }
        }
    }
}

fn members(campaign: &Campaign, input: &ReportInput) -> Markup {
    let mut listed: Vec<(&String, Option<&Verdict>)> = campaign
        .accounts
        .iter()
        .map(|id| (id, input.verdicts.get(id)))
        .collect();
    listed.sort_by(|a, b| {
        let score = |v: Option<&Verdict>| v.map_or(0.0, |v| v.score);
        score(b.1).total_cmp(&score(a.1)).then_with(|| a.0.cmp(b.0))
    });
    let shown = listed.len().min(MEMBERS_LISTED);
    html! {
        h3 { "Accounts" }
        @if shown < listed.len() {
            p.note { "The " (shown) " highest scores of " (thousands(listed.len() as u64))
                     " accounts; every account's verdict is in verdicts.jsonl." }
        }
        table.members {
            thead { tr { th { "Account" } th.num { "Score" } th { "Action" } th { "Evidence" } } }
            tbody {
                @for (id, verdict) in &listed[..shown] {
                    tr {
                        td.code { (id) }
                        @if let Some(verdict) = verdict {
                            td.num { (format!("{:.2}", verdict.score)) }
                            td { (verdict.action) }
                            td { (listed_signals(verdict)) }
                        } @else {
                            td colspan="3" { "no verdict in verdicts.jsonl" }
                        }
                    }
                }
            }
        }
    }
}

/// The account's three strongest signals, each with its detail.
fn listed_signals(verdict: &Verdict) -> Markup {
    html! {
        @for signal in verdict.signals.iter().take(3) {
            div { strong { (spaced(&signal.name)) } ": " (signal.detail) }
        }
    }
}

fn linked_by(campaign: &Campaign) -> Vec<String> {
    campaign
        .linked_by
        .iter()
        .map(|(kind, _)| spaced(kind_words(kind).1))
        .collect()
}

/// The day of an RFC 3339 timestamp.
fn day(timestamp: &str) -> &str {
    timestamp.get(..10).unwrap_or(timestamp)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use hydrascope_events::campaign::{SharedTemplate, SharedValue};
    use hydrascope_events::{Action, SignalValue};

    use super::*;

    fn campaign() -> Campaign {
        let mut infrastructure = BTreeMap::new();
        infrastructure.insert(
            "payment_fp".to_owned(),
            SharedValues {
                distinct: 2,
                top: vec![SharedValue {
                    value: "card-3a03".into(),
                    accounts: 9,
                    exchanges: 10_541,
                }],
            },
        );
        Campaign {
            id: "c-0001".into(),
            accounts: vec!["acct_a".into(), "acct_b".into()],
            exchanges: 52_137,
            first_seen: "2026-04-22T03:03:47.437Z".into(),
            last_seen: "2026-06-05T21:48:05.774Z".into(),
            capability_mix: vec![("multi_step_reasoning".into(), 0.8)],
            linked_by: vec![("payment_fp".into(), 12)],
            evidence: CampaignEvidence {
                templates: vec![SharedTemplate {
                    frame: "5bc18ff59d535865".into(),
                    accounts: 2,
                    exchanges: 21,
                    examples: vec!["Solve <script>alert(1)</script> step by step".into()],
                }],
                distinct_templates: 3,
                infrastructure,
                not_read: None,
                read_at: None,
            },
            signup_burst: None,
            timeline: [("2026-04-22".to_owned(), 1_079)].into_iter().collect(),
            mean_score: 0.91,
            partner_campaigns: vec![("partner c-7".into(), 2)],
        }
    }

    fn verdicts() -> HashMap<String, Verdict> {
        let verdict = Verdict {
            account_id: "acct_a".into(),
            score: 0.95,
            flagged: true,
            action: Action::Block,
            cluster_id: Some("c-0001".into()),
            signals: vec![SignalValue {
                name: "shared_payment".into(),
                value: 1.0,
                detail: "card held by 9 flagged accounts".into(),
            }],
        };
        [("acct_a".to_owned(), verdict)].into_iter().collect()
    }

    fn page(redact: bool) -> String {
        let campaigns = [campaign()];
        let verdicts = verdicts();
        render(&ReportInput {
            source: "scan/",
            generated_at: "2026-11-29T15:00:00Z",
            accounts_scanned: 1_000,
            flagged: 3,
            campaigns: &campaigns,
            verdicts: &verdicts,
            redact,
            refresh_secs: None,
        })
    }

    #[test]
    fn the_page_shows_the_campaign_numbers_where_readers_and_tests_find_them() {
        let page = page(false);
        assert!(page.contains(r#"<tr data-campaign="c-0001">"#));
        assert!(page.contains(r#"<td class="num" data-field="exchanges">52,137</td>"#));
        assert!(page.contains(r#"<dd data-field="accounts">2</dd>"#));
        assert!(page.contains("multi step reasoning (80%)"));
        assert!(page.contains("card-3a03"));
        assert!(page.contains("card held by 9 flagged accounts"));
        assert!(page.contains("2 accounts share values with partner c-7"));
        assert!(
            page.contains("no verdict in verdicts.jsonl"),
            "acct_b has none"
        );
        // Self-contained: no script, nothing fetched.
        assert!(!page.contains("<script"));
        assert!(!page.contains("src="));
        assert!(!page.contains("http"));
    }

    #[test]
    fn quoted_prompts_are_escaped_and_a_redacted_edition_shows_counts_only() {
        assert!(page(false).contains("Solve &lt;script&gt;alert(1)&lt;/script&gt; step by step"));
        let redacted = page(true);
        assert!(!redacted.contains("card-3a03"));
        assert!(!redacted.contains("Solve"));
        assert!(redacted.contains("payment instrument 1"));
        assert!(redacted.contains("10,541"));
    }
}
