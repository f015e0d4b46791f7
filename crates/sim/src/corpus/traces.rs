//! Request-rate traces (ServeGen, per real API client) and token counts (Azure 2023).
//!
//! A ServeGen client file has one row per 10-minute window. The simulator keeps, per client
//! and per day of its trace, how busy the day was relative to the client's average and how
//! the day's requests spread over its 144 windows; an account borrows one client's profile so
//! that its day-to-day swings, quiet days and burstiness (the windows' coefficient of
//! variation) are real ones, rescaled to the account's own volume.

use std::path::{Path, PathBuf};

use rand::Rng;

use super::{malformed, read_text};
use crate::error::SimError;
use crate::rng::SimRng;

/// Ten-minute windows in a day.
pub(crate) const SLOTS_PER_DAY: usize = 144;
/// Clients sampled per ServeGen model directory: enough for variety, few enough to load in
/// milliseconds (the language directories hold over a hundred each).
const CLIENTS_PER_MODEL: usize = 24;
/// Burstiness assumed where a trace window reports none.
const DEFAULT_CV: f32 = 1.0;

/// One day of a client's trace.
#[derive(Debug, Clone)]
pub(crate) struct DayShape {
    /// The day's volume relative to the client's mean day (0 for a silent day).
    pub(crate) weight: f32,
    /// Mean coefficient of variation of inter-arrival times in the day's busy windows.
    pub(crate) cv: f32,
    /// Cumulative share of the day's requests up to the end of each window.
    cdf: Box<[f32]>,
}

impl DayShape {
    /// The start (ms after midnight) of a window drawn in proportion to its traffic, plus a
    /// uniform offset inside the window.
    pub(crate) fn sample_offset(&self, rng: &mut SimRng) -> i64 {
        let u: f32 = rng.random();
        let slot = self.cdf.partition_point(|&c| c < u).min(SLOTS_PER_DAY - 1);
        let window = crate::clock::DAY / SLOTS_PER_DAY as i64;
        slot as i64 * window + rng.random_range(0..window)
    }
}

/// A client's trace, day by day.
#[derive(Debug, Clone)]
pub(crate) struct RateProfile {
    pub(crate) days: Vec<DayShape>,
}

impl RateProfile {
    /// Builds a profile from `(rate, cv)` per 10-minute window; `None` if it never had traffic.
    pub(crate) fn from_windows(windows: &[(f64, f64)]) -> Option<RateProfile> {
        let total: f64 = windows.iter().map(|w| w.0).sum();
        let days = windows.len() / SLOTS_PER_DAY;
        if total <= 0.0 || days == 0 {
            return None;
        }
        let mean_day = total / days as f64;
        let days = windows
            .chunks_exact(SLOTS_PER_DAY)
            .map(|day| day_shape(day, mean_day))
            .collect();
        Some(RateProfile { days })
    }

    /// The shape of day `day` of the trace, repeating the trace as needed.
    pub(crate) fn day(&self, day: u32) -> &DayShape {
        &self.days[day as usize % self.days.len()]
    }
}

fn day_shape(windows: &[(f64, f64)], mean_day: f64) -> DayShape {
    let day_total: f64 = windows.iter().map(|w| w.0).sum();
    let busy: Vec<f64> = windows.iter().filter(|w| w.0 > 0.0).map(|w| w.1).collect();
    let cv = if busy.is_empty() {
        DEFAULT_CV
    } else {
        (busy.iter().sum::<f64>() / busy.len() as f64) as f32
    };
    let mut running = 0.0;
    let cdf = windows
        .iter()
        .map(|w| {
            running += w.0;
            if day_total > 0.0 {
                (running / day_total) as f32
            } else {
                1.0
            }
        })
        .collect();
    DayShape {
        weight: (day_total / mean_day) as f32,
        cv: if cv > 0.0 { cv } else { DEFAULT_CV },
        cdf,
    }
}

/// Loads a sample of ServeGen client traces (`traces/servegen/*/*/chunk-N-trace.csv`).
pub(super) fn load_servegen(dir: &Path) -> Result<Vec<RateProfile>, SimError> {
    let root = dir.join("traces/servegen");
    let mut profiles = Vec::new();
    for model_dir in sorted_dirs(&root)?
        .iter()
        .flat_map(|d| sorted_dirs(d))
        .flatten()
    {
        let files = sorted_entries(&model_dir)?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect::<Vec<_>>();
        let stride = files.len().div_ceil(CLIENTS_PER_MODEL).max(1);
        for file in files.iter().step_by(stride) {
            profiles.extend(RateProfile::from_windows(&parse_servegen(file)?));
        }
    }
    if profiles.is_empty() {
        return Err(malformed(&root, "no client trace with traffic"));
    }
    Ok(profiles)
}

fn parse_servegen(path: &Path) -> Result<Vec<(f64, f64)>, SimError> {
    let text = read_text(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("start"))
        .map(|line| {
            let mut cells = line.split(',').skip(1);
            let mut number = || cells.next().and_then(|c| c.trim().parse::<f64>().ok());
            match (number(), number()) {
                (Some(rate), cv) => Ok((rate.max(0.0), cv.unwrap_or(0.0))),
                _ => Err(malformed(path, format!("bad row {line:?}"))),
            }
        })
        .collect()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, SimError> {
    let read = std::fs::read_dir(dir).map_err(|source| SimError::CorpusIo {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    Ok(paths)
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>, SimError> {
    Ok(sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect())
}

/// Which kind of request a token count is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Chat: Azure's conversation trace.
    Conversation,
    /// Code assistance and agents: Azure's code trace (long contexts, short outputs).
    Code,
}

/// Observed `(context tokens, generated tokens)` pairs.
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    conversation: Vec<(u32, u32)>,
    code: Vec<(u32, u32)>,
}

impl Tokens {
    pub(crate) fn new(conversation: Vec<(u32, u32)>, code: Vec<(u32, u32)>) -> Tokens {
        assert!(!conversation.is_empty() && !code.is_empty());
        Tokens { conversation, code }
    }

    /// One observed pair of the given kind.
    pub(crate) fn sample(&self, kind: TokenKind, rng: &mut SimRng) -> (u32, u32) {
        let pairs = match kind {
            TokenKind::Conversation => &self.conversation,
            TokenKind::Code => &self.code,
        };
        pairs[rng.random_range(0..pairs.len())]
    }
}

/// Loads the Azure 2023 conversation and code traces.
pub(super) fn load_azure(dir: &Path) -> Result<Tokens, SimError> {
    let base = dir.join("traces/azure2023");
    Ok(Tokens::new(
        parse_azure(&base.join("AzureLLMInferenceTrace_conv.csv"))?,
        parse_azure(&base.join("AzureLLMInferenceTrace_code.csv"))?,
    ))
}

fn parse_azure(path: &Path) -> Result<Vec<(u32, u32)>, SimError> {
    let text = read_text(path)?;
    let pairs: Vec<(u32, u32)> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split(',').skip(1);
            let context = cells.next()?.trim().parse().ok()?;
            let generated = cells.next()?.trim().parse().ok()?;
            Some((context, generated))
        })
        .collect();
    if pairs.is_empty() {
        return Err(malformed(path, "no token rows"));
    }
    Ok(pairs)
}
