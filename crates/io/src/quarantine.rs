//! Where bad records go, and when there are too many of them.
//!
//! The contract promises that bad input is never silently dropped and never stops a run by
//! itself. [`QuarantineWriter`] keeps that promise: every bad record becomes one JSON line
//! saying where it came from, why it was refused and what it contained, so a user can fix
//! the producer and replay. [`BadInputPolicy`] is the other half: a run whose input is mostly
//! garbage should not quietly produce verdicts from the rest, so above a configurable share
//! of bad records the run fails with a message that says how much, why, and where to look.

use std::path::{Path, PathBuf};

use hydrascope_events::format::thousands;
use serde::Serialize;

use crate::error::IoError;
use crate::read::{BadRecord, ReadStats};
use crate::write::{EventSink, JsonlWriter};

/// How many reasons a failure message names.
const REASONS_IN_MESSAGE: usize = 3;

/// One line of a quarantine file.
#[derive(Serialize)]
struct QuarantineEntry<'a> {
    source: &'a str,
    line: u64,
    /// [`hydrascope_events::Rejection::reason_key`], what run reports count by.
    reason: String,
    kind: &'static str,
    field: Option<&'static str>,
    /// The rejection in words.
    detail: String,
    raw: &'a str,
}

/// Writes bad records as JSONL.
pub struct QuarantineWriter {
    out: JsonlWriter,
    written: u64,
}

impl QuarantineWriter {
    /// Creates (or truncates) the quarantine file; plain JSONL unless the name ends in
    /// `.gz` or `.zst`.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, IoError> {
        Ok(QuarantineWriter {
            out: JsonlWriter::create(path)?,
            written: 0,
        })
    }

    pub fn write(&mut self, source: &str, line: u64, bad: &BadRecord) -> Result<(), IoError> {
        let rejection = &bad.rejection;
        self.out.write_record(&QuarantineEntry {
            source,
            line,
            reason: rejection.reason_key(),
            kind: rejection.kind(),
            field: rejection.field().map(|field| field.name()),
            detail: rejection.to_string(),
            raw: &bad.raw,
        })?;
        self.written += 1;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        self.out.path()
    }

    /// Records written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and closes the file.
    pub fn finish(mut self) -> Result<(), IoError> {
        self.out.finish()
    }
}

/// How much bad input a run tolerates before it fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BadInputPolicy {
    /// The largest share of bad records (0..=1) that still passes; the run fails when the
    /// share is strictly above it.
    pub max_bad_share: f64,
}

impl BadInputPolicy {
    /// The contract's default: fail when more than 1% of input records are bad.
    pub const DEFAULT_MAX_BAD_SHARE: f64 = 0.01;

    /// Passes, or fails with [`IoError::TooMuchBadInput`] naming `quarantine` and the most
    /// frequent reasons.
    pub fn check(&self, stats: &ReadStats, quarantine: &Path) -> Result<(), IoError> {
        if stats.bad == 0 || stats.bad_share() <= self.max_bad_share {
            return Ok(());
        }
        let top_reasons = stats
            .reasons_by_count()
            .into_iter()
            .take(REASONS_IN_MESSAGE)
            .map(|(reason, count)| format!("{reason} {}", thousands(count)))
            .collect::<Vec<_>>()
            .join(", ");
        Err(IoError::TooMuchBadInput {
            bad: stats.bad,
            total: stats.records(),
            allowed_share: self.max_bad_share,
            quarantine: PathBuf::from(quarantine),
            top_reasons,
        })
    }
}

impl Default for BadInputPolicy {
    fn default() -> Self {
        BadInputPolicy {
            max_bad_share: Self::DEFAULT_MAX_BAD_SHARE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hydrascope_events::{Field, Rejection};
    use serde_json::{Value, json};

    #[test]
    fn each_bad_record_is_one_line_with_source_reason_and_raw_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("quarantine.jsonl");
        let mut writer = QuarantineWriter::create(&path).unwrap();
        let missing = BadRecord {
            rejection: Rejection::MissingField(Field::Ts),
            raw: r#"{"account_id":"a"}"#.into(),
        };
        let unreadable = BadRecord {
            rejection: Rejection::Unreadable("unsupported format".into()),
            raw: String::new(),
        };
        writer.write("logs/a.jsonl", 7, &missing).unwrap();
        writer.write("logs/notes.txt", 0, &unreadable).unwrap();
        assert_eq!(writer.written(), 2);
        writer.finish().unwrap();
        let lines: Vec<Value> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                json!({"source": "logs/a.jsonl", "line": 7, "reason": "missing_field:ts",
                       "kind": "missing_field", "field": "ts",
                       "detail": "required field `ts` is missing or empty",
                       "raw": "{\"account_id\":\"a\"}"}),
                json!({"source": "logs/notes.txt", "line": 0, "reason": "unreadable_source",
                       "kind": "unreadable_source", "field": null,
                       "detail": "unreadable source: unsupported format", "raw": ""}),
            ]
        );
    }

    fn stats(events: u64, reasons: &[(&str, u64)]) -> ReadStats {
        let mut stats = ReadStats {
            events,
            ..ReadStats::default()
        };
        for &(reason, count) in reasons {
            stats.bad += count;
            stats.bad_by_reason.insert(reason.into(), count);
        }
        stats
    }

    #[test]
    fn too_much_bad_input_fails_with_counts_share_path_and_top_reasons() {
        let stats = stats(48_766, &[("not_json", 234), ("missing_field:ts", 1_000)]);
        let error = BadInputPolicy::default()
            .check(&stats, Path::new("out/quarantine.jsonl"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "1,234 of 50,000 input records (2.47%) were bad, above the allowed 1.00%; \
             see out/quarantine.jsonl (top reasons: missing_field:ts 1,000, not_json 234)"
        );
    }

    #[test]
    fn exactly_the_allowed_share_passes_and_one_more_fails() {
        let policy = BadInputPolicy::default();
        let quarantine = Path::new("q.jsonl");
        assert!(
            policy
                .check(&stats(99, &[("not_json", 1)]), quarantine)
                .is_ok()
        );
        assert!(
            policy
                .check(&stats(98, &[("not_json", 2)]), quarantine)
                .is_err()
        );
        assert!(policy.check(&ReadStats::default(), quarantine).is_ok());
        let lenient = BadInputPolicy { max_bad_share: 1.0 };
        assert!(
            lenient
                .check(&stats(0, &[("not_json", 5)]), quarantine)
                .is_ok()
        );
    }
}
