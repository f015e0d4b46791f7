//! Ordinary users and the coding agent: sessions whose daily volume, quiet days and
//! burstiness come from a real ServeGen client's trace, rescaled to the account's own
//! heavy-tailed volume and laid over the daily rhythm of the account's time zone.

use hydrascope_events::EpochMillis;
use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Poisson};

use super::{Account, Limits, Role, Shape, Tier, World};
use crate::clock::{Diurnal, Gap, local_day, local_hour};
use crate::corpus::{Corpus, DayShape, NetKind, PromptSet, TokenKind};
use crate::emission::{Arrival, Draft, TextField};
use crate::network::{ClientSoftware, Sdk};
use crate::rng::{Domain, SimRng};
use crate::scenario::Persona;
use crate::text::{FOLLOW_UPS, paraphrase::pick, write_tool_result};

/// A trace day counts at most this many mean days, so that one extreme spike in a client
/// trace cannot turn a casual account into a heavy one.
const MAX_DAY_WEIGHT: f64 = 4.0;
/// Tries to place a session in both the trace's busy windows and the local daily rhythm
/// before settling for the trace alone.
const PLACEMENT_TRIES: usize = 8;
/// Longest conversation simulated.
const MAX_TURNS: u32 = 200;

/// How much and when an account sends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Activity {
    /// Mean exchanges on an active day.
    pub(crate) volume: f64,
    /// Probability of being active on a weekday.
    pub(crate) p_active: f64,
    /// The ServeGen client profile the account follows, and where in it it starts.
    pub(crate) trace: u32,
    pub(crate) trace_offset: u32,
    pub(crate) diurnal: Diurnal,
    /// Mean turns per conversation.
    pub(crate) turns: f64,
    pub(crate) gap: Gap,
}

impl Activity {
    /// No activity at all.
    pub(crate) const QUIET: Activity = Activity {
        volume: 0.0,
        p_active: 0.0,
        trace: 0,
        trace_offset: 0,
        diurnal: Diurnal::Flat,
        turns: 1.0,
        gap: Gap::Script,
    };

    /// An activity of the given habit, following a randomly chosen client trace.
    pub(crate) fn new(rng: &mut SimRng, corpus: &Corpus, habit: &Habit) -> Activity {
        let volume = LogNormal::new(habit.median_volume.ln(), habit.spread)
            .expect("valid log-normal")
            .sample(rng);
        let (low, high) = habit.p_active;
        Activity {
            volume,
            p_active: if low < high {
                rng.random_range(low..high)
            } else {
                low
            },
            trace: rng.random_range(0..corpus.rates.len() as u32),
            trace_offset: rng.random_range(0..64),
            diurnal: habit.diurnal,
            turns: habit.turns,
            gap: habit.gap,
        }
    }

    /// Plans the conversations of window day `day`.
    pub(crate) fn plan(
        self,
        account: &mut Account,
        index: u32,
        corpus: &Corpus,
        day: u32,
        out: &mut Vec<Arrival>,
    ) {
        let (midnight, weekday) = local_day(day, account.tz_min);
        let shape = corpus.rates[self.trace as usize].day(day + self.trace_offset);
        let rng = &mut account.rng;
        let p_active = (self.p_active * self.diurnal.weekday_factor(weekday)).min(1.0);
        if shape.weight <= 0.0 || !rng.random_bool(p_active) {
            return;
        }
        // Burstiness: a day's volume scatters like the client's windows (gamma with the
        // trace's coefficient of variation), giving a negative-binomial count.
        let shape_k = (1.0 / (shape.cv as f64).powi(2)).clamp(0.2, 20.0);
        let burst = Gamma::new(shape_k, 1.0 / shape_k)
            .expect("valid gamma")
            .sample(rng);
        let mean = self.volume * (shape.weight as f64).min(MAX_DAY_WEIGHT) * burst;
        let mut remaining = poisson(rng, mean);
        while remaining > 0 {
            let turns = conversation_length(&mut account.rng, self.turns).min(remaining);
            remaining -= turns;
            let start = self.place(&mut account.rng, shape, midnight, account.tz_min);
            if start >= account.active_from {
                account.push_conversation(index, start, turns, self.gap, out);
            }
        }
    }

