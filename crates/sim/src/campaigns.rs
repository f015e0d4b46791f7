//! Campaigns: the operators' hydra clusters. Each campaign opens its accounts in sign-up
//! bursts before it starts, pays for them with shared or pooled instruments, hides them
//! behind proxies or inside a reseller, and drives them with one scheduler, one set of
//! operator templates and a narrow task mix — all subject to the evasion knobs.
//!
//! No account carries a giveaway: ids are opaque hashes, user agents are common SDKs that
//! developers use too, and tiers are ordinary. What links the accounts is behaviour.

use std::collections::HashMap;

use hydrascope_events::EpochMillis;
use rand::{Rng, SeedableRng};

use crate::SimConfig;
use crate::clock::{DAY, Diurnal, Gap, HOUR, MINUTE, RELEASE, day_start, local_midnight};
use crate::corpus::{Corpus, NetKind, PromptSet};
use crate::emission::{Arrival, Draft, TextField};
use crate::knobs::{Knobs, Payment, Proxy, Timing};
use crate::network::{COUNTRIES, ClientSoftware, NetMode, Sdk, country_index, sample_country};
use crate::population::ordinary::{Mix, conversation_length, converse, poisson};
use crate::population::{Account, Limits, Role, Shape, Tier, World};
use crate::rng::{Domain, SimRng, derive, payment_fp, permute, stream, unit};
use crate::scenario::{AccountKind, Campaign, CampaignSpec};
use crate::text::{Composer, Lang, TaskKind};

/// Fewest accounts a campaign keeps at any scale, so that tiny test scales still have a
/// cluster to find.
const MIN_ACCOUNTS: u32 = 3;
/// Accounts behind one card when payment is shared, and per instrument when pooled.
const SHARED_PER_INSTRUMENT: u32 = 60;
const POOLED_PER_INSTRUMENT: u32 = 6;
/// Size of the datacenter proxy pool an operator rents: this many distinct addresses per
/// thousand accounts, and at least [`MIN_PROXY_ADDRESSES`]. It sizes the pool only: every
/// request leaves through any address of the pool, so each address carries many accounts
/// and each account uses many addresses.
const PROXY_ADDRESSES_PER_1000_ACCOUNTS: u32 = 40;
const MIN_PROXY_ADDRESSES: u32 = 2;
/// Waves a bursty scheduler launches per day, and how long a wave lasts.
const WAVES_PER_DAY: usize = 4;
const WAVE_LENGTH: i64 = 20 * MINUTE;
/// Share of days a human-timed account is active.
const HUMAN_ACTIVE_DAYS: f64 = 0.9;
/// Jitter of a round-robin slot, as a share of the account's period.
const ROUND_ROBIN_JITTER: f64 = 0.02;
/// The thinking budget campaigns ask for.
const THINKING_BUDGET: u32 = 16_000;
/// Operators' `max_tokens` weights over [`crate::population::MAX_TOKENS`], per conversation:
/// long answers, but only values honest clients send too; with thinking, a value above the
/// budget (32,000 or 64,000, as coding agents send).
const OPERATOR_LIMITS: Limits = Limits([0, 5, 15, 40, 20, 15, 5]);

/// What filler conversations are about: the chat prompts honest users send most.
const FILLER_MIX: Mix = &[(PromptSet::ArenaHard, 2), (PromptSet::MtBench, 1)];

/// The SDKs an operator's workers run: common ones, shared with honest developers.
const OPERATOR_SDKS: &[Sdk] = &[
    Sdk::OpenAiPython,
    Sdk::AnthropicPython,
    Sdk::Httpx,
    Sdk::OpenAiNode,
];

/// A campaign during a run: its spec, effective knobs, size and today's schedule.
#[derive(Debug)]
pub(crate) struct CampaignRun {
    pub(crate) campaign: Campaign,
    spec: &'static CampaignSpec,
    knobs: Knobs,
    accounts: u32,
    operator_tz: i32,
    /// Start of today's bursty waves.
    waves: Vec<EpochMillis>,
    /// The campaign's task queues: how many tasks of each kind (and language, where tasks
    /// depend on it) its accounts have taken so far.
    queues: HashMap<(TaskKind, Lang), u64>,
}

impl CampaignRun {
    /// Draws today's waves, shared by every account of the campaign.
    pub(crate) fn start_day(&mut self, seed: u64, day: u32) {
        let mut rng = stream(seed, Domain::CampaignDay, self.campaign as u64, day as u64);
        self.waves.clear();
        self.waves.extend(
            (0..WAVES_PER_DAY).map(|_| day_start(day) + rng.random_range(0..DAY - WAVE_LENGTH)),
        );
    }

