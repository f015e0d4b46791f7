//! Simulator throughput in events per second: generation alone (events dropped), and
//! generation plus JSONL.zst writing through hydrascope-io's writer, as `hydrascope
//! simulate` does. Uses `shared/corpora` when present, else the built-in corpus.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hydrascope_io::{EventSink, JsonlWriter};
use hydrascope_sim::{Corpus, KnobOverrides, Scenario, SimConfig, simulate};

/// Every campaign at 1% of its reported size inside 2,000 benign accounts: about a million
/// events, with the campaign/benign mix of a full run.
fn config() -> SimConfig {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    let corpus = Corpus::load(&dir).unwrap_or_else(|_| Corpus::built_in());
    SimConfig {
        scenario: Scenario::All,
        scale: 0.01,
        seed: 42,
        benign_accounts: 2_000,
        knobs: KnobOverrides::default(),
        corpus,
    }
}

fn count_events(config: &SimConfig) -> u64 {
    simulate(config, |_| Ok::<(), ()>(()), |_| {})
        .expect("simulates")
        .events
}

fn bench(c: &mut Criterion) {
    let config = config();
    let events = count_events(&config);
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(events));
    group.bench_function("generate", |b| b.iter(|| count_events(&config)));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("events.jsonl.zst");
    group.bench_function("generate+jsonl.zst", |b| {
        b.iter(|| {
            let mut writer = JsonlWriter::create(&path).expect("creates");
            simulate(&config, |event| writer.write(event), |_| {}).expect("writes");
            writer.finish().expect("finishes");
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
