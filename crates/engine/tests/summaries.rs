//! The account-summary plan against the core: whatever road the events take into DataFusion
//! and however it partitions them, each account's summary is the one a loop over its events
//! with `AccountSummary::observe` builds.

mod common;

use std::path::Path;

use common::{
    assert_same_summaries, content_of, core_summaries, ingested_input, raw_input, simulated_events,
    write_jsonl,
};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::{SessionConfig, SessionContext};
use hydrascope_core::{AccountSummary, Mergeable};
use hydrascope_engine::functions::decode_summary;
use hydrascope_engine::{
    EVENTS_TABLE, account_summaries, account_summary_expr, account_summary_frame, register_events,
    register_functions,
};
use hydrascope_events::Event;

/// A session over `input` with the engine's functions.
fn session(input: &Path, config: SessionConfig) -> SessionContext {
    let ctx = SessionContext::new_with_config(config);
    register_events(&ctx, input, &input.with_extension("quarantine.jsonl")).unwrap();
    register_functions(&ctx);
    ctx
}

#[tokio::test]
async fn summaries_of_raw_jsonl_equal_the_core_loop() {
    let events = simulated_events();
    let dir = tempfile::tempdir().unwrap();
    let input = raw_input(dir.path(), events);

    let ctx = session(&input, SessionConfig::new());
    let found = account_summaries(&ctx).await.unwrap();

    assert!(found.len() > 100, "{} accounts", found.len());
    assert_same_summaries(&found, &core_summaries(events));
}

#[tokio::test]
async fn summaries_of_the_ingested_dataset_over_four_partitions_equal_the_core_loop() {
    let events = simulated_events();
    let dir = tempfile::tempdir().unwrap();
    let dataset = ingested_input(dir.path(), events);

    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(4));
    let registered = register_events(&ctx, &dataset, &dir.path().join("q.jsonl")).unwrap();
    register_functions(&ctx);
    assert!(registered.canonical_files().unwrap() > 4);

    let found = account_summaries(&ctx).await.unwrap();
    assert_same_summaries(&found, &core_summaries(events));
}

#[tokio::test]
async fn skipping_partial_aggregation_gives_the_same_summaries() {
    // With the probe thresholds at zero, DataFusion hands every row to the final aggregation
    // as a one-event state (`convert_to_state`) instead of aggregating partitions first.
    let events = &simulated_events()[..8_000];
    let dir = tempfile::tempdir().unwrap();
    let dataset = ingested_input(dir.path(), events);

    let mut config = SessionConfig::new().with_target_partitions(3);
    let execution = &mut config.options_mut().execution;
    execution.skip_partial_aggregation_probe_rows_threshold = 0;
    execution.skip_partial_aggregation_probe_ratio_threshold = 0.0;
    let ctx = session(&dataset, config);

    let found = account_summaries(&ctx).await.unwrap();
    assert_same_summaries(&found, &core_summaries(events));
    let analysed = account_summary_frame(&ctx)
        .await
        .unwrap()
        .explain(false, true)
        .unwrap()
        .collect()
        .await
        .unwrap();
    let plan = pretty_format_batches(&analysed).unwrap().to_string();
    assert!(skipped_rows(&plan) > 0, "{plan}");
}

/// The rows DataFusion's partial aggregation passed on as one-row states.
fn skipped_rows(plan: &str) -> u64 {
    plan.split("skipped_aggregation_rows=")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

#[tokio::test]
async fn one_summary_of_the_whole_table_is_the_merge_of_every_account() {
    let events = &simulated_events()[..5_000];
    let dir = tempfile::tempdir().unwrap();
    let input = raw_input(dir.path(), events);
    let ctx = session(&input, SessionConfig::new());

    let summary = account_summary_expr(&ctx).unwrap();
    let batches = ctx
        .table(EVENTS_TABLE)
        .await
        .unwrap()
        .aggregate(vec![], vec![summary])
        .unwrap()
        .collect()
        .await
        .unwrap();

    let state = batches[0].column(0).as_binary::<i32>().value(0);
    let everything = AccountSummary::merge_all(core_summaries(events).into_iter().map(|(_, s)| s));
    assert_eq!(decode_summary(state).unwrap(), everything);
}

/// The events with their prompt replaced by the sketch an edge would compute.
fn sketched_at_the_edge(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .map(|event| {
            let mut sketched = event.clone();
            sketched.prompt_sketch = content_of(event).map(|sketch| sketch.encode());
            sketched.prompt = None;
            sketched
        })
        .collect()
}

#[tokio::test]
async fn events_carrying_only_a_sketch_give_the_same_content_counts() {
    let events = &simulated_events()[..8_000];
    let dir = tempfile::tempdir().unwrap();
    let (text, sketched) = (
        dir.path().join("text.jsonl"),
        dir.path().join("sketch.jsonl"),
    );
    write_jsonl(events, &text);
    write_jsonl(&sketched_at_the_edge(events), &sketched);

    let from_text = account_summaries(&session(&text, SessionConfig::new()))
        .await
        .unwrap();
    let from_sketch = account_summaries(&session(&sketched, SessionConfig::new()))
        .await
        .unwrap();

    assert_eq!(from_text.len(), from_sketch.len());
    let mut with_content = 0;
    for ((id, text), (_, sketch)) in from_text.iter().zip(&from_sketch) {
        assert_eq!(text.with_content, sketch.with_content, "{id}");
        assert_eq!(text.capabilities, sketch.capabilities, "{id}");
        assert_eq!(text.elicitation, sketch.elicitation, "{id}");
        assert_eq!(text.frames, sketch.frames, "{id}");
        assert_eq!(text.frame_bands, sketch.frame_bands, "{id}");
        // Only the identity of a prompt differs: the hash of its text, or of its signature.
        assert_eq!(
            AccountSummary {
                prompts: Default::default(),
                ..text.clone()
            },
            AccountSummary {
                prompts: Default::default(),
                ..sketch.clone()
            },
            "{id}"
        );
        with_content += text.with_content;
    }
    assert!(with_content > 5_000, "{with_content}");
}

#[tokio::test]
async fn a_malformed_sketch_is_counted_and_ignored_not_fatal() {
    let mut events = sketched_at_the_edge(&simulated_events()[..2_000]);
    let mut spoiled = 0;
    for event in events.iter_mut().step_by(7) {
        if let Some(sketch) = &mut event.prompt_sketch {
            sketch.truncate(sketch.len() - 5);
            spoiled += 1;
        }
    }
    events[1].prompt_sketch = Some("hs9:AAAA".to_owned());
    events[1].prompt = None;
    spoiled += 1;
    let dir = tempfile::tempdir().unwrap();
    let input = raw_input(dir.path(), &events);
    let ctx = SessionContext::new();
    register_events(&ctx, &input, &dir.path().join("q.jsonl")).unwrap();
    let stats = register_functions(&ctx);

    let found = account_summaries(&ctx).await.unwrap();

    assert_eq!(stats.malformed(), spoiled);
    let analysed: u64 = found.iter().map(|(_, s)| s.with_content).sum();
    let carried = events.iter().filter(|e| e.prompt_sketch.is_some()).count() as u64;
    assert_eq!(analysed, carried - spoiled);
    assert_same_summaries(&found, &core_summaries(&events));
}
