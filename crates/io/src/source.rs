//! Turning an input spec (a file, a directory or a glob) into the list of files to read.
//!
//! Users point hydrascope at whatever their log pipeline left behind: one export, a folder of
//! daily dumps, `logs/2026-04-*.jsonl.zst`. The list is sorted so that two runs over the same
//! input read records in the same order. A file whose format is unknown is kept in the list
//! (with no [`Format`]) rather than dropped: the reader turns it into one quarantine record,
//! so a stray file in a log folder is visible in the run report instead of silently ignored.
//! Only hydrascope's own side outputs are skipped when a directory or glob is expanded, which
//! is what lets a canonical dataset directory be read back as an input.

use std::fs;
use std::path::{Path, PathBuf};

use tracing::debug;

use crate::error::IoError;

/// How records are laid out in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`).
    Jsonl,
    /// Comma-separated with a header row of contract field names (`.csv`).
    Csv,
    /// Apache Parquet, any schema whose column names are contract fields (`.parquet`).
    Parquet,
}

/// The compression wrapped around a file, chosen by its last extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One file of an input, with what its name says about how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    /// `None` when the extension names no format the readers know.
    pub format: Option<Format>,
    pub compression: Compression,
    /// Size on disk in bytes (compressed), for progress reporting.
    pub size: u64,
}

/// File names hydrascope itself writes next to event data; reading them as events would
/// quarantine every line of them.
const SIDE_OUTPUTS: &[&str] = &[
    "quarantine.jsonl",
    "truth.jsonl",
    "verdicts.jsonl",
    "ingest-report.json",
    "simulation.json",
    "campaigns.json",
];

/// The format and compression a file name announces (`events.jsonl.zst` → JSONL in zstd).
pub fn detect(path: &Path) -> (Option<Format>, Compression) {
    let name = file_name_lowercase(path);
    let (inner, compression) = strip_compression(&name);
    let format = match inner.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jsonl" | "ndjson" | "json") => Some(Format::Jsonl),
        Some("csv") => Some(Format::Csv),
        Some("parquet") => Some(Format::Parquet),
        _ => None,
    };
    (format, compression)
}

/// Resolves an input spec to its files, sorted by path. A spec that names an existing file
/// is taken as is (even a side output: the user asked for it); a directory is walked
/// recursively; anything else is a glob pattern.
pub fn resolve(spec: impl AsRef<Path>) -> Result<Vec<InputFile>, IoError> {
    let spec = spec.as_ref();
    let mut paths = Vec::new();
    if spec.is_file() {
        paths.push(spec.to_path_buf());
    } else if spec.is_dir() {
        walk(spec, &mut paths)?;
    } else {
        expand_glob(spec, &mut paths)?;
    }
    if paths.is_empty() {
        return Err(IoError::NoInput {
            spec: spec.display().to_string(),
        });
    }
    paths.sort();
    paths.dedup();
    Ok(paths.into_iter().map(input_file).collect())
}

fn input_file(path: PathBuf) -> InputFile {
    let (format, compression) = detect(&path);
    // A file that vanished since listing reads as unreadable later; its size is unknown.
    let size = fs::metadata(&path).map_or(0, |m| m.len());
    InputFile {
        path,
        format,
        compression,
        size,
    }
}

fn walk(dir: &Path, paths: &mut Vec<PathBuf>) -> Result<(), IoError> {
    let list_error = |source| IoError::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(dir).map_err(list_error)? {
        add(entry.map_err(list_error)?.path(), paths)?;
    }
    Ok(())
}

fn expand_glob(spec: &Path, paths: &mut Vec<PathBuf>) -> Result<(), IoError> {
    let Some(pattern) = spec.to_str() else {
        // Not UTF-8, so not a pattern either: it names nothing that exists.
        return Ok(());
    };
    let matches = glob::glob(pattern).map_err(|source| IoError::BadPattern {
        spec: pattern.to_owned(),
        source,
    })?;
    // Entries that cannot be read while matching are skipped by `flatten`: the pattern
    // describes what the user wants, and an unreadable directory is not part of it.
    for path in matches.flatten() {
        add(path, paths)?;
    }
    Ok(())
}

