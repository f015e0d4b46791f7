//! `hydrascope report` end to end: a simulated scenario scanned, its report written, and the
//! numbers on the page — as written and as a real browser (headless Chromium, which
//! `.ci/run` installs) renders it — equal to those in `campaigns.json`. A screenshot of the
//! rendered page is kept in the test's target directory.

mod browser;
mod common;
mod page;
mod simulation;

use std::process::Command;
use std::sync::OnceLock;

use browser::{assert_numbers_match, browser_dom, screenshot};
use common::{assert_success, hydrascope, stdout};
use serde_json::Value;
use simulation::simulate;

/// Asserts that `text` quotes none of the campaign's example prompts (their first 40
/// characters).
fn assert_no_example_prompt(text: &str, campaign: &Value) {
    for template in campaign["templates"].as_array().unwrap() {
        for example in template["examples"].as_array().unwrap() {
            let start: String = example.as_str().unwrap().chars().take(40).collect();
            assert!(
                !text.contains(&start),
                "an example prompt is shown: {start}"
            );
        }
    }
}

/// One scan shared by the tests: its directory (`sim/`, `scan/`) and its campaigns.
fn scanned() -> &'static (tempfile::TempDir, Vec<Value>) {
    static SCAN: OnceLock<(tempfile::TempDir, Vec<Value>)> = OnceLock::new();
    SCAN.get_or_init(|| {
        let work = tempfile::tempdir().unwrap();
        simulate(work.path(), "all", 0.002, 300, 5);
        assert_success(&hydrascope(&["scan", "sim", "--out", "scan"], work.path()));
        let campaigns: Value = serde_json::from_slice(
            &std::fs::read(work.path().join("scan/campaigns.json")).unwrap(),
        )
        .unwrap();
        let campaigns = campaigns.as_array().unwrap().clone();
        assert!(!campaigns.is_empty(), "the scan found no campaign");
        (work, campaigns)
    })
}

#[test]
fn the_report_shows_the_scans_numbers_as_written_and_as_a_browser_renders_them() {
    let (work, campaigns) = scanned();
    assert_success(&hydrascope(
        &["report", "scan", "--out", "report.html"],
        work.path(),
    ));
    let html = std::fs::read_to_string(work.path().join("report.html")).unwrap();
    assert_numbers_match(&html, campaigns);
    assert!(!html.contains("<script") && !html.contains("src="));

    // A real browser: the DOM it builds from the file shows the same numbers.
    let url = format!("file://{}", work.path().join("report.html").display());
    assert_numbers_match(&browser_dom(&url), campaigns);
    screenshot(&url, "report.png");
}

#[test]
fn a_redacted_report_shows_counts_but_no_values_or_prompts() {
    let (work, campaigns) = scanned();
    assert_success(&hydrascope(
        &["report", "scan", "--out", "redacted.html", "--redact"],
        work.path(),
    ));
    let html = std::fs::read_to_string(work.path().join("redacted.html")).unwrap();
    assert_numbers_match(&html, campaigns);
    for campaign in campaigns {
        for (_, values) in campaign["infrastructure"].as_object().unwrap() {
            for top in values["top"].as_array().unwrap() {
                let value = top["value"].as_str().unwrap();
                for shown in [format!(">{value}<"), format!(">AS{value}<")] {
                    assert!(!html.contains(&shown), "{value} shown in a redacted report");
                }
            }
        }
        assert_no_example_prompt(&html, campaign);
    }
}

#[test]
fn indicators_export_a_stix_bundle_that_the_stix2_library_accepts() {
    let (work, campaigns) = scanned();
    assert_success(&hydrascope(
        &[
            "indicators",
            "export",
            "scan",
            "--format",
            "stix",
            "--out",
            "bundle.json",
        ],
        work.path(),
    ));
    let path = work.path().join("bundle.json");
    // The outside check: the OASIS stix2 library parses every object and validates every
    // pattern (pip install stix2; .ci/run installs it).
    let check = Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sys, stix2\n\
             from stix2patterns.validator import run_validator\n\
             bundle = stix2.parse(open(sys.argv[1]).read(), allow_custom=True)\n\
             counts = {}\n\
             for o in bundle.objects:\n\
             \x20   counts[o.type] = counts.get(o.type, 0) + 1\n\
             \x20   if o.type == 'indicator':\n\
             \x20       errors = run_validator(o.pattern, stix_version='2.1')\n\
             \x20       assert errors == [], (o.pattern, errors)\n\
             print(json.dumps(counts))\n",
        )
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "stix2 refused the bundle: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let counts: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(counts["campaign"], campaigns.len());
    assert_eq!(counts["infrastructure"], campaigns.len());
    assert!(counts["indicator"].as_u64().unwrap() > 0, "{counts}");
    assert_eq!(
        counts["relationship"],
        counts["indicator"].as_u64().unwrap() + campaigns.len() as u64
    );

    // Each campaign is there with its window, and no example prompt is, by default.
    let bundle = std::fs::read_to_string(&path).unwrap();
    let parsed: Value = serde_json::from_str(&bundle).unwrap();
    for campaign in campaigns {
        let id = campaign["id"].as_str().unwrap();
        let stix = parsed["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["type"] == "campaign" && o["name"] == format!("hydrascope {id}"))
            .unwrap_or_else(|| panic!("no STIX campaign for {id}"));
        assert_eq!(stix["first_seen"], campaign["first_seen"]);
        assert_eq!(stix["last_seen"], campaign["last_seen"]);
        assert_no_example_prompt(&bundle, campaign);
    }
}

