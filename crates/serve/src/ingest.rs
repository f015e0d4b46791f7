//! From a request body to events: NDJSON (one event per line) or a JSON array of events.
//! Every record that is not a valid event is answered with its line and reason and kept in the
//! quarantine; the valid ones of the same batch are stored all the same.

use hydrascope_core::content::EventSketch;
use hydrascope_core::keys::system_prompt_digest;
use hydrascope_events::Event;
use hydrascope_events::rejection::Rejection;
use hydrascope_events::validate::{event_from_json, event_from_json_line};
use serde::Serialize;

use crate::store::Quarantined;

/// The longest excerpt of a bad record the quarantine keeps.
const RECORD_EXCERPT: usize = 2_048;

/// One record of a body that is not a valid event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadRecord {
    /// 1-based: the line of an NDJSON body, the element of a JSON array.
    pub line: u64,
    /// The reason's kind (`missing_field:ts`, `not_json`, …).
    pub kind: String,
    pub reason: String,
    #[serde(skip)]
    pub record: String,
}

/// The events of a body and its bad records.
#[derive(Debug, Default)]
pub struct ParsedBody {
    pub events: Vec<Event>,
    pub bad: Vec<BadRecord>,
}

/// What became of a batch: the answer to its sender.
#[derive(Debug, Serialize)]
pub struct IngestAnswer {
    /// Events stored by this batch.
    pub accepted: usize,
    /// Events whose request id was stored before: acknowledged, not counted again.
    pub duplicates: usize,
    /// Records that are not valid events, with their line and reason (quarantined).
    pub rejected: Vec<BadRecord>,
}

/// Records received from any source (HTTP bodies, broker messages), prepared for the store.
#[derive(Debug, Default)]
pub struct Received {
    /// Valid events, already [`prepare`]d.
    pub events: Vec<Event>,
    /// Bad records, in the order received, each with where it came from.
    pub bad: Vec<(String, BadRecord)>,
}

impl Received {
    /// Adds the records of one body (a request, a message); `source` names it in the
    /// quarantine.
    pub fn add_body(&mut self, body: &str, source: &str, store_prompts: bool) {
        let parsed = parse_body(body);
        self.events.extend(
            parsed
                .events
                .into_iter()
                .map(|event| prepare(event, store_prompts)),
        );
        self.bad
            .extend(parsed.bad.into_iter().map(|b| (source.to_owned(), b)));
    }

    /// Adds a body that is not UTF-8 text, as one bad record.
    pub fn add_not_utf8(&mut self, body: &[u8], source: &str) {
        let rejection = Rejection::Malformed("the body is not UTF-8 text".into());
        let record = String::from_utf8_lossy(body);
        self.bad
            .push((source.to_owned(), bad(0, &rejection, &record)));
    }

    /// The bad records as the quarantine keeps them.
    pub fn quarantined(&self) -> Vec<Quarantined> {
        self.bad
            .iter()
            .map(|(source, b)| Quarantined {
                source: source.clone(),
                line: b.line,
                reason: b.reason.clone(),
                record: b.record.clone(),
            })
            .collect()
    }
}

/// Parses a body of events. A body whose first non-blank byte is `[` is a JSON array; any
/// other body is NDJSON, blank lines skipped.
pub fn parse_body(body: &str) -> ParsedBody {
    if body.trim_start().starts_with('[') {
        parse_array(body)
    } else {
        parse_lines(body)
    }
}

fn parse_lines(body: &str) -> ParsedBody {
    let mut parsed = ParsedBody::default();
    for (index, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match event_from_json_line(line) {
            Ok(event) => parsed.events.push(event),
            Err(rejection) => parsed.bad.push(bad(index, &rejection, line)),
        }
    }
    parsed
}

fn parse_array(body: &str) -> ParsedBody {
    let mut parsed = ParsedBody::default();
    match serde_json::from_str::<Vec<serde_json::Value>>(body) {
        Ok(values) => {
            for (index, value) in values.iter().enumerate() {
                match event_from_json(value) {
                    Ok(event) => parsed.events.push(event),
                    Err(rejection) => parsed.bad.push(bad(index, &rejection, &value.to_string())),
                }
            }
        }
        Err(error) => {
            let rejection = Rejection::NotJson(error.to_string());
            parsed.bad.push(bad(0, &rejection, body));
        }
    }
    parsed
}