    /// A start time inside the trace's busy windows, thinned by the local daily rhythm.
    fn place(
        self,
        rng: &mut SimRng,
        shape: &DayShape,
        midnight: EpochMillis,
        tz_min: i32,
    ) -> EpochMillis {
        let mut start = midnight;
        for _ in 0..PLACEMENT_TRIES {
            start = midnight + shape.sample_offset(rng);
            if rng.random::<f64>() < self.diurnal.at(local_hour(start, tz_min)) {
                break;
            }
        }
        start
    }
}

/// How a kind of user uses the API, before per-account variation.
#[derive(Debug)]
pub(crate) struct Habit {
    /// Median over accounts of the mean exchanges per active day; volumes are log-normal.
    pub(crate) median_volume: f64,
    /// Log-normal sigma of the volume across accounts (the heavy tail).
    pub(crate) spread: f64,
    /// Range of the per-account probability of being active on a weekday.
    pub(crate) p_active: (f64, f64),
    pub(crate) diurnal: Diurnal,
    pub(crate) turns: f64,
    pub(crate) gap: Gap,
}

/// A handful of exchanges on the days it is active, and inactive most days.
const CASUAL: Habit = Habit {
    median_volume: 4.0,
    spread: 0.8,
    p_active: (0.05, 0.45),
    diurnal: Diurnal::Human,
    turns: 2.5,
    gap: Gap::Human,
};
const DEVELOPER: Habit = Habit {
    median_volume: 10.0,
    spread: 1.0,
    p_active: (0.25, 0.8),
    diurnal: Diurnal::Office,
    turns: 2.0,
    gap: Gap::Human,
};
/// Steady traffic of a product's users, every day, shaped by the client trace alone.
const APP_BACKEND: Habit = Habit {
    median_volume: 15.0,
    spread: 1.2,
    p_active: (0.97, 0.97),
    diurnal: Diurnal::Flat,
    turns: 1.5,
    gap: Gap::Script,
};
/// A few long agent sessions on working days.
const CODING_AGENT: Habit = Habit {
    median_volume: 60.0,
    spread: 0.6,
    p_active: (0.75, 0.75),
    diurnal: Diurnal::Office,
    turns: 25.0,
    gap: Gap::Agent,
};
/// Many end users behind one account: busy every day, round the clock.
pub(crate) const RESELLER: Habit = Habit {
    median_volume: 40.0,
    spread: 1.0,
    p_active: (0.98, 0.98),
    diurnal: Diurnal::Flat,
    turns: 2.5,
    gap: Gap::Human,
};

/// A Poisson count (0 for a non-positive mean).
pub(crate) fn poisson(rng: &mut SimRng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).expect("positive mean").sample(rng) as u32
}

/// Turns of one conversation: 1 plus a geometric-like tail with the given mean.
pub(crate) fn conversation_length(rng: &mut SimRng, mean: f64) -> u32 {
    if mean <= 1.0 {
        return 1;
    }
    // Rounded rather than truncated, so the mean stays `mean`.
    let extra = Exp::new(1.0 / (mean - 1.0))
        .expect("positive rate")
        .sample(rng);
    (1 + (extra + 0.5) as u32).min(MAX_TURNS)
}

/// Builds ordinary accounts of `persona`.
pub(crate) fn build(
    persona: Persona,
    count: usize,
    world: &mut World,
    corpus: &Corpus,
    accounts: &mut Vec<Account>,
) {
    for i in 0..count {
        let key = (persona as u64, i as u64);
        let mut account = Account::new(world, corpus, Domain::BenignAccount, key, persona);
        let rng = &mut account.rng;
        let activity = match persona {
            Persona::CasualChat => {
                account.tier = if rng.random_bool(0.25) {
                    Tier::Pro
                } else {
                    Tier::Free
                };
                Activity::new(rng, corpus, &CASUAL)
            }
            Persona::Developer => developer(&mut account, world, corpus),
            Persona::AppBackend => app_backend(&mut account, world, corpus, i as u64),
            Persona::CodingAgent => {
                account.tier = [Tier::Pro, Tier::Team][rng.random_range(0..2)];
                account.small_share = 0.1;
                account.client = world.client(ClientSoftware::sdk(Sdk::CodingAgentCli));
                Activity::new(rng, corpus, &CODING_AGENT)
            }
            _ => unreachable!("{persona} is not an ordinary persona"),
        };
        if account.tier != Tier::Free {
            account.own_payment(world.seed);
        }
        account.role = Role::Ordinary(activity);
        accounts.push(account);
    }
}

