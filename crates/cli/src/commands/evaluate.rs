//! `hydrascope evaluate`: a detector's verdicts scored against ground truth.
//!
//! Both files are evaluation inputs, not traffic, so they are read strictly: where an event
//! line that does not parse is quarantined and counted, a truth or verdict line that does not
//! parse stops the run with its file and line, because metrics over part of the ground truth
//! would be wrong without saying so.

use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::Args;
use hydrascope_eval::{EvaluationError, EvaluationReport, Input, PersonaFalsePositives, evaluate};
use hydrascope_events::{TruthRecord, Verdict};
use hydrascope_io::source::{self, Compression, Format};
use serde::de::DeserializeOwned;

use crate::table::{ABSENT, Align, percent, table};

#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Ground truth: one JSON object per account (`account_id`, `campaign`, `persona`), as
    /// `simulate` writes it; plain, .gz or .zst.
    #[arg(long)]
    pub truth: PathBuf,
    /// Verdicts: one JSON object per account, as `scan` writes them; plain, .gz or .zst.
    #[arg(long)]
    pub verdicts: PathBuf,
    /// Print the report as JSON (shares in [0, 1], null where not measurable) instead of
    /// tables.
    #[arg(long)]
    pub json: bool,
    /// Also write the report as a page to look at (precision, recall, false positives per
    /// kind of user).
    #[arg(long)]
    pub html: Option<PathBuf>,
}

/// Reads both files, scores the verdicts and prints the report.
pub fn run(args: &EvaluateArgs) -> anyhow::Result<EvaluationReport> {
    let truth: JsonlRecords<TruthRecord> = read_jsonl(&args.truth, "ground-truth record")?;
    let verdicts: JsonlRecords<Verdict> = read_jsonl(&args.verdicts, "verdict")?;
    let report = evaluate(&truth.records, &verdicts.records).map_err(|error| match error {
        EvaluationError::DuplicateAccount {
            input,
            account_id,
            first,
            second,
        } => {
            let (path, lines) = match input {
                Input::Truth => (&truth.path, &truth.lines),
                Input::Verdicts => (&verdicts.path, &verdicts.lines),
            };
            anyhow!(
                "{}: account `{account_id}` appears twice, on lines {} and {}",
                path.display(),
                lines[first],
                lines[second]
            )
        }
    })?;
    if let Some(path) = &args.html {
        let title = format!("hydrascope evaluation of {}", args.verdicts.display());
        std::fs::write(
            path,
            hydrascope_report::benchmark::evaluation_page(&report, &title),
        )
        .with_context(|| format!("writing {}", path.display()))?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        render(&report)
    };
    print_to_stdout(&text)?;
    Ok(report)
}

/// Prints the report; a reader that stops early (`| head`, `| jq` failing) is not an error.
pub(crate) fn print_to_stdout(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        written => written.context("writing the report to standard output"),
    }
}

/// The records of a JSONL file, with the 1-based line each one came from.
pub(crate) struct JsonlRecords<T> {
    pub(crate) path: PathBuf,
    pub(crate) records: Vec<T>,
    pub(crate) lines: Vec<u64>,
}

/// Reads every non-blank line of `path` as a `T`; the first line that is not one is an error
/// naming the file and the line.
pub(crate) fn read_jsonl<T: DeserializeOwned>(
    path: &Path,
    what: &str,
) -> anyhow::Result<JsonlRecords<T>> {
    let mut read = JsonlRecords {
        path: path.to_path_buf(),
        records: Vec::new(),
        lines: Vec::new(),
    };
    for (index, line) in open_text(path)?.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.with_context(|| format!("reading {} line {number}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|error| {
            anyhow!(
                "{} line {number}: not a valid {what}: {}",
                path.display(),
                without_position(&error)
            )
        })?;
        read.records.push(record);
        read.lines.push(number);
    }
    Ok(read)
}

/// serde_json's message without its "at line 1 column N" (every record is on line 1 of its
/// own parse), with the column kept where it helps.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&position) {
        Some(bare) => format!("{bare} (column {})", error.column()),
        None => message,
    }
}

