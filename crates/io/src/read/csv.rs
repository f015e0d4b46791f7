//! CSV with a header row of contract field names.
//!
//! CSV has no types, so every cell goes to the builder as [`RawValue::Text`] and the contract
//! decides from the field what the text means (`"1776827647123"` is a timestamp in `ts` and a
//! string in `request_id`). Columns outside the contract become passthrough strings.

use std::collections::VecDeque;
use std::io::{self, Read};

use csv::ByteRecord;
use hydrascope_events::{Event, EventBuilder, RawValue, Rejection};

use super::{BadRecord, Numbered, RecordReader};
use crate::column::{self, NamedColumn};

pub(super) struct CsvReader<R> {
    reader: csv::Reader<LineBreaks<R>>,
    /// Known once the header row is read.
    columns: Option<Vec<NamedColumn>>,
    row: ByteRecord,
    done: bool,
}

impl<R: Read> CsvReader<R> {
    pub(super) fn new(input: R) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(true)
            // Rows of the wrong length are checked here, as bad records, not as read errors.
            .flexible(true)
            .from_reader(LineBreaks::new(input));
        CsvReader {
            reader,
            columns: None,
            row: ByteRecord::new(),
            done: false,
        }
    }

    fn read_header(&mut self) -> Result<(), csv::Error> {
        let header = self.reader.byte_headers()?;
        let names = header.iter().enumerate().map(|(i, name)| {
            let name = String::from_utf8_lossy(name);
            // Exports from Windows tools often start with a byte-order mark.
            let name = if i == 0 {
                name.trim_start_matches('\u{feff}')
            } else {
                &name
            };
            name.to_owned()
        });
        self.columns = Some(column::plan(names));
        Ok(())
    }

    /// The physical line the row just read starts on.
    fn first_line_of_row(&mut self) -> u64 {
        let start = self.row.position().map_or(0, csv::Position::byte);
        self.reader.get_mut().line_at(start)
    }

    fn decode(&self, columns: &[NamedColumn]) -> Result<Event, BadRecord> {
        let bad = |rejection| BadRecord {
            rejection,
            raw: rejoin(&self.row),
        };
        if self.row.len() != columns.len() {
            return Err(bad(Rejection::Malformed(format!(
                "{} cells in a row under a header of {} columns",
                self.row.len(),
                columns.len()
            ))));
        }
        let mut builder = EventBuilder::new();
        let mut cells = Vec::with_capacity(columns.len());
        for column in columns {
            let cell = std::str::from_utf8(&self.row[column.index]).map_err(|_| {
                bad(Rejection::Malformed(format!(
                    "invalid UTF-8 in column `{}`",
                    column.name
                )))
            })?;
            cells.push(cell);
        }
        for (column, cell) in columns.iter().zip(cells) {
            column
                .role
                .apply(&mut builder, RawValue::Text(cell))
                .map_err(bad)?;
        }
        builder.finish().map_err(bad)
    }
}

impl<R: Read + Send> RecordReader for CsvReader<R> {
    fn next_record(&mut self) -> Option<Numbered> {
        if self.done {
            return None;
        }
        if self.columns.is_none()
            && let Err(error) = self.read_header()
        {
            self.done = true;
            return Some((0, Err(BadRecord::unreadable(error))));
        }
        let columns = self.columns.take()?;
        let record = match self.reader.read_byte_record(&mut self.row) {
            Ok(true) => Some((self.first_line_of_row(), self.decode(&columns))),
            Ok(false) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                let line = self.reader.position().line();
                Some((line, Err(BadRecord::unreadable(error))))
            }
        };
        self.columns = Some(columns);
        record
    }
}

/// Remembers where the line breaks of the input are, to number rows by physical line.
///
/// The position csv reports for a row is where it began reading it: before the blank lines it
/// skipped and before the `\n` of a previous `\r\n`. The row's first line is found by
/// skipping the line breaks that follow that position and counting the `\n`s before it.
struct LineBreaks<R> {
    inner: R,
    /// Bytes read from `inner` so far.
    offset: u64,
    /// Offsets of `\r` and `\n` bytes not yet passed by a row, with whether each is `\n`.
    breaks: VecDeque<(u64, bool)>,
    /// `\n` bytes already passed.
    lines_passed: u64,
}

impl<R> LineBreaks<R> {
    fn new(inner: R) -> Self {
        LineBreaks {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            lines_passed: 0,
        }
    }

