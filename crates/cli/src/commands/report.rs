//! `hydrascope report`: a scan's campaigns as one self-contained HTML page.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use hydrascope_events::time::{format_rfc3339, now_millis};
use hydrascope_report::{ReportInput, ScanOutputs, render};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A scan's output directory (campaigns.json, verdicts.jsonl).
    pub scan_dir: PathBuf,
    /// The HTML file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Counts only: no infrastructure values (addresses, fingerprints) and no example
    /// prompts, for readers who may see what was found but not whose traffic it was.
    #[arg(long)]
    pub redact: bool,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let scan = ScanOutputs::read(&args.scan_dir)?;
    let source = args.scan_dir.display().to_string();
    let page = render(&ReportInput {
        source: &source,
        generated_at: &format_rfc3339(now_millis()),
        accounts_scanned: scan.verdicts.len(),
        flagged: scan.flagged(),
        campaigns: &scan.campaigns,
        verdicts: &scan.verdicts,
        redact: args.redact,
        refresh_secs: None,
    });
    std::fs::write(&args.out, page).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "{} campaigns of {} accounts: {}",
        scan.campaigns.len(),
        scan.verdicts.len(),
        args.out.display()
    );
    Ok(())
}
