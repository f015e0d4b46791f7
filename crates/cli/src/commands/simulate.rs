//! `hydrascope simulate`: simulated provider traffic with campaigns, and its ground truth.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use hydrascope_core::traffic::{TrafficReport, TrafficSummary};
use hydrascope_events::time::format_rfc3339;
use hydrascope_io::write::{EventSink, JsonlWriter, ParquetEventWriter};
use hydrascope_sim::{
    Corpus, CorpusSource, Count, Evasion, KnobOverrides, Payment, Proxy, Scenario, SimConfig,
    SimReport, Timing, simulate,
};
use serde::Serialize;

use crate::progress;

/// Where the real corpora are looked for when `--corpus` is not given: the material shipped
/// beside the repository (see `../shared/corpora/README.md`).
const DEFAULT_CORPUS_DIR: &str = "../shared/corpora";
/// Environment variable that points at the corpora instead.
const CORPUS_ENV: &str = "HYDRASCOPE_CORPUS";

/// What to simulate; shared by `simulate` and `demo`.
#[derive(Args, Debug, Clone)]
pub struct ScenarioArgs {
    /// baseline, deepseek-2026, moonshot-2026, minimax-2026, qwen-2026 or all.
    #[arg(long, default_value = "all")]
    pub scenario: Scenario,
    /// Campaign size relative to the reported one (1.0 = reported accounts and exchanges;
    /// default 1.0 for `simulate`, 0.02 for `demo`).
    #[arg(long)]
    pub scale: Option<f64>,
    /// Seed of the simulation: the same seed gives the same traffic.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Benign accounts in the population.
    #[arg(long, default_value_t = 20_000)]
    pub benign_accounts: usize,
    /// Directory of the real corpora (default: $HYDRASCOPE_CORPUS, else ../shared/corpora if
    /// present, else the small built-in fallback).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    #[command(flatten)]
    pub knobs: KnobArgs,
}

/// Evasion knobs; each replaces the scenario default for every campaign.
#[derive(Args, Debug, Clone, Default)]
pub struct KnobArgs {
    /// A preset of knobs (`hardest`: every evasion at once); explicit knobs win over it.
    #[arg(long)]
    pub evasion: Option<Evasion>,
    /// Paraphrasing strength, 0 (literal templates) to 1 (no shared template).
    #[arg(long)]
    pub paraphrase: Option<f64>,
    /// datacenter, residential or rotating.
    #[arg(long)]
    pub proxy: Option<Proxy>,
    /// round-robin, bursty or human.
    #[arg(long)]
    pub timing: Option<Timing>,
    /// shared, pooled or unique.
    #[arg(long)]
    pub payment: Option<Payment>,
    /// Share of campaign accounts blended through a legitimate reseller, 0 to 1.
    #[arg(long)]
    pub reseller_share: Option<f64>,
    /// Share of benign-looking filler traffic, 0 to 1.
    #[arg(long)]
    pub filler: Option<f64>,
}

impl KnobArgs {
    fn overrides(&self) -> KnobOverrides {
        let preset = self.evasion.map(Evasion::overrides).unwrap_or_default();
        KnobOverrides {
            paraphrase: self.paraphrase.or(preset.paraphrase),
            proxy: self.proxy.or(preset.proxy),
            timing: self.timing.or(preset.timing),
            payment: self.payment.or(preset.payment),
            reseller_share: self.reseller_share.or(preset.reseller_share),
            filler: self.filler.or(preset.filler),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    /// DIR/events.jsonl.zst
    Jsonl,
    /// DIR/events.parquet
    Parquet,
}

/// `simulate` runs campaigns at their reported size unless told otherwise.
const DEFAULT_SCALE: f64 = 1.0;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Output directory: events, truth.jsonl and simulation.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Event file format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: OutputFormat,
}

/// What a simulation wrote.
#[derive(Debug)]
pub struct SimulationOutcome {
    pub events_path: PathBuf,
    pub truth_path: PathBuf,
    pub traffic: TrafficReport,
    pub simulation: SimReport,
}

/// `simulation.json`: the run's parameters and counts, for scripts and benchmarks.
#[derive(Serialize)]
struct SimulationRecord<'a> {
    scenario: String,
    scale: f64,
    seed: u64,
    corpus: String,
    window_start: String,
    window_end: String,
    campaigns: BTreeMap<String, GroupCount>,
    benign_personas: BTreeMap<String, GroupCount>,
    traffic: &'a TrafficReport,
}

#[derive(Serialize)]
struct GroupCount {
    accounts: u64,
    events: u64,
}

impl<'a> SimulationRecord<'a> {
    fn new(config: &SimConfig, outcome: &'a SimulationOutcome) -> Self {
        let sim = &outcome.simulation;
        SimulationRecord {
            scenario: config.scenario.to_string(),
            scale: config.scale,
            seed: config.seed,
            corpus: sim.corpus.to_string(),
            window_start: format_rfc3339(sim.window_start),
            window_end: format_rfc3339(sim.window_end),
            campaigns: group_counts(&sim.campaigns),
            benign_personas: group_counts(&sim.benign),
            traffic: &outcome.traffic,
        }
    }
}