fn programmatic_client(world: &mut World, rng: &mut SimRng) -> u32 {
    world.client(ClientSoftware::sdk(
        Sdk::PROGRAMMATIC[rng.random_range(0..Sdk::PROGRAMMATIC.len())],
    ))
}

fn developer(account: &mut Account, world: &mut World, corpus: &Corpus) -> Activity {
    let rng = &mut account.rng;
    account.tier = [Tier::Pro, Tier::Startup, Tier::Team][rng.random_range(0..3)];
    if rng.random_bool(0.7) {
        account.client = programmatic_client(world, rng);
    }
    if rng.random_bool(0.05) {
        account.completions_share = 0.5;
    }
    let mut activity = Activity::new(rng, corpus, &DEVELOPER);
    // Half of them code in their own time rather than office hours.
    if rng.random_bool(0.5) {
        activity.diurnal = Diurnal::Human;
    }
    activity
}

fn app_backend(account: &mut Account, world: &mut World, corpus: &Corpus, index: u64) -> Activity {
    let rng = &mut account.rng;
    account.tier = [Tier::Startup, Tier::Team, Tier::Enterprise][rng.random_range(0..3)];
    account.client = programmatic_client(world, rng);
    account.org_id = Some(world.org_id(Persona::AppBackend, index));
    let servers = rng.random_range(1..=4);
    let site = world.site(NetKind::Hosting, account.country, servers, corpus, rng);
    account.net = crate::network::NetMode::Site(site);
    if rng.random_bool(0.1) {
        account.completions_share = 1.0;
    }
    account.small_share = if rng.random_bool(0.5) { 0.9 } else { 0.1 };
    Activity::new(rng, corpus, &APP_BACKEND)
}

/// Weighted prompt sets a persona draws first turns from.
pub(crate) type Mix = &'static [(PromptSet, u32)];

const CHAT_MIX: Mix = &[
    (PromptSet::ArenaHard, 55),
    (PromptSet::MtBench, 15),
    (PromptSet::WritingBench, 30),
];
const DEVELOPER_MIX: Mix = &[
    (PromptSet::ArenaHard, 45),
    (PromptSet::HumanEval, 25),
    (PromptSet::SweLancer, 20),
    (PromptSet::Tau2, 10),
];
const APP_MIX: Mix = &[
    (PromptSet::Tau2, 40),
    (PromptSet::ArenaHard, 40),
    (PromptSet::WritingBench, 20),
];
const AGENT_MIX: Mix = &[
    (PromptSet::SweLancer, 60),
    (PromptSet::HumanEval, 20),
    (PromptSet::ArenaHard, 20),
];

/// `max_tokens` weights over [`super::MAX_TOKENS`], per conversation: developers try every
/// size; products cap answers low; agent CLIs ask for room to think; a reseller's end users
/// run all sorts of apps.
const DEVELOPER_LIMITS: Limits = Limits([10, 10, 25, 30, 10, 10, 5]);
const APP_LIMITS: Limits = Limits([40, 20, 20, 15, 5, 0, 0]);
const AGENT_LIMITS: Limits = Limits([0, 0, 0, 0, 0, 85, 15]);
const RESELLER_LIMITS: Limits = Limits([10, 15, 30, 25, 10, 10, 0]);
/// What a chat app in the browser sends.
const CHAT_MAX_TOKENS: u32 = 4_096;
/// Share of chat conversations with extended thinking switched on, and its budget.
const CHAT_THINKING_SHARE: f64 = 0.08;
const CHAT_THINKING_BUDGET: u32 = 4_000;
/// Thinking budgets a coding agent's sessions use (one per session).
const AGENT_BUDGETS: [u32; 3] = [8_000, 16_000, 32_000];

/// What a product's backend tells the model it is.
const APP_SYSTEMS: &[&str] = &[
    "You are the customer support assistant of an online furniture store. Be friendly and concise.",
    "You are a travel booking assistant. Only answer questions about trips and reservations.",
    "You summarise support tickets for a SaaS company. Output three bullet points.",
    "You are a tutoring assistant for high-school students. Never give the final answer directly.",
    "You are an assistant inside a note-taking app. Help users rewrite and organise notes.",
    "You are a banking chatbot. Do not give investment advice.",
    "You write product descriptions for an e-commerce marketplace.",
    "You are the in-app help of a photo editing tool.",
];