    fn active(&self, day: u32) -> bool {
        (self.spec.first_day..self.spec.first_day + self.spec.days).contains(&day)
    }

    /// The next task of a kind from the campaign's queue, as an index into the kind's task
    /// space. The operator distributes one queue over all its accounts, so whichever account
    /// starts a conversation next takes the next task: the campaign goes through its space in
    /// a shuffled order of its own and repeats a task only once every task has been sent,
    /// then starts over in a new order.
    fn next_task(&mut self, seed: u64, kind: TaskKind, lang: Lang, corpus: &Corpus) -> u64 {
        let lang = if kind.localised() {
            lang
        } else {
            Lang::English
        };
        let space = kind.task_space(corpus, lang);
        let taken = self.queues.entry((kind, lang)).or_default();
        let position = *taken;
        *taken += 1;
        let queue = (self.campaign as u64) << 16 | (kind as u64) << 8 | lang as u64;
        let order = derive(seed, Domain::TaskQueue, queue, position / space);
        permute(position % space, space, order)
    }
}

/// A campaign account's place in its campaign.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Worker {
    run: u32,
    kind: u8,
    member: u32,
}

/// Builds the campaign's accounts and registers its run.
pub(crate) fn build(
    campaign: Campaign,
    config: &SimConfig,
    world: &mut World,
    accounts: &mut Vec<Account>,
) {
    let spec = campaign.spec();
    let knobs = spec.knobs.overridden(&config.knobs);
    let count = ((spec.accounts as f64 * config.scale).round() as u32).max(MIN_ACCOUNTS);
    let seed = world.seed;
    let mut rng = stream(seed, Domain::Campaign, campaign as u64, 0);
    let operator = country_index(spec.operator_country);
    let proxies = world.site(
        NetKind::Hosting,
        sample_country(&mut rng),
        (count * PROXY_ADDRESSES_PER_1000_ACCOUNTS / 1_000).max(MIN_PROXY_ADDRESSES) as usize,
        &config.corpus,
        &mut rng,
    );
    let run = world.runs.len() as u32;
    world.runs.push(CampaignRun {
        campaign,
        spec,
        knobs,
        accounts: count,
        operator_tz: COUNTRIES[operator as usize].utc_offset_min,
        waves: Vec::new(),
        queues: HashMap::new(),
    });
    let signups = signup_bursts(&mut rng, spec, count);
    for member in 0..count {
        let kind = kind_of(spec, member, count);
        let mut account = Account::new(
            world,
            &config.corpus,
            Domain::CampaignAccount,
            (campaign as u64, member as u64),
            spec.kinds[kind as usize].persona,
        );
        account.role = Role::Hydra(Worker { run, kind, member });
        account.created = signups[member as usize] + account.rng.random_range(0..2 * HOUR);
        account.active_from = day_start(spec.first_day).max(account.created + HOUR);
        account.tz_min = COUNTRIES[operator as usize].utc_offset_min;
        account.tier = [Tier::Pro, Tier::Team, Tier::Startup][account.rng.random_range(0..3)];
        account.small_share = 0.0;
        account.client = world.client(ClientSoftware::sdk(
            OPERATOR_SDKS[account.rng.random_range(0..OPERATOR_SDKS.len())],
        ));
        account.payment_fp = Some(instrument(
            seed,
            campaign,
            knobs.payment,
            member,
            count,
            &mut account.rng,
        ));
        account.net = match knobs.proxy {
            Proxy::Datacenter => NetMode::Site(proxies),
            Proxy::Residential => NetMode::Sticky(config.corpus.net.sample(
                NetKind::Residential,
                u8::MAX,
                &mut account.rng,
            )),
            Proxy::Rotating => NetMode::Rotating,
        };
        if !world.resellers.is_empty() && account.rng.random_bool(knobs.reseller_share) {
            let group = world.resellers[account.rng.random_range(0..world.resellers.len())];
            account.join(&world.groups[group as usize].clone());
            account.tier = Tier::Reseller;
            account.tz_min = COUNTRIES[operator as usize].utc_offset_min;
        }
        pivot(&mut account, spec);
        accounts.push(account);
    }
}

/// Which account kind member `member` of `count` is, by the kinds' shares.
fn kind_of(spec: &CampaignSpec, member: u32, count: u32) -> u8 {
    let position = (member as f64 + 0.5) / count as f64;
    let mut cumulative = 0.0;
    for (i, kind) in spec.kinds.iter().enumerate() {
        cumulative += kind.share;
        if position < cumulative {
            return i as u8;
        }
    }
    (spec.kinds.len() - 1) as u8
}

