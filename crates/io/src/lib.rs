//! Reading and writing traffic events for hydrascope.
//!
//! This crate moves events between files and memory: it resolves an input (a file, a
//! directory or a glob) to files, reads JSONL, CSV and Parquet (plain, gzip or zstd) as a
//! stream of events and quarantined bad records, converts events to and from Arrow batches in
//! the canonical schema, writes events as JSONL or Parquet, and ingests any input into the
//! canonical day-partitioned Parquet dataset.
//!
//! It is not where the contract's rules live: every reader hands each field, as it found it,
//! to [`hydrascope_events::EventBuilder`], which alone decides what is a valid event. That is
//! what makes the same record read the same from every format. Nor does it know anything
//! about detection: a reader never scores, and the detection core never opens a file.

pub mod batch;
mod column;
pub mod error;
pub mod ingest;
pub mod quarantine;
pub mod read;
pub mod source;
pub mod write;

pub use batch::{CanonicalBatchBuilder, batch_to_events, canonical_schema, events_to_batch};
pub use error::IoError;
pub use ingest::{IngestOptions, IngestReport, ingest};
pub use quarantine::{BadInputPolicy, QuarantineWriter};
pub use read::{BadRecord, EventBatches, EventStream, ReadRecord, ReadStats};
pub use source::{Compression, Format, InputFile};
pub use write::{EventSink, JsonlWriter, ParquetEventWriter, create_event_sink};