fn group_counts<K: ToString>(groups: &BTreeMap<K, Count>) -> BTreeMap<String, GroupCount> {
    groups
        .iter()
        .map(|(name, count)| {
            let count = GroupCount {
                accounts: count.accounts,
                events: count.events,
            };
            (name.to_string(), count)
        })
        .collect()
}

/// Runs the simulation and prints its summary.
pub fn run(args: &SimulateArgs) -> anyhow::Result<SimulationOutcome> {
    let outcome = simulate_with_progress(args)?;
    print_summary(&outcome);
    Ok(outcome)
}

/// Simulates into `args.out` with a progress bar but prints nothing.
fn simulate_with_progress(args: &SimulateArgs) -> anyhow::Result<SimulationOutcome> {
    let scenario = &args.scenario;
    let scale = scenario.scale.unwrap_or(DEFAULT_SCALE);
    anyhow::ensure!(scale > 0.0, "--scale must be positive, got {scale}");
    fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output directory {}", args.out.display()))?;
    let config = SimConfig {
        scenario: scenario.scenario,
        scale,
        seed: scenario.seed,
        benign_accounts: scenario.benign_accounts,
        knobs: scenario.knobs.overrides(),
        corpus: load_corpus(scenario.corpus.as_deref())?,
    };
    let events_path = args.out.join(match args.format {
        OutputFormat::Jsonl => "events.jsonl.zst",
        OutputFormat::Parquet => "events.parquet",
    });
    let mut sink: Box<dyn EventSink> = match args.format {
        OutputFormat::Jsonl => Box::new(JsonlWriter::create(&events_path)?),
        OutputFormat::Parquet => Box::new(ParquetEventWriter::create(&events_path)?),
    };
    let mut traffic = TrafficSummary::default();
    let bar = progress::counter("simulate");
    let report = simulate(
        &config,
        |event| {
            traffic.observe(event);
            sink.write(event)
        },
        |done| bar.set_position(done),
    )
    .with_context(|| format!("simulating into {}", events_path.display()))?;
    sink.finish()?;
    bar.finish_and_clear();

    let truth_path = args.out.join("truth.jsonl");
    let mut truth = JsonlWriter::create(&truth_path)?;
    for record in &report.truth {
        truth.write_record(record)?;
    }
    truth.finish()?;
    let outcome = SimulationOutcome {
        events_path,
        truth_path,
        traffic: traffic.report(),
        simulation: report,
    };
    let summary_path = args.out.join("simulation.json");
    let record = SimulationRecord::new(&config, &outcome);
    fs::write(&summary_path, serde_json::to_vec_pretty(&record)?)
        .with_context(|| format!("writing {}", summary_path.display()))?;
    Ok(outcome)
}

/// The explicit corpus, else the environment's, else the default beside the repository, else
/// the built-in fallback (with a warning, since it is far smaller than the real material).
fn load_corpus(explicit: Option<&Path>) -> anyhow::Result<Corpus> {
    let chosen = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os(CORPUS_ENV).map(PathBuf::from));
    if let Some(dir) = chosen {
        return Corpus::load(&dir).with_context(|| format!("loading corpus {}", dir.display()));
    }
    let default = Path::new(DEFAULT_CORPUS_DIR);
    if default.is_dir() {
        return Corpus::load(default)
            .with_context(|| format!("loading corpus {}", default.display()));
    }
    tracing::warn!(
        "no corpus found (--corpus, ${CORPUS_ENV} or {DEFAULT_CORPUS_DIR}): \
         simulating with the small built-in fallback corpus"
    );
    Ok(Corpus::built_in())
}

fn print_summary(outcome: &SimulationOutcome) {
    let sim = &outcome.simulation;
    let traffic = &outcome.traffic;
    println!(
        "simulated {} events from {} accounts, {} to {} ({} days), into {}",
        traffic.events,
        traffic.accounts,
        traffic.first_day.as_deref().unwrap_or("-"),
        traffic.last_day.as_deref().unwrap_or("-"),
        traffic.days,
        outcome.events_path.display(),
    );
    match &sim.corpus {
        CorpusSource::Real(dir) => println!("corpus: {}", dir.display()),
        CorpusSource::BuiltIn => println!("corpus: built-in fallback (no real corpus found)"),
    }
    for (campaign, count) in &sim.campaigns {
        println!(
            "  campaign {campaign:<14} {:>7} accounts {:>10} events",
            count.accounts, count.events
        );
    }
    let benign = sim.benign.values().fold(Count::default(), |sum, c| Count {
        accounts: sum.accounts + c.accounts,
        events: sum.events + c.events,
    });
    println!(
        "  benign ({} personas) {:>7} accounts {:>10} events",
        sim.benign.len(),
        benign.accounts,
        benign.events
    );
    println!("ground truth: {}", outcome.truth_path.display());
}
