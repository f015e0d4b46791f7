//! Ingest: any accepted input into one canonical Parquet dataset, partitioned by UTC day.
//!
//! Outside logs arrive in every shape the contract allows; detection wants one typed,
//! compressed, column-oriented copy it can scan many times. `ingest` reads the input once and
//! writes `out_dir/day=YYYY-MM-DD/part-NNNNN.parquet` (hive style, so query engines see a
//! `day` partition column), `out_dir/quarantine.jsonl` and `out_dir/ingest-report.json`.
//!
//! Two constraints shape it. Memory stays bounded whatever the input order: at most
//! [`IngestOptions::max_open_writers`] day files are open, and the least recently used one is
//! closed when another day turns up (a later event of that day starts a new part file).
//! And ingest is idempotent: an event whose `request_id` was already written (in this run or
//! an earlier one into the same dataset) is the same exchange and is skipped as a duplicate.
//! Request ids are remembered as xxh3-64 hashes, 8 bytes each; at a billion events the chance
//! of one false duplicate is about 3%, at a hundred million 0.03%.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use arrow::array::AsArray;
use hydrascope_events::time::{MILLIS_PER_DAY, day_number, utc_day};
use hydrascope_events::{Event, Field};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use tracing::{debug, info};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::IoError;
use crate::quarantine::{BadInputPolicy, QuarantineWriter};
use crate::read::EventStream;
use crate::write::{EventSink, ParquetEventWriter, ROW_GROUP_ROWS};

/// The quarantine file's name inside the dataset directory.
pub const QUARANTINE_FILE: &str = "quarantine.jsonl";
/// The run report's name inside the dataset directory.
pub const REPORT_FILE: &str = "ingest-report.json";
/// Records between two calls of the progress hook.
const PROGRESS_EVERY: u64 = 4_096;

/// A progress hook: called with (bytes read, bytes total) of the input on disk.
pub type ProgressHook = Box<dyn Fn(u64, u64) + Send + Sync>;

/// How to ingest.
pub struct IngestOptions {
    /// Day files kept open at once; each holds up to one row group in memory.
    pub max_open_writers: usize,
    /// Rows per Parquet row group.
    pub row_group_rows: usize,
    /// When the run fails for bad input.
    pub policy: BadInputPolicy,
    /// Called every few thousand records and once at the end.
    pub progress: Option<ProgressHook>,
}

impl IngestOptions {
    /// Day writers open at once by default: enough for input that is roughly in time order
    /// (a day boundary, late stragglers) to never reopen a day.
    pub const DEFAULT_MAX_OPEN_WRITERS: usize = 8;

    pub fn with_progress(mut self, hook: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Box::new(hook));
        self
    }

    fn report_progress(&self, stream: &EventStream) {
        if let Some(hook) = &self.progress {
            hook(stream.bytes_read(), stream.bytes_total());
        }
    }
}

impl std::fmt::Debug for IngestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestOptions")
            .field("max_open_writers", &self.max_open_writers)
            .field("row_group_rows", &self.row_group_rows)
            .field("policy", &self.policy)
            .field("progress", &self.progress.as_ref().map(|_| "<hook>"))
            .finish()
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_open_writers: Self::DEFAULT_MAX_OPEN_WRITERS,
            row_group_rows: ROW_GROUP_ROWS,
            policy: BadInputPolicy::default(),
            progress: None,
        }
    }
}

/// What an ingest did; also written as `ingest-report.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReport {
    pub events_written: u64,
    /// Events skipped because their `request_id` was already in the dataset.
    pub duplicates: u64,
    /// Records quarantined.
    pub bad: u64,
    /// Bad records over all records read.
    pub bad_share: f64,
    /// Quarantined records by reason, most frequent first.
    pub bad_by_reason: Vec<ReasonCount>,
    /// Events written per UTC day (`YYYY-MM-DD`).
    pub days: BTreeMap<String, u64>,
    pub files_read: u64,
    /// Part files written by this run.
    pub parts_written: u64,
    pub quarantine: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
}

