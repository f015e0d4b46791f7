//! The scenario catalog: the campaigns publicly reported in 2026, each with its size, dates,
//! account kinds and default evasions, and the model catalog they run against.
//!
//! Sizes are the reported ones at `--scale 1`. Only qwen's dates were reported (22 April to
//! 5 June 2026); deepseek, moonshot and minimax are placed inside the same six-week window,
//! minimax so that it spans the mid-window model release its pivot was reported around.

use crate::clock::LEAD_IN_DAYS;
use crate::knobs::{Knobs, Payment, Proxy, Timing};
use crate::names::named_enum;
use crate::text::TaskKind;

named_enum! {
    /// What a simulation contains besides the benign population.
    pub enum Scenario as "scenario" {
        /// Benign traffic only, hard negatives included: the false-positive baseline.
        Baseline => "baseline",
        /// ~150,000 exchanges from ~300 accounts over three weeks (25 April – 15 May):
        /// step-by-step reasoning in English and Chinese, rubric grading (the model as a
        /// reward model) and censorship-safe rewrites of politically sensitive questions;
        /// accounts in lockstep, shared payment. Defaults: paraphrase 0.1, datacenter,
        /// round-robin, shared payment, no reseller, no filler.
        Deepseek2026 => "deepseek-2026",
        /// ~3.4M exchanges from ~700 accounts of several kinds over four weeks (29 April –
        /// 26 May): agentic reasoning and tool use, coding, data analysis, computer use and
        /// vision. Defaults: paraphrase 0.3, residential, bursty, pooled payment, no
        /// reseller, 5% filler.
        Moonshot2026 => "moonshot-2026",
        /// ~13M exchanges from ~23,000 accounts over four weeks (1 – 28 May): agentic coding
        /// and tool orchestration; when the new model is released (14 May) about half the
        /// campaign's traffic moves to it within 24 hours. Defaults: paraphrase 0.2,
        /// datacenter, round-robin, pooled payment, 10% through a reseller, no filler.
        Minimax2026 => "minimax-2026",
        /// ~28.8M exchanges from ~25,000 accounts, 22 April – 5 June (about 26 exchanges
        /// per account per day): software development, multi-step reasoning and agentic
        /// tasks through proxies and obfuscation. Defaults: paraphrase 0.5, rotating
        /// proxies, bursty, pooled payment, 10% through a reseller, 10% filler.
        Qwen2026 => "qwen-2026",
        /// Every campaign at once inside one benign population.
        All => "all",
    }
}

named_enum! {
    /// A distillation campaign, as named in ground truth (`campaign`).
    pub enum Campaign as "campaign" {
        Deepseek2026 => "deepseek-2026",
        Moonshot2026 => "moonshot-2026",
        Minimax2026 => "minimax-2026",
        Qwen2026 => "qwen-2026",
    }
}

impl Scenario {
    /// The campaigns the scenario runs.
    pub fn campaigns(self) -> &'static [Campaign] {
        match self {
            Scenario::Baseline => &[],
            Scenario::Deepseek2026 => &[Campaign::Deepseek2026],
            Scenario::Moonshot2026 => &[Campaign::Moonshot2026],
            Scenario::Minimax2026 => &[Campaign::Minimax2026],
            Scenario::Qwen2026 => &[Campaign::Qwen2026],
            Scenario::All => Campaign::ALL,
        }
    }
}

named_enum! {
    /// What kind of user an account simulates, as named in ground truth (`persona`).
    pub enum Persona as "persona" {
        /// Occasional chat in a browser or app: a handful of exchanges on active days.
        CasualChat => "casual-chat",
        /// Programmers trying things from scripts and SDKs.
        Developer => "developer",
        /// A product's backend serving its own users.
        AppBackend => "app-backend",
        /// Hard negative: re-runs public benchmarks from servers, the same set each run, and
        /// evaluates a new model within a day of its release.
        EvalHarness => "eval-harness",
        /// Hard negative: one template over many documents, nightly, through the batch API.
        EnterpriseBatch => "enterprise-batch",
        /// Hard negative: long tool-using sessions with extended thinking in working hours.
        CodingAgent => "coding-agent",
        /// Hard negative: a class of education accounts opened the same day behind one campus
        /// network, sending the same homework in class hours.
        UniversityClass => "university-class",
        /// Hard negative: an org serving many end users from a few servers, round the clock.
        Reseller => "reseller",
        /// Hard negative: identical tiny prompts at fixed intervals from many accounts.
        HealthCheck => "health-check",
        /// Campaign account harvesting step-by-step reasoning.
        HydraWorker => "hydra-worker",
        /// Campaign account using the model as a grader (reward model).
        HydraGrader => "hydra-grader",
        /// Campaign account collecting censorship-safe rewrites.
        HydraRewriter => "hydra-rewriter",
        /// Campaign account harvesting agentic tool use.
        HydraAgent => "hydra-agent",
        /// Campaign account harvesting code and coding-agent sessions.
        HydraCoder => "hydra-coder",
        /// Campaign account harvesting data analysis.
        HydraAnalyst => "hydra-analyst",
        /// Campaign account harvesting computer use and vision.
        HydraOperator => "hydra-operator",
    }
}