/// Sign-up time per member: accounts are opened in bursts of tens to hundreds within a
/// couple of hours, in the three weeks before the campaign starts.
fn signup_bursts(rng: &mut SimRng, spec: &CampaignSpec, count: u32) -> Vec<EpochMillis> {
    let start = day_start(spec.first_day);
    let mut times = Vec::with_capacity(count as usize);
    while times.len() < count as usize {
        let burst = start - rng.random_range(DAY..21 * DAY);
        let size = rng.random_range(20..=200);
        times.extend(std::iter::repeat_n(burst, size));
    }
    times.truncate(count as usize);
    times
}

/// The payment instrument of a member under the payment knob.
fn instrument(
    seed: u64,
    campaign: Campaign,
    payment: Payment,
    member: u32,
    count: u32,
    rng: &mut SimRng,
) -> String {
    let index = match payment {
        Payment::Shared => rng.random_range(0..count.div_ceil(SHARED_PER_INSTRUMENT)),
        Payment::Pooled => rng.random_range(0..count.div_ceil(POOLED_PER_INSTRUMENT)),
        Payment::Unique => member,
    };
    payment_fp(
        seed,
        derive(seed, Domain::Campaign, campaign as u64, 1 + index as u64),
        2,
    )
}

/// Sets when the account moves to the new model: a pivoting campaign moves its share of
/// accounts within hours of the release; the others stay on the flagship.
fn pivot(account: &mut Account, spec: &CampaignSpec) {
    match &spec.pivot {
        Some(pivot) if account.rng.random_bool(pivot.accounts) => {
            account.adopt_at = RELEASE + account.rng.random_range(0..pivot.within_hours * HOUR);
            account.new_share = 1.0;
        }
        _ => {
            account.adopt_at = EpochMillis::MAX;
            account.new_share = 0.0;
        }
    }
}

impl Worker {
    /// Index of the worker's campaign run.
    pub(crate) fn run(self) -> u32 {
        self.run
    }

    fn kind<'w>(&self, world: &'w World) -> (&'w CampaignRun, &'static AccountKind) {
        let run = &world.runs[self.run as usize];
        (run, &run.spec.kinds[self.kind as usize])
    }

    /// Plans the account's conversations of window day `day` under the timing knob, at the
    /// campaign's per-account daily rate.
    pub(crate) fn plan(
        self,
        account: &mut Account,
        index: u32,
        world: &World,
        _corpus: &Corpus,
        day: u32,
        out: &mut Vec<Arrival>,
    ) {
        let (run, kind) = self.kind(world);
        if !run.active(day) {
            return;
        }
        let sessions = run.spec.daily_rate() / kind.turns;
        let agentic = kind.tasks.iter().any(|t| t.0.agentic());
        let gap = match (run.knobs.timing, agentic) {
            (Timing::Human, false) => Gap::Human,
            (_, true) => Gap::Agent,
            (_, false) => Gap::Script,
        };
        let mut starts = Vec::new();
        let rng = &mut account.rng;
        match run.knobs.timing {
            Timing::RoundRobin => {
                let period = DAY as f64 / sessions;
                let mut at = period * (self.member as f64 / run.accounts as f64);
                while at < DAY as f64 {
                    let jitter = period * ROUND_ROBIN_JITTER * (rng.random::<f64>() - 0.5);
                    starts.push(day_start(day) + (at + jitter) as i64);
                    at += period;
                }
            }
            Timing::Bursty => {
                for &wave in &run.waves {
                    for _ in 0..poisson(rng, sessions / run.waves.len() as f64) {
                        starts.push(wave + rng.random_range(0..WAVE_LENGTH));
                    }
                }
            }
            Timing::Human => {
                if rng.random_bool(HUMAN_ACTIVE_DAYS) {
                    let midnight = local_midnight(day, run.operator_tz);
                    for _ in 0..poisson(rng, sessions / HUMAN_ACTIVE_DAYS) {
                        starts.push(Diurnal::Human.sample(rng, midnight, DAY, run.operator_tz));
                    }
                }
            }
        }
        let active_from = account.active_from;
        for start in starts.into_iter().filter(|&s| s >= active_from) {
            let turns = conversation_length(&mut account.rng, kind.turns);
            account.push_conversation(index, start, turns, gap, out);
        }
    }

    /// Writes a campaign exchange: the operator's template around the next task of the
    /// campaign's queue, or filler.
    pub(crate) fn write(
        self,
        account: &mut Account,
        world: &mut World,
        corpus: &Corpus,
        arrival: &Arrival,
        draft: &mut Draft,
    ) -> Shape {
        let seed = world.seed;
        let run = &mut world.runs[self.run as usize];
        let kind = &run.spec.kinds[self.kind as usize];
        // Conversation-level choices come from the conversation's own stream, so that all its
        // turns agree on task, language, system prompt and tools.
        let key = derive(seed, Domain::Conversation, account.key, arrival.conv as u64);
        let mut conversation = SimRng::seed_from_u64(key);
        let task = if unit(key) < run.knobs.filler {
            TaskKind::Filler
        } else {
            weighted(kind.tasks, unit(key.rotate_left(21)))
        };
        let lang = if unit(key.rotate_left(42)) < run.spec.chinese {
            Lang::Chinese
        } else {
            Lang::English
        };
        let thinking = (task != TaskKind::Filler && unit(key.rotate_left(11)) < kind.thinking)
            .then_some(THINKING_BUDGET);
        if task == TaskKind::Filler {
            // Filler is what an ordinary user sends, from the first turn to the last.
            draft.clear(TextField::SystemPrompt);
            draft.set_tools(&[]);
            let prompt = draft.text(TextField::Prompt);
            converse(&mut account.rng, corpus, arrival, FILLER_MIX, prompt);
        } else {
            let composer = Composer {
                corpus,
                paraphrase: run.knobs.paraphrase,
            };
            composer.system(task, &mut conversation, draft.text(TextField::SystemPrompt));
            draft.clear_if_empty(TextField::SystemPrompt);
            draft.set_tools(composer.tools(task, &mut conversation));
            let prompt = draft.text(TextField::Prompt);
            if arrival.turn == 0 {
                let next = run.next_task(seed, task, lang, corpus);
                composer.first_turn(task, lang, next, &mut conversation, prompt);
            } else {
                composer.later_turn(task, &mut account.rng, prompt);
            }
        }
        Shape {
            tokens: task.token_kind(),
            max_tokens: OPERATOR_LIMITS.pick(
                account.conversation_draw(arrival, Domain::MaxTokens),
                thinking.unwrap_or(0),
            ),
            thinking,
            endpoint: "messages",
        }
    }
}

