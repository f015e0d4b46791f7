//! From signals to a score in [0, 1], with the evidence that produced it.
//!
//! The score is built so that it can be explained in one sentence to someone who is not an
//! engineer: *an account is flagged when the evidence against it adds up to about four
//! independent signals each in the top 1% of the accounts scanned with it.*
//!
//! - Each signal's **strength** is how deep in the population's tail the account sits: 0 up to
//!   the 90th percentile, 1 at the 99th, 2 at the 99.9th (capped there, so one extreme value
//!   cannot carry a verdict alone).
//! - Signals are grouped by what they describe — what the account asks for (content), how
//!   machine-like its traffic is (automation), and the account itself — and each group
//!   contributes its two strongest signals, so that five correlated schedule signals do not
//!   count five times. How much an account asks of the model (its volume, long answers,
//!   extended thinking) is measured but not scored ([`Facet::Demand`]).
//! - **Harvesting needs content.** Without evidence of what is harvested — targeted
//!   capabilities, never-repeated tasks, requests for the full reasoning — (a health check, a
//!   busy reseller, a round-the-clock integration), the evidence is capped below the flagging
//!   level: schedules, demand and infrastructure alone describe automation, not distillation.
//! - **An operator needs fresh identities.** Campaigns run on accounts opened for the purpose,
//!   shortly before use and in batches. Evidence is also capped below the flagging level
//!   unless the account was new when first used (newness in the tail). Honest heavy users —
//!   a team's coding agents, an evaluation harness, an enterprise pipeline — are established
//!   accounts; they can be monitored, never flagged, on behaviour alone. A sign-up burst
//!   ([`crate::signup`]) does not open this gate by itself: a university class signs up
//!   together in September and uses its accounts all year.
//! - **Groups corroborate.** An account in a coordinated group (shared rare infrastructure,
//!   lockstep, shared templates) gains evidence in proportion to the group's size and to how
//!   many of its members are gated in themselves (content and identity evidence); a group of
//!   honest accounts (a team, a reseller's customers) gains little because its members are
//!   not.
//!
//! The total evidence `T` maps to `score = 1 − exp(−T / EVIDENCE_SCALE)`, with the scale set so
//! that `T = 4` gives the default flag threshold 0.8.

use crate::account::AccountSummary;
use crate::signals::{Population, Signal};

/// Percentile below which a value is ordinary and carries no strength.
const TAIL_START: f64 = 0.9;
/// Strength at which one signal is capped (the 99.9th percentile).
const MAX_STRENGTH: f64 = 2.0;
/// Evidence without both content and identity evidence is capped here (score ≈ 0.55:
/// monitor at most).
const MAX_EVIDENCE_UNGATED: f64 = 2.0;
/// Group evidence is capped here: a group corroborates, it does not convict alone.
const MAX_GROUP_EVIDENCE: f64 = 2.0;
/// `1 − exp(−4 / scale) = 0.8`: four top-1% signals reach the default flag threshold.
pub const EVIDENCE_SCALE: f64 = 2.485_339_738_947_121;

/// What a signal describes, for grouping its evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    /// What the account asks for: the harvest itself.
    Content,
    /// How machine-like its traffic is: schedule, coverage of the day, one-shot exchanges, few
    /// templates.
    Automation,
    /// The account itself.
    Account,
    /// How much the account asks of the model: its daily volume, long answers to short
    /// prompts, extended thinking. Measured and kept for context, never scored. Harvesters
    /// want much and long, but so do honest heavy users — a class's homework questions, a
    /// coding agent's thinking budget, a new coding-agent user's 1,300 exchanges a day — and
    /// counted as evidence these flagged exactly those; a campaign, meanwhile, spreads its
    /// volume over accounts that each look like a light user.
    Demand,
}

impl Facet {
    /// The facet of a signal.
    pub fn of(signal: Signal) -> Facet {
        match signal {
            Signal::TaskCoverage | Signal::TargetCapabilities | Signal::ReasoningElicitation => {
                Facet::Content
            }
            Signal::DailyVolume | Signal::ExtendedThinking | Signal::OutputPerInput => {
                Facet::Demand
            }
            Signal::DailyCoverage
            | Signal::RoundTheClock
            | Signal::Regularity
            | Signal::SingleTurn
            | Signal::TemplateConcentration => Facet::Automation,
            Signal::Newness => Facet::Account,
        }
    }

