//! Small simulations for the end-to-end tests, from the real corpora beside the repository.

use std::path::Path;

use super::common::{assert_success, hydrascope};

/// `--corpus DIR` for the real corpora when `../shared` is there; nothing otherwise, so that
/// the simulator uses its built-in fallback.
fn corpus_args() -> Vec<String> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    if corpus.is_dir() {
        vec!["--corpus".into(), corpus.to_string_lossy().into_owned()]
    } else {
        Vec::new()
    }
}

/// Simulates `scenario` at `scale` among `benign_accounts` honest accounts into `dir/sim`
/// (events.jsonl.zst, truth.jsonl, simulation.json).
pub fn simulate(dir: &Path, scenario: &str, scale: f64, benign_accounts: u32, seed: u64) {
    let (scale, benign_accounts, seed) = (
        scale.to_string(),
        benign_accounts.to_string(),
        seed.to_string(),
    );
    let mut args = vec![
        "simulate",
        "--scenario",
        scenario,
        "--scale",
        &scale,
        "--benign-accounts",
        &benign_accounts,
        "--seed",
        &seed,
        "--out",
        "sim",
    ];
    let corpus = corpus_args();
    args.extend(corpus.iter().map(String::as_str));
    assert_success(&hydrascope(&args, dir));
}
