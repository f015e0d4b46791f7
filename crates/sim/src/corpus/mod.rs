//! The real material the simulator draws on, loaded once from a corpus directory
//! (`shared/corpora`, described by its README), or a small built-in fallback so that the
//! simulator runs anywhere.
//!
//! Real prompts, real per-client request-rate traces, real token counts and real IP ranges make
//! the simulated traffic hard to tell from production by anything but the behaviour under
//! study. The fallback keeps the same shapes with a few dozen items each; a run's report says
//! which one was used, because detection results on the fallback say little.

mod builtin;
mod netmeta;
mod prompts;
mod traces;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub(crate) use netmeta::{Browser, Browsers, Device, NetKind, Range, RangeTable};
pub(crate) use prompts::{Prompt, PromptSet, Prompts};
pub(crate) use traces::{DayShape, RateProfile, TokenKind, Tokens};

use crate::error::SimError;

/// Where a [`Corpus`] came from, reported with every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorpusSource {
    /// Loaded from this directory.
    Real(PathBuf),
    /// The small built-in fallback.
    BuiltIn,
}

impl fmt::Display for CorpusSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusSource::Real(dir) => write!(f, "corpus {}", dir.display()),
            CorpusSource::BuiltIn => f.write_str("built-in fallback corpus"),
        }
    }
}

/// Prompts, rate traces, token counts, network ranges and user agents, parsed into compact
/// tables that every account samples from. Cloning copies the tables (tens of megabytes),
/// which is cheaper than loading again.
#[derive(Clone)]
pub struct Corpus {
    source: CorpusSource,
    pub(crate) prompts: Prompts,
    pub(crate) rates: Vec<RateProfile>,
    pub(crate) tokens: Tokens,
    pub(crate) net: RangeTable,
    pub(crate) browsers: Browsers,
}

impl Corpus {
    /// Loads the corpus directory laid out as `shared/corpora/README.md` describes. Parses
    /// each file once (the 412k-line ASN table in well under a second in release builds).
    pub fn load(dir: &Path) -> Result<Corpus, SimError> {
        let started = std::time::Instant::now();
        let corpus = Corpus {
            source: CorpusSource::Real(dir.to_path_buf()),
            prompts: prompts::load(dir)?,
            rates: traces::load_servegen(dir)?,
            tokens: traces::load_azure(dir)?,
            net: netmeta::load_ranges(dir)?,
            browsers: netmeta::load_browsers(dir)?,
        };
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            rate_profiles = corpus.rates.len(),
            "corpus loaded"
        );
        Ok(corpus)
    }

    /// The built-in fallback: a few dozen prompts per category, a handful of well-known ASN
    /// ranges and user agents, and synthetic rate profiles.
    pub fn built_in() -> Corpus {
        Corpus {
            source: CorpusSource::BuiltIn,
            prompts: builtin::prompts(),
            rates: builtin::rate_profiles(),
            tokens: builtin::tokens(),
            net: builtin::ranges(),
            browsers: builtin::browsers(),
        }
    }

    /// Which material this corpus holds.
    pub fn source(&self) -> CorpusSource {
        self.source.clone()
    }
}

impl fmt::Debug for Corpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Corpus")
            .field("source", &self.source)
            .field("rate_profiles", &self.rates.len())
            .finish_non_exhaustive()
    }
}

/// Reads a whole corpus file as text, decompressing `.gz`.
fn read_text(path: &Path) -> Result<String, SimError> {
    let io_error = |source| SimError::CorpusIo {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let mut text = String::new();
    if path.extension().is_some_and(|ext| ext == "gz") {
        flate2::read::GzDecoder::new(BufReader::new(file)).read_to_string(&mut text)
    } else {
        BufReader::new(file).read_to_string(&mut text)
    }
    .map_err(io_error)?;
    Ok(text)
}

/// A format error naming the file and what was wrong.
fn malformed(path: &Path, reason: impl Into<String>) -> SimError {
    SimError::CorpusFormat {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}
