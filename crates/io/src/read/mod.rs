//! Streaming every record of an input, good or bad.
//!
//! [`EventStream`] reads the files of an input one after the other and yields one
//! [`ReadRecord`] per record: the event, or the [`BadRecord`] that goes to quarantine, always
//! with the file and line it came from. Nothing a file contains can stop the stream: a bad
//! line is one bad record, and a file that cannot be opened, decompressed or read to its end
//! gives one [`Rejection::Unreadable`] record for what was lost and the stream moves on to
//! the next file. Only the caller decides, from [`ReadStats`], whether too much was bad.
//!
//! Memory stays bounded by one line (JSONL, CSV) or one decoded batch (Parquet); a
//! compressed Parquet file is the exception, because Parquet needs random access: it is
//! decompressed into memory whole.

mod csv;
mod jsonl;
mod parquet;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::RecordBatch;
use hydrascope_events::{Event, Rejection};
use serde::Serialize;
use tracing::{debug, warn};

use crate::batch::events_to_batch;
use crate::error::IoError;
use crate::source::{self, Compression, Format, InputFile};

/// One record of an input and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRecord {
    /// The path of the file it came from.
    pub source: Arc<str>,
    /// Where in the file: the 1-based line for JSONL, the physical line the row starts on
    /// for CSV, the 1-based row for Parquet; 0 when the whole file is concerned.
    pub line: u64,
    pub outcome: Result<Event, BadRecord>,
}

/// A record that is not a valid event, with its text for the quarantine file.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRecord {
    pub rejection: Rejection,
    /// The line, the CSV row re-joined, or the Parquet row as JSON (invalid UTF-8 replaced).
    pub raw: String,
}

impl BadRecord {
    fn unreadable(cause: impl std::fmt::Display) -> Self {
        BadRecord {
            rejection: Rejection::Unreadable(cause.to_string()),
            raw: String::new(),
        }
    }
}

/// What one format reader yields: the record's line and its outcome.
type Numbered = (u64, Result<Event, BadRecord>);

/// The records of one file, in order.
trait RecordReader: Send {
    /// The next record, or `None` when the file is exhausted (or gave up after an error it
    /// already reported as a record).
    fn next_record(&mut self) -> Option<Numbered>;
}

/// A reader that only reports why its file could not be opened.
struct Unopenable(Option<BadRecord>);

impl RecordReader for Unopenable {
    fn next_record(&mut self) -> Option<Numbered> {
        self.0.take().map(|bad| (0, Err(bad)))
    }
}

/// Counts of what a stream has read so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// Files opened, including unreadable and unsupported ones.
    pub files: u64,
    /// Records that were valid events.
    pub events: u64,
    /// Records that were quarantined.
    pub bad: u64,
    /// Quarantined records by [`Rejection::reason_key`].
    pub bad_by_reason: BTreeMap<String, u64>,
}

impl ReadStats {
    /// Every record read: events and bad records.
    pub fn records(&self) -> u64 {
        self.events + self.bad
    }

    /// The share of records that were bad, 0 when nothing was read.
    pub fn bad_share(&self) -> f64 {
        match self.records() {
            0 => 0.0,
            records => self.bad as f64 / records as f64,
        }
    }

    /// Reasons with their counts, most frequent first (ties by name), as reports list them.
    pub fn reasons_by_count(&self) -> Vec<(&str, u64)> {
        let mut reasons: Vec<(&str, u64)> = self
            .bad_by_reason
            .iter()
            .map(|(reason, &count)| (reason.as_str(), count))
            .collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        reasons
    }

    fn count(&mut self, outcome: &Result<Event, BadRecord>) {
        match outcome {
            Ok(_) => self.events += 1,
            Err(bad) => {
                self.bad += 1;
                *self
                    .bad_by_reason
                    .entry(bad.rejection.reason_key())
                    .or_default() += 1;
            }
        }
    }
}

/// Compressed bytes consumed from the file being read, shared with the reader that
/// consumes them.
#[derive(Debug, Clone, Default)]
struct ByteCounter(Arc<AtomicU64>);

