//! End-to-end tests of `hydrascope evaluate` on small hand-written truth and verdict files.

mod common;
mod page;

use std::fs;
use std::io::Write;
use std::process::Output;

use common::{assert_success, hydrascope, stdout};
use page::row_field;

/// A truth file and a verdicts file: (file name, content).
type Inputs<'a> = [(&'a str, &'a str); 2];

/// The worked example, the truth gzip-compressed and the verdicts zstd-compressed, as large
/// exports usually are.
const COMPRESSED: Inputs = [("truth.jsonl.gz", TRUTH), ("verdicts.jsonl.zst", VERDICTS)];

/// Writes the two files into a fresh directory, compressed as their names say, and runs
/// `hydrascope evaluate` on them with `extra` arguments; returns the directory too.
fn evaluate([truth, verdicts]: Inputs, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let work = tempfile::tempdir().unwrap();
    for (name, content) in [truth, verdicts] {
        let bytes = if name.ends_with(".gz") {
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), Default::default());
            gzip.write_all(content.as_bytes()).unwrap();
            gzip.finish().unwrap()
        } else if name.ends_with(".zst") {
            zstd::encode_all(content.as_bytes(), 0).unwrap()
        } else {
            content.as_bytes().to_vec()
        };
        fs::write(work.path().join(name), bytes).unwrap();
    }
    let mut args = vec!["evaluate", "--truth", truth.0, "--verdicts", verdicts.0];
    args.extend(extra);
    (hydrascope(&args, work.path()), work)
}

fn succeeded(output: &Output) -> String {
    assert_success(output);
    stdout(output)
}

fn failed(output: &Output) -> String {
    assert!(!output.status.success(), "the command should have failed");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Four campaign and five benign accounts judged, one campaign account never judged and one
/// verdict for an unknown account (the worked example of the eval crate's tests).
const TRUTH: &str = r#"{"account_id":"c1","campaign":"qwen-2026","persona":"hydra-worker"}
{"account_id":"c2","campaign":"qwen-2026","persona":"hydra-worker"}
{"account_id":"c3","campaign":"qwen-2026","persona":"hydra-worker"}
{"account_id":"c4","campaign":"deepseek-2026","persona":"hydra-worker"}
{"account_id":"b1","campaign":null,"persona":"eval-harness"}
{"account_id":"b2","campaign":null,"persona":"eval-harness"}
{"account_id":"b3","campaign":null,"persona":"student"}

{"account_id":"b4","campaign":null,"persona":"student"}
{"account_id":"b5","campaign":null,"persona":"student"}
{"account_id":"unjudged","campaign":"qwen-2026","persona":"hydra-worker"}
"#;

const VERDICTS: &str = r#"{"account_id":"c1","score":0.9,"flagged":true,"cluster_id":"k1","action":"block","signals":[{"name":"template_shared_across_accounts","value":412,"detail":"..."}]}
{"account_id":"c2","score":0.8,"flagged":true,"cluster_id":"k1","action":"block","signals":[{"name":"template_shared_across_accounts","value":412,"detail":"..."}]}
{"account_id":"c3","score":0.4,"flagged":false,"cluster_id":null,"action":"monitor","signals":[]}
{"account_id":"c4","score":0.9,"flagged":true,"cluster_id":"k2","action":"challenge","signals":[{"name":"cot_elicitation","value":0.7,"detail":"..."}]}
{"account_id":"b1","score":0.8,"flagged":true,"cluster_id":"k1","action":"throttle","signals":[{"name":"template_shared_across_accounts","value":3,"detail":"..."}]}
{"account_id":"b2","score":0.3,"flagged":false,"cluster_id":null,"action":"allow","signals":[]}
{"account_id":"b3","score":0.1,"flagged":false,"cluster_id":null,"action":"allow","signals":[]}
{"account_id":"b4","score":0.1,"flagged":false,"cluster_id":null,"action":"allow","signals":[]}
{"account_id":"b5","score":0.4,"flagged":false,"cluster_id":null,"action":"allow","signals":[]}
{"account_id":"stranger","score":0.5,"flagged":false,"cluster_id":null,"action":"allow","signals":[]}
"#;

/// The cells of the table row that starts with `label`, split on runs of spaces.
fn row<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    let line = text
        .lines()
        .find(|line| line.starts_with(label))
        .unwrap_or_else(|| panic!("no row `{label}` in\n{text}"));
    line[label.len()..].split_whitespace().collect()
}

