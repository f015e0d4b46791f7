//! Per-account signals, each measured against the population scanned with it.
//!
//! A signal is one number about an account, oriented so that larger means "more like a
//! harvesting account". Its raw value only means something next to everyone else's: 40
//! exchanges a day is unremarkable for a provider whose developers all run agents, and
//! striking where most users chat. So every value is reported with its percentile in the
//! population ([`Population`]), and scoring reads percentiles, never raw thresholds.
//!
//! Percentiles are taken against the accounts with enough traffic to be judged
//! ([`MIN_EVENTS_TO_JUDGE`]): a two-event account has a "round the clock" entropy and a task
//! coverage by accident.

use crate::account::AccountSummary;
use crate::content::{Capability, Elicitation};

/// Accounts with fewer events are not judged on their own behaviour: their rates and shares
/// are noise. (They can still be attributed to a campaign through shared keys.)
pub const MIN_EVENTS_TO_JUDGE: u64 = 20;

/// Whether campaigns were reported to harvest a capability: software development, multi-step
/// reasoning, agentic tool use and computer use, vision, the model as a grader, "safe"
/// rewrites of sensitive questions, data analysis. General chat and creative writing are what
/// most honest traffic is, and are not targets.
pub fn is_harvest_target(capability: Capability) -> bool {
    !matches!(
        capability,
        Capability::GeneralChat | Capability::CreativeWriting
    )
}

/// One behaviour measured on every account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    /// Exchanges per active day: campaigns keep every account busy, within limits.
    DailyVolume,
    /// Share of the days between first and last use on which the account was active.
    DailyCoverage,
    /// How evenly activity spreads over the 24 hours: schedulers do not sleep.
    RoundTheClock,
    /// How regular the gaps between active periods are: balancers tick, people do not.
    Regularity,
    /// Share of exchanges that open a conversation: harvesting is mostly one-shot.
    SingleTurn,
    /// Distinct prompts per exchange: harvesters send each task once; harnesses repeat a set.
    TaskCoverage,
    /// How few template frames carry the traffic.
    TemplateConcentration,
    /// Share of exchanges aimed at capabilities campaigns harvest ([`is_harvest_target`]).
    TargetCapabilities,
    /// Share of exchanges that ask for the full reasoning (strong) or steps (weak, half
    /// weight).
    ReasoningElicitation,
    /// Share of exchanges with extended thinking requested.
    ExtendedThinking,
    /// Output tokens per input token: harvesters want long answers to short prompts.
    OutputPerInput,
    /// How new the account was when first used (1 at sign-up day, falling with age).
    Newness,
}

impl Signal {
    /// Every signal, in evidence order.
    pub const ALL: [Signal; 12] = [
        Signal::DailyVolume,
        Signal::DailyCoverage,
        Signal::RoundTheClock,
        Signal::Regularity,
        Signal::SingleTurn,
        Signal::TaskCoverage,
        Signal::TemplateConcentration,
        Signal::TargetCapabilities,
        Signal::ReasoningElicitation,
        Signal::ExtendedThinking,
        Signal::OutputPerInput,
        Signal::Newness,
    ];

    /// Stable snake-case name for verdicts and reports.
    pub fn name(self) -> &'static str {
        match self {
            Signal::DailyVolume => "daily_volume",
            Signal::DailyCoverage => "daily_coverage",
            Signal::RoundTheClock => "round_the_clock",
            Signal::Regularity => "regularity",
            Signal::SingleTurn => "single_turn",
            Signal::TaskCoverage => "task_coverage",
            Signal::TemplateConcentration => "template_concentration",
            Signal::TargetCapabilities => "target_capabilities",
            Signal::ReasoningElicitation => "reasoning_elicitation",
            Signal::ExtendedThinking => "extended_thinking",
            Signal::OutputPerInput => "output_per_input",
            Signal::Newness => "newness",
        }
    }

    /// Whether the signal shows harvesting itself: sending many distinct tasks once, or asking
    /// for the full reasoning. What an account asks *about* ([`Signal::TargetCapabilities`])
    /// does not: evaluation harnesses and coding agents ask about the same capabilities.
    pub fn shows_harvesting(self) -> bool {
        matches!(self, Signal::TaskCoverage | Signal::ReasoningElicitation)
    }

    /// The signal's value for an account, or `None` when the account lacks what it needs
    /// (no prompts to analyse, no sign-up time).
    pub fn measure(self, account: &AccountSummary) -> Option<f64> {
        let with_content = account.with_content > 0;
        match self {
            Signal::DailyVolume => {
                let days = account.activity.active_days();
                (days > 0).then(|| account.events as f64 / f64::from(days))
            }
            Signal::DailyCoverage => Some(account.activity.day_coverage()),
            Signal::RoundTheClock => Some(account.activity.hour_entropy()),
            Signal::Regularity => Some(1.0 / (1.0 + account.activity.gap_variation())),
            Signal::SingleTurn => Some(account.opening_share()),
            Signal::TaskCoverage => with_content.then(|| account.prompt_novelty()),
            Signal::TemplateConcentration => with_content.then(|| 1.0 - account.frame_novelty()),
            Signal::TargetCapabilities => with_content.then(|| target_share(account)),
            Signal::ReasoningElicitation => with_content.then(|| {
                account.elicitation_share(Elicitation::Strong)
                    + 0.5 * account.elicitation_share(Elicitation::Weak)
            }),
            Signal::ExtendedThinking => {
                Some(account.thinking as f64 / account.events.max(1) as f64)
            }
            Signal::OutputPerInput => (account.prompt_tokens > 0)
                .then(|| account.completion_tokens as f64 / account.prompt_tokens as f64),
            Signal::Newness => account
                .age_at_first_use_days()
                .map(|days| 1.0 / (1.0 + days.max(0.0))),
        }
    }
}