impl ByteCounter {
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, bytes: u64) {
        self.0.store(bytes, Ordering::Relaxed);
    }

    fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Counts the bytes read from the file on disk, under any decompression.
struct CountingReader<R> {
    inner: R,
    counter: ByteCounter,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.add(n as u64);
        Ok(n)
    }
}

/// The file being read.
struct OpenFile {
    source: Arc<str>,
    size: u64,
    reader: Box<dyn RecordReader>,
}

/// Every record of every file of an input, in file order then line order.
pub struct EventStream {
    pending: std::vec::IntoIter<InputFile>,
    current: Option<OpenFile>,
    counter: ByteCounter,
    bytes_total: u64,
    bytes_done: u64,
    stats: ReadStats,
}

impl EventStream {
    /// Resolves an input spec (file, directory or glob) and streams its records.
    pub fn open(spec: impl AsRef<Path>) -> Result<Self, IoError> {
        source::resolve(spec).map(Self::from_files)
    }

    /// Streams the records of files already resolved.
    pub fn from_files(files: Vec<InputFile>) -> Self {
        EventStream {
            bytes_total: files.iter().map(|f| f.size).sum(),
            pending: files.into_iter(),
            current: None,
            counter: ByteCounter::default(),
            bytes_done: 0,
            stats: ReadStats::default(),
        }
    }

    /// Size on disk of all the input's files, for a progress bar.
    pub fn bytes_total(&self) -> u64 {
        self.bytes_total
    }

    /// Bytes on disk consumed so far (for Parquet, estimated from the rows decoded).
    pub fn bytes_read(&self) -> u64 {
        let current = self
            .current
            .as_ref()
            .map_or(0, |file| self.counter.get().min(file.size));
        self.bytes_done + current
    }

    /// What has been read so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// Groups valid events into canonical batches of at most `rows` rows, handing every
    /// bad record to `on_bad` (typically a [`crate::quarantine::QuarantineWriter`]).
    pub fn batches<F>(self, rows: usize, on_bad: F) -> EventBatches<F>
    where
        F: FnMut(ReadRecord) -> Result<(), IoError>,
    {
        EventBatches {
            stream: self,
            rows: rows.max(1),
            on_bad,
        }
    }

    fn open_next(&mut self) -> Option<()> {
        let file = self.pending.next()?;
        debug!(path = %file.path.display(), format = ?file.format, "reading");
        self.stats.files += 1;
        self.counter.set(0);
        let reader =
            open_reader(&file, &self.counter).unwrap_or_else(|bad| Box::new(Unopenable(Some(bad))));
        self.current = Some(OpenFile {
            source: file.path.display().to_string().into(),
            size: file.size,
            reader,
        });
        Some(())
    }
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("current", &self.current.as_ref().map(|file| &file.source))
            .field("files_pending", &self.pending.len())
            .field("bytes_read", &self.bytes_read())
            .field("bytes_total", &self.bytes_total)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Iterator for EventStream {
    type Item = ReadRecord;

    fn next(&mut self) -> Option<ReadRecord> {
        loop {
            if let Some(file) = &mut self.current {
                if let Some((line, outcome)) = file.reader.next_record() {
                    if let Err(BadRecord {
                        rejection: rejection @ Rejection::Unreadable(_),
                        ..
                    }) = &outcome
                    {
                        warn!(source = %file.source, line, "{rejection}; skipping the rest of the file");
                    }
                    self.stats.count(&outcome);
                    return Some(ReadRecord {
                        source: Arc::clone(&file.source),
                        line,
                        outcome,
                    });
                }
                self.bytes_done += file.size;
                self.current = None;
            }
            self.open_next()?;
        }
    }
}

/// Canonical batches of the valid events of a stream; see [`EventStream::batches`].
pub struct EventBatches<F> {
    stream: EventStream,
    rows: usize,
    on_bad: F,
}

impl<F> EventBatches<F> {
    /// The underlying stream, for its progress and counts.
    pub fn stream(&self) -> &EventStream {
        &self.stream
    }
}

impl<F> Iterator for EventBatches<F>
where
    F: FnMut(ReadRecord) -> Result<(), IoError>,
{
    type Item = Result<RecordBatch, IoError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut events = Vec::with_capacity(self.rows.min(8_192));
        while events.len() < self.rows {
            let Some(record) = self.stream.next() else {
                break;
            };
            match record.outcome {
                Ok(event) => events.push(event),
                Err(_) => {
                    if let Err(error) = (self.on_bad)(record) {
                        return Some(Err(error));
                    }
                }
            }
        }
        (!events.is_empty()).then(|| Ok(events_to_batch(&events)))
    }
}