    /// How many of the facet's strongest signals count.
    fn counted(self) -> usize {
        match self {
            Facet::Content | Facet::Automation => 2,
            Facet::Account => 1,
            Facet::Demand => 0,
        }
    }
}

/// One signal's measurement for one account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    pub signal: Signal,
    pub value: f64,
    pub percentile: f64,
    pub strength: f64,
}

/// An account's own evidence, before any group corroboration.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Every measured signal, strongest first.
    pub evidence: Vec<Evidence>,
    /// The sum of the counted strengths, capped unless both gates are open.
    pub individual: f64,
    /// True when a signal that shows harvesting itself ([`Signal::shows_harvesting`]) is in
    /// the tail.
    pub has_content_evidence: bool,
    /// True when the account was new when first used (newness in the tail).
    pub has_identity_evidence: bool,
    /// True when this is the assessment of the account's group's pooled traffic
    /// ([`Assessment::of_pool`]), lent to an account too small to be judged alone.
    pub pooled: bool,
}

impl Assessment {
    /// Assesses an account against its population. Accounts too small to be judged get no
    /// evidence (they can still be attributed through a group).
    pub fn of(account: &AccountSummary, population: &Population) -> Assessment {
        Self::assess(account, population, false)
    }

    /// Assesses the pooled traffic of a coordinated group (the merge of its members'
    /// summaries), for members too small to be judged alone: each account of a campaign may
    /// look like a light user, and only the whole shows. Only what the traffic asks for
    /// (content) and how new the identity is (account) count: a pool's volume and schedule
    /// measure the group's size, not automation. Only members with a fresh identity of their
    /// own ([`has_fresh_identity`]) take it: a reseller's established customers, linked into
    /// the group of a campaign that hides among them, must not inherit its evidence.
    pub fn of_pool(pool: &AccountSummary, population: &Population) -> Assessment {
        Self::assess(pool, population, true)
    }

    fn assess(account: &AccountSummary, population: &Population, pooled: bool) -> Assessment {
        let judged = account.events >= crate::signals::MIN_EVENTS_TO_JUDGE;
        let mut evidence: Vec<Evidence> = Signal::ALL
            .iter()
            .filter(|_| judged)
            .filter(|&&signal| !(pooled && Facet::of(signal) == Facet::Automation))
            .filter_map(|&signal| {
                let value = signal.measure(account)?;
                let percentile = population.percentile(signal, value);
                let strength = tail_strength(percentile, population.judged());
                Some(Evidence {
                    signal,
                    value,
                    percentile,
                    strength,
                })
            })
            .collect();
        evidence.sort_by(|a, b| b.strength.total_cmp(&a.strength));
        let has_content_evidence = evidence
            .iter()
            .any(|e| e.strength > 0.0 && e.signal.shows_harvesting());
        let has_identity_evidence = evidence
            .iter()
            .any(|e| e.strength > 0.0 && Facet::of(e.signal) == Facet::Account);
        let total = counted_total(&evidence);
        let individual = if has_content_evidence && has_identity_evidence {
            total
        } else {
            total.min(MAX_EVIDENCE_UNGATED)
        };
        Assessment {
            evidence,
            individual,
            has_content_evidence,
            has_identity_evidence,
            pooled,
        }
    }

    /// Whether both gates are open: the account shows harvesting and a fresh identity, so its
    /// evidence may reach the flagging level.
    pub fn is_gated_in(&self) -> bool {
        self.has_content_evidence && self.has_identity_evidence
    }

    /// The signals in the tail, for the verdict's evidence list.
    pub fn strong_evidence(&self) -> impl Iterator<Item = &Evidence> {
        self.evidence
            .iter()
            .filter(|e| e.strength > 0.0 && Facet::of(e.signal).counted() > 0)
    }
}

/// The sum of the strengths that count: each facet's strongest signals, as many as it counts
/// ([`Facet::counted`]). `evidence` is sorted strongest first.
fn counted_total(evidence: &[Evidence]) -> f64 {
    [
        Facet::Content,
        Facet::Automation,
        Facet::Account,
        Facet::Demand,
    ]
    .into_iter()
    .map(|facet| {
        evidence
            .iter()
            .filter(|e| Facet::of(e.signal) == facet)
            .take(facet.counted())
            .map(|e| e.strength)
            .sum::<f64>()
    })
    .sum()
}

