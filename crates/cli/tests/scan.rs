//! End-to-end tests of `hydrascope scan`: the contract of its outputs on simulated traffic.
//! Detection quality is asserted in `detection_quality.rs`.

mod common;
mod simulation;

use std::collections::HashSet;
use std::fs;

use common::{assert_success, hydrascope};
use simulation::simulate;

#[test]
fn scan_gives_every_account_a_contract_verdict_and_explains_every_flag() {
    let work = tempfile::tempdir().unwrap();
    simulate(work.path(), "deepseek-2026", 0.05, 300, 3);
    // Raw input, read through the tolerant readers.
    let scan = hydrascope(&["scan", "sim", "--out", "scan"], work.path());
    assert_success(&scan);

    let truth: HashSet<String> = fs::read_to_string(work.path().join("sim/truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["account_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let verdicts: Vec<serde_json::Value> =
        fs::read_to_string(work.path().join("scan/verdicts.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert!(verdicts.len() > 250, "{} verdicts", verdicts.len());
    let mut seen = HashSet::new();
    for verdict in &verdicts {
        let account = verdict["account_id"].as_str().unwrap();
        assert!(truth.contains(account), "{account} was never simulated");
        assert!(
            seen.insert(account.to_owned()),
            "{account} has two verdicts"
        );
        let score = verdict["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        let action = verdict["action"].as_str().unwrap();
        assert!(["allow", "monitor", "throttle", "challenge", "block"].contains(&action));
        if verdict["flagged"].as_bool().unwrap() {
            assert!(
                !verdict["signals"].as_array().unwrap().is_empty(),
                "{verdict}"
            );
        }
    }
    let campaigns: serde_json::Value =
        serde_json::from_slice(&fs::read(work.path().join("scan/campaigns.json")).unwrap())
            .unwrap();
    let campaigns = campaigns.as_array().unwrap();
    assert!(!campaigns.is_empty(), "the simulated campaign is detected");
    for campaign in campaigns {
        assert_campaign_evidence(campaign);
    }
    let summary = fs::read_to_string(work.path().join("scan/summary.md")).unwrap();
    assert!(summary.starts_with("# hydrascope scan"));
    assert!(
        summary.contains("Most shared template") && summary.contains("Infrastructure:"),
        "{summary}"
    );
    assert!(work.path().join("scan/quarantine.jsonl").exists());

    let evaluation = hydrascope(
        &[
            "evaluate",
            "--truth",
            "sim/truth.jsonl",
            "--verdicts",
            "scan/verdicts.jsonl",
        ],
        work.path(),
    );
    assert_success(&evaluation);
}

/// A campaign of `campaigns.json` names what its accounts share: templates with example
/// prompts, and the values of every kind of infrastructure the simulator writes, each counted
/// within the campaign.
fn assert_campaign_evidence(campaign: &serde_json::Value) {
    let members = campaign["accounts"].as_array().unwrap().len() as u64;
    assert!(!campaign["linked_by"].as_array().unwrap().is_empty());
    let templates = campaign["templates"].as_array().unwrap();
    assert!(!templates.is_empty(), "{campaign}");
    let top = &templates[0];
    assert!((1..=members).contains(&top["accounts"].as_u64().unwrap()));
    assert!(top["exchanges"].as_u64().unwrap() >= top["accounts"].as_u64().unwrap());
    let examples = top["examples"].as_array().unwrap();
    assert!(!examples.is_empty(), "{top}");
    assert!(examples.iter().all(|e| !e.as_str().unwrap().is_empty()));
    assert!(campaign["distinct_templates"].as_u64().unwrap() >= templates.len() as u64);
    for kind in [
        "ip",
        "network",
        "asn",
        "user_agent",
        "client_fp",
        "payment_fp",
    ] {
        let values = &campaign["infrastructure"][kind];
        let top = values["top"].as_array().unwrap();
        assert!(!top.is_empty(), "{kind}: {values}");
        assert!(values["distinct"].as_u64().unwrap() >= top.len() as u64);
        assert!((1..=members).contains(&top[0]["accounts"].as_u64().unwrap()));
    }
}

#[test]
fn a_bad_policy_is_refused_with_the_key_named() {
    let work = tempfile::tempdir().unwrap();
    fs::write(
        work.path().join("events.jsonl"),
        r#"{"ts":1776816000000,"account_id":"a"}"#,
    )
    .unwrap();
    fs::write(
        work.path().join("policy.toml"),
        "[actions]\nthrottle = 0.9\nchallenge = 0.85\n",
    )
    .unwrap();
    let scan = hydrascope(
        &[
            "scan",
            "events.jsonl",
            "--out",
            "scan",
            "--policy",
            "policy.toml",
        ],
        work.path(),
    );
    assert!(!scan.status.success());
    let message = String::from_utf8_lossy(&scan.stderr);
    assert!(message.contains("actions.challenge"), "{message}");
}

#[test]
fn campaigns_are_written_without_their_values_when_the_evidence_pass_lacks_memory() {
    let work = tempfile::tempdir().unwrap();
    simulate(work.path(), "deepseek-2026", 0.05, 300, 3);
    let scan = hydrascope(
        &["scan", "sim", "--out", "scan", "--evidence-memory-mib", "0"],
        work.path(),
    );
    assert_success(&scan);
    let campaigns: serde_json::Value =
        serde_json::from_slice(&fs::read(work.path().join("scan/campaigns.json")).unwrap())
            .unwrap();
    let campaigns = campaigns.as_array().unwrap();
    assert!(!campaigns.is_empty());
    for campaign in campaigns {
        let reason = campaign["not_read"].as_str().unwrap();
        assert!(reason.contains("--evidence-memory-mib"), "{reason}");
        assert!(campaign["templates"].as_array().unwrap().is_empty());
    }
}