fn bad(index: usize, rejection: &Rejection, record: &str) -> BadRecord {
    let mut end = record.len().min(RECORD_EXCERPT);
    while !record.is_char_boundary(end) {
        end -= 1;
    }
    BadRecord {
        line: index as u64 + 1,
        kind: rejection.reason_key(),
        reason: rejection.to_string(),
        record: record[..end].to_owned(),
    }
}

/// What the service keeps of an event's text, decided in this one place for every path
/// (ingest, broker, check), so that the keys and sketches of stored events and of checked
/// requests agree. Unless prompts are kept, the prompt is replaced by its sketch (the
/// contract's `prompt_sketch`, which every content signal reads) and the system prompt by a
/// digest that links the accounts that share it exactly as the text does.
pub fn prepare(mut event: Event, store_prompts: bool) -> Event {
    if store_prompts {
        return event;
    }
    if event.prompt.is_some() {
        if let EventSketch::Computed(sketch) = EventSketch::of_event(&event) {
            event.prompt_sketch = Some(sketch.encode());
        }
        event.prompt = None;
    }
    if let Some(system) = event.system_prompt.take() {
        event.system_prompt = Some(system_prompt_digest(&system));
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use hydrascope_core::keys::{KeyKind, link_keys};

    const GOOD: &str = r#"{"ts":"2026-04-22T03:14:07.123Z","account_id":"a","request_id":"r1"}"#;

    #[test]
    fn ndjson_and_arrays_give_the_same_events_and_bad_lines_their_reasons() {
        let body = format!("{GOOD}\n\n{{\"account_id\":\"b\"}}\nnot json\n");
        let parsed = parse_body(&body);
        assert_eq!(parsed.events.len(), 1);
        let lines: Vec<(u64, &str)> = parsed
            .bad
            .iter()
            .map(|b| (b.line, b.kind.as_str()))
            .collect();
        assert_eq!(lines, [(3, "missing_field:ts"), (4, "not_json")]);

        let array = format!("[{GOOD}, 7]");
        let parsed_array = parse_body(&array);
        assert_eq!(parsed_array.events, parsed.events);
        assert_eq!(parsed_array.bad[0].line, 2);
        assert_eq!(parsed_array.bad[0].kind, "not_an_object");
    }

    #[test]
    fn a_body_that_is_not_an_array_at_all_is_one_bad_record() {
        let parsed = parse_body("[{\"ts\": 1,");
        assert!(parsed.events.is_empty());
        assert_eq!(parsed.bad.len(), 1);
        assert_eq!(parsed.bad[0].kind, "not_json");
    }

    #[test]
    fn without_stored_prompts_the_text_is_replaced_by_its_sketch_and_a_digest() {
        let mut event = Event::new(0, "a");
        event.prompt = Some("Show your full reasoning step by step: 17 * 23".into());
        event.system_prompt = Some("You are   a solver.".into());
        let kept = prepare(event.clone(), true);
        assert_eq!(kept, event);

        let redacted = prepare(event.clone(), false);
        assert_eq!(redacted.prompt, None);
        let carried = EventSketch::of_event(&redacted);
        assert_eq!(carried.sketch(), EventSketch::of_event(&event).sketch());
        let system = redacted.system_prompt.as_deref().unwrap();
        assert!(system.starts_with("xxh3:") && !system.contains("solver"));
        // The same system prompt, spaced differently, still gives one link key.
        let mut other = event.clone();
        other.system_prompt = Some("You are a solver.".into());
        let key = |e: &Event| link_keys(e).find(|k| k.kind == KeyKind::SystemPrompt);
        assert_eq!(key(&prepare(other, false)), key(&redacted));
        // And the same key as the text itself: a redacted store links accounts as a scan does.
        assert_eq!(key(&redacted), key(&event));
    }
}