#[test]
fn evaluate_prints_hand_computed_metrics_as_tables() {
    let text = succeeded(&evaluate(COMPRESSED, &[]).0);
    assert!(
        text.starts_with(
            "evaluated 9 accounts (4 campaign, 5 benign); 1 only in the ground truth \
             (1 of them campaign), 1 only in the verdicts"
        ),
        "{text}"
    );
    assert_eq!(
        row(&text, "precision"),
        ["75.000%", "3", "of", "4", "flagged"]
    );
    assert_eq!(
        row(&text, "recall"),
        ["75.000%", "3", "of", "4", "campaign"]
    );
    assert_eq!(row(&text, "F1"), ["75.000%"]);
    assert_eq!(
        row(&text, "false-positive rate"),
        ["20.000%", "1", "of", "5", "benign"]
    );
    assert_eq!(row(&text, "ROC AUC")[0], "0.9000");
    assert_eq!(row(&text, "adjusted Rand index")[0], "0.3333");
    assert_eq!(row(&text, "deepseek-2026"), ["1", "1", "100.000%"]);
    assert_eq!(row(&text, "qwen-2026"), ["3", "2", "66.667%"]);
    assert_eq!(row(&text, "eval-harness"), ["2", "1", "50.000%"]);
    assert_eq!(row(&text, "student"), ["3", "0", "0.000%"]);

    // Columns line up: every row of the campaign table is as wide as its header.
    let header = text.lines().find(|l| l.starts_with("campaign")).unwrap();
    let qwen = text.lines().find(|l| l.starts_with("qwen-2026")).unwrap();
    assert_eq!(header.len(), qwen.len(), "{text}");
}

#[test]
fn evaluate_json_reports_shares_and_counts() {
    let json = succeeded(&evaluate(COMPRESSED, &["--json"]).0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let close = |key: &str, expected: f64| {
        let actual = report[key].as_f64().unwrap_or_else(|| panic!("{key}"));
        assert!((actual - expected).abs() < 1e-9, "{key}: {actual}");
    };
    close("precision", 0.75);
    close("recall", 0.75);
    close("f1", 0.75);
    close("false_positive_rate", 0.2);
    close("roc_auc", 0.9);
    close("adjusted_rand_index", 1.0 / 3.0);
    assert_eq!(
        report["accounts"],
        serde_json::json!({"evaluated": 9, "campaign": 4, "benign": 5, "only_in_truth": 1,
            "only_in_truth_campaign": 1, "only_in_verdicts": 1})
    );
    assert_eq!(report["confusion"]["true_positives"], 3);
    assert_eq!(report["campaigns"][1]["campaign"], "qwen-2026");
    assert_eq!(report["campaigns"][1]["flagged"], 2);
    assert_eq!(report["benign_personas"][0]["persona"], "eval-harness");
    assert_eq!(report["benign_personas"][0]["false_positive_rate"], 0.5);
}

#[test]
fn evaluate_writes_the_same_report_as_a_page() {
    let (output, work) = evaluate(COMPRESSED, &["--html", "evaluation.html"]);
    succeeded(&output);
    let page = fs::read_to_string(work.path().join("evaluation.html")).unwrap();
    assert!(page.contains(r#"<td class="num" data-field="precision">0.7500</td>"#));
    assert!(page.contains(r#"<td class="num" data-field="false-positive-rate">0.2000</td>"#));
    assert_eq!(row_field(&page, "qwen-2026", "flagged"), "2");
}

/// Plain files named `truth.jsonl` and `verdicts.jsonl`.
fn plain<'a>(truth: &'a str, verdicts: &'a str) -> Inputs<'a> {
    [("truth.jsonl", truth), ("verdicts.jsonl", verdicts)]
}

#[test]
fn evaluate_without_benign_accounts_reports_fpr_as_absent() {
    let campaign_only: String = TRUTH.lines().take(4).map(|l| format!("{l}\n")).collect();
    let inputs = plain(&campaign_only, VERDICTS);
    let text = succeeded(&evaluate(inputs, &[]).0);
    assert_eq!(row(&text, "false-positive rate")[0], "n/a");
    assert_eq!(row(&text, "ROC AUC")[0], "n/a");
    let json = succeeded(&evaluate(inputs, &["--json"]).0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(report["false_positive_rate"].is_null(), "{json}");
    assert!(report["roc_auc"].is_null(), "{json}");
}

#[test]
fn a_malformed_line_is_an_error_naming_the_file_and_line() {
    let mut verdicts: Vec<&str> = VERDICTS.lines().collect();
    verdicts[2] =
        r#"{"account_id":"c3","flagged":false,"cluster_id":null,"action":"allow","signals":[]}"#;
    let message = failed(&evaluate(plain(TRUTH, &verdicts.join("\n")), &[]).0);
    assert!(
        message.contains("verdicts.jsonl line 3: not a valid verdict: missing field `score`"),
        "{message}"
    );
}

#[test]
fn an_account_twice_in_the_truth_is_an_error_naming_both_lines() {
    let repeated = format!("{TRUTH}{}\n", TRUTH.lines().next().unwrap());
    let message = failed(&evaluate(plain(&repeated, VERDICTS), &[]).0);
    assert!(
        message.contains("truth.jsonl: account `c1` appears twice, on lines 1 and 12"),
        "{message}"
    );
}