/// Share of analysed exchanges that touch at least one harvest target, estimated from the
/// per-capability counts: the largest target share is a lower bound and their sum an upper
/// bound; the lower bound is used so that multi-label prompts do not inflate it.
fn target_share(account: &AccountSummary) -> f64 {
    Capability::ALL
        .into_iter()
        .filter(|&c| is_harvest_target(c))
        .map(|c| account.capability_share(c))
        .fold(0.0, f64::max)
}

/// Every account's signal values with their population percentiles.
#[derive(Debug, Clone)]
pub struct Population {
    /// Sorted values of each signal over the judged accounts, indexed like [`Signal::ALL`].
    reference: Vec<Vec<f64>>,
    judged: usize,
}

impl Population {
    /// The reference distributions of a population of account summaries.
    pub fn of<'a>(accounts: impl IntoIterator<Item = &'a AccountSummary>) -> Self {
        let mut reference = vec![Vec::new(); Signal::ALL.len()];
        let mut judged = 0;
        for account in accounts {
            if account.events < MIN_EVENTS_TO_JUDGE {
                continue;
            }
            judged += 1;
            for (values, signal) in reference.iter_mut().zip(Signal::ALL) {
                if let Some(value) = signal.measure(account) {
                    values.push(value);
                }
            }
        }
        for values in &mut reference {
            values.sort_by(f64::total_cmp);
        }
        Population { reference, judged }
    }

    /// This population with `signal` measured against `other` instead.
    pub fn with_signal_from(mut self, signal: Signal, other: &Population) -> Self {
        self.reference[signal as usize] = other.reference[signal as usize].clone();
        self
    }

    /// Accounts with enough traffic to be judged.
    pub fn judged(&self) -> usize {
        self.judged
    }

    /// Share of judged accounts whose value is strictly below `value` (0 when none has the
    /// signal). Strictly: when most accounts share a value (no extended thinking at all, say),
    /// having it is not rare, so ties never push an account into the tail.
    pub fn percentile(&self, signal: Signal, value: f64) -> f64 {
        let values = &self.reference[signal as usize];
        if values.is_empty() {
            return 0.0;
        }
        let below = values.partition_point(|v| v.total_cmp(&value).is_lt());
        below as f64 / values.len() as f64
    }

    /// The population median of a signal, for evidence ("median account: …").
    pub fn median(&self, signal: Signal) -> Option<f64> {
        let values = &self.reference[signal as usize];
        values.get(values.len() / 2).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_traffic::{HOUR, T0, summary_of};
    use hydrascope_events::Event;

    fn account(events: impl IntoIterator<Item = (i64, String)>) -> AccountSummary {
        summary_of(&Event::new(T0, "a"), events)
    }

    fn chatter(seed: i64) -> AccountSummary {
        account((0..30).map(|i| {
            let day = i / 5;
            (
                T0 + day * 2 * 24 * HOUR + (18 + i % 5) * HOUR + seed * 60_000,
                format!(
                    "Can you suggest a name for my cat number {}?",
                    (i * 7 + seed) % 9
                ),
            )
        }))
    }

    fn harvester() -> AccountSummary {
        account((0..400).map(|i| {
            (
                T0 + i * HOUR / 3,
                format!(
                    "Write a Python function that returns the {i}th prime number. Think step \
                     by step and show your complete reasoning before the code."
                ),
            )
        }))
    }

    #[test]
    fn a_harvester_sits_in_the_top_tail_of_its_population() {
        let chatters: Vec<AccountSummary> = (0..50).map(chatter).collect();
        let harvester = harvester();
        let population = Population::of(chatters.iter().chain([&harvester]));
        assert_eq!(population.judged(), 51);
        for signal in [
            Signal::DailyVolume,
            Signal::RoundTheClock,
            Signal::TaskCoverage,
            Signal::TargetCapabilities,
            Signal::ReasoningElicitation,
        ] {
            let value = signal.measure(&harvester).unwrap();
            // Every one of the 50 other accounts is below it.
            let percentile = population.percentile(signal, value);
            assert_eq!(percentile, 50.0 / 51.0, "{}", signal.name());
        }
    }

    #[test]
    fn a_value_most_accounts_share_is_not_in_the_tail() {
        let chatters: Vec<AccountSummary> = (0..50).map(chatter).collect();
        let population = Population::of(&chatters);
        assert_eq!(population.percentile(Signal::ExtendedThinking, 0.0), 0.0);
    }

    #[test]
    fn accounts_with_too_little_traffic_are_not_part_of_the_reference() {
        let tiny = account([(T0, "hello".to_owned())]);
        let population = Population::of([&tiny]);
        assert_eq!(population.judged(), 0);
        assert_eq!(population.percentile(Signal::DailyVolume, 5.0), 0.0);
    }

    #[test]
    fn signals_without_their_inputs_are_absent_not_zero() {
        let mut summary = AccountSummary::default();
        summary.observe(&Event::new(T0, "a"), None);
        assert_eq!(Signal::TaskCoverage.measure(&summary), None);
        assert_eq!(Signal::Newness.measure(&summary), None);
        assert_eq!(Signal::SingleTurn.measure(&summary), Some(1.0));
    }

    #[test]
    fn signal_names_are_distinct() {
        let mut names: Vec<&str> = Signal::ALL.iter().map(|s| s.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Signal::ALL.len());
    }
}
