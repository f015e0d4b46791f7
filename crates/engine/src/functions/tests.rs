//! The functions on hand-made rows: the state format, the sketch column's four cases, and
//! the memory the aggregate reports.

use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray, UInt32Array};
use datafusion::logical_expr::EmitTo;
use hydrascope_core::AccountSummary;
use hydrascope_core::content::{PromptRequest, PromptSketch};
use hydrascope_events::{Event, Thinking, Tools};

use super::account::{STATE_VERSION, decode_summary, encode_summary};
use super::sketch::PromptSketchUdf;

const T0: i64 = 1_776_816_000_000; // 2026-04-22T00:00Z

fn event(i: i64) -> Event {
    let mut event = Event::new(T0 + i * 611_000, "acct_1");
    event.prompt = Some(format!(
        "Solve step by step and show your reasoning. Problem {i}: what is {} times {}?",
        i * 7,
        i + 3
    ));
    event.system_prompt = Some("You are a careful tutor.".to_owned());
    event.model = Some(if i % 4 == 0 { "m-new" } else { "m-old" }.to_owned());
    event.ip = Some(format!("203.0.113.{}", i % 9).parse().unwrap());
    event.asn = Some(64_500);
    event.user_agent = Some("python-httpx/0.27.0".to_owned());
    event.payment_fp = Some("card_77".to_owned());
    event.org_id = Some("org_9".to_owned());
    event.account_created = Some(T0 - 86_400_000);
    event.account_tier = Some("pro".to_owned());
    event.turn_index = Some((i % 3) as u32);
    event.thinking = Some(Thinking::Budget(2048));
    event.tools = Some(Tools::Count(2));
    event.max_tokens = Some(4096);
    event.prompt_tokens = Some(120);
    event.completion_tokens = Some(900);
    event
}

fn summary_of(events: impl IntoIterator<Item = Event>) -> AccountSummary {
    let mut summary = AccountSummary::default();
    for event in events {
        let sketch = PromptRequest::from_event(&event).map(|r| PromptSketch::of_request(&r));
        summary.observe(&event, sketch.as_ref());
    }
    summary
}

#[test]
fn a_summary_round_trips_through_its_state() {
    let summary = summary_of((0..300).map(event));
    assert!(!summary.keys.is_empty() && summary.models.len() == 2);
    let state = encode_summary(&summary);
    assert_eq!(state[0], STATE_VERSION);
    assert_eq!(decode_summary(&state).unwrap(), summary);
    let empty = AccountSummary::default();
    assert_eq!(decode_summary(&encode_summary(&empty)).unwrap(), empty);
}

#[test]
fn the_state_is_compact() {
    // 300 events, 9 addresses, 300 distinct prompts sampled to 64, ~50 activity bins.
    let state = encode_summary(&summary_of((0..300).map(event)));
    assert!(state.len() < 6_000, "{} bytes", state.len());
}

#[test]
fn a_state_of_another_version_or_with_trailing_bytes_is_an_error() {
    let mut state = encode_summary(&summary_of((0..3).map(event)));
    state.push(0);
    assert!(decode_summary(&state).is_err());
    state.pop();
    state[0] = STATE_VERSION + 1;
    let error = decode_summary(&state).unwrap_err().to_string();
    assert!(error.contains("version"), "{error}");
    assert!(decode_summary(&[]).is_err());
    assert!(decode_summary(&[STATE_VERSION, 0xff]).is_err());
}

#[test]
fn the_sketch_column_computes_passes_through_nulls_and_counts() {
    let computed = PromptSketch::of_request(&PromptRequest {
        thinking: true,
        tool_count: 3,
        ..PromptRequest::new("Write a Rust function that parses ISO dates.")
    });
    let carried = PromptSketch::of_prompt("Translate 'good night' into German.", None);
    let carried_text = carried.encode();
    let udf = PromptSketchUdf::new();
    let args: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![
            Some("Write a Rust function that parses ISO dates."),
            None,
            None,
            None,
        ])),
        Arc::new(StringArray::from(vec![None::<&str>; 4])),
        Arc::new(UInt32Array::from(vec![Some(3), None, None, None])),
        Arc::new(BooleanArray::from(vec![Some(true), None, None, None])),
        Arc::new(StringArray::from(vec![
            Some("hs1:ignored, the text wins"),
            Some(carried_text.as_str()),
            Some("hs1:not-a-sketch"),
            None,
        ])),
    ];

    let out = udf.sketch_arrays(&args, 4).unwrap();
    let out = out.as_binary::<i32>();

    assert_eq!(out.value(0), computed.to_bytes());
    assert_eq!(out.value(1), carried.to_bytes());
    assert!(out.is_null(2) && out.is_null(3));
    assert_eq!(udf.stats().malformed(), 1);
}

/// The aggregate's arguments for a batch of events, as the plan passes them.
fn summary_args(events: &[Event]) -> Vec<ArrayRef> {
    let batch = hydrascope_io::events_to_batch(events);
    let column = |name: &str| Arc::clone(batch.column_by_name(name).expect("canonical column"));
    let sketch_args: Vec<ArrayRef> = super::sketch::COLUMNS.iter().map(|c| column(c)).collect();
    let sketch = PromptSketchUdf::new()
        .sketch_arrays(&sketch_args, batch.num_rows())
        .unwrap();
    super::account::COLUMNS
        .iter()
        .map(|c| column(c))
        .chain([sketch])
        .collect()
}

#[test]
fn the_groups_accumulator_reports_what_its_summaries_hold_and_releases_it_on_emit() {
    let events: Vec<Event> = (0..400).map(event).collect();
    let groups: Vec<usize> = (0..events.len()).map(|i| i % 40).collect();
    let mut accumulator = super::account::groups_accumulator();

    let empty = accumulator.size();
    accumulator
        .update_batch(&summary_args(&events), &groups, None, 40)
        .unwrap();
    let held = accumulator.size() - empty;
    let states = accumulator.state(EmitTo::All).unwrap();
    let serialised = states[0].as_binary::<i32>().values().len();

    // In memory a summary is its fixed part plus vectors of 8- to 16-byte entries; postcard
    // writes the same entries as varints. The estimate is within a small factor of that.
    assert!(
        held > serialised && held < 20 * serialised,
        "held {held} bytes for {serialised} serialised"
    );
    assert!(accumulator.size() <= empty + 40 * size_of::<AccountSummary>());
}
