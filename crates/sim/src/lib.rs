//! A deterministic traffic simulator with ground truth, for developing and evaluating
//! detectors of distillation campaigns.
//!
//! It produces the API traffic a model provider would log from 15 April to 5 June 2026 (a
//! week of honest traffic, then the six weeks of the reported campaigns): a benign
//! population — ordinary users plus hard negatives that look automated but are legitimate
//! (evaluation harnesses, nightly batch jobs, coding agents, university classes, resellers,
//! health checks) — and, per [`Scenario`], the distillation campaigns reported in 2026 with
//! their evasions ([`Knobs`]). Every account's true role is returned as a [`TruthRecord`].
//!
//! **For:** reproducible benchmarks and tests of detection (same seed, same stream), built on
//! real prompts, real per-client request rates, real token counts and real IP ranges from a
//! corpus directory. **Not for:** forecasting real traffic volumes, or training content
//! classifiers — prompt text is real but simplified (long prompts are cut, answers are not
//! generated), and the campaigns follow public reports, not private data.
//!
//! The crate does no I/O besides reading the corpus: [`simulate`] hands events, in
//! non-decreasing time order, to a callback, so the caller picks the writer.
//!
//! ```
//! use hydrascope_sim::{Corpus, KnobOverrides, Scenario, SimConfig, simulate};
//!
//! let config = SimConfig {
//!     scenario: Scenario::Deepseek2026,
//!     scale: 0.01,
//!     seed: 7,
//!     benign_accounts: 50,
//!     knobs: KnobOverrides::default(),
//!     corpus: Corpus::built_in(),
//! };
//! let mut events = 0u64;
//! let report = simulate(&config, |_event| { events += 1; Ok::<(), std::convert::Infallible>(()) }, |_| {})
//!     .unwrap();
//! assert_eq!(report.events, events);
//! ```
//!
//! Modules: [`corpus`] loads the real material; `clock`, `network` and `text` model time,
//! addresses and software, and prompt wording; `population` builds and drives benign
//! accounts, `campaigns` the hydra clusters; [`scenario`] is the catalog of campaigns and
//! [`knobs`] their evasions; `emission` runs the day-by-day loop.

mod campaigns;
mod clock;
pub mod corpus;
mod emission;
mod error;
pub mod knobs;
mod names;
mod network;
mod population;
mod rng;
pub mod scenario;
mod text;

use std::collections::BTreeMap;

use hydrascope_events::{EpochMillis, Event, TruthRecord};

pub use clock::{WINDOW_DAYS, WINDOW_END, WINDOW_START};
pub use corpus::{Corpus, CorpusSource};
pub use error::SimError;
pub use knobs::{Evasion, KnobOverrides, Knobs, Payment, Proxy, Timing};
pub use names::UnknownName;
pub use population::Tier;
pub use scenario::{Campaign, Persona, Scenario};

/// What to simulate.
#[derive(Debug)]
pub struct SimConfig {
    pub scenario: Scenario,
    /// Campaign size relative to the reported one: multiplies a campaign's accounts (at
    /// least three are kept) and so its exchanges; per-account rates and dates stay.
    pub scale: f64,
    /// Same seed, same events, on every platform.
    pub seed: u64,
    /// Size of the benign population (hard negatives included).
    pub benign_accounts: usize,
    /// Knob overrides applied to every campaign.
    pub knobs: KnobOverrides,
    /// The material prompts, rates and networks are drawn from.
    pub corpus: Corpus,
}

/// Accounts and events of one group of the population.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub accounts: u64,
    pub events: u64,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct SimReport {
    /// One record per account, campaign and persona.
    pub truth: Vec<TruthRecord>,
    /// The simulated window, `[window_start, window_end)`.
    pub window_start: EpochMillis,
    pub window_end: EpochMillis,
    /// Events emitted.
    pub events: u64,
    /// Per campaign of the scenario.
    pub campaigns: BTreeMap<Campaign, Count>,
    /// Per benign persona.
    pub benign: BTreeMap<Persona, Count>,
    /// Which corpus the run drew on.
    pub corpus: CorpusSource,
}

/// Runs the simulation, handing every event to `emit` in non-decreasing `ts` order and the
/// running event count to `progress` now and then. Stops at the first error of `emit`.
pub fn simulate<E>(
    config: &SimConfig,
    emit: impl FnMut(&Event) -> Result<(), E>,
    progress: impl FnMut(u64),
) -> Result<SimReport, SimError<E>> {
    validate(config).map_err(SimError::Config)?;
    let mut population = population::Population::build(config);
    let tally = emission::run(&mut population, emit, progress).map_err(SimError::Emit)?;
    let mut report = SimReport {
        truth: Vec::with_capacity(population.accounts.len()),
        window_start: WINDOW_START,
        window_end: WINDOW_END,
        events: tally.total,
        campaigns: BTreeMap::new(),
        benign: BTreeMap::new(),
        corpus: config.corpus.source(),
    };
    for (account, &events) in population.accounts.iter().zip(&tally.per_account) {
        let campaign = population.campaign_of(account);
        let count = match campaign {
            Some(campaign) => report.campaigns.entry(campaign).or_default(),
            None => report.benign.entry(account.persona).or_default(),
        };
        count.accounts += 1;
        count.events += events;
        report.truth.push(TruthRecord {
            account_id: account.id.clone(),
            campaign: campaign.map(|c| c.name().to_owned()),
            persona: account.persona.name().to_owned(),
        });
    }
    Ok(report)
}

fn validate(config: &SimConfig) -> Result<(), String> {
    if !(config.scale.is_finite() && config.scale > 0.0) {
        return Err(format!(
            "scale must be a positive number, got {}",
            config.scale
        ));
    }
    config.knobs.validate()
}
