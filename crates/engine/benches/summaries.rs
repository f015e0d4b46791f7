//! Account summaries as a DataFusion plan, in events per second, over the canonical Parquet
//! dataset of a simulated scenario; and, in the same run, DataFusion merely reading the columns
//! the plan reads (the "parse limit": what the plan would cost if the summaries were free).
//! The ratio of the two is printed at the end. Uses `shared/corpora` when present, else the
//! built-in corpus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use datafusion::prelude::SessionContext;
use hydrascope_core::AccountSummary;
use hydrascope_core::content::{PromptRequest, PromptSketch};
use hydrascope_engine::{
    account_summaries, read_summary_columns, register_events, register_functions,
};
use hydrascope_events::Event;
use hydrascope_io::ingest::{IngestOptions, ingest};
use hydrascope_io::{EventSink, JsonlWriter};
use hydrascope_sim::{Corpus, KnobOverrides, Scenario, SimConfig, simulate};

/// Every campaign at 0.5% of its reported size inside 800 benign accounts: about half a
/// million events over six weeks, with the campaign/benign mix of a full run.
fn config() -> SimConfig {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    let corpus = Corpus::load(&dir).unwrap_or_else(|_| Corpus::built_in());
    SimConfig {
        scenario: Scenario::All,
        scale: 0.005,
        seed: 42,
        benign_accounts: 800,
        knobs: KnobOverrides::default(),
        corpus,
    }
}

/// The simulated scenario ingested into a canonical dataset in a temporary directory, and
/// kept in memory for the core's own loop.
struct Dataset {
    _dir: tempfile::TempDir,
    path: PathBuf,
    events: u64,
    in_memory: Vec<Event>,
}

impl Dataset {
    fn build() -> Dataset {
        let dir = tempfile::tempdir().expect("temp dir");
        let raw = dir.path().join("events.jsonl");
        let mut writer = JsonlWriter::create(&raw).expect("creates");
        let mut in_memory = Vec::new();
        let emit = |event: &Event| {
            in_memory.push(event.clone());
            writer.write(event)
        };
        let report = simulate(&config(), emit, |_| {}).expect("simulates");
        writer.finish().expect("finishes");
        let path = dir.path().join("dataset");
        ingest(&raw, &path, &IngestOptions::default()).expect("ingests");
        std::fs::remove_file(&raw).expect("removes the raw file");
        Dataset {
            _dir: dir,
            path,
            events: report.events,
            in_memory,
        }
    }

    fn session(&self) -> SessionContext {
        let ctx = SessionContext::new();
        let quarantine = self.path.with_extension("quarantine.jsonl");
        let input = register_events(&ctx, &self.path, &quarantine).expect("registers");
        assert!(input.is_canonical());
        register_functions(&ctx);
        ctx
    }
}

/// Builds every account's summary; returns the number of accounts.
async fn summarise(dataset: &Dataset) -> usize {
    account_summaries(&dataset.session())
        .await
        .expect("summarises")
        .len()
}

/// The core alone, on one thread: every event's sketch and `observe`, events already in
/// memory. What the plan would cost per core if DataFusion and Arrow were free.
fn core_loop(events: &[Event]) -> usize {
    let mut summaries: HashMap<&str, AccountSummary> = HashMap::new();
    for event in events {
        let sketch = PromptRequest::from_event(event).map(|r| PromptSketch::of_request(&r));
        summaries
            .entry(&event.account_id)
            .or_default()
            .observe(event, sketch.as_ref());
    }
    summaries.len()
}

/// The parse limit: decodes every column the summary plan reads; returns rows.
async fn read_columns(dataset: &Dataset) -> usize {
    read_summary_columns(&dataset.session())
        .await
        .expect("reads")
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let started = Instant::now();
    let dataset = Dataset::build();
    eprintln!(
        "dataset: {} events, built in {:.1}s",
        dataset.events,
        started.elapsed().as_secs_f64()
    );
    let mut criterion = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .configure_from_args();
    let mut group = criterion.benchmark_group("summaries");
    group.throughput(Throughput::Elements(dataset.events));
    group.bench_function("account_summaries", |b| {
        b.iter(|| runtime.block_on(summarise(&dataset)))
    });
    group.bench_function("read_columns", |b| {
        b.iter(|| runtime.block_on(read_columns(&dataset)))
    });
    group.bench_function("core_loop_one_thread", |b| {
        b.iter(|| core_loop(&dataset.in_memory))
    });
    group.finish();

    // Criterion keeps its estimates to itself: time both once more for the ratio.
    let best_of = |runs: usize, run: &dyn Fn() -> usize| {
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(run());
                start.elapsed()
            })
            .min()
            .expect("at least one run")
    };
    let summaries = best_of(3, &|| runtime.block_on(summarise(&dataset)));
    let reading = best_of(3, &|| runtime.block_on(read_columns(&dataset)));
    let core = best_of(3, &|| core_loop(&dataset.in_memory));
    let rate = |took: Duration| dataset.events as f64 / took.as_secs_f64();
    eprintln!(
        "core loop on one thread {:.0} events/s; the plan uses {} threads",
        rate(core),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    eprintln!(
        "account_summaries {:.0} events/s, read_columns {:.0} events/s: the summaries run at \
         {:.1}% of the parse limit ({:.1}x slower)",
        rate(summaries),
        rate(reading),
        100.0 * rate(summaries) / rate(reading),
        summaries.as_secs_f64() / reading.as_secs_f64()
    );
    criterion.final_summary();
}