/// Whether an account was new when first used, measured against the population whatever its
/// traffic: sign-up and first-use times need no volume to mean something.
pub fn has_fresh_identity(account: &AccountSummary, population: &Population) -> bool {
    Signal::Newness.measure(account).is_some_and(|value| {
        let percentile = population.percentile(Signal::Newness, value);
        tail_strength(percentile, population.judged()) > 0.0
    })
}

/// The corroboration a coordinated group gives each of its members that is gated in itself
/// ([`Assessment::is_gated_in`]): log10 of the number of such members (10 give 1, 100 give 2),
/// capped. Counting them rather than their share of the group resists camouflage: honest
/// accounts linked into a campaign's group (a reseller's customers it hides among) do not
/// dilute it. A member that shows nothing itself gets nothing: a group corroborates what its
/// members show, it does not convict.
pub fn group_evidence(members_gated_in: usize) -> f64 {
    if members_gated_in < 2 {
        return 0.0;
    }
    (members_gated_in as f64).log10().min(MAX_GROUP_EVIDENCE)
}

/// The score of an account from its own evidence and its group's.
pub fn score(individual: f64, group: f64) -> f64 {
    1.0 - (-(individual + group) / EVIDENCE_SCALE).exp()
}

/// Depth in the tail: 0 up to [`TAIL_START`], +1 per factor of ten rarer, capped. The rarity
/// (share of accounts at or above the value) is floored at one account in the population, so
/// a population of 50 cannot produce the strength of a population of 50,000.
fn tail_strength(percentile: f64, population: usize) -> f64 {
    let rarity = (1.0 - percentile).max(1.0 / (population as f64 + 1.0));
    ((1.0 - TAIL_START) / rarity)
        .log10()
        .clamp(0.0, MAX_STRENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::Mergeable;
    use crate::test_traffic::{DAY, HOUR, T0, summary_of};

    #[test]
    fn four_top_percent_signals_reach_the_default_flag_threshold() {
        assert!((score(4.0, 0.0) - 0.8).abs() < 1e-9);
        assert!(score(3.0, 0.0) < 0.8);
        assert_eq!(score(0.0, 0.0), 0.0);
    }

    #[test]
    fn strength_grows_by_one_per_factor_of_ten_in_the_tail() {
        let n = 100_000;
        assert_eq!(tail_strength(0.5, n), 0.0);
        assert!((tail_strength(0.99, n) - 1.0).abs() < 1e-9);
        assert!((tail_strength(0.999, n) - 2.0).abs() < 1e-9);
        assert_eq!(tail_strength(1.0, n), MAX_STRENGTH);
    }

    #[test]
    fn a_small_population_cannot_claim_deep_tails() {
        assert!(tail_strength(1.0, 50) < 0.8);
    }

    #[test]
    fn groups_corroborate_by_the_number_of_members_gated_in() {
        assert_eq!(group_evidence(1), 0.0);
        assert!((group_evidence(100) - 2.0).abs() < 1e-9);
        assert!((group_evidence(10) - 1.0).abs() < 1e-9);
        assert_eq!(group_evidence(0), 0.0);
        assert_eq!(group_evidence(1_000_000), MAX_GROUP_EVIDENCE);
    }

    /// An account opened at `created` that sent `events`.
    fn summary(created: i64, events: impl IntoIterator<Item = (i64, String)>) -> AccountSummary {
        let mut template = hydrascope_events::Event::new(T0, "a");
        template.account_created = Some(created);
        summary_of(&template, events)
    }

    /// An established account (opened a year or two ago) that chats in the evenings.
    fn chatter(seed: i64) -> AccountSummary {
        summary(
            T0 - (365 + seed) * DAY,
            (0..30).map(|i| {
                let ts = T0 + (i / 5) * 48 * HOUR + (18 + i % 5) * HOUR + seed * 60_000;
                (
                    ts,
                    format!("What should I cook tonight, idea {}?", (i + seed) % 7),
                )
            }),
        )
    }

    /// A request for code with the full reasoning, for task `i`.
    fn harvest_prompt(i: i64) -> String {
        format!(
            "Implement a function that parses log line {i} in Rust. Think step by step and show \
             your complete reasoning before the code."
        )
    }

    /// Round-the-clock harvest requests.
    fn harvest(created: i64) -> AccountSummary {
        summary(
            created,
            (0..500).map(|i| (T0 + i * HOUR / 4, harvest_prompt(i))),
        )
    }

    #[test]
    fn a_pool_of_light_accounts_is_judged_on_content_and_identity_only() {
        let chatters: Vec<AccountSummary> = (0..300).map(chatter).collect();
        let population = Population::of(&chatters);
        let mut pool = AccountSummary::default();
        for account in 0..10 {
            let light = summary(
                T0 - DAY,
                (0..5).map(|i| {
                    (
                        T0 + (account * 5 + i) * HOUR,
                        harvest_prompt(account * 5 + i),
                    )
                }),
            );
            assert!(Assessment::of(&light, &population).evidence.is_empty());
            pool.merge(light);
        }
        let assessment = Assessment::of_pool(&pool, &population);
        assert!(
            assessment.pooled && assessment.is_gated_in(),
            "{assessment:?}"
        );
        assert!(
            assessment
                .evidence
                .iter()
                .all(|e| Facet::of(e.signal) != Facet::Automation)
        );
    }

    #[test]
    fn content_schedule_and_identity_evidence_add_up_for_a_harvester() {
        let chatters: Vec<AccountSummary> = (0..300).map(chatter).collect();
        let harvester = harvest(T0 - DAY);
        let population = Population::of(chatters.iter().chain([&harvester]));
        let assessment = Assessment::of(&harvester, &population);
        assert!(assessment.is_gated_in(), "{assessment:?}");
        assert!(assessment.individual >= 3.0, "{assessment:?}");
        let ordinary = Assessment::of(&chatters[150], &population);
        assert!(ordinary.individual < 1.0, "{ordinary:?}");
    }

    #[test]
    fn an_established_account_is_not_flagged_on_behaviour_alone() {
        let chatters: Vec<AccountSummary> = (0..300).map(chatter).collect();
        let established = harvest(T0 - 700 * DAY);
        let population = Population::of(chatters.iter().chain([&established]));
        let assessment = Assessment::of(&established, &population);
        assert!(assessment.has_content_evidence && !assessment.has_identity_evidence);
        assert!(score(assessment.individual, 0.0) < 0.8, "{assessment:?}");
    }

    #[test]
    fn automation_without_content_evidence_stays_below_flagging() {
        let chatters: Vec<AccountSummary> = (0..300).map(chatter).collect();
        let health_check = summary(
            T0 - DAY,
            (0..2_000).map(|i| (T0 + i * 600_000, "ping".to_owned())),
        );
        let population = Population::of(chatters.iter().chain([&health_check]));
        let assessment = Assessment::of(&health_check, &population);
        assert!(!assessment.has_content_evidence);
        assert!(assessment.individual <= MAX_EVIDENCE_UNGATED);
        assert!(score(assessment.individual, 0.0) < 0.8);
    }

    #[test]
    fn how_much_an_account_sends_is_reported_but_adds_no_evidence() {
        let chatters: Vec<AccountSummary> = (0..300).map(chatter).collect();
        let harvester = harvest(T0 - DAY);
        let population = Population::of(chatters.iter().chain([&harvester]));
        let assessment = Assessment::of(&harvester, &population);
        let (volume, rest): (Vec<Evidence>, Vec<Evidence>) = assessment
            .evidence
            .iter()
            .partition(|e| e.signal == Signal::DailyVolume);
        assert!(volume[0].strength > 0.0, "{assessment:?}");
        assert_eq!(counted_total(&rest), counted_total(&assessment.evidence));
        assert!(
            assessment
                .strong_evidence()
                .all(|e| e.signal != Signal::DailyVolume)
        );
    }

    #[test]
    fn a_new_harness_repeating_a_coding_benchmark_is_not_gated_in() {
        let chatters: Vec<AccountSummary> = (0..300).map(chatter).collect();
        // Fresh, round the clock, all about code — but the same twenty tasks over and over,
        // without asking for the reasoning.
        let harness = summary(
            T0 - DAY,
            (0..500).map(|i| {
                let task = i % 20;
                let prompt = format!("Implement function number {task} of the suite in Rust.");
                (T0 + i * HOUR / 4, prompt)
            }),
        );
        let population = Population::of(chatters.iter().chain([&harness]));
        let assessment = Assessment::of(&harness, &population);
        let targets = assessment
            .evidence
            .iter()
            .find(|e| e.signal == Signal::TargetCapabilities);
        assert!(targets.is_some_and(|e| e.strength > 0.0), "{assessment:?}");
        assert!(assessment.has_identity_evidence && !assessment.is_gated_in());
        assert!(assessment.individual <= MAX_EVIDENCE_UNGATED);
    }
}
