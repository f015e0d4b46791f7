//! Tests of the engine's plumbing on small real files.

use std::fs;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::prelude::{SessionContext, col, lit};
use hydrascope_io::ingest::{IngestOptions, ingest};
use hydrascope_io::quarantine::BadInputPolicy;

use crate::{EVENTS_TABLE, read_summary_columns, register_events};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_776_816_000_000; // 2026-04-22T00:00:00Z

fn jsonl(lines: &[String]) -> String {
    lines.join("\n")
}

fn sample_lines() -> Vec<String> {
    let mut lines: Vec<String> = (0..30)
        .map(|i| {
            format!(
                r#"{{"ts":{},"account_id":"acct_{}","prompt":"task {i}"}}"#,
                T0 + (i as i64) * DAY / 10,
                i % 3
            )
        })
        .collect();
    lines.push("not json".to_owned());
    lines
}

async fn counts_per_account(ctx: &SessionContext) -> Vec<(String, i64)> {
    let batches: Vec<RecordBatch> = ctx
        .table(EVENTS_TABLE)
        .await
        .unwrap()
        .aggregate(vec![col("account_id")], vec![count(lit(1)).alias("n")])
        .unwrap()
        .sort(vec![col("account_id").sort(true, false)])
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut counts = Vec::new();
    for batch in &batches {
        let ids = cast(batch.column(0), &DataType::Utf8).unwrap();
        let ids = ids.as_string::<i32>();
        let n = batch.column(1).as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            counts.push((ids.value(row).to_owned(), n.value(row)));
        }
    }
    counts
}

fn expected_counts() -> Vec<(String, i64)> {
    vec![
        ("acct_0".to_owned(), 10),
        ("acct_1".to_owned(), 10),
        ("acct_2".to_owned(), 10),
    ]
}

#[tokio::test]
async fn raw_jsonl_is_streamed_and_its_bad_lines_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.jsonl");
    fs::write(&input, jsonl(&sample_lines())).unwrap();
    let quarantine = dir.path().join("quarantine.jsonl");
    let ctx = SessionContext::new();

    let registered = register_events(&ctx, &input, &quarantine).unwrap();
    assert!(!registered.is_canonical());
    assert_eq!(counts_per_account(&ctx).await, expected_counts());

    let lenient = BadInputPolicy {
        max_bad_share: 0.05,
    };
    let stats = registered.finish(&lenient).unwrap().unwrap();
    assert_eq!((stats.events, stats.bad), (30, 1));
    let quarantined = fs::read_to_string(&quarantine).unwrap();
    assert!(quarantined.contains("not_json"), "{quarantined}");
    let strict = BadInputPolicy {
        max_bad_share: 0.01,
    };
    assert!(registered.finish(&strict).is_err());
}

/// The sample ingested into a canonical dataset under `dir` (its bad line skipped).
fn ingested_sample(dir: &Path) -> PathBuf {
    let input = dir.join("events.jsonl");
    fs::write(&input, jsonl(&sample_lines())).unwrap();
    let dataset = dir.join("dataset");
    let options = IngestOptions {
        policy: BadInputPolicy {
            max_bad_share: 0.05,
        },
        ..IngestOptions::default()
    };
    ingest(&input, &dataset, &options).unwrap();
    dataset
}

#[tokio::test]
async fn the_ingested_dataset_is_read_natively_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = ingested_sample(dir.path());
    let ctx = SessionContext::new();

    let registered = register_events(&ctx, &dataset, &dir.path().join("q.jsonl")).unwrap();
    assert!(registered.is_canonical());
    assert_eq!(registered.canonical_files(), Some(3));
    assert_eq!(counts_per_account(&ctx).await, expected_counts());
    assert!(
        registered
            .finish(&BadInputPolicy::default())
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_parse_limit_reads_every_row_of_the_summary_columns() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = ingested_sample(dir.path());
    let ctx = SessionContext::new();
    register_events(&ctx, &dataset, &dir.path().join("q.jsonl")).unwrap();

    assert_eq!(read_summary_columns(&ctx).await.unwrap(), 30);
}