/// The entry of a weighted list that `u` in `[0, 1)` falls on.
fn weighted(tasks: &[(TaskKind, f64)], u: f64) -> TaskKind {
    let total: f64 = tasks.iter().map(|t| t.1).sum();
    let mut at = u * total;
    for &(task, weight) in tasks {
        if at < weight {
            return task;
        }
        at -= weight;
    }
    tasks[tasks.len() - 1].0
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::emission::Draft;
    use crate::population::Population;
    use crate::text::FOLLOW_UPS;
    use crate::{KnobOverrides, Scenario};

    #[test]
    fn filler_conversations_read_as_ordinary_chat_to_the_last_turn() {
        let config = SimConfig {
            scenario: Scenario::Moonshot2026,
            scale: 0.01,
            seed: 9,
            benign_accounts: 0,
            knobs: KnobOverrides {
                filler: Some(1.0),
                ..KnobOverrides::default()
            },
            corpus: Corpus::built_in(),
        };
        let prompts = &config.corpus.prompts;
        let chat: HashSet<&str> = [PromptSet::ArenaHard, PromptSet::MtBench]
            .into_iter()
            .flat_map(|set| prompts.set(set).iter().map(|p| &*p.text))
            .collect();
        let follow_ups: HashSet<&str> = prompts
            .set(PromptSet::MtBench)
            .iter()
            .filter_map(|p| p.followup.as_deref())
            .chain(FOLLOW_UPS.iter().copied())
            .collect();
        let mut population = Population::build(&config);
        let mut draft = Draft::default();
        for account in 0..population.accounts.len() as u32 {
            for conv in 0..20 {
                let item = derive(0, Domain::Conversation, account as u64, conv as u64) as u32;
                for turn in 0..4 {
                    let arrival = Arrival {
                        ts: day_start(20),
                        tie: 0,
                        account,
                        conv,
                        turn,
                        item,
                    };
                    population.render(&arrival, &mut draft);
                    let event = &draft.event;
                    let prompt = event.prompt.as_deref().expect("a prompt");
                    let expected = if turn == 0 { &chat } else { &follow_ups };
                    assert!(
                        expected.contains(prompt),
                        "turn {turn} of a filler conversation: {prompt}"
                    );
                    assert!(event.system_prompt.is_none() && event.tools.is_none());
                    assert!(event.thinking.is_none());
                }
            }
        }
    }
}
