//! `hydrascope demo`: the main job on the embedded default, end to end, in one command.
//!
//! It simulates a scenario, ingests it into the canonical dataset and prints what arrived, so
//! that a new user sees the whole pipeline work on a fresh machine with nothing installed.

use std::path::PathBuf;

use clap::Args;

use crate::commands::ingest::{self, IngestArgs};
use crate::commands::simulate::{self, OutputFormat, ScenarioArgs, SimulateArgs};

/// Small enough to finish in seconds, large enough that every campaign has accounts.
const DEMO_SCALE: f64 = 0.02;

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Working directory: the simulation goes to DIR/sim, the dataset to DIR/dataset.
    #[arg(long, default_value = "hydrascope-demo")]
    pub out: PathBuf,
}

pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let mut scenario = args.scenario.clone();
    scenario.scale = Some(scenario.scale.unwrap_or(DEMO_SCALE));
    let sim_dir = args.out.join("sim");
    simulate::run(&SimulateArgs {
        scenario,
        out: sim_dir.clone(),
        format: OutputFormat::Jsonl,
    })?;
    ingest::run(&IngestArgs {
        input: sim_dir.join("events.jsonl.zst"),
        out: args.out.join("dataset"),
        max_bad_share: hydrascope_io::quarantine::BadInputPolicy::default().max_bad_share,
    })?;
    Ok(())
}
