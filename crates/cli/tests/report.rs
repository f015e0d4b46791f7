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
use common::{assert_success, hydrascope};
use serde_json::Value;
use simulation::simulate;

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
        for template in campaign["templates"].as_array().unwrap() {
            for example in template["examples"].as_array().unwrap() {
                let start: String = example.as_str().unwrap().chars().take(40).collect();
                assert!(!html.contains(&start), "an example prompt is shown");
            }
        }
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
        for template in campaign["templates"].as_array().unwrap() {
            for example in template["examples"].as_array().unwrap() {
                let start: String = example.as_str().unwrap().chars().take(40).collect();
                assert!(!bundle.contains(&start), "an example prompt was exported");
            }
        }
    }
}
