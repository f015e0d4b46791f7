//! Traffic as the `events` table of a DataFusion session.
//!
//! Two roads lead in. The canonical dataset written by `hydrascope ingest` is read by
//! DataFusion's own Parquet scan, in parallel and with projection pushdown: this is the fast
//! path that large scans and the cluster mode use. Anything else (raw JSONL, CSV, foreign
//! Parquet, compressed files) streams through `hydrascope-io`'s tolerant readers, so that bad
//! records are quarantined by the same rules as `ingest` instead of failing the query.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::prelude::SessionContext;
use hydrascope_io::quarantine::{BadInputPolicy, QuarantineWriter};
use hydrascope_io::source::{self, Compression, Format, InputFile};
use hydrascope_io::{EventStream, IoError, ReadStats, canonical_schema};

use crate::error::EngineError;

/// Name of the table every scan plan reads.
pub const EVENTS_TABLE: &str = "events";

/// Rows per batch when streaming raw input: large enough to amortise per-batch overhead,
/// small enough that a batch of long prompts stays a few megabytes.
const STREAM_BATCH_ROWS: usize = 8_192;

/// How the input was registered, and what reading it found.
#[derive(Debug)]
pub struct RegisteredInput {
    road: Road,
    quarantine_path: PathBuf,
}

#[derive(Debug)]
enum Road {
    /// Canonical Parquet files read natively; they were validated when ingested.
    Canonical { files: usize },
    /// Raw input read through the tolerant readers; the outcome appears once read.
    Streamed(Arc<Mutex<StreamOutcome>>),
}

#[derive(Debug, Default)]
struct StreamOutcome {
    stats: Option<ReadStats>,
    error: Option<String>,
}

impl RegisteredInput {
    /// True when the input is the canonical dataset read by DataFusion's Parquet scan.
    pub fn is_canonical(&self) -> bool {
        matches!(self.road, Road::Canonical { .. })
    }

    /// After the plans have run: the read statistics (none for canonical input, which was
    /// checked at ingest), failing when reading broke or the bad-input share is too high.
    pub fn finish(&self, policy: &BadInputPolicy) -> Result<Option<ReadStats>, EngineError> {
        let Road::Streamed(outcome) = &self.road else {
            return Ok(None);
        };
        let outcome = outcome
            .lock()
            .expect("reader thread does not panic holding the lock");
        if let Some(error) = &outcome.error {
            return Err(EngineError::Input(error.clone()));
        }
        let stats = outcome
            .stats
            .clone()
            .ok_or_else(|| EngineError::Input("the input was never read to its end".into()))?;
        policy.check(&stats, &self.quarantine_path)?;
        Ok(Some(stats))
    }

    /// Files read natively, for reports.
    pub fn canonical_files(&self) -> Option<usize> {
        match self.road {
            Road::Canonical { files } => Some(files),
            Road::Streamed(_) => None,
        }
    }
}

/// Registers `input` (file, directory or glob) as the [`EVENTS_TABLE`] of `ctx`; bad records
/// of raw input go to `quarantine_path`.
pub fn register_events(
    ctx: &SessionContext,
    input: &Path,
    quarantine_path: &Path,
) -> Result<RegisteredInput, EngineError> {
    let road = register(ctx, input, Some(quarantine_path))?;
    Ok(RegisteredInput {
        road,
        quarantine_path: quarantine_path.to_path_buf(),
    })
}

/// Registers `input` as the [`EVENTS_TABLE`] of `ctx` for a later pass of a run whose first
/// pass ([`register_events`]) already quarantined, counted and judged its bad records: they
/// are read and validated the same way, and skipped without being written a second time. A
/// read that breaks fails the query itself.
pub fn register_events_again(ctx: &SessionContext, input: &Path) -> Result<(), EngineError> {
    register(ctx, input, None).map(|_| ())
}

/// Registers `input`, which must be the canonical dataset (`hydrascope ingest`'s Parquet), as
/// the [`EVENTS_TABLE`] of `ctx`, as a listing table that any DataFusion session can plan,
/// serialise and read, a Ballista cluster's included. Raw input is refused: it is read by a
/// stream that validates and quarantines in this process, which cannot be shipped.
///
/// `input` may also be an object store URL (`s3://bucket/dataset/`), which `ctx`'s runtime
/// must know how to reach: every Parquet file under it is read with the canonical schema, and
/// a file that does not have it fails the query (it is not checked beforehand, since that
/// would read every footer from this process).
pub fn register_canonical_events(ctx: &SessionContext, input: &Path) -> Result<(), EngineError> {
    if let Some(url) = object_store_url(input) {
        return register_listing(ctx, vec![ListingTableUrl::parse(url)?]);
    }
    let files = source::resolve(input)?;
    if !all_canonical_parquet(&files) {
        return Err(EngineError::Input(format!(
            "{} is not the canonical dataset: a cluster reads only the Parquet files that \
             `hydrascope ingest` writes (run `hydrascope ingest {} --out DATASET` first)",
            input.display(),
            input.display()
        )));
    }
    register_canonical(ctx, &files)
}

/// `input` when it is a URL with a scheme other than `file` (`s3://…`, `gs://…`).
fn object_store_url(input: &Path) -> Option<&str> {
    let text = input.to_str()?;
    let (scheme, _) = text.split_once("://")?;
    let is_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (is_scheme && scheme != "file").then_some(text)
}

