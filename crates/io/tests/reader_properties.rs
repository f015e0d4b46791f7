//! Whatever bytes a file holds, reading it never panics and never loses a record: every
//! non-blank JSONL line comes out as an event or as a quarantined record, compressed or not,
//! and every CSV record points at a real line of its file.

use std::io::Write;
use std::path::{Path, PathBuf};

use hydrascope_events::Rejection;
use hydrascope_io::{EventStream, ReadRecord, ReadStats};
use proptest::prelude::*;
use serde_json::json;

/// A valid event line, with text that stresses quoting: quotes, commas, escapes, non-ASCII.
fn event_line() -> impl Strategy<Value = String> {
    (
        1_000_000_000_000i64..4_000_000_000_000,
        "[a-z0-9_]{1,12}",
        proptest::option::of(0u32..100_000),
        proptest::option::of("[ -~é\"\\\\,\\n]{0,30}"),
        proptest::option::of(prop_oneof![
            Just(json!(true)),
            (0u32..9_000).prop_map(|n| json!(n))
        ]),
    )
        .prop_map(|(ts, account, asn, prompt, thinking)| {
            let mut object = json!({"ts": ts, "account_id": account});
            if let Some(asn) = asn {
                object["asn"] = json!(asn);
            }
            if let Some(prompt) = prompt {
                object["prompt"] = json!(prompt);
            }
            if let Some(thinking) = thinking {
                object["thinking"] = thinking;
            }
            object.to_string()
        })
}

/// A valid CSV row under [`CSV_HEADER`], written by the csv crate so quoting is right.
fn csv_row() -> impl Strategy<Value = Vec<u8>> {
    (
        1_000_000_000_000i64..4_000_000_000_000,
        "[a-z0-9_]{1,12}",
        "[0-9]{0,6}",
        "[ -~é\"\\n,]{0,30}",
    )
        .prop_map(|(ts, account, asn, prompt)| {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            writer
                .write_record([ts.to_string(), account, asn, prompt, "eu".into()])
                .unwrap();
            writer.into_inner().unwrap()
        })
}

const CSV_HEADER: &[u8] = b"ts,account_id,asn,prompt,region\n";

/// Damage a producer or a transport could do to a record.
#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(usize, u8),
    Truncate(usize),
    DeleteQuote(usize),
    InsertNul(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::FlipByte(at, byte)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::DeleteQuote),
        any::<usize>().prop_map(Mutation::InsertNul),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match *mutation {
            Mutation::FlipByte(at, byte) => bytes[at % len] ^= byte,
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::DeleteQuote(nth) => {
                let quotes: Vec<usize> = (0..len).filter(|&i| bytes[i] == b'"').collect();
                if !quotes.is_empty() {
                    bytes.remove(quotes[nth % quotes.len()]);
                }
            }
            Mutation::InsertNul(at) => bytes.insert(at % (len + 1), 0),
        }
    }
    bytes
}

/// Records joined by line ends of every kind, blank lines among them.
fn mutated_lines<S: Strategy<Value = Vec<u8>>>(record: S) -> impl Strategy<Value = Vec<u8>> {
    let line_end = prop::sample::select(vec!["\n", "\r\n", "\n\n", "\n \t\r\n"]);
    let damaged = (
        record,
        proptest::collection::vec(mutation(), 0..3),
        line_end,
    );
    proptest::collection::vec(damaged, 0..12).prop_map(|records| {
        records
            .into_iter()
            .flat_map(|(bytes, mutations, line_end)| {
                [mutate(bytes, &mutations), line_end.as_bytes().to_vec()].concat()
            })
            .collect()
    })
}

/// Bytes of any value, with line ends, whitespace and JSON or CSV punctuation over-represented
/// so that random content has lines, blank lines and near-records.
fn arbitrary_content() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"\n\r \t{}[]\":,".to_vec()),
    ];
    proptest::collection::vec(byte, 0..600)
}