/// Adds a listed path: a file as it is, a directory walked, non-data files left out.
fn add(path: PathBuf, paths: &mut Vec<PathBuf>) -> Result<(), IoError> {
    if is_skipped(&path) {
        Ok(())
    } else if path.is_dir() {
        walk(&path, paths)
    } else {
        paths.push(path);
        Ok(())
    }
}

/// Hidden files, `_`-prefixed files (`_SUCCESS`, `_temporary/` of Spark-style writers) and
/// hydrascope's side outputs are not event data.
fn is_skipped(path: &Path) -> bool {
    let name = file_name_lowercase(path);
    let skipped = name.starts_with('.')
        || name.starts_with('_')
        || SIDE_OUTPUTS.contains(&strip_compression(&name).0);
    if skipped {
        debug!(path = %path.display(), "skipping a file that is not event data");
    }
    skipped
}

fn file_name_lowercase(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn strip_compression(name: &str) -> (&str, Compression) {
    if let Some(inner) = name.strip_suffix(".gz") {
        (inner, Compression::Gzip)
    } else if let Some(inner) = name.strip_suffix(".zst") {
        (inner, Compression::Zstd)
    } else {
        (name, Compression::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, relative: &str) -> PathBuf {
        let path = dir.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"x").unwrap();
        path
    }

    fn names(files: &[InputFile], root: &Path) -> Vec<String> {
        files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn extensions_name_format_and_compression() {
        let cases = [
            ("a.jsonl", Some(Format::Jsonl), Compression::None),
            ("a.NDJSON.gz", Some(Format::Jsonl), Compression::Gzip),
            ("a.json.zst", Some(Format::Jsonl), Compression::Zstd),
            ("a.csv.gz", Some(Format::Csv), Compression::Gzip),
            ("a.parquet.zst", Some(Format::Parquet), Compression::Zstd),
            ("a.txt", None, Compression::None),
            ("a.gz", None, Compression::Gzip),
            ("README", None, Compression::None),
        ];
        for (name, format, compression) in cases {
            assert_eq!(detect(Path::new(name)), (format, compression), "{name}");
        }
    }

    #[test]
    fn a_directory_is_walked_recursively_in_sorted_order_without_side_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "b.jsonl",
            "a/z.csv",
            "a/b.parquet",
            "notes.txt",
            "quarantine.jsonl",
            "truth.jsonl.zst",
            "verdicts.jsonl",
            "ingest-report.json",
            "simulation.json",
            ".hidden.jsonl",
            "_SUCCESS",
            "_temporary/x.jsonl",
        ] {
            touch(root, name);
        }
        let files = resolve(root).unwrap();
        assert_eq!(
            names(&files, root),
            ["a/b.parquet", "a/z.csv", "b.jsonl", "notes.txt"]
        );
        assert_eq!(
            files[3].format, None,
            "unknown formats are kept, not dropped"
        );
        assert_eq!(files[0].size, 1);
    }

    #[test]
    fn a_glob_matches_files_and_walks_matched_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["day1.jsonl.gz", "day2.jsonl.gz", "other.csv", "day3/x.csv"] {
            touch(root, name);
        }
        let files = resolve(root.join("day*")).unwrap();
        assert_eq!(
            names(&files, root),
            ["day1.jsonl.gz", "day2.jsonl.gz", "day3/x.csv"]
        );
        assert_eq!(files[0].compression, Compression::Gzip);
    }

    #[test]
    fn an_explicit_file_is_read_even_when_it_looks_like_a_side_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = touch(dir.path(), "truth.jsonl");
        assert_eq!(resolve(&path).unwrap()[0].path, path);
    }

    #[test]
    fn a_spec_that_matches_nothing_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = resolve(dir.path().join("*.jsonl")).unwrap_err();
        assert!(matches!(err, IoError::NoInput { .. }), "{err}");
        let empty = resolve(dir.path()).unwrap_err();
        assert!(empty.to_string().starts_with("no input file matches"));
        assert!(matches!(
            resolve("[unclosed").unwrap_err(),
            IoError::BadPattern { .. }
        ));
    }
}