/// The coding tools an agent CLI offers.
const CODING_TOOLS: &[&str] = &[
    "Bash",
    "Read",
    "Edit",
    "Write",
    "Grep",
    "Glob",
    "WebFetch",
    "TodoWrite",
];

/// Writes an ordinary persona's exchange.
pub(crate) fn write(
    account: &mut Account,
    corpus: &Corpus,
    arrival: &Arrival,
    draft: &mut Draft,
) -> Shape {
    let limit = account.conversation_draw(arrival, Domain::MaxTokens);
    let budget = account.conversation_draw(arrival, Domain::ThinkingBudget);
    let reseller = account.persona == Persona::Reseller;
    let rng = &mut account.rng;
    let chat = Shape {
        tokens: TokenKind::Conversation,
        max_tokens: CHAT_MAX_TOKENS,
        thinking: None,
        endpoint: "messages",
    };
    draft.set_tools(&[]);
    match account.persona {
        Persona::Developer => {
            draft.set(TextField::SystemPrompt, None);
            converse(
                rng,
                corpus,
                arrival,
                DEVELOPER_MIX,
                draft.text(TextField::Prompt),
            );
            Shape {
                tokens: TokenKind::Code,
                max_tokens: DEVELOPER_LIMITS.pick(limit, 0),
                ..chat
            }
        }
        Persona::AppBackend => {
            let system = APP_SYSTEMS[account.key as usize % APP_SYSTEMS.len()];
            draft.set(TextField::SystemPrompt, Some(system));
            converse(rng, corpus, arrival, APP_MIX, draft.text(TextField::Prompt));
            if account.key.is_multiple_of(3) {
                draft.set_tool_count(1 + (account.key % 7) as u32);
            }
            Shape {
                max_tokens: APP_LIMITS.pick(limit, 0),
                ..chat
            }
        }
        Persona::CodingAgent => {
            draft.set(TextField::SystemPrompt, Some("You are an interactive CLI tool that helps users with software engineering tasks."));
            let prompt = draft.text(TextField::Prompt);
            if arrival.turn == 0 {
                converse(rng, corpus, arrival, AGENT_MIX, prompt);
            } else {
                write_tool_result(rng, prompt);
            }
            draft.set_tools(CODING_TOOLS);
            let budget = AGENT_BUDGETS[(budget * AGENT_BUDGETS.len() as f64) as usize];
            Shape {
                tokens: TokenKind::Code,
                max_tokens: AGENT_LIMITS.pick(limit, budget),
                thinking: Some(budget),
                ..chat
            }
        }
        _ => {
            draft.set(TextField::SystemPrompt, None);
            converse(
                rng,
                corpus,
                arrival,
                CHAT_MIX,
                draft.text(TextField::Prompt),
            );
            let thinking = (budget < CHAT_THINKING_SHARE).then_some(CHAT_THINKING_BUDGET);
            let max_tokens = if reseller {
                RESELLER_LIMITS.pick(limit, thinking.unwrap_or(0))
            } else {
                CHAT_MAX_TOKENS
            };
            Shape {
                thinking,
                max_tokens,
                ..chat
            }
        }
    }
}

/// A turn of a conversation about `arrival.item`: the corpus prompt first, then its
/// scripted follow-up where it has one, then what people type next.
pub(crate) fn converse(
    rng: &mut SimRng,
    corpus: &Corpus,
    arrival: &Arrival,
    mix: Mix,
    out: &mut String,
) {
    let total: u32 = mix.iter().map(|m| m.1).sum();
    let mut at = ((arrival.item >> 24) * total) >> 8;
    let set = mix
        .iter()
        .find(|&&(_, weight)| {
            let hit = at < weight;
            at = at.saturating_sub(weight);
            hit
        })
        .map_or(mix[0].0, |m| m.0);
    let prompt = corpus.prompts.pick(set, arrival.item & 0x00ff_ffff);
    match (arrival.turn, &prompt.followup) {
        (0, _) => out.push_str(&prompt.text),
        (1, Some(followup)) => out.push_str(followup),
        _ => out.push_str(pick(FOLLOW_UPS, rng)),
    }
}