/// Registers the table; bad records of raw input go to `quarantine_path` when there is one.
fn register(
    ctx: &SessionContext,
    input: &Path,
    quarantine_path: Option<&Path>,
) -> Result<Road, EngineError> {
    let files = source::resolve(input)?;
    if all_canonical_parquet(&files) {
        register_canonical(ctx, &files)?;
        return Ok(Road::Canonical { files: files.len() });
    }
    let outcome = Arc::new(Mutex::new(StreamOutcome::default()));
    let partition = StreamedEvents {
        schema: canonical_schema(),
        source: Mutex::new(Some((files, quarantine_path.map(Path::to_path_buf)))),
        outcome: Arc::clone(&outcome),
    };
    let table = StreamingTable::try_new(canonical_schema(), vec![Arc::new(partition)])?;
    ctx.register_table(EVENTS_TABLE, Arc::new(table))?;
    Ok(Road::Streamed(outcome))
}

/// True when every file is uncompressed Parquet whose schema is exactly the canonical one.
fn all_canonical_parquet(files: &[InputFile]) -> bool {
    let canonical = canonical_schema();
    !files.is_empty()
        && files.iter().all(|file| {
            file.format == Some(Format::Parquet)
                && file.compression == Compression::None
                && parquet_schema(&file.path)
                    .is_some_and(|schema| schema.fields() == canonical.fields())
        })
}

fn parquet_schema(path: &Path) -> Option<SchemaRef> {
    let file = File::open(path).ok()?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).ok()?;
    Some(Arc::clone(builder.schema()))
}

fn register_canonical(ctx: &SessionContext, files: &[InputFile]) -> Result<(), EngineError> {
    let urls = files
        .iter()
        .map(|file| {
            let absolute = std::path::absolute(&file.path).map_err(|source| IoError::Read {
                path: file.path.clone(),
                source,
            })?;
            Ok(ListingTableUrl::parse(absolute.to_string_lossy())?)
        })
        .collect::<Result<Vec<_>, EngineError>>()?;
    register_listing(ctx, urls)
}

/// The Parquet files at `urls` (files, or prefixes to list) as the [`EVENTS_TABLE`], with
/// the canonical schema.
fn register_listing(ctx: &SessionContext, urls: Vec<ListingTableUrl>) -> Result<(), EngineError> {
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(canonical_schema());
    ctx.register_table(EVENTS_TABLE, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// Raw input as one DataFusion partition: a blocking thread reads and validates records,
/// quarantines bad ones, and hands canonical batches to the query through a channel.
struct StreamedEvents {
    schema: SchemaRef,
    /// Taken by the first (and only) execution: a stream of files can be read once. The
    /// quarantine file, when bad records are to be written.
    source: Mutex<Option<(Vec<InputFile>, Option<PathBuf>)>>,
    outcome: Arc<Mutex<StreamOutcome>>,
}

impl fmt::Debug for StreamedEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedEvents").finish_non_exhaustive()
    }
}

impl PartitionStream for StreamedEvents {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (sender, receiver) = tokio::sync::mpsc::channel(2);
        let taken = self.source.lock().expect("not poisoned").take();
        let outcome = Arc::clone(&self.outcome);
        std::thread::spawn(move || {
            let result = match taken {
                Some((files, quarantine)) => read_into(files, quarantine.as_deref(), &sender),
                None => Err("the streamed input can only be read once per scan".to_owned()),
            };
            let mut outcome = outcome.lock().expect("not poisoned");
            match result {
                Ok(stats) => outcome.stats = Some(stats),
                Err(error) => {
                    let _ = sender.blocking_send(Err(DataFusionError::Execution(error.clone())));
                    outcome.error = Some(error);
                }
            }
        });
        let stream = futures_stream(receiver);
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            stream,
        ))
    }
}

type BatchSender =
    tokio::sync::mpsc::Sender<Result<datafusion::arrow::array::RecordBatch, DataFusionError>>;

/// Reads every record, quarantining the bad ones (when there is a quarantine file), and sends
/// the batches; returns the counts.
fn read_into(
    files: Vec<InputFile>,
    quarantine: Option<&Path>,
    sender: &BatchSender,
) -> Result<ReadStats, String> {
    let mut writer = quarantine
        .map(QuarantineWriter::create)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut batches = EventStream::from_files(files).batches(STREAM_BATCH_ROWS, |record| {
        match (&record.outcome, writer.as_mut()) {
            (Err(bad), Some(writer)) => writer.write(&record.source, record.line, bad),
            _ => Ok(()),
        }
    });
    for batch in batches.by_ref() {
        let batch = batch.map_err(|e| e.to_string())?;
        if sender.blocking_send(Ok(batch)).is_err() {
            // The query stopped early (e.g. a LIMIT): nothing more to read.
            break;
        }
    }
    let stats = batches.stream().stats().clone();
    drop(batches);
    if let Some(writer) = writer {
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(stats)
}

fn futures_stream(
    mut receiver: tokio::sync::mpsc::Receiver<
        Result<datafusion::arrow::array::RecordBatch, DataFusionError>,
    >,
) -> impl futures::Stream<Item = Result<datafusion::arrow::array::RecordBatch, DataFusionError>> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_with_a_scheme_other_than_file_are_object_stores() {
        for url in ["s3://bucket/dataset/", "gs://bucket/d", "s3a://b/k.parquet"] {
            assert_eq!(object_store_url(Path::new(url)), Some(url));
        }
        for path in [
            "file:///data/dataset",
            "/data/dataset",
            "dataset/day=2026-04-22",
            "logs/a://b",
            "://bucket",
        ] {
            assert_eq!(object_store_url(Path::new(path)), None, "{path}");
        }
    }
}
