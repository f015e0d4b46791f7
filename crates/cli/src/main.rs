//! `hydrascope`: detect distillation campaigns in AI model API traffic.
//!
//! The binary only parses arguments and wires the library crates together; every command
//! lives in its own module under `commands`.

mod commands;
mod progress;
mod table;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "hydrascope",
    version,
    about = "Detect, attribute and respond to distillation campaigns in AI model API traffic"
)]
struct Cli {
    /// More log output (-v: debug, -vv: trace). `RUST_LOG` overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate provider traffic with distillation campaigns, and its ground truth.
    Simulate(commands::simulate::SimulateArgs),
    /// Normalise events (JSONL, CSV, Parquet; plain, .gz, .zst) into one canonical,
    /// day-partitioned Parquet dataset, quarantining bad input.
    Ingest(commands::ingest::IngestArgs),
    /// Find, group and explain distillation campaigns: verdicts.jsonl, campaigns.json and a
    /// summary, from the canonical dataset or raw input (see docs/detection.md).
    Scan(commands::scan::ScanArgs),
    /// Replay traffic in time order through the same detection, re-scoring as it goes: when
    /// each account was first flagged and, with ground truth, how many of each campaign's
    /// exchanges had been sent by then.
    Replay(commands::replay::ReplayArgs),
    /// The end-to-end demonstration on the embedded default: simulate a scenario, scan it,
    /// score the verdicts against the simulation's ground truth and print the campaigns.
    Demo(commands::demo::DemoArgs),
    /// The live defense service: stores traffic as it arrives, re-scores it in the background
    /// and answers the gateway's checks (see docs/serve.md).
    Serve(commands::serve::ServeArgs),
    /// A scan's campaigns as one self-contained HTML page to read, print or file: overview,
    /// timelines, capabilities, shared templates, infrastructure, accounts and evidence.
    Report(commands::report::ReportArgs),
    /// A scan's campaigns as indicators to share with partners (STIX 2.1).
    Indicators(commands::indicators::IndicatorsArgs),
    /// Score a detector's verdicts against ground truth: precision, recall, false-positive
    /// rates, ROC AUC and the adjusted Rand index of its clusters.
    Evaluate(commands::evaluate::EvaluateArgs),
    /// A Ballista scheduler that runs `scan --cluster`'s plans on its executors
    /// (docs/cluster.md).
    #[cfg(feature = "cluster")]
    Scheduler(commands::cluster::SchedulerArgs),
    /// A Ballista executor with hydrascope's functions, joining a `hydrascope scheduler`.
    #[cfg(feature = "cluster")]
    Executor(commands::cluster::ExecutorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let outcome = match cli.command {
        Command::Simulate(args) => commands::simulate::run(&args).map(|_| ()),
        Command::Ingest(args) => commands::ingest::run(&args).map(|_| ()),
        Command::Scan(args) => commands::scan::run(&args),
        Command::Replay(args) => commands::replay::run(&args),
        Command::Demo(args) => commands::demo::run(&args),
        Command::Evaluate(args) => commands::evaluate::run(&args).map(|_| ()),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Report(args) => commands::report::run(&args),
        Command::Indicators(args) => commands::indicators::run(&args),
        #[cfg(feature = "cluster")]
        Command::Scheduler(args) => commands::cluster::run_scheduler(&args),
        #[cfg(feature = "cluster")]
        Command::Executor(args) => commands::cluster::run_executor(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
