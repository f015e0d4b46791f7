//! Writing events: JSONL (plain, gzip or zstd) and canonical Parquet.
//!
//! The simulator writes millions of events through these, so both writers stream: JSONL is
//! serialised straight into a buffered encoder, and Parquet events go into Arrow builders
//! that are flushed to the file every few thousand events, never kept as `Event`s.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use hydrascope_events::Event;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as ParquetCompression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use tracing::warn;

use crate::batch::{CanonicalBatchBuilder, canonical_schema};
use crate::error::IoError;
use crate::source::{self, Compression, Format};

/// zstd level for JSONL: level 1 compresses several times faster than the default 3 for a
/// few percent larger files, the right trade for generated and intermediate data.
const JSONL_ZSTD_LEVEL: i32 = 1;
/// zstd level inside Parquet pages: the dataset is written once and read many times, and
/// level 3 is zstd's own balance of speed and size.
const PARQUET_ZSTD_LEVEL: i32 = 3;
/// Rows per Parquet row group: large enough for good compression and column statistics,
/// small enough that a writer's in-progress group stays a few tens of megabytes.
pub const ROW_GROUP_ROWS: usize = 65_536;
/// Events buffered in Arrow builders before being handed to the Parquet writer.
const BATCH_ROWS: usize = 8_192;
const WRITE_BUFFER_BYTES: usize = 256 * 1024;

/// A destination for events. The output is complete only after [`finish`](Self::finish).
pub trait EventSink {
    fn write(&mut self, event: &Event) -> Result<(), IoError>;

    /// Flushes everything and closes the output; later calls do nothing.
    fn finish(&mut self) -> Result<(), IoError>;
}

/// A sink for the format the path names: `.parquet` or JSONL (`.jsonl`, `.ndjson`,
/// `.json`, each optionally `.gz` or `.zst`).
pub fn create_event_sink(path: impl AsRef<Path>) -> Result<Box<dyn EventSink + Send>, IoError> {
    let path = path.as_ref();
    match source::detect(path) {
        (Some(Format::Parquet), Compression::None) => {
            Ok(Box::new(ParquetEventWriter::create(path)?))
        }
        (Some(Format::Jsonl), _) => Ok(Box::new(JsonlWriter::create(path)?)),
        _ => Err(IoError::UnsupportedOutput {
            path: path.to_path_buf(),
        }),
    }
}

/// An encoder that needs a last call to write its trailer.
trait Encoder: Write + Send {
    fn finish_encoding(self: Box<Self>) -> io::Result<()>;
}

impl Encoder for File {
    fn finish_encoding(self: Box<Self>) -> io::Result<()> {
        Ok(())
    }
}

impl Encoder for flate2::write::GzEncoder<File> {
    fn finish_encoding(self: Box<Self>) -> io::Result<()> {
        (*self).finish().map(drop)
    }
}

impl Encoder for zstd::Encoder<'static, File> {
    fn finish_encoding(self: Box<Self>) -> io::Result<()> {
        (*self).finish().map(drop)
    }
}

/// A zstd encoder that compresses on a worker thread when the machine has a core to spare:
/// compression is about a third of the cost of writing events, and the thread that produces
/// them (the simulator, a scan) is otherwise busy the whole time.
fn zstd_encoder(file: File) -> io::Result<zstd::Encoder<'static, File>> {
    let mut encoder = zstd::Encoder::new(file, JSONL_ZSTD_LEVEL)?;
    let spare_cores = std::thread::available_parallelism().map_or(0, |n| n.get() - 1);
    if spare_cores > 0 {
        encoder.multithread(1)?;
    }
    Ok(encoder)
}

/// Writes one JSON value per line, compressed as the file name says.
pub struct JsonlWriter {
    path: PathBuf,
    /// `None` once finished.
    out: Option<BufWriter<Box<dyn Encoder>>>,
}

impl JsonlWriter {
    /// Creates the file (and its parent directories).
    pub fn create(path: impl AsRef<Path>) -> Result<Self, IoError> {
        let path = path.as_ref().to_path_buf();
        let file = create_file(&path)?;
        let encoder: Box<dyn Encoder> = match source::detect(&path).1 {
            Compression::None => Box::new(file),
            Compression::Gzip => Box::new(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::fast(),
            )),
            Compression::Zstd => {
                Box::new(zstd_encoder(file).map_err(|source| IoError::Create {
                    path: path.clone(),
                    source,
                })?)
            }
        };
        Ok(JsonlWriter {
            out: Some(BufWriter::with_capacity(WRITE_BUFFER_BYTES, encoder)),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes any serialisable value as one line (ground truth, verdicts, quarantine).
    pub fn write_record<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), IoError> {
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| finished_error(&self.path))?;
        serde_json::to_writer(&mut *out, value)
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|source| IoError::Write {
                path: self.path.clone(),
                source,
            })
    }

    fn close(&mut self) -> io::Result<()> {
        match self.out.take() {
            Some(out) => out
                .into_inner()
                .map_err(io::IntoInnerError::into_error)?
                .finish_encoding(),
            None => Ok(()),
        }
    }
}

impl EventSink for JsonlWriter {
    fn write(&mut self, event: &Event) -> Result<(), IoError> {
        self.write_record(event)
    }

