//! `hydrascope indicators`: a scan's campaigns as indicators to share with partners.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use hydrascope_events::time::format_rfc3339;
use hydrascope_report::ScanOutputs;
use hydrascope_report::stix::{StixOptions, bundle};

#[derive(Args, Debug)]
pub struct IndicatorsArgs {
    #[command(subcommand)]
    pub command: IndicatorsCommand,
}

#[derive(Subcommand, Debug)]
pub enum IndicatorsCommand {
    /// Writes a scan's campaigns, their infrastructure and template fingerprints as a STIX 2.1
    /// bundle (docs/report.md).
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A scan's output directory (campaigns.json).
    pub scan_dir: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Stix)]
    pub format: Format,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Quotes the example prompts of each shared template. Off by default: a prompt can hold
    /// a customer's data; the template's fingerprint is shared either way.
    #[arg(long)]
    pub include_prompts: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// STIX 2.1 JSON.
    Stix,
}

pub fn run(args: &IndicatorsArgs) -> anyhow::Result<()> {
    match &args.command {
        IndicatorsCommand::Export(export) => run_export(export),
    }
}

fn run_export(args: &ExportArgs) -> anyhow::Result<()> {
    let scan = ScanOutputs::read(&args.scan_dir)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let Format::Stix = args.format;
    let created = format_rfc3339(now);
    let bundle = bundle(
        &scan.campaigns,
        StixOptions {
            created: &created,
            include_prompts: args.include_prompts,
        },
    );
    let objects = bundle["objects"].as_array().map_or(0, Vec::len);
    std::fs::write(&args.out, serde_json::to_vec_pretty(&bundle)?)
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "{} campaigns, {objects} STIX objects: {}",
        scan.campaigns.len(),
        args.out.display()
    );
    Ok(())
}
