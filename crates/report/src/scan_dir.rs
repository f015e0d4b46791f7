//! Reading a scan's output directory back: `campaigns.json` and `verdicts.jsonl`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use hydrascope_events::{Campaign, Verdict};
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("reading {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}, line {line}: not what `hydrascope scan` writes: {source}", path.display())]
    Format {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
}

/// What a scan wrote.
#[derive(Debug, Default)]
pub struct ScanOutputs {
    pub campaigns: Vec<Campaign>,
    /// Every account's verdict, by account id.
    pub verdicts: HashMap<String, Verdict>,
}

impl ScanOutputs {
    /// Reads `DIR/campaigns.json` and `DIR/verdicts.jsonl`.
    pub fn read(dir: &Path) -> Result<ScanOutputs, ReportError> {
        let campaigns = read_json(&dir.join("campaigns.json"))?;
        let path = dir.join("verdicts.jsonl");
        let io_error = |source| ReportError::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io_error)?;
        let mut verdicts = HashMap::new();
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io_error)?;
            if line.trim().is_empty() {
                continue;
            }
            let verdict: Verdict =
                serde_json::from_str(&line).map_err(|source| ReportError::Format {
                    path: path.clone(),
                    line: index + 1,
                    source,
                })?;
            verdicts.insert(verdict.account_id.clone(), verdict);
        }
        Ok(ScanOutputs {
            campaigns,
            verdicts,
        })
    }

    /// Accounts flagged.
    pub fn flagged(&self) -> usize {
        self.verdicts.values().filter(|v| v.flagged).count()
    }
}

/// A JSON file read whole into `T`.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ReportError::Format {
        path: path.to_owned(),
        line: source.line(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_malformed_output_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = ScanOutputs::read(dir.path()).unwrap_err();
        assert!(error.to_string().contains("campaigns.json"), "{error}");
        std::fs::write(dir.path().join("campaigns.json"), "[]").unwrap();
        std::fs::write(dir.path().join("verdicts.jsonl"), "{\"account_id\": 1}\n").unwrap();
        let error = ScanOutputs::read(dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("verdicts.jsonl, line 1"),
            "{error}"
        );
    }
}