/// Opens a file with the reader its format needs, or says why it cannot be read.
fn open_reader(
    file: &InputFile,
    counter: &ByteCounter,
) -> Result<Box<dyn RecordReader>, BadRecord> {
    let Some(format) = file.format else {
        return Err(BadRecord::unreadable("unsupported format"));
    };
    let on_disk = File::open(&file.path).map_err(BadRecord::unreadable)?;
    let counted = CountingReader {
        inner: on_disk,
        counter: counter.clone(),
    };
    match format {
        Format::Jsonl => Ok(Box::new(jsonl::JsonlReader::new(decompress(
            counted,
            file.compression,
        )?))),
        Format::Csv => Ok(Box::new(csv::CsvReader::new(decompress(
            counted,
            file.compression,
        )?))),
        Format::Parquet => parquet::open(file, counted),
    }
}

/// The decompressed bytes of a file, buffered.
fn decompress(
    counted: CountingReader<File>,
    compression: Compression,
) -> Result<BufReader<Box<dyn Read + Send>>, BadRecord> {
    /// Large enough that reading a line rarely needs a second system call.
    const BUFFER_BYTES: usize = 256 * 1024;
    let decoded: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(counted),
        // Multi-member: `cat a.gz b.gz` is a valid gzip file and common with log rotation.
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counted)),
        Compression::Zstd => Box::new(zstd::Decoder::new(counted).map_err(BadRecord::unreadable)?),
    };
    Ok(BufReader::with_capacity(BUFFER_BYTES, decoded))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

    /// Writes `content` to `dir/name`, compressed as the name says.
    pub(crate) fn write_file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let file = File::create(&path).unwrap();
        match source::detect(&path).1 {
            Compression::None => {
                let mut f = file;
                f.write_all(content).unwrap();
            }
            Compression::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
                encoder.write_all(content).unwrap();
                encoder.finish().unwrap();
            }
            Compression::Zstd => {
                let mut encoder = zstd::Encoder::new(file, 1).unwrap();
                encoder.write_all(content).unwrap();
                encoder.finish().unwrap();
            }
        }
        path
    }

    pub(crate) fn read_all(spec: &Path) -> (Vec<ReadRecord>, ReadStats) {
        let mut stream = EventStream::open(spec).unwrap();
        let records: Vec<ReadRecord> = stream.by_ref().collect();
        assert_eq!(stream.bytes_read(), stream.bytes_total());
        (records, stream.stats().clone())
    }

    pub(crate) fn reasons(records: &[ReadRecord]) -> Vec<(u64, String)> {
        records
            .iter()
            .filter_map(|r| {
                r.outcome
                    .as_ref()
                    .err()
                    .map(|bad| (r.line, bad.rejection.reason_key()))
            })
            .collect()
    }

    const GOOD: &str = r#"{"ts":"2026-04-22T03:14:07.123Z","account_id":"a"}"#;

    #[test]
    fn files_of_a_directory_are_read_in_order_whatever_their_compression() {
        let dir = tempfile::tempdir().unwrap();
        let line = format!("{GOOD}\n");
        write_file(dir.path(), "1.jsonl", line.as_bytes());
        write_file(dir.path(), "2.jsonl.gz", line.repeat(2).as_bytes());
        write_file(dir.path(), "3.ndjson.zst", line.repeat(3).as_bytes());
        let (records, stats) = read_all(dir.path());
        let sources: Vec<&str> = records
            .iter()
            .map(|r| Path::new(&*r.source).file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            sources,
            [
                "1.jsonl",
                "2.jsonl.gz",
                "2.jsonl.gz",
                "3.ndjson.zst",
                "3.ndjson.zst",
                "3.ndjson.zst"
            ]
        );
        assert_eq!((stats.files, stats.events, stats.bad), (3, 6, 0));
    }

    #[test]
    fn a_glob_reads_only_the_files_it_matches() {
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path(), "a.jsonl", format!("{GOOD}\n").as_bytes());
        write_file(dir.path(), "b.csv", b"ts,account_id\n1776827647123,b\n");
        let (records, stats) = read_all(&dir.path().join("*.csv"));
        assert_eq!(records[0].outcome.as_ref().unwrap().account_id, "b");
        assert_eq!(stats.files, 1);
    }

    #[test]
    fn an_unsupported_file_in_a_directory_is_one_quarantined_record() {
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path(), "a.jsonl", format!("{GOOD}\n").as_bytes());
        write_file(dir.path(), "notes.txt", b"hello\nworld\n");
        let (records, stats) = read_all(dir.path());
        assert_eq!(reasons(&records), [(0, "unreadable_source".to_owned())]);
        let bad = records[1].outcome.as_ref().unwrap_err();
        assert_eq!(
            bad.rejection,
            Rejection::Unreadable("unsupported format".into())
        );
        assert!(records[1].source.ends_with("notes.txt"));
        assert_eq!((stats.files, stats.events, stats.bad), (2, 1, 1));
    }

    #[test]
    fn a_corrupt_compressed_file_is_quarantined_and_the_next_file_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let good = format!("{GOOD}\n").repeat(200);
        let path = write_file(dir.path(), "1.jsonl.gz", good.as_bytes());
        let mut bytes = std::fs::read(&path).unwrap();
        let cut = bytes.len() - 10;
        bytes.truncate(cut);
        std::fs::write(&path, &bytes).unwrap();
        std::fs::write(dir.path().join("2.jsonl.zst"), b"not zstd at all").unwrap();
        write_file(dir.path(), "3.jsonl", good.as_bytes());
        let (records, stats) = read_all(dir.path());
        let unreadable: Vec<&str> = records
            .iter()
            .filter(|r| r.outcome.is_err())
            .map(|r| Path::new(&*r.source).file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(unreadable, ["1.jsonl.gz", "2.jsonl.zst"]);
        assert_eq!(stats.bad_by_reason.get("unreadable_source"), Some(&2));
        assert!(stats.events >= 200, "the last file is read in full");
        assert!(records.last().unwrap().source.ends_with("3.jsonl"));
    }

    #[test]
    fn batches_hold_valid_events_and_hand_bad_records_over() {
        let dir = tempfile::tempdir().unwrap();
        let content = format!("{GOOD}\nnot json\n{GOOD}\n{GOOD}\n");
        write_file(dir.path(), "a.jsonl", content.as_bytes());
        let mut bad_lines = Vec::new();
        let batches: Vec<RecordBatch> = EventStream::open(dir.path())
            .unwrap()
            .batches(2, |record| {
                bad_lines.push(record.line);
                Ok(())
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let rows: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
        assert_eq!(rows, [2, 1]);
        assert_eq!(bad_lines, [2]);
    }

    #[test]
    fn reasons_are_listed_most_frequent_first() {
        let mut stats = ReadStats::default();
        stats.bad_by_reason.insert("not_json".into(), 2);
        stats.bad_by_reason.insert("missing_field:ts".into(), 5);
        stats.bad_by_reason.insert("b".into(), 2);
        assert_eq!(
            stats.reasons_by_count(),
            [("missing_field:ts", 5), ("b", 2), ("not_json", 2)]
        );
    }
}