/// The flagship model before the release.
pub(crate) const MODEL_LARGE: &str = "frontier-4-pro";
/// The small, cheap model.
pub(crate) const MODEL_SMALL: &str = "frontier-4-mini";
/// The model released mid-window ([`crate::clock::RELEASE`]).
pub(crate) const MODEL_NEW: &str = "frontier-5-pro";

/// One kind of account in a campaign.
#[derive(Debug)]
pub(crate) struct AccountKind {
    pub(crate) persona: Persona,
    /// Share of the campaign's accounts of this kind.
    pub(crate) share: f64,
    /// The work it harvests, with weights.
    pub(crate) tasks: &'static [(TaskKind, f64)],
    /// Mean turns per conversation (1 for single-shot harvesting).
    pub(crate) turns: f64,
    /// Share of conversations with extended thinking requested.
    pub(crate) thinking: f64,
}

/// A pivot to the new model.
#[derive(Debug)]
pub(crate) struct Pivot {
    /// Share of accounts that switch.
    pub(crate) accounts: f64,
    /// Hours after the release by which they have switched.
    pub(crate) within_hours: i64,
}

/// A campaign as reported.
#[derive(Debug)]
pub(crate) struct CampaignSpec {
    pub(crate) accounts: u32,
    pub(crate) exchanges: u64,
    /// Window day of the first exchange; the reported days are counted after the lead-in.
    pub(crate) first_day: u32,
    pub(crate) days: u32,
    pub(crate) kinds: &'static [AccountKind],
    pub(crate) knobs: Knobs,
    /// Share of prompts an operator writes in Chinese.
    pub(crate) chinese: f64,
    /// Where the operator works, for human-like timing.
    pub(crate) operator_country: &'static str,
    pub(crate) pivot: Option<Pivot>,
}

impl CampaignSpec {
    /// Exchanges per account per active day, which scaling keeps.
    pub(crate) fn daily_rate(&self) -> f64 {
        self.exchanges as f64 / (self.accounts as f64 * self.days as f64)
    }
}

const fn kind(
    persona: Persona,
    share: f64,
    tasks: &'static [(TaskKind, f64)],
    turns: f64,
    thinking: f64,
) -> AccountKind {
    AccountKind {
        persona,
        share,
        tasks,
        turns,
        thinking,
    }
}

static DEEPSEEK: CampaignSpec = CampaignSpec {
    accounts: 300,
    exchanges: 150_000,
    first_day: LEAD_IN_DAYS + 3,
    days: 21,
    kinds: &[
        kind(
            Persona::HydraWorker,
            0.5,
            &[(TaskKind::StepByStep, 1.0)],
            1.0,
            0.7,
        ),
        kind(
            Persona::HydraGrader,
            0.3,
            &[(TaskKind::RubricGrading, 1.0)],
            1.0,
            0.3,
        ),
        kind(
            Persona::HydraRewriter,
            0.2,
            &[(TaskKind::CensorshipRewrite, 1.0)],
            1.0,
            0.2,
        ),
    ],
    knobs: Knobs {
        paraphrase: 0.1,
        proxy: Proxy::Datacenter,
        timing: Timing::RoundRobin,
        payment: Payment::Shared,
        reseller_share: 0.0,
        filler: 0.0,
    },
    chinese: 0.5,
    operator_country: "CN",
    pivot: None,
};

