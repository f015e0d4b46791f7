//! `hydrascope ingest`: any accepted input into the canonical day-partitioned dataset.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use hydrascope_io::ingest::{IngestOptions, IngestReport, ingest};
use hydrascope_io::quarantine::BadInputPolicy;

use crate::commands::options::bad_input_policy;
use crate::progress;

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// A file, a directory or a quoted glob of JSONL, CSV or Parquet events (plain, .gz, .zst).
    pub input: PathBuf,
    /// The dataset directory to write (DIR/day=YYYY-MM-DD/part-NNNNN.parquet).
    #[arg(long)]
    pub out: PathBuf,
    /// Fail when more than this share of the input records is bad (0.01 = 1%).
    #[arg(long, default_value_t = BadInputPolicy::default().max_bad_share)]
    pub max_bad_share: f64,
}

/// Runs the ingest and prints what it wrote.
pub fn run(args: &IngestArgs) -> anyhow::Result<IngestReport> {
    let report = ingest_with_progress(args)?;
    print_report(&report, args);
    Ok(report)
}

/// Runs the ingest with a progress bar but prints nothing, for commands that compose it.
fn ingest_with_progress(args: &IngestArgs) -> anyhow::Result<IngestReport> {
    let policy = bad_input_policy(args.max_bad_share)?;
    let bar = progress::bytes(0, "ingest");
    let hook_bar = bar.clone();
    let options = IngestOptions {
        policy,
        ..IngestOptions::default()
    }
    .with_progress(move |read, total| {
        hook_bar.set_length(total);
        hook_bar.set_position(read);
    });
    let outcome = ingest(&args.input, &args.out, &options);
    bar.finish_and_clear();
    outcome.with_context(|| {
        format!(
            "ingesting {} into {}",
            args.input.display(),
            args.out.display()
        )
    })
}

fn print_report(report: &IngestReport, args: &IngestArgs) {
    println!(
        "ingested {} events over {} days from {} files into {} ({} parts); {} duplicates skipped",
        report.events_written,
        report.days.len(),
        report.files_read,
        args.out.display(),
        report.parts_written,
        report.duplicates,
    );
    if report.bad == 0 {
        println!("bad input: none");
        return;
    }
    println!(
        "bad input: {} records ({:.3}%), quarantined in {}",
        report.bad,
        report.bad_share * 100.0,
        report.quarantine.display()
    );
    for reason in &report.bad_by_reason {
        println!("  {:>10}  {}", reason.count, reason.reason);
    }
}
