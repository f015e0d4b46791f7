//! Parquet of any schema whose column names are contract fields.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;

use bytes::Bytes;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::ChunkReader;

use super::{BadRecord, ByteCounter, CountingReader, Numbered, RecordReader, decompress};
use crate::batch::RowDecoder;
use crate::source::{Compression, InputFile};

/// Rows decoded at a time: the memory a Parquet file holds while being read.
const BATCH_ROWS: usize = 8_192;

/// Opens a Parquet file; a compressed one is decompressed into memory first, because the
/// Parquet footer is at the end and columns are read by offset.
pub(super) fn open(
    file: &InputFile,
    counted: CountingReader<File>,
) -> Result<Box<dyn RecordReader>, BadRecord> {
    let counter = counted.counter.clone();
    match file.compression {
        Compression::None => ParquetReader::new(counted.inner, file.size, counter),
        Compression::Gzip | Compression::Zstd => {
            let mut bytes = Vec::new();
            decompress(counted, file.compression)?
                .read_to_end(&mut bytes)
                .map_err(BadRecord::unreadable)?;
            ParquetReader::new(Bytes::from(bytes), file.size, counter)
        }
    }
    .map(|reader| Box::new(reader) as Box<dyn RecordReader>)
}

struct ParquetReader {
    batches: ParquetRecordBatchReader,
    decoded: VecDeque<Numbered>,
    rows_done: u64,
    rows_total: u64,
    /// Progress is reported as the share of rows decoded times the size on disk: Parquet
    /// reads by offset, so bytes consumed say little about how far along it is.
    size: u64,
    counter: ByteCounter,
    done: bool,
}

impl ParquetReader {
    fn new<T: ChunkReader + 'static>(
        chunks: T,
        size: u64,
        counter: ByteCounter,
    ) -> Result<Self, BadRecord> {
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(chunks).map_err(BadRecord::unreadable)?;
        let rows_total = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let batches = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(BadRecord::unreadable)?;
        Ok(ParquetReader {
            batches,
            decoded: VecDeque::new(),
            rows_done: 0,
            rows_total,
            size,
            counter,
            done: false,
        })
    }

    fn decode(&mut self, batch: &arrow::array::RecordBatch) {
        let decoder = RowDecoder::new(batch);
        for row in 0..batch.num_rows() {
            let outcome = decoder.event(row).map_err(|rejection| BadRecord {
                rejection,
                raw: decoder.row_json(row),
            });
            self.decoded
                .push_back((self.rows_done + row as u64 + 1, outcome));
        }
        self.rows_done += batch.num_rows() as u64;
        if self.rows_total > 0 {
            let share = self.rows_done.min(self.rows_total) as f64 / self.rows_total as f64;
            self.counter.set((self.size as f64 * share) as u64);
        }
    }
}

impl RecordReader for ParquetReader {
    fn next_record(&mut self) -> Option<Numbered> {
        loop {
            if let Some(record) = self.decoded.pop_front() {
                return Some(record);
            }
            if self.done {
                return None;
            }
            match self.batches.next() {
                Some(Ok(batch)) => self.decode(&batch),
                Some(Err(error)) => {
                    self.done = true;
                    return Some((self.rows_done + 1, Err(BadRecord::unreadable(error))));
                }
                None => self.done = true,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use serde_json::json;

    use crate::batch::events_to_batch;
    use crate::batch::tests::sample_events;
    use crate::read::tests::{read_all, reasons, write_file};

    fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
        writer.write(batch).unwrap();
        writer.close().unwrap();
        bytes
    }

    fn foreign_batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            (
                "ts",
                Arc::new(StringArray::from(vec![
                    "2026-04-22T03:14:07.123Z",
                    "2026-04-22T05:14:07.123+02:00",
                    "",
                ])) as ArrayRef,
            ),
            (
                "account_id",
                Arc::new(StringArray::from(vec!["a", "b", "c"])),
            ),
            (
                "asn",
                Arc::new(Int64Array::from(vec![Some(13335), None, Some(1)])),
            ),
            (
                "tenant",
                Arc::new(StringArray::from(vec![Some("t1"), None, None])),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn a_foreign_schema_is_read_by_column_name_with_rows_numbered_from_one() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["f.parquet", "f.parquet.gz", "f.parquet.zst"] {
            let path = write_file(dir.path(), name, &parquet_bytes(&foreign_batch()));
            let (records, stats) = read_all(&path);
            assert_eq!((stats.events, stats.bad), (2, 1), "{name}");
            let a = records[0].outcome.as_ref().unwrap();
            assert_eq!((a.ts, a.asn), (1_776_827_647_123, Some(13335)));
            assert_eq!(a.passthrough.get("tenant"), Some(&json!("t1")));
            assert_eq!(records[1].outcome.as_ref().unwrap().ts, a.ts);
            assert_eq!(reasons(&records), [(3, "missing_field:ts".to_owned())]);
            let raw: serde_json::Value =
                serde_json::from_str(&records[2].outcome.as_ref().unwrap_err().raw).unwrap();
            assert_eq!(
                raw,
                json!({"ts": "", "account_id": "c", "asn": 1, "tenant": null})
            );
        }
    }

    #[test]
    fn canonical_parquet_reads_back_to_identical_events_when_compressed() {
        let dir = tempfile::tempdir().unwrap();
        let events = sample_events();
        let path = write_file(
            dir.path(),
            "c.parquet.zst",
            &parquet_bytes(&events_to_batch(&events)),
        );
        let (records, _) = read_all(&path);
        let read: Vec<_> = records.into_iter().map(|r| r.outcome.unwrap()).collect();
        assert_eq!(read, events);
    }

    #[test]
    fn a_file_that_is_not_parquet_is_one_unreadable_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "x.parquet", b"PAR1 but not really");
        let (records, stats) = read_all(&path);
        assert_eq!(reasons(&records), [(0, "unreadable_source".to_owned())]);
        assert_eq!(stats.files, 1);
        assert!(Path::new(&*records[0].source).ends_with("x.parquet"));
    }
}
