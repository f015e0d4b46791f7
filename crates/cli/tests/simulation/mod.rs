//! Small simulations for the end-to-end tests, from the real corpora beside the repository.

use std::path::Path;

use super::common::{assert_success, hydrascope};

/// Simulates the deepseek-2026 campaign at `scale` among `benign_accounts` honest accounts
/// into `dir/sim` (events.jsonl.zst, truth.jsonl, simulation.json).
pub fn simulate_deepseek(dir: &Path, scale: f64, benign_accounts: u32, seed: u64) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    let sim = hydrascope(
        &[
            "simulate",
            "--scenario",
            "deepseek-2026",
            "--scale",
            &scale.to_string(),
            "--benign-accounts",
            &benign_accounts.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
            "sim",
            "--corpus",
            corpus.to_str().unwrap(),
        ],
        dir,
    );
    assert_success(&sim);
}
