//! JSON Lines: one event object per line.

use std::io::BufRead;

use hydrascope_events::{Rejection, event_from_json_line};

use super::{BadRecord, Numbered, RecordReader};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) struct JsonlReader<R> {
    input: R,
    line: u64,
    buffer: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    pub(super) fn new(input: R) -> Self {
        JsonlReader {
            input,
            line: 0,
            buffer: Vec::new(),
            done: false,
        }
    }
}

impl<R: BufRead + Send> RecordReader for JsonlReader<R> {
    fn next_record(&mut self) -> Option<Numbered> {
        while !self.done {
            self.buffer.clear();
            match self.input.read_until(b'\n', &mut self.buffer) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    let mut text = self.buffer.as_slice();
                    if self.line == 1 {
                        // Exports from Windows tools often start with a byte-order mark.
                        text = text.strip_prefix(UTF8_BOM).unwrap_or(text);
                    }
                    if !is_blank(text) {
                        return Some((self.line, decode(text)));
                    }
                }
                Err(error) => {
                    self.done = true;
                    return Some((self.line + 1, Err(BadRecord::unreadable(error))));
                }
            }
        }
        None
    }
}

/// Blank lines separate nothing in JSONL; they are neither events nor bad records.
pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn decode(line: &[u8]) -> Result<hydrascope_events::Event, BadRecord> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match std::str::from_utf8(line) {
        Ok(text) => event_from_json_line(text).map_err(|rejection| BadRecord {
            rejection,
            raw: text.to_owned(),
        }),
        Err(error) => Err(BadRecord {
            rejection: Rejection::Malformed(format!(
                "invalid UTF-8 after byte {}",
                error.valid_up_to()
            )),
            raw: String::from_utf8_lossy(line).into_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::read::tests::{read_all, reasons, write_file};

    #[test]
    fn lines_are_numbered_from_one_and_blank_lines_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let content = "\u{feff}{\"ts\":1776827647123,\"account_id\":\"a\"}\r\n\n   \n{\"account_id\":\"b\"}\n[1]\n{\"ts\":1776827647123,\"account_id\":\"c\"}";
        for name in ["x.jsonl", "x.jsonl.gz", "x.jsonl.zst"] {
            let path = write_file(dir.path(), name, content.as_bytes());
            let (records, stats) = read_all(&path);
            let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
            assert_eq!(lines, [1, 4, 5, 6], "{name}");
            assert_eq!(
                reasons(&records),
                [
                    (4, "missing_field:ts".to_owned()),
                    (5, "not_an_object".to_owned())
                ]
            );
            assert_eq!((stats.events, stats.bad), (2, 2));
            let bad = records[1].outcome.as_ref().unwrap_err();
            assert_eq!(bad.raw, r#"{"account_id":"b"}"#);
        }
    }

    #[test]
    fn invalid_utf8_is_a_malformed_record_with_lossy_raw_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(
            dir.path(),
            "x.jsonl",
            b"{\"ts\":1,\"account_id\":\"\xff\"}\n",
        );
        let (records, _) = read_all(&path);
        let bad = records[0].outcome.as_ref().unwrap_err();
        assert_eq!(bad.rejection.reason_key(), "malformed_record");
        assert_eq!(bad.raw, "{\"ts\":1,\"account_id\":\"\u{fffd}\"}");
    }
}