/// Writes `content` as `name`, compressed as the name says.
fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    let bytes = if name.ends_with(".gz") {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(content).unwrap();
        encoder.finish().unwrap()
    } else if name.ends_with(".zst") {
        zstd::encode_all(content, 1).unwrap()
    } else {
        content.to_vec()
    };
    std::fs::write(&path, bytes).unwrap();
    path
}

fn read(path: &Path) -> (Vec<ReadRecord>, ReadStats) {
    let mut stream = EventStream::open(path).unwrap();
    let records: Vec<ReadRecord> = stream.by_ref().collect();
    (records, stream.stats().clone())
}

/// Lines a JSONL reader must account for: not blank once a leading byte-order mark is gone.
fn non_blank_lines(content: &[u8]) -> u64 {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    content
        .split(|&b| b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .count() as u64
}

fn assert_every_jsonl_line_accounted_for(dir: &Path, content: &[u8]) {
    for name in ["x.jsonl", "x.jsonl.gz", "x.jsonl.zst"] {
        let (records, stats) = read(&write(dir, name, content));
        assert_eq!(stats.records(), non_blank_lines(content), "{name}");
        assert_eq!(stats.bad_by_reason.get("unreadable_source"), None, "{name}");
        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "{name}: {lines:?}");
    }
}

/// Every CSV record starts on a non-blank line of the file, in file order (a lone `\r` ends
/// a record too, so two records can share a line).
fn assert_csv_lines_are_real(dir: &Path, content: &[u8]) {
    for name in ["x.csv", "x.csv.zst"] {
        let (records, _) = read(&write(dir, name, content));
        let file_lines: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
        let mut previous = 1;
        for record in records.iter().filter(|r| !is_unreadable(r)) {
            let line = record.line as usize;
            assert!(line >= previous, "{name}: line {line} after {previous}");
            let text = file_lines[line - 1];
            assert!(
                !text.iter().all(|&b| b == b'\r'),
                "{name}: line {line} is blank"
            );
            previous = line;
        }
    }
}

fn is_unreadable(record: &ReadRecord) -> bool {
    matches!(&record.outcome, Err(bad) if matches!(bad.rejection, Rejection::Unreadable(_)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_jsonl_are_all_accounted_for(content in arbitrary_content()) {
        let dir = tempfile::tempdir().unwrap();
        assert_every_jsonl_line_accounted_for(dir.path(), &content);
    }

    #[test]
    fn mutated_jsonl_lines_are_all_accounted_for(content in mutated_lines(event_line().prop_map(String::into_bytes))) {
        let dir = tempfile::tempdir().unwrap();
        assert_every_jsonl_line_accounted_for(dir.path(), &content);
    }

    #[test]
    fn mutated_csv_rows_never_panic_and_point_at_real_lines(rows in mutated_lines(csv_row())) {
        let dir = tempfile::tempdir().unwrap();
        let content = [CSV_HEADER, &rows].concat();
        assert_csv_lines_are_real(dir.path(), &content);
    }

    #[test]
    fn arbitrary_bytes_in_any_format_or_compression_never_panic(content in arbitrary_content()) {
        let dir = tempfile::tempdir().unwrap();
        assert_csv_lines_are_real(dir.path(), &content);
        // Garbage is at most one unreadable record per file, always the last one.
        for name in ["x.parquet", "x.parquet.zst", "x.jsonl.gz", "x.csv.zst"] {
            let path = dir.path().join(name);
            std::fs::write(&path, &content).unwrap();
            let (records, _) = read(&path);
            let unreadable: Vec<usize> = (0..records.len()).filter(|&i| is_unreadable(&records[i])).collect();
            prop_assert!(unreadable.len() <= 1, "{}: {:?}", name, unreadable);
            prop_assert!(unreadable.iter().all(|&i| i + 1 == records.len()), "{}", name);
        }
        let (records, _) = read(&write(dir.path(), "y.parquet", &content));
        prop_assert_eq!(records.len(), 1, "garbage is one unreadable Parquet record");
    }
}