#[test]
fn a_partners_bundle_imported_into_the_service_recognises_that_campaigns_new_accounts() {
    let (work, campaigns) = scanned();
    let partner = tempfile::tempdir().unwrap();
    let bundle = partner.path().join("partner.json");
    assert_success(&hydrascope(
        &[
            "indicators",
            "export",
            "scan",
            "--out",
            bundle.to_str().unwrap(),
        ],
        work.path(),
    ));
    // A pattern hydrascope does not match traffic by is counted, not silently dropped.
    let mut parsed: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    parsed["objects"].as_array_mut().unwrap().push(serde_json::json!({
        "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000000",
        "created": "2026-11-29T00:00:00.000Z", "modified": "2026-11-29T00:00:00.000Z",
        "pattern": "[file:name = 'harvest.py']", "pattern_type": "stix",
        "valid_from": "2026-11-29T00:00:00.000Z"
    }));
    std::fs::write(&bundle, serde_json::to_vec(&parsed).unwrap()).unwrap();
    let imported = hydrascope(
        &[
            "indicators",
            "import",
            "partner.json",
            "--into",
            "indicators.json",
        ],
        partner.path(),
    );
    assert_success(&imported);
    assert!(
        stdout(&imported).contains("1 indicators not imported"),
        "{}",
        stdout(&imported)
    );

    // A scan that knows them names the partner's campaign beside its own.
    let indicators = partner.path().join("indicators.json");
    assert_success(&hydrascope(
        &[
            "scan",
            "sim",
            "--out",
            "rescan",
            "--indicators",
            indicators.to_str().unwrap(),
        ],
        work.path(),
    ));
    let rescanned: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("rescan/campaigns.json")).unwrap())
            .unwrap();
    for (ours, theirs) in rescanned.as_array().unwrap().iter().zip(campaigns) {
        let expected = format!("hydrascope {}", theirs["id"].as_str().unwrap());
        let linked = ours["partner_campaigns"].as_array().unwrap();
        assert!(
            linked
                .iter()
                .any(|p| p[0] == expected.as_str() && p[1].as_u64() > Some(0)),
            "{}: {linked:?}",
            expected
        );
    }

    // Every account sharing values with a partner's campaign is listed, flagged or not.
    let matches =
        std::fs::read_to_string(work.path().join("rescan/partner-matches.jsonl")).unwrap();
    let matches: Vec<Value> = matches
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for campaign in campaigns {
        let id = campaign["id"].as_str().unwrap();
        let name = format!("hydrascope {id}");
        assert!(
            matches
                .iter()
                .any(|m| m["partner_campaign"] == name.as_str() && m["cluster_id"] == id),
            "no account of {id} listed as sharing its own exported values"
        );
    }

    // A service that knows them challenges a new account paying with the campaign's card.
    let campaign = campaigns
        .iter()
        .find(|c| {
            !c["infrastructure"]["payment_fp"]["top"]
                .as_array()
                .unwrap()
                .is_empty()
        })
        .expect("a campaign with a shared card");
    let card = campaign["infrastructure"]["payment_fp"]["top"][0]["value"]
        .as_str()
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        partner.path().join("serve.toml"),
        "indicators = \"indicators.json\"\n[tokens]\nall = [\"t\"]\n",
    )
    .unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--config",
            "serve.toml",
        ])
        .current_dir(partner.path())
        .spawn()
        .unwrap();
    let check = || {
        ureq::post(format!("http://127.0.0.1:{port}/v1/check"))
            .header("Authorization", "Bearer t")
            .send_json(serde_json::json!({"account_id": "acct_replacement", "payment_fp": card}))
            .ok()
            .map(|mut r| r.body_mut().read_json::<Value>().unwrap())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let answer = loop {
        if let Some(answer) = check() {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(answer["decided_by"], "partner_indicator", "{answer}");
    assert_eq!(answer["decision"], "challenge", "{answer}");
    assert_eq!(
        answer["campaign"],
        format!("hydrascope {}", campaign["id"].as_str().unwrap())
    );
}
