//! `hydrascope demo`: the main job on the embedded default, end to end, in one command.
//!
//! It simulates a scenario with its ground truth, scans the traffic (verdicts, campaigns and
//! their summary), scores the verdicts against the truth and writes both as pages to look at,
//! so that a new user sees the whole pipeline work — and how well — on a fresh machine with
//! nothing installed.

use std::path::PathBuf;

use clap::Args;

use crate::commands::evaluate::{self, EvaluateArgs};
use crate::commands::options::DetectionArgs;
use crate::commands::report::{self, ReportArgs};
use crate::commands::scan::{self, ScanArgs};
use crate::commands::simulate::{self, OutputFormat, ScenarioArgs, SimulateArgs};

/// Small enough to finish in about a minute, large enough that every campaign has accounts.
const DEMO_SCALE: f64 = 0.02;

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Working directory: the simulation goes to DIR/sim, the scan's outputs to DIR/scan, the
    /// campaign report to DIR/report.html and the evaluation to DIR/evaluation.html.
    #[arg(long, default_value = "hydrascope-demo")]
    pub out: PathBuf,
    #[command(flatten)]
    pub detection: DetectionArgs,
}

pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let mut scenario = args.scenario.clone();
    scenario.scale = Some(scenario.scale.unwrap_or(DEMO_SCALE));
    let sim_dir = args.out.join("sim");
    let scan_dir = args.out.join("scan");
    simulate::run(&SimulateArgs {
        scenario,
        out: sim_dir.clone(),
        format: OutputFormat::Jsonl,
    })?;
    println!();
    scan::run(&ScanArgs {
        input: sim_dir.clone(),
        out: scan_dir.clone(),
        evidence_memory_mib: hydrascope_engine::EVIDENCE_MEMORY >> 20,
        evidence_spill_mib: hydrascope_engine::EVIDENCE_SPILL >> 20,
        indicators: None,
        cluster: None,
        detection: args.detection.clone(),
    })?;
    println!("\nhow the verdicts compare with the simulation's ground truth:\n");
    evaluate::run(&EvaluateArgs {
        truth: sim_dir.join("truth.jsonl"),
        verdicts: scan_dir.join("verdicts.jsonl"),
        json: false,
        html: Some(args.out.join("evaluation.html")),
    })?;
    report::run(&ReportArgs {
        scan_dir,
        out: args.out.join("report.html"),
        redact: false,
    })?;
    Ok(())
}