/// Reads `input` (file, directory or glob) into the canonical dataset at `out_dir`.
///
/// All outputs are written before the bad-input policy is applied, so when it fails with
/// [`IoError::TooMuchBadInput`] the quarantine and the report are there to look at.
pub fn ingest(
    input: impl AsRef<Path>,
    out_dir: impl AsRef<Path>,
    options: &IngestOptions,
) -> Result<IngestReport, IoError> {
    let out_dir = out_dir.as_ref();
    let mut stream = EventStream::open(input)?;
    fs::create_dir_all(out_dir).map_err(|source| IoError::Create {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut seen = existing_request_ids(out_dir)?;
    let mut quarantine = QuarantineWriter::create(out_dir.join(QUARANTINE_FILE))?;
    let mut days = DayWriters::new(out_dir, options);
    let mut duplicates = 0;
    let mut records = 0u64;
    while let Some(record) = stream.next() {
        match record.outcome {
            Ok(event) if is_duplicate(&event, &mut seen) => duplicates += 1,
            Ok(event) => days.write(&event)?,
            Err(bad) => quarantine.write(&record.source, record.line, &bad)?,
        }
        records += 1;
        if records.is_multiple_of(PROGRESS_EVERY) {
            options.report_progress(&stream);
        }
    }
    options.report_progress(&stream);
    let quarantine_path = quarantine.path().to_path_buf();
    quarantine.finish()?;
    let (events_by_day, parts_written) = days.finish()?;
    let stats = stream.stats();
    let report = IngestReport {
        events_written: events_by_day.values().sum(),
        duplicates,
        bad: stats.bad,
        bad_share: stats.bad_share(),
        bad_by_reason: stats
            .reasons_by_count()
            .into_iter()
            .map(|(reason, count)| ReasonCount {
                reason: reason.to_owned(),
                count,
            })
            .collect(),
        days: events_by_day,
        files_read: stats.files,
        parts_written,
        quarantine: quarantine_path,
    };
    write_report(&out_dir.join(REPORT_FILE), &report)?;
    info!(
        events = report.events_written,
        duplicates,
        bad = report.bad,
        days = report.days.len(),
        "ingest finished"
    );
    options.policy.check(stats, &report.quarantine)?;
    Ok(report)
}

/// Records the event's request id; true when it was already there.
fn is_duplicate(event: &Event, seen: &mut RequestIds) -> bool {
    event
        .request_id
        .as_ref()
        .is_some_and(|id| !seen.insert(xxh3_64(id.as_bytes())))
}

fn write_report(path: &Path, report: &IngestReport) -> Result<(), IoError> {
    let text = serde_json::to_vec_pretty(report).expect("the report serialises to JSON");
    fs::write(path, text).map_err(|source| IoError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Hashes of request ids. The keys are already xxh3 hashes, so the set uses them as they
/// are instead of hashing them a second time.
type RequestIds = HashSet<u64, BuildHasherDefault<AlreadyHashed>>;

#[derive(Default)]
struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// The request ids already in the dataset, so that ingesting the same input again adds
/// nothing. Only the `request_id` column of each part is read.
fn existing_request_ids(out_dir: &Path) -> Result<RequestIds, IoError> {
    let mut seen = RequestIds::default();
    for part in existing_parts(out_dir)? {
        let read_error = |source| IoError::ParquetRead {
            path: part.clone(),
            source,
        };
        let file = File::open(&part).map_err(|source| IoError::Read {
            path: part.clone(),
            source,
        })?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(read_error)?;
        let mask = ProjectionMask::columns(builder.parquet_schema(), [Field::RequestId.name()]);
        for batch in builder.with_projection(mask).build().map_err(read_error)? {
            let batch = batch.map_err(|e| read_error(e.into()))?;
            let Some(ids) = batch.column_by_name(Field::RequestId.name()) else {
                continue;
            };
            let ids = ids.as_string::<i32>();
            seen.extend(ids.iter().flatten().map(|id| xxh3_64(id.as_bytes())));
        }
    }
    Ok(seen)
}

/// The part files of the day partitions under `out_dir`.
fn existing_parts(out_dir: &Path) -> Result<Vec<PathBuf>, IoError> {
    let mut parts = Vec::new();
    for day_dir in list(out_dir)? {
        if day_dir.is_dir() && file_name(&day_dir).starts_with("day=") {
            parts.extend(
                list(&day_dir)?
                    .into_iter()
                    .filter(|p| part_number(p).is_some()),
            );
        }
    }
    Ok(parts)
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, IoError> {
    let list_error = |source| IoError::Read {
        path: dir.to_path_buf(),
        source,
    };
    fs::read_dir(dir)
        .map_err(list_error)?
        .map(|entry| entry.map(|e| e.path()).map_err(list_error))
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `part-00042.parquet` → 42.
fn part_number(path: &Path) -> Option<u32> {
    file_name(path)
        .strip_prefix("part-")?
        .strip_suffix(".parquet")?
        .parse()
        .ok()
}

/// A day's open part file.
struct OpenPart {
    writer: ParquetEventWriter,
    /// The write clock when the day last received an event, for closing the least recent.
    last_used: u64,
}

/// The open part files, by day number since the epoch.
struct DayWriters {
    out_dir: PathBuf,
    max_open: usize,
    row_group_rows: usize,
    open: HashMap<i64, OpenPart>,
    next_part: HashMap<i64, u32>,
    events_by_day: BTreeMap<i64, u64>,
    parts_written: u64,
    clock: u64,
}

impl DayWriters {
    fn new(out_dir: &Path, options: &IngestOptions) -> Self {
        DayWriters {
            out_dir: out_dir.to_path_buf(),
            max_open: options.max_open_writers.max(1),
            row_group_rows: options.row_group_rows,
            open: HashMap::new(),
            next_part: HashMap::new(),
            events_by_day: BTreeMap::new(),
            parts_written: 0,
            clock: 0,
        }
    }

    fn write(&mut self, event: &Event) -> Result<(), IoError> {
        let day = day_number(event.ts);
        if !self.open.contains_key(&day) && self.open.len() >= self.max_open {
            self.close_least_recent()?;
        }
        self.clock += 1;
        let part = match self.open.entry(day) {
            Entry::Occupied(open) => open.into_mut(),
            Entry::Vacant(slot) => {
                let path = next_part_path(&self.out_dir, day, &mut self.next_part)?;
                debug!(path = %path.display(), "opening a day partition file");
                self.parts_written += 1;
                slot.insert(OpenPart {
                    writer: ParquetEventWriter::with_row_group_rows(path, self.row_group_rows)?,
                    last_used: 0,
                })
            }
        };
        part.last_used = self.clock;
        part.writer.write(event)?;
        *self.events_by_day.entry(day).or_default() += 1;
        Ok(())
    }

    fn close_least_recent(&mut self) -> Result<(), IoError> {
        let Some(day) = self
            .open
            .iter()
            .min_by_key(|(_, part)| part.last_used)
            .map(|(&day, _)| day)
        else {
            return Ok(());
        };
        if let Some(mut part) = self.open.remove(&day) {
            debug!(path = %part.writer.path().display(), "closing the least recently used day file");
            part.writer.finish()?;
        }
        Ok(())
    }

    /// Closes every file; returns the events written per day and the parts written.
    fn finish(mut self) -> Result<(BTreeMap<String, u64>, u64), IoError> {
        let mut open: Vec<(i64, OpenPart)> = self.open.drain().collect();
        open.sort_by_key(|(day, _)| *day);
        for (_, mut part) in open {
            part.writer.finish()?;
        }
        let days = self
            .events_by_day
            .into_iter()
            .map(|(day, events)| (utc_day(day * MILLIS_PER_DAY), events))
            .collect();
        Ok((days, self.parts_written))
    }
}

/// The path of a day's next part file, numbered after any parts already there.
fn next_part_path(
    out_dir: &Path,
    day: i64,
    next_part: &mut HashMap<i64, u32>,
) -> Result<PathBuf, IoError> {
    let dir = out_dir.join(format!("day={}", utc_day(day * MILLIS_PER_DAY)));
    let number = match next_part.get(&day) {
        Some(&number) => number,
        None if dir.is_dir() => list(&dir)?
            .iter()
            .filter_map(|path| part_number(path))
            .max()
            .map_or(0, |n| n + 1),
        None => 0,
    };
    next_part.insert(day, number + 1);
    Ok(dir.join(format!("part-{number:05}.parquet")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::write_file;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    const DAY1: i64 = 1_776_816_000_000; // 2026-04-22T00:00:00Z

    fn line(day: i64, minute: i64, id: &str) -> String {
        let ts = DAY1 + day * MILLIS_PER_DAY + minute * 60_000;
        format!("{{\"ts\":{ts},\"account_id\":\"a\",\"request_id\":\"{id}\"}}\n")
    }

    fn tree(dir: &Path) -> Vec<String> {
        let mut files: Vec<String> = existing_parts(dir)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect();
        files.sort();
        files
    }

    fn read_back(dir: &Path) -> Vec<Event> {
        EventStream::open(dir)
            .unwrap()
            .map(|record| record.outcome.unwrap())
            .collect()
    }

    #[test]
    fn events_are_partitioned_by_utc_day_with_duplicates_skipped() {
        let input = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let content = [
            line(1, 0, "r1"),
            line(0, 5, "r2"),
            line(2, 0, "r3"),
            line(0, 1, "r2"),
            line(1, 3, "r4"),
        ]
        .concat();
        write_file(input.path(), "e.jsonl.zst", content.as_bytes());
        let report = ingest(input.path(), out.path(), &IngestOptions::default()).unwrap();
        assert_eq!(
            tree(out.path()),
            [
                "day=2026-04-22/part-00000.parquet",
                "day=2026-04-23/part-00000.parquet",
                "day=2026-04-24/part-00000.parquet",
            ]
        );
        assert_eq!(
            (report.events_written, report.duplicates, report.bad),
            (4, 1, 0)
        );
        assert_eq!(report.days.get("2026-04-23"), Some(&2));
        assert_eq!((report.files_read, report.parts_written), (1, 3));
        let ids: Vec<String> = read_back(out.path())
            .into_iter()
            .filter_map(|e| e.request_id)
            .collect();
        assert_eq!(
            ids,
            ["r2", "r1", "r4", "r3"],
            "the dataset reads back without its side files"
        );
        let written: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.path().join(REPORT_FILE)).unwrap())
                .unwrap();
        assert_eq!(written["events_written"], 4);
        assert_eq!(
            fs::read_to_string(out.path().join(QUARANTINE_FILE)).unwrap(),
            ""
        );
    }

    #[test]
    fn ingesting_the_same_input_again_adds_nothing_and_new_parts_do_not_overwrite() {
        let input = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        write_file(
            input.path(),
            "a.jsonl",
            [line(0, 0, "r1"), line(0, 1, "r2")].concat().as_bytes(),
        );
        ingest(input.path(), out.path(), &IngestOptions::default()).unwrap();
        let again = ingest(input.path(), out.path(), &IngestOptions::default()).unwrap();
        assert_eq!((again.events_written, again.duplicates), (0, 2));
        write_file(input.path(), "b.jsonl", line(0, 2, "r3").as_bytes());
        let more = ingest(input.path(), out.path(), &IngestOptions::default()).unwrap();
        assert_eq!((more.events_written, more.duplicates), (1, 2));
        assert_eq!(
            tree(out.path()),
            [
                "day=2026-04-22/part-00000.parquet",
                "day=2026-04-22/part-00001.parquet"
            ]
        );
        assert_eq!(read_back(out.path()).len(), 3);
    }

    #[test]
    fn with_few_open_writers_a_returning_day_starts_a_new_part() {
        let input = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let days = [0, 1, 2, 0, 1, 2, 0];
        let content: String = days
            .iter()
            .enumerate()
            .map(|(i, &day)| line(day, i as i64, &format!("r{i}")))
            .collect();
        write_file(input.path(), "e.jsonl", content.as_bytes());
        let options = IngestOptions {
            max_open_writers: 2,
            ..IngestOptions::default()
        };
        let report = ingest(input.path(), out.path(), &options).unwrap();
        assert_eq!(
            report.parts_written, 7,
            "every event lands on a day closed since its last one"
        );
        assert_eq!(report.days.get("2026-04-22"), Some(&3));
        let day1 = tree(out.path())
            .into_iter()
            .filter(|p| p.starts_with("day=2026-04-22"))
            .count();
        assert_eq!(day1, 3);
        assert_eq!(read_back(out.path()).len(), 7);

        let in_order = tempfile::tempdir().unwrap();
        let report = ingest(input.path(), in_order.path(), &IngestOptions::default()).unwrap();
        assert_eq!(
            report.parts_written, 3,
            "with enough writers each day is one part"
        );
    }

    #[test]
    fn bad_records_are_quarantined_and_too_many_fail_the_run_after_writing() {
        let input = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let content = [
            line(0, 0, "r1"),
            "not json\n".into(),
            line(0, 1, "r2"),
            "{\"account_id\":\"x\"}\n".into(),
        ]
        .concat();
        write_file(input.path(), "e.jsonl", content.as_bytes());
        let progress = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&progress);
        let options = IngestOptions::default().with_progress(move |read, total| {
            assert!(read <= total);
            seen.store(read, Ordering::Relaxed);
        });
        let error = ingest(input.path(), out.path(), &options).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("2 of 4 input records (50.00%) were bad"),
            "{message}"
        );
        assert!(message.contains("quarantine.jsonl"), "{message}");
        assert_eq!(
            progress.load(Ordering::Relaxed),
            fs::metadata(input.path().join("e.jsonl")).unwrap().len()
        );
        let quarantined = fs::read_to_string(out.path().join(QUARANTINE_FILE)).unwrap();
        let reasons: Vec<String> = quarantined
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["reason"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(reasons, ["not_json", "missing_field:ts"]);
        assert_eq!(
            read_back(out.path()).len(),
            2,
            "valid events are written anyway"
        );

        let lenient = IngestOptions {
            policy: BadInputPolicy { max_bad_share: 0.5 },
            ..IngestOptions::default()
        };
        let report = ingest(input.path(), tempfile::tempdir().unwrap().path(), &lenient).unwrap();
        assert_eq!(report.bad_by_reason.len(), 2);
    }

    #[test]
    fn an_input_that_matches_nothing_creates_no_output() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("dataset");
        let error = ingest(
            out.path().join("missing-*.jsonl"),
            &target,
            &IngestOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(error, IoError::NoInput { .. }));
        assert!(!target.exists());
    }
}
