//! Prompts per second of the content analysis: skeleton, MinHash, and the full prompt sketch.
//!
//! Prompts come from the shared corpora (`../../../shared/corpora/prompts/*/*.jsonl` from this
//! crate), which mix chat, writing requests in Chinese and English, maths word problems,
//! coding issues and agentic scenarios; without them a few built-in prompts stand in. Two
//! sets: prompts of at most 512 bytes (the target: 400k full sketches per second per core) and
//! every prompt (up to tens of kilobytes of pasted reference material).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hydrascope_core::content::skeleton::skeleton_into;
use hydrascope_core::content::{MinHash, PromptSketch};

const SHORT_BYTES: usize = 512;

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/prompts");
    let mut prompts = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|dir| {
            std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for line in text.lines() {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(line)
                && let Some(prompt) = value.get("text").and_then(|t| t.as_str())
            {
                prompts.push(prompt.to_owned());
            }
        }
    }
    if prompts.is_empty() {
        eprintln!(
            "corpora not found under {}: using built-in prompts",
            root.display()
        );
        prompts = FALLBACK.iter().map(|p| (*p).to_owned()).collect();
    }
    prompts
}

const FALLBACK: &[&str] = &[
    "Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes \
     muffins for her friends every day with four. She sells the remainder at the farmers' market \
     daily for $2 per fresh duck egg. How much in dollars does she make every day?",
    "Write a Python function `merge_intervals(intervals)` that merges overlapping intervals and \
     returns them sorted. Include unit tests.",
    "You are a customer service agent for an airline. The user wants to change reservation \
     4WZ9QK to an earlier flight on 2024-05-14. Follow the policy and use the tools.",
    "请一步一步地思考，并写出完整的推理过程：小明有15个苹果，给了小红3个，又买了8个，现在有多少个？",
    "Please act as an impartial judge and evaluate the quality of the responses provided by two \
     AI assistants to the user question displayed below. Output [[A]] or [[B]].",
    "Compose an engaging travel blog post about a recent trip to Hawaii, highlighting cultural \
     experiences and must-see attractions.",
];

fn bench_set(c: &mut Criterion, label: &str, prompts: &[String]) {
    let bytes: usize = prompts.iter().map(String::len).sum();
    eprintln!(
        "{label}: {} prompts, mean {} bytes",
        prompts.len(),
        bytes / prompts.len().max(1)
    );
    let mut group = c.benchmark_group(format!("content/{label}"));
    group.throughput(Throughput::Elements(prompts.len() as u64));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(20);
    let mut out = String::new();
    group.bench_function("skeleton", |b| {
        b.iter(|| {
            for prompt in prompts {
                skeleton_into(black_box(prompt), &mut out);
                black_box(&out);
            }
        })
    });
    let skeletons: Vec<String> = prompts
        .iter()
        .map(|p| hydrascope_core::content::skeleton(p))
        .collect();
    group.bench_function("minhash_of_skeleton", |b| {
        b.iter(|| {
            for skeleton in &skeletons {
                black_box(MinHash::of_skeleton(black_box(skeleton)));
            }
        })
    });
    group.bench_function("minhash_of_text", |b| {
        b.iter(|| {
            for prompt in prompts {
                black_box(MinHash::of_text(black_box(prompt)));
            }
        })
    });
    group.bench_function("prompt_sketch", |b| {
        b.iter(|| {
            for prompt in prompts {
                black_box(PromptSketch::of_prompt(black_box(prompt), None));
            }
        })
    });
    group.finish();
}

fn content(c: &mut Criterion) {
    let prompts = corpus();
    let short: Vec<String> = prompts
        .iter()
        .filter(|p| p.len() <= SHORT_BYTES)
        .cloned()
        .collect();
    bench_set(c, "short", &short);
    bench_set(c, "all", &prompts);
}

criterion_group!(benches, content);
criterion_main!(benches);