/// The decompressed text of a JSONL file, as its name says it is compressed.
fn open_text(path: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    let (format, compression) = source::detect(path);
    let other_format = match format {
        Some(Format::Csv) => Some("CSV"),
        Some(Format::Parquet) => Some("Parquet"),
        // A name without a known extension is taken at its word: the option asks for JSONL.
        Some(Format::Jsonl) | None => None,
    };
    if let Some(other) = other_format {
        bail!(
            "{}: evaluate reads JSONL files (plain, .gz or .zst), not {other}",
            path.display()
        );
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let decoded: Box<dyn Read> = match compression {
        Compression::None => Box::new(file),
        // Multi-member, like the event readers: rotated logs are often concatenated .gz files.
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            zstd::Decoder::new(file)
                .with_context(|| format!("opening {} as zstd", path.display()))?,
        ),
    };
    Ok(Box::new(BufReader::new(decoded)))
}

/// The report as aligned tables: overall measures, then each campaign, then each benign
/// persona.
fn render(report: &EvaluationReport) -> String {
    use Align::{Left, Right};
    let accounts = &report.accounts;
    let confusion = &report.confusion;
    let mut out = format!(
        "evaluated {} accounts ({} campaign, {} benign); {} only in the ground truth ({} of them \
         campaign), {} only in the verdicts\n\n",
        accounts.evaluated,
        accounts.campaign,
        accounts.benign,
        accounts.only_in_truth,
        accounts.only_in_truth_campaign,
        accounts.only_in_verdicts,
    );
    let flagged = confusion.true_positives + confusion.false_positives;
    let overall = [
        (
            "precision",
            percent(report.precision),
            format!("{} of {flagged} flagged", confusion.true_positives),
        ),
        (
            "recall",
            percent(report.recall),
            format!(
                "{} of {} campaign",
                confusion.true_positives, accounts.campaign
            ),
        ),
        ("F1", percent(report.f1), String::new()),
        (
            "false-positive rate",
            percent(report.false_positive_rate),
            format!(
                "{} of {} benign",
                confusion.false_positives, accounts.benign
            ),
        ),
        (
            "ROC AUC",
            fraction(report.roc_auc),
            "of score, campaign vs benign".to_owned(),
        ),
        (
            "adjusted Rand index",
            fraction(report.adjusted_rand_index),
            "of clusters vs campaigns".to_owned(),
        ),
    ];
    out += &table(
        &[("metric", Left), ("value", Right), ("over", Left)],
        overall
            .into_iter()
            .map(|(name, value, over)| vec![name.to_owned(), value, over]),
    );
    out += "\n";
    out += &group_table(
        ("campaign", "recall"),
        report
            .campaigns
            .iter()
            .map(|c| (&c.campaign, c.accounts, c.flagged, c.recall)),
    );
    out += "\n";
    out += &persona_table("FPR", &report.benign_personas);
    out
}

/// One row per benign persona: its accounts, how many were flagged, and that share under the
/// name `share`.
pub(crate) fn persona_table(share: &str, personas: &[PersonaFalsePositives]) -> String {
    group_table(
        ("benign persona", share),
        personas
            .iter()
            .map(|p| (&p.persona, p.accounts, p.flagged, p.false_positive_rate)),
    )
}

/// One row per campaign or persona: its accounts, how many were flagged, and that share
/// under the name the group gives it (recall, false-positive rate).
fn group_table<'a>(
    (group, share): (&str, &str),
    rows: impl Iterator<Item = (&'a String, u64, u64, f64)>,
) -> String {
    use Align::{Left, Right};
    table(
        &[
            (group, Left),
            ("accounts", Right),
            ("flagged", Right),
            (share, Right),
        ],
        rows.map(|(name, accounts, flagged, rate)| {
            let rate = percent(Some(rate));
            vec![
                name.clone(),
                accounts.to_string(),
                flagged.to_string(),
                rate,
            ]
        }),
    )
}

/// A measure that is not a share of accounts (AUC, ARI).
fn fraction(value: Option<f64>) -> String {
    value.map_or_else(|| ABSENT.to_owned(), |v| format!("{v:.4}"))
}
