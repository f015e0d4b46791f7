//! End-to-end tests of the `hydrascope` binary: the commands a user types, on real files.

mod common;
mod simulation;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_success, hydrascope, stdout};
use simulation::simulate;

fn parquet_parts(dir: &Path) -> Vec<PathBuf> {
    let mut parts = Vec::new();
    for day in fs::read_dir(dir).unwrap() {
        let day = day.unwrap().path();
        if day.is_dir() {
            assert!(
                day.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("day=")
            );
            parts.extend(fs::read_dir(&day).unwrap().map(|p| p.unwrap().path()));
        }
    }
    parts
}

#[test]
fn simulate_then_ingest_writes_a_day_partitioned_dataset_without_loss() {
    let work = tempfile::tempdir().unwrap();
    simulate(work.path(), "deepseek-2026", 0.02, 300, 5);
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(work.path().join("sim/simulation.json")).unwrap())
            .unwrap();
    let simulated = summary["traffic"]["events"].as_u64().unwrap();
    assert!(simulated > 1_000, "{simulated} events");
    let truth = fs::read_to_string(work.path().join("sim/truth.jsonl")).unwrap();
    assert!(truth.lines().count() > 300);

    let ingest = hydrascope(&["ingest", "sim", "--out", "dataset"], work.path());
    assert_success(&ingest);
    assert!(stdout(&ingest).contains(&format!("ingested {simulated} events")));
    assert!(stdout(&ingest).contains("bad input: none"));
    assert!(!parquet_parts(&work.path().join("dataset")).is_empty());
    let quarantine = fs::read_to_string(work.path().join("dataset/quarantine.jsonl")).unwrap();
    assert!(quarantine.is_empty());
}

#[test]
fn ingest_quarantines_bad_lines_and_fails_only_above_the_allowed_share() {
    let work = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..99)
        .map(|i| {
            format!(
                r#"{{"ts":{},"account_id":"a{}"}}"#,
                1_776_827_647_000i64 + i,
                i % 5
            )
        })
        .collect();
    lines.push(r#"{"account_id":"no-ts"}"#.to_owned());
    fs::write(work.path().join("events.jsonl"), lines.join("\n")).unwrap();

    let tolerated = hydrascope(
        &[
            "ingest",
            "events.jsonl",
            "--out",
            "ok",
            "--max-bad-share",
            "0.05",
        ],
        work.path(),
    );
    assert_success(&tolerated);
    assert!(stdout(&tolerated).contains("ingested 99 events"));
    assert!(stdout(&tolerated).contains("missing_field:ts"));
    let quarantined = fs::read_to_string(work.path().join("ok/quarantine.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(quarantined.trim()).unwrap();
    assert_eq!(record["line"], 100);
    assert_eq!(record["reason"], "missing_field:ts");
    assert!(record["source"].as_str().unwrap().ends_with("events.jsonl"));

    let refused = hydrascope(
        &[
            "ingest",
            "events.jsonl",
            "--out",
            "strict",
            "--max-bad-share",
            "0.001",
        ],
        work.path(),
    );
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("1 of 100 input records"), "{message}");
    assert!(work.path().join("strict/quarantine.jsonl").exists());
}

#[test]
fn the_simulator_runs_without_a_corpus_and_says_so() {
    // Run one level down inside a fresh directory, so that the default `../shared/corpora`
    // resolves inside it (where there is none) whatever lies beside the temp directory.
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path().join("project");
    fs::create_dir(&cwd).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args([
            "simulate",
            "--scenario",
            "baseline",
            "--benign-accounts",
            "50",
            "--out",
            "sim",
        ])
        .current_dir(&cwd)
        .env_remove("HYDRASCOPE_CORPUS")
        .output()
        .unwrap();
    assert_success(&output);
    assert!(stdout(&output).contains("built-in fallback"));
}

#[test]
fn demo_simulates_scans_and_scores_in_one_command() {
    let work = tempfile::tempdir().unwrap();
    let args = [
        "demo",
        "--scenario",
        "qwen-2026",
        "--scale",
        "0.002",
        "--benign-accounts",
        "300",
        "--out",
        "demo",
    ];
    let output = hydrascope(&args, work.path());
    assert_success(&output);
    let printed = stdout(&output);
    for file in [
        "sim/truth.jsonl",
        "scan/verdicts.jsonl",
        "scan/campaigns.json",
        "scan/summary.md",
    ] {
        assert!(work.path().join("demo").join(file).is_file(), "{file}");
    }
    assert!(printed.contains("# hydrascope scan"), "{printed}");
    assert!(printed.contains("precision"), "{printed}");
    assert!(printed.contains("qwen-2026"), "{printed}");
}