static MOONSHOT: CampaignSpec = CampaignSpec {
    accounts: 700,
    exchanges: 3_400_000,
    first_day: LEAD_IN_DAYS + 7,
    days: 28,
    kinds: &[
        kind(
            Persona::HydraAgent,
            0.35,
            &[(TaskKind::AgenticTools, 0.7), (TaskKind::StepByStep, 0.3)],
            4.0,
            0.6,
        ),
        kind(
            Persona::HydraCoder,
            0.3,
            &[(TaskKind::Coding, 0.6), (TaskKind::AgenticCoding, 0.4)],
            3.0,
            0.5,
        ),
        kind(
            Persona::HydraAnalyst,
            0.15,
            &[(TaskKind::DataAnalysis, 1.0)],
            1.5,
            0.4,
        ),
        kind(
            Persona::HydraOperator,
            0.2,
            &[(TaskKind::ComputerUse, 0.6), (TaskKind::Vision, 0.4)],
            3.0,
            0.3,
        ),
    ],
    knobs: Knobs {
        paraphrase: 0.3,
        proxy: Proxy::Residential,
        timing: Timing::Bursty,
        payment: Payment::Pooled,
        reseller_share: 0.0,
        filler: 0.05,
    },
    chinese: 0.1,
    operator_country: "CN",
    pivot: None,
};

static MINIMAX: CampaignSpec = CampaignSpec {
    accounts: 23_000,
    exchanges: 13_000_000,
    first_day: LEAD_IN_DAYS + 9,
    days: 28,
    kinds: &[
        kind(
            Persona::HydraCoder,
            0.6,
            &[(TaskKind::AgenticCoding, 0.8), (TaskKind::Coding, 0.2)],
            5.0,
            0.4,
        ),
        kind(
            Persona::HydraAgent,
            0.4,
            &[(TaskKind::AgenticTools, 1.0)],
            4.0,
            0.3,
        ),
    ],
    knobs: Knobs {
        paraphrase: 0.2,
        proxy: Proxy::Datacenter,
        timing: Timing::RoundRobin,
        payment: Payment::Pooled,
        reseller_share: 0.1,
        filler: 0.0,
    },
    chinese: 0.1,
    operator_country: "CN",
    pivot: Some(Pivot {
        accounts: 0.5,
        within_hours: 24,
    }),
};

static QWEN: CampaignSpec = CampaignSpec {
    accounts: 25_000,
    exchanges: 28_800_000,
    first_day: LEAD_IN_DAYS,
    days: 45,
    kinds: &[
        kind(
            Persona::HydraCoder,
            0.4,
            &[(TaskKind::Coding, 0.6), (TaskKind::AgenticCoding, 0.4)],
            2.5,
            0.4,
        ),
        kind(
            Persona::HydraWorker,
            0.35,
            &[(TaskKind::StepByStep, 1.0)],
            1.0,
            0.6,
        ),
        kind(
            Persona::HydraAgent,
            0.25,
            &[(TaskKind::AgenticTools, 1.0)],
            4.0,
            0.3,
        ),
    ],
    knobs: Knobs {
        paraphrase: 0.5,
        proxy: Proxy::Rotating,
        timing: Timing::Bursty,
        payment: Payment::Pooled,
        reseller_share: 0.1,
        filler: 0.1,
    },
    chinese: 0.15,
    operator_country: "CN",
    pivot: None,
};

impl Campaign {
    /// The reported campaign.
    pub(crate) fn spec(self) -> &'static CampaignSpec {
        match self {
            Campaign::Deepseek2026 => &DEEPSEEK,
            Campaign::Moonshot2026 => &MOONSHOT,
            Campaign::Minimax2026 => &MINIMAX,
            Campaign::Qwen2026 => &QWEN,
        }
    }

    /// The campaign's default knobs (before any override).
    pub fn default_knobs(self) -> Knobs {
        self.spec().knobs
    }
}

impl Persona {
    /// Whether the persona is a campaign account.
    pub fn is_campaign(self) -> bool {
        self >= Persona::HydraWorker
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::WINDOW_DAYS;

    #[test]
    fn every_campaign_fits_the_window_and_its_kinds_cover_all_accounts() {
        for campaign in Campaign::ALL {
            let spec = campaign.spec();
            assert!(spec.first_day + spec.days <= WINDOW_DAYS, "{campaign}");
            let shares: f64 = spec.kinds.iter().map(|k| k.share).sum();
            assert!((shares - 1.0).abs() < 1e-9, "{campaign}");
        }
        assert!((QWEN.daily_rate() - 25.6).abs() < 0.1);
    }

    #[test]
    fn scenario_names_parse() {
        for scenario in Scenario::ALL {
            assert_eq!(scenario.name().parse::<Scenario>().unwrap(), *scenario);
        }
        assert_eq!(Scenario::All.campaigns().len(), 4);
    }
}