    /// The 1-based line of the first content byte at or after `start`.
    fn line_at(&mut self, start: u64) -> u64 {
        let mut content = start;
        while let Some(&(at, newline)) = self.breaks.front() {
            if at > content {
                break;
            }
            if at == content {
                content += 1;
            }
            self.lines_passed += u64::from(newline);
            self.breaks.pop_front();
        }
        self.lines_passed + 1
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &byte) in buf[..n].iter().enumerate() {
            if byte == b'\n' || byte == b'\r' {
                self.breaks
                    .push_back((self.offset + i as u64, byte == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The row as CSV text again, quoted where needed, for the quarantine's `raw`.
fn rejoin(row: &ByteRecord) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let text = match writer
        .write_byte_record(row)
        .and_then(|()| writer.flush().map_err(Into::into))
    {
        Ok(()) => writer.into_inner().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let text = String::from_utf8_lossy(&text);
    text.trim_end_matches(['\r', '\n']).to_owned()
}

#[cfg(test)]
mod tests {
    use crate::read::tests::{read_all, reasons, write_file};
    use serde_json::json;

    #[test]
    fn cells_are_read_by_field_type_and_extra_columns_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        let content = "ts,account_id,asn,thinking,tools,region,country\n\
                       2026-04-22T03:14:07.123Z,a,13335,true,\"[\"\"bash\"\"]\",eu-west,de\n\
                       1776827647123,b,,1024,2,,\n";
        for name in ["x.csv", "x.csv.gz", "x.csv.zst"] {
            let (records, stats) = read_all(&write_file(dir.path(), name, content.as_bytes()));
            assert_eq!((stats.events, stats.bad), (2, 0), "{name}");
            let a = records[0].outcome.as_ref().unwrap();
            assert_eq!(a.asn, Some(13335));
            assert_eq!(a.country.as_deref(), Some("DE"));
            assert_eq!(a.passthrough.get("region"), Some(&json!("eu-west")));
            let b = records[1].outcome.as_ref().unwrap();
            assert_eq!(b.ts, a.ts);
            assert_eq!((b.asn, b.passthrough.get("region")), (None, None));
            assert_eq!([records[0].line, records[1].line], [2, 3]);
        }
    }

    #[test]
    fn rows_of_the_wrong_length_and_bad_cells_are_quarantined_with_their_physical_line() {
        let dir = tempfile::tempdir().unwrap();
        let content = b"ts,account_id,prompt\n\
                       1776827647123,a,\"two\nlines\"\n\
                       1776827647123,b\n\
                       \n\
                       yesterday,c,x\n\
                       1776827647123,\"d,e\",\xff\n";
        let (records, stats) = read_all(&write_file(dir.path(), "x.csv", content));
        assert_eq!(
            records[0].outcome.as_ref().unwrap().prompt.as_deref(),
            Some("two\nlines")
        );
        assert_eq!(
            reasons(&records),
            [
                (4, "malformed_record".to_owned()),
                (6, "bad_timestamp:ts".to_owned()),
                (7, "malformed_record".to_owned()),
            ]
        );
        assert_eq!(
            records[1].outcome.as_ref().unwrap_err().raw,
            "1776827647123,b"
        );
        assert_eq!(
            records[3].outcome.as_ref().unwrap_err().raw,
            "1776827647123,\"d,e\",\u{fffd}"
        );
        assert_eq!(stats.records(), 4);
    }

    #[test]
    fn line_numbers_count_skipped_blank_lines_and_a_last_row_without_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let content = b"ts,account_id\r\n1776827647123,a\r\n\r\n\r\n1776827647123,\"b\r\nc\"\n\n1776827647123,d";
        let (records, stats) = read_all(&write_file(dir.path(), "x.csv", content));
        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5, 8]);
        assert_eq!(stats.events, 3);
    }

    #[test]
    fn the_same_content_gives_the_same_verdict_as_jsonl() {
        let dir = tempfile::tempdir().unwrap();
        let csv = write_file(
            dir.path(),
            "x.csv",
            b"ts,account_id,asn,ip\n1776827647123,a,x,999.0.0.1\n",
        );
        let jsonl = write_file(
            dir.path(),
            "x.jsonl",
            br#"{"ts":"1776827647123","account_id":"a","asn":"x","ip":"999.0.0.1"}"#,
        );
        let from_csv = read_all(&csv).0.remove(0).outcome.unwrap_err().rejection;
        let from_jsonl = read_all(&jsonl).0.remove(0).outcome.unwrap_err().rejection;
        assert_eq!(from_csv.reason_key(), from_jsonl.reason_key());
    }
}
