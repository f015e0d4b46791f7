//! `hydrascope indicators`: a scan's campaigns as indicators to share with partners.

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use hydrascope_events::time::{format_rfc3339, now_millis};
use hydrascope_report::ScanOutputs;
use hydrascope_report::stix::{StixOptions, bundle, read_bundle, read_indicators};

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
    /// Loads a partner's STIX 2.1 bundle into an indicators file that `serve` recognises
    /// traffic by (`indicators` in its configuration): a new account whose request carries a
    /// partner campaign's values is challenged or watched as that campaign's.
    Import(ImportArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The partner's bundle (STIX 2.1 JSON).
    pub bundle: PathBuf,
    /// The indicators file to add it to (created if missing); campaigns of the same name
    /// from the same bundle are replaced.
    #[arg(long, default_value = "hydrascope-indicators.json")]
    pub into: PathBuf,
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
        IndicatorsCommand::Import(import) => run_import(import),
    }
}

fn run_import(args: &ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.bundle)
        .with_context(|| format!("reading {}", args.bundle.display()))?;
    let bundle: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.bundle.display()))?;
    let imported = read_bundle(&bundle, &args.bundle.display().to_string())
        .map_err(|reason| anyhow!("{}: {reason}", args.bundle.display()))?;
    let mut known = read_indicators(&args.into)?;
    known.retain(|k| {
        !imported
            .campaigns
            .iter()
            .any(|c| c.name == k.name && c.source == k.source)
    });
    let indicators: usize = imported.campaigns.iter().map(|c| c.indicators.len()).sum();
    let campaigns = imported.campaigns.len();
    known.extend(imported.campaigns);
    std::fs::write(&args.into, serde_json::to_vec_pretty(&known)?)
        .with_context(|| format!("writing {}", args.into.display()))?;
    println!(
        "{campaigns} campaigns, {indicators} indicators imported into {} ({} campaigns in all)",
        args.into.display(),
        known.len()
    );
    if !imported.not_understood.is_empty() {
        println!(
            "{} indicators not imported (a pattern hydrascope does not match traffic by, or \
             indicating no campaign), for example: {}",
            imported.not_understood.len(),
            imported.not_understood[0]
        );
    }
    Ok(())
}

fn run_export(args: &ExportArgs) -> anyhow::Result<()> {
    let scan = ScanOutputs::read(&args.scan_dir)?;
    let Format::Stix = args.format;
    let created = format_rfc3339(now_millis());
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