    fn finish(&mut self) -> Result<(), IoError> {
        self.close().map_err(|source| IoError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// A writer dropped without `finish` still completes its file (a zstd or gzip stream
/// without its trailer is unreadable), but can only log a failure.
impl Drop for JsonlWriter {
    fn drop(&mut self) {
        if let Err(error) = self.close() {
            warn!(path = %self.path.display(), %error, "could not complete the file");
        }
    }
}

/// Writes events as canonical Parquet: zstd pages, row groups of at most
/// [`ROW_GROUP_ROWS`] rows.
pub struct ParquetEventWriter {
    path: PathBuf,
    /// `None` once finished.
    writer: Option<ArrowWriter<File>>,
    pending: CanonicalBatchBuilder,
    rows: u64,
}

impl ParquetEventWriter {
    /// Creates the file (and its parent directories).
    pub fn create(path: impl AsRef<Path>) -> Result<Self, IoError> {
        Self::with_row_group_rows(path, ROW_GROUP_ROWS)
    }

    /// Like [`create`](Self::create) with another row-group bound (tests use small ones).
    pub fn with_row_group_rows(path: impl AsRef<Path>, rows: usize) -> Result<Self, IoError> {
        let path = path.as_ref().to_path_buf();
        let file = create_file(&path)?;
        let level = ZstdLevel::try_new(PARQUET_ZSTD_LEVEL).expect("3 is a valid zstd level");
        let properties = WriterProperties::builder()
            .set_compression(ParquetCompression::ZSTD(level))
            .set_max_row_group_row_count(Some(rows.max(1)))
            .build();
        let writer =
            ArrowWriter::try_new(file, canonical_schema(), Some(properties)).map_err(|source| {
                IoError::ParquetWrite {
                    path: path.clone(),
                    source,
                }
            })?;
        Ok(ParquetEventWriter {
            path,
            writer: Some(writer),
            pending: CanonicalBatchBuilder::new(),
            rows: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn flush_pending(&mut self) -> Result<(), IoError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = self.pending.finish();
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| finished_error(&self.path))?;
        writer
            .write(&batch)
            .map_err(|source| IoError::ParquetWrite {
                path: self.path.clone(),
                source,
            })
    }
}

impl EventSink for ParquetEventWriter {
    fn write(&mut self, event: &Event) -> Result<(), IoError> {
        if self.writer.is_none() {
            return Err(finished_error(&self.path));
        }
        self.pending.append(event);
        self.rows += 1;
        if self.pending.len() >= BATCH_ROWS {
            self.flush_pending()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), IoError> {
        if self.writer.is_none() {
            return Ok(());
        }
        self.flush_pending()?;
        if let Some(writer) = self.writer.take() {
            writer.close().map_err(|source| IoError::ParquetWrite {
                path: self.path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

fn create_file(path: &Path) -> Result<File, IoError> {
    let create_error = |source| IoError::Create {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(create_error)?;
    }
    File::create(path).map_err(create_error)
}

fn finished_error(path: &Path) -> IoError {
    IoError::Write {
        path: path.to_path_buf(),
        source: io::Error::other("the writer was already finished"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::tests::sample_events;
    use crate::read::tests::read_all;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    fn write_all(path: &Path, events: &[Event]) {
        let mut sink = create_event_sink(path).unwrap();
        for event in events {
            sink.write(event).unwrap();
        }
        sink.finish().unwrap();
    }

    fn events_of(path: &Path) -> Vec<Event> {
        let (records, stats) = read_all(path);
        assert_eq!(stats.bad, 0, "{records:?}");
        records.into_iter().map(|r| r.outcome.unwrap()).collect()
    }

    #[test]
    fn every_output_format_reads_back_to_identical_events() {
        let dir = tempfile::tempdir().unwrap();
        let events = sample_events();
        for name in ["e.jsonl", "e.jsonl.gz", "e.jsonl.zst", "e.parquet"] {
            let path = dir.path().join("out").join(name);
            write_all(&path, &events);
            assert_eq!(events_of(&path), events, "{name}");
        }
    }

    #[test]
    fn parquet_row_groups_are_bounded_and_compressed_with_zstd() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.parquet");
        let events: Vec<Event> = (0..25)
            .map(|i| Event::new(1_776_827_647_000 + i, format!("a{i}")))
            .collect();
        let mut writer = ParquetEventWriter::with_row_group_rows(&path, 10).unwrap();
        for event in &events {
            writer.write(event).unwrap();
        }
        writer.finish().unwrap();
        let metadata = SerializedFileReader::new(File::open(&path).unwrap())
            .unwrap()
            .metadata()
            .clone();
        let groups: Vec<i64> = metadata.row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(groups, [10, 10, 5]);
        assert!(matches!(
            metadata.row_group(0).column(0).compression(),
            ParquetCompression::ZSTD(_)
        ));
        assert_eq!(events_of(&path), events);
    }

    #[test]
    fn a_dropped_compressed_writer_still_leaves_a_complete_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.jsonl.zst");
        let events = sample_events();
        let mut writer = JsonlWriter::create(&path).unwrap();
        for event in &events {
            writer.write(event).unwrap();
        }
        drop(writer);
        assert_eq!(events_of(&path), events);
    }

    #[test]
    fn unknown_output_formats_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["e.txt", "e.csv", "e.parquet.gz"] {
            let result = create_event_sink(dir.path().join(name));
            assert!(
                matches!(result, Err(IoError::UnsupportedOutput { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn writing_after_finish_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = JsonlWriter::create(dir.path().join("e.jsonl")).unwrap();
        writer.finish().unwrap();
        writer.finish().unwrap();
        assert!(writer.write(&sample_events()[0]).is_err());
    }
}
