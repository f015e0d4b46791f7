//! Options that several commands share, read and checked in one place.

use std::fs;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use hydrascope_core::policy::Policy;
use hydrascope_io::quarantine::BadInputPolicy;

/// The options of the commands that run detection (`scan`, `replay`, `demo`).
#[derive(Args, Debug, Clone)]
pub struct DetectionArgs {
    /// Response policy (TOML; see policy.example.toml). Default: the documented defaults.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Fail when more than this share of raw input records is bad (0.01 = 1%).
    #[arg(long, default_value_t = BadInputPolicy::default().max_bad_share)]
    pub max_bad_share: f64,
}

impl DetectionArgs {
    /// The policy file, validated, or the defaults.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        let Some(path) = &self.policy else {
            return Ok(Policy::default());
        };
        let text = fs::read_to_string(path)
            .with_context(|| format!("reading policy {}", path.display()))?;
        Policy::from_toml_str(&text).with_context(|| format!("policy {}", path.display()))
    }

    pub fn bad_input(&self) -> anyhow::Result<BadInputPolicy> {
        bad_input_policy(self.max_bad_share)
    }
}

/// The bad-input policy of `--max-bad-share`, which must be a share.
pub fn bad_input_policy(max_bad_share: f64) -> anyhow::Result<BadInputPolicy> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&max_bad_share),
        "--max-bad-share must be between 0 and 1, got {max_bad_share}"
    );
    Ok(BadInputPolicy { max_bad_share })
}
