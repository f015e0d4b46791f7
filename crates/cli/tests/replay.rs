//! End-to-end tests of `hydrascope replay`: the contract of its outputs on simulated traffic,
//! checked against the events themselves. How soon campaigns are detected is measured with it
//! (docs/detection.md), not asserted here.

mod common;
mod page;
mod simulation;

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::Path;

use common::{assert_success, hydrascope, stdout};
use hydrascope_events::format::thousands;
use page::row_field;
use serde_json::Value;
use simulation::simulate;

fn json_lines(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

fn number(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

/// The simulated events as (time, account) pairs; RFC 3339 times in one format compare as
/// strings.
fn simulated_exchanges(path: &Path) -> Vec<(String, String)> {
    let decoded = zstd::Decoder::new(File::open(path).unwrap()).unwrap();
    BufReader::new(decoded)
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
            (
                text(&event, "ts").to_owned(),
                text(&event, "account_id").to_owned(),
            )
        })
        .collect()
}

#[test]
fn replay_reports_first_flags_and_campaign_timelines_consistent_with_the_traffic() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    simulate(dir, "deepseek-2026", 0.02, 120, 3);
    let replay = hydrascope(
        &[
            "replay",
            "sim",
            "--out",
            "replay",
            "--truth",
            "sim/truth.jsonl",
            "--every",
            "1d",
        ],
        dir,
    );
    assert_success(&replay);
    assert!(
        stdout(&replay).contains("first detected"),
        "{}",
        stdout(&replay)
    );
    let scan = hydrascope(&["scan", "sim", "--out", "scan"], dir);
    assert_success(&scan);

    let exchanges = simulated_exchanges(&dir.join("sim/events.jsonl.zst"));
    let campaign_of: HashMap<String, Option<String>> = json_lines(&dir.join("sim/truth.jsonl"))
        .iter()
        .map(|t| {
            let campaign = t["campaign"].as_str().map(str::to_owned);
            (text(t, "account_id").to_owned(), campaign)
        })
        .collect();
    let report: Value =
        serde_json::from_slice(&fs::read(dir.join("replay/replay-report.json")).unwrap()).unwrap();
    let run = &report["run"];
    let (first_event, last_event) = (text(run, "first_event"), text(run, "last_event"));
    assert_eq!(
        first_event,
        exchanges.iter().map(|(ts, _)| ts).min().unwrap()
    );
    assert_eq!(
        last_event,
        exchanges.iter().map(|(ts, _)| ts).max().unwrap()
    );
    assert_eq!(number(run, "events"), exchanges.len() as u64);
    // The campaign's exchanges sent before a re-score at `at`: those before it, or all of
    // them for the last re-score, which covers the last event.
    let campaign_sent_before = |campaign: &str, at: &str| {
        exchanges
            .iter()
            .filter(|(ts, account)| {
                campaign_of[account].as_deref() == Some(campaign)
                    && (ts.as_str() < at || at == last_event)
            })
            .count() as u64
    };

    // First flags: one per account, inside the data window, with the events seen by then.
    let first_flags = json_lines(&dir.join("replay/first-flags.jsonl"));
    let mut flagged_once = HashSet::new();
    for flag in &first_flags {
        let account = text(flag, "account_id");
        assert!(flagged_once.insert(account.to_owned()), "{account} twice");
        let at = text(flag, "first_flagged");
        assert!(first_event < at && at <= last_event, "{flag}");
        let by_then = exchanges
            .iter()
            .filter(|(ts, a)| a == account && (ts.as_str() < at || at == last_event))
            .count() as u64;
        assert_eq!(number(flag, "events_by_then"), by_then, "{flag}");
    }
    assert_eq!(number(run, "flagged_ever"), first_flags.len() as u64);

    // The last re-score is the scan: the same verdicts, and each of its flags has a first flag.
    let verdicts = fs::read_to_string(dir.join("replay/verdicts.jsonl")).unwrap();
    assert_eq!(
        verdicts,
        fs::read_to_string(dir.join("scan/verdicts.jsonl")).unwrap()
    );
    let flagged_at_end: Vec<Value> = json_lines(&dir.join("replay/verdicts.jsonl"))
        .into_iter()
        .filter(|v| v["flagged"] == true)
        .collect();
    assert_eq!(number(run, "flagged_at_end"), flagged_at_end.len() as u64);
    for verdict in &flagged_at_end {
        assert!(
            flagged_once.contains(text(verdict, "account_id")),
            "{verdict}"
        );
    }

    // Re-scores: in time order, the last at the last event, their first flags all counted.
    let rescores = json_lines(&dir.join("replay/rescores.jsonl"));
    assert_eq!(number(run, "rescores"), rescores.len() as u64);
    assert!(
        rescores.len() >= 40,
        "{} re-scores of 45 days",
        rescores.len()
    );
    assert!(rescores.is_sorted_by_key(|r| text(r, "at").to_owned()));
    assert_eq!(text(rescores.last().unwrap(), "at"), last_event);
    let counted: u64 = rescores.iter().map(|r| number(r, "first_flagged")).sum();
    assert_eq!(counted, first_flags.len() as u64);

    // Campaign timelines: counts from the traffic, milestones in order and within the total;
    // the page shows the same counts.
    let campaigns = report["campaigns"].as_array().unwrap();
    assert_eq!(campaigns.len(), 1);
    let page = fs::read_to_string(dir.join("replay/replay-report.html")).unwrap();
    for timeline in campaigns {
        let name = text(timeline, "campaign");
        assert_eq!(
            row_field(&page, name, "flagged"),
            thousands(number(timeline, "flagged"))
        );
        let total = number(timeline, "exchanges");
        assert_eq!(total, campaign_sent_before(name, last_event));
        let accounts = number(timeline, "accounts");
        assert!(accounts > 0 && accounts <= number(timeline, "accounts_in_truth"));
        let flagged = number(timeline, "flagged");
        let campaign_flags = first_flags
            .iter()
            .filter(|f| campaign_of[text(f, "account_id")].as_deref() == Some(name))
            .count() as u64;
        assert_eq!(flagged, campaign_flags);
        let mut previous: Option<(String, u64)> = None;
        for (key, needed) in [
            ("first_detection", 1),
            ("half_flagged", accounts.div_ceil(2)),
            ("ninety_percent_flagged", (accounts * 9).div_ceil(10)),
        ] {
            let milestone = &timeline[key];
            if flagged < needed {
                assert!(milestone.is_null(), "{key}: {timeline}");
                continue;
            }
            assert_eq!(number(milestone, "accounts_flagged"), needed);
            let at = text(milestone, "at").to_owned();
            let before = number(milestone, "exchanges_before");
            assert_eq!(before, campaign_sent_before(name, &at), "{key}");
            assert!(before <= total);
            let share = milestone["share_of_exchanges"].as_f64().unwrap();
            assert!((share - before as f64 / total as f64).abs() < 1e-9);
            if let Some(previous) = &previous {
                assert!(previous.0 <= at && previous.1 <= before, "{timeline}");
            }
            previous = Some((at, before));
        }
    }

    // Honest accounts flagged at any point, per persona.
    let benign_flagged = first_flags
        .iter()
        .filter(|f| campaign_of[text(f, "account_id")].is_none())
        .count() as u64;
    let personas = report["benign_personas"].as_array().unwrap();
    assert!(!personas.is_empty());
    let reported: u64 = personas.iter().map(|p| number(p, "flagged")).sum();
    assert_eq!(reported, benign_flagged);
}

#[test]
fn a_period_without_a_unit_is_refused_before_any_work() {
    let work = tempfile::tempdir().unwrap();
    let replay = hydrascope(
        &["replay", "missing", "--out", "replay", "--every", "6"],
        work.path(),
    );
    assert!(!replay.status.success());
    let message = String::from_utf8_lossy(&replay.stderr);
    assert!(message.contains("s, m, h or d"), "{message}");
    assert!(!work.path().join("replay").exists());
}
