//! Hard negatives: legitimate users that look automated. Each is a persona of its own, with
//! the very property a naive detector keys on — repetition, shared infrastructure, shared
//! payment, synchronised timing, round-the-clock regularity — because these are where a
//! detector does harm.

use hydrascope_events::EpochMillis;
use rand::Rng;

use super::ordinary::{Activity, RESELLER, poisson};
use super::{Account, Group, Role, Shape, Tier, World};
use crate::clock::{
    DAY, Gap, HOUR, MINUTE, RELEASE, SECOND, WINDOW_START, day_start, local_day, local_midnight,
};
use crate::corpus::{Corpus, NetKind, PromptSet, TokenKind};
use crate::emission::{Arrival, Draft, TextField};
use crate::network::{ClientSoftware, Sdk, sample_country};
use crate::rng::{Domain, SimRng, derive, stream};
use crate::scenario::Persona;

/// Benchmarks an evaluation harness re-runs, with how many items of each it sends.
const SUITES: &[(PromptSet, u32, &str)] = &[
    (
        PromptSet::Gsm8kTest,
        250,
        "Solve the following math problem. Put the final answer after '####'.",
    ),
    (
        PromptSet::HumanEval,
        164,
        "Complete the following Python function. Return only code.",
    ),
    (PromptSet::MtBench, 80, "You are a helpful assistant."),
];

/// A harness's benchmark schedule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EvalPlan {
    suite: usize,
    every_days: u32,
    phase: u32,
    hour: f64,
}

impl EvalPlan {
    /// A run every `every_days` at a fixed hour and, in addition, one on the new model
    /// within a day of its release (at the account's adoption time): a lab evaluates a new
    /// model as soon as it can without pausing its regular runs.
    pub(crate) fn plan(self, account: &mut Account, index: u32, day: u32, out: &mut Vec<Arrival>) {
        let midnight = local_midnight(day, account.tz_min);
        if (day + self.phase).is_multiple_of(self.every_days) {
            self.run(
                account,
                index,
                midnight + (self.hour * HOUR as f64) as i64,
                out,
            );
        }
        if (midnight..midnight + DAY).contains(&account.adopt_at) {
            self.run(account, index, account.adopt_at, out);
        }
    }

    /// The whole suite, item after item, from `start`.
    fn run(self, account: &mut Account, index: u32, start: EpochMillis, out: &mut Vec<Arrival>) {
        let (_, items, _) = SUITES[self.suite];
        let mut ts = start;
        for item in 0..items {
            account.push_item(index, ts, 1, Gap::Script, item, out);
            ts += Gap::Script.sample(&mut account.rng);
        }
    }

    /// Item `arrival.item` of the suite, verbatim, with the suite's fixed system prompt.
    pub(crate) fn write(self, corpus: &Corpus, arrival: &Arrival, draft: &mut Draft) -> Shape {
        let (set, _, system) = SUITES[self.suite];
        draft.set(TextField::SystemPrompt, Some(system));
        let prompt = corpus.prompts.pick(set, arrival.item);
        draft.set(TextField::Prompt, Some(&prompt.text));
        draft.set_tools(&[]);
        Shape {
            tokens: TokenKind::Conversation,
            max_tokens: 1_024,
            thinking: None,
            endpoint: "messages",
        }
    }
}

/// What an enterprise's nightly batch asks of every document.
const BATCH_TEMPLATES: &[&str] = &[
    "Summarise the following document in three bullet points for an executive audience:\n\n",
    "Extract every date, party and amount from the following text as JSON:\n\n",
    "Classify the following customer message as complaint, question or praise and give one reason:\n\n",
    "Translate the following text into German, keeping its formatting:\n\n",
    "List the action items in the following meeting notes, one per line:\n\n",
];

/// What health checks send: as small as a request can be.
const PROBES: &[&str] = &[
    "ping",
    "Say OK.",
    "Reply with the single word: pong",
    "healthcheck",
    "1+1=",
];
/// Probe intervals of monitoring jobs.
const PROBE_PERIODS_MIN: &[i64] = &[15, 30, 60];

/// Homework items a class works on each week.
const HOMEWORK_ITEMS: u64 = 5;
/// Share of a class present at a meeting.
const ATTENDANCE: f64 = 0.85;
/// Length of a class meeting.
const CLASS_LENGTH: i64 = 90 * MINUTE;
/// A class meets twice a week, two days apart, on weekdays: Monday and Wednesday, Tuesday and
/// Thursday, or Wednesday and Friday (Monday = 0).
const CLASS_SPACING: u32 = 2;
const CLASS_PAIRS: u32 = 5 - CLASS_SPACING;

/// Builds `count` accounts of a hard-negative `persona` (the coding agent is built with the
/// ordinary personas, whose rhythm it shares).
pub(crate) fn build(
    persona: Persona,
    count: usize,
    world: &mut World,
    corpus: &Corpus,
    accounts: &mut Vec<Account>,
) {
    let mut built = 0;
    let mut group_index = 0u64;
    while built < count {
        let mut rng = stream(world.seed, Domain::Group, persona as u64, group_index);
        let size = match persona {
            Persona::EvalHarness => 1,
            Persona::EnterpriseBatch => rng.random_range(3..=8),
            Persona::UniversityClass => rng.random_range(30..=120),
            Persona::Reseller => rng.random_range(10..=40),
            Persona::HealthCheck => rng.random_range(5..=20),
            _ => unreachable!("{persona} is not a grouped hard negative"),
        }
        .min(count - built);
        let group = new_group(persona, group_index, world, corpus, &mut rng);
        for member in 0..size {
            let key = (persona as u64, (built + member) as u64);
            let mut account = Account::new(world, corpus, Domain::BenignAccount, key, persona);
            configure(&mut account, persona, group, member as u64, world, corpus);
            accounts.push(account);
        }
        if persona == Persona::Reseller {
            world.resellers.push(group);
        }
        built += size;
        group_index += 1;
    }
}

/// The org, site and schedule a group of `persona` shares.
fn new_group(
    persona: Persona,
    index: u64,
    world: &mut World,
    corpus: &Corpus,
    rng: &mut SimRng,
) -> u32 {
    let country = sample_country(rng);
    let (kind, servers, client) = match persona {
        Persona::UniversityClass => (NetKind::Campus, rng.random_range(2..=4), None),
        Persona::HealthCheck => (
            NetKind::Hosting,
            rng.random_range(1..=3),
            Some([Sdk::Curl, Sdk::GoHttp, Sdk::Httpx][rng.random_range(0..3)]),
        ),
        _ => (
            NetKind::Hosting,
            rng.random_range(2..=4),
            Some(Sdk::PROGRAMMATIC[rng.random_range(0..Sdk::PROGRAMMATIC.len())]),
        ),
    };
    let site = world.site(kind, country, servers, corpus, rng);
    let client = client.map(|sdk| world.client(ClientSoftware::sdk(sdk)));
    let first = rng.random_range(0..CLASS_PAIRS);
    let group = Group {
        org_id: world.org_id(persona, index),
        site,
        payment_fp: (persona != Persona::UniversityClass)
            .then(|| world.org_payment(persona, index)),
        client,
        country,
        created: super::created_before(rng, 2 * 365 * DAY) + rng.random_range(0..8 * HOUR),
        text: rng.random(),
        hour: match persona {
            Persona::EnterpriseBatch => rng.random_range(0.5..3.5),
            _ => rng.random_range(8.0..16.0),
        },
        period: PROBE_PERIODS_MIN[rng.random_range(0..PROBE_PERIODS_MIN.len())] * MINUTE,
        weekdays: [first, first + CLASS_SPACING],
    };
    world.group(group)
}

/// Gives a new account its group and the persona's role.
fn configure(
    account: &mut Account,
    persona: Persona,
    group: u32,
    member: u64,
    world: &mut World,
    corpus: &Corpus,
) {
    let shared = world.groups[group as usize].clone();
    account.join(&shared);
    let rng = &mut account.rng;
    account.role = match persona {
        Persona::EvalHarness => {
            account.tier = Tier::Research;
            // An established lab: signed up before the window, so it can evaluate the release.
            account.created = account.created.min(WINDOW_START - DAY);
            account.active_from = account.created;
            account.adopt_at = RELEASE + rng.random_range(HOUR..20 * HOUR);
            account.new_share = 1.0;
            // A harness evaluates one model until the release: the flagship or the small one.
            account.small_share = if rng.random_bool(0.5) { 1.0 } else { 0.0 };
            Role::Eval(EvalPlan {
                suite: rng.random_range(0..SUITES.len()),
                every_days: [2, 3, 7][rng.random_range(0..3)],
                phase: rng.random_range(0..7),
                hour: rng.random_range(0.0..24.0),
            })
        }
        Persona::EnterpriseBatch => {
            account.tier = Tier::Enterprise;
            Role::Batch {
                group,
                volume: rng.random_range(20.0..120.0),
            }
        }
        Persona::UniversityClass => {
            // Students bring their own laptops; the campus NAT is what they share.
            account.tier = Tier::Education;
            account.created = shared.created + rng.random_range(0..8 * HOUR);
            account.active_from = account.created;
            Role::Class { group }
        }
        Persona::Reseller => {
            account.tier = Tier::Reseller;
            Role::Ordinary(Activity::new(rng, corpus, &RESELLER))
        }
        Persona::HealthCheck => {
            account.tier = [Tier::Team, Tier::Enterprise][rng.random_range(0..2)];
            account.small_share = 1.0;
            account.new_share = 0.0;
            let phase =
                (shared.period * member as i64 / 20) % shared.period + rng.random_range(0..SECOND);
            Role::Health { group, phase }
        }
        _ => unreachable!("{persona} is not a grouped hard negative"),
    };
}

/// Tonight's batch: documents sent back to back from the org's servers.
pub(crate) fn plan_batch(
    account: &mut Account,
    index: u32,
    group: &Group,
    volume: f64,
    day: u32,
    out: &mut Vec<Arrival>,
) {
    let offset = (account.key % 30) as i64 * MINUTE;
    let mut ts = local_midnight(day, account.tz_min) + (group.hour * HOUR as f64) as i64 + offset;
    for _ in 0..poisson(&mut account.rng, volume) {
        account.push_conversation(index, ts, 1, Gap::Script, out);
        ts += Gap::Script.sample(&mut account.rng) / 4;
    }
}

/// The org's template over one document.
pub(crate) fn write_batch(
    group: &Group,
    corpus: &Corpus,
    arrival: &Arrival,
    draft: &mut Draft,
) -> Shape {
    draft.set(TextField::SystemPrompt, None);
    draft.set_tools(&[]);
    let prompt = draft.text(TextField::Prompt);
    prompt.push_str(BATCH_TEMPLATES[group.text as usize % BATCH_TEMPLATES.len()]);
    let set = if arrival.item.is_multiple_of(2) {
        PromptSet::WritingBench
    } else {
        PromptSet::ArenaHard
    };
    prompt.push_str(&corpus.prompts.pick(set, arrival.item >> 1).text);
    Shape {
        tokens: TokenKind::Conversation,
        max_tokens: 1_024,
        thinking: None,
        endpoint: "batches",
    }
}

/// A class meeting: present students send this week's homework during the class.
pub(crate) fn plan_class(
    account: &mut Account,
    index: u32,
    group: &Group,
    day: u32,
    out: &mut Vec<Arrival>,
) {
    let (midnight, weekday) = local_day(day, account.tz_min);
    if !group.weekdays.contains(&weekday) {
        return;
    }
    let rng = &mut account.rng;
    if !rng.random_bool(ATTENDANCE) {
        return;
    }
    let start = midnight + (group.hour * HOUR as f64) as i64;
    let week = (day / 7) as u64;
    let mut times: Vec<EpochMillis> = (0..rng.random_range(2..=6))
        .map(|_| start + rng.random_range(5 * MINUTE..CLASS_LENGTH))
        .collect();
    times.sort_unstable();
    for ts in times {
        let exercise = account.rng.random_range(0..HOMEWORK_ITEMS);
        let item = derive(group.text as u64, Domain::Group, week, exercise) as u32;
        account.push_item(index, ts, 1, Gap::Human, item, out);
    }
}

/// A homework item, pasted verbatim.
pub(crate) fn write_class(
    group: &Group,
    corpus: &Corpus,
    arrival: &Arrival,
    draft: &mut Draft,
) -> Shape {
    const COURSES: [PromptSet; 3] = [
        PromptSet::Gsm8kTest,
        PromptSet::HumanEval,
        PromptSet::MtBench,
    ];
    let set = COURSES[group.text as usize % COURSES.len()];
    draft.set(TextField::SystemPrompt, None);
    draft.set_tools(&[]);
    draft.set(
        TextField::Prompt,
        Some(&corpus.prompts.pick(set, arrival.item).text),
    );
    Shape {
        tokens: TokenKind::Conversation,
        max_tokens: 4_096,
        thinking: None,
        endpoint: "messages",
    }
}

/// Probes every `period` around the clock, with a second or two of scheduler jitter.
pub(crate) fn plan_health(
    account: &mut Account,
    index: u32,
    group: &Group,
    phase: i64,
    day: u32,
    out: &mut Vec<Arrival>,
) {
    let end = day_start(day + 1);
    let mut ts = day_start(day) + phase;
    while ts < end {
        let jitter = account.rng.random_range(0..2 * SECOND);
        account.push_item(index, ts + jitter, 1, Gap::Script, 0, out);
        ts += group.period;
    }
}

/// The org's probe prompt.
pub(crate) fn write_health(group: &Group, draft: &mut Draft) -> Shape {
    draft.set(TextField::SystemPrompt, None);
    draft.set_tools(&[]);
    draft.set(
        TextField::Prompt,
        Some(PROBES[group.text as usize % PROBES.len()]),
    );
    Shape {
        tokens: TokenKind::Conversation,
        max_tokens: 8,
        thinking: None,
        endpoint: "messages",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{WINDOW_DAYS, weekday};

    /// `count` accounts of `persona`, built on the built-in corpus, and their world.
    fn built(persona: Persona, count: usize, seed: u64) -> (World, Vec<Account>) {
        let corpus = Corpus::built_in();
        let mut world = World::new(seed);
        let mut accounts = Vec::new();
        build(persona, count, &mut world, &corpus, &mut accounts);
        (world, accounts)
    }

    #[test]
    fn classes_meet_on_two_weekdays_in_their_local_time() {
        let (world, mut accounts) = built(Persona::UniversityClass, 3_000, 3);
        let (mut out, mut meetings) = (Vec::new(), 0);
        for (index, account) in accounts.iter_mut().enumerate() {
            let Role::Class { group } = account.role else {
                panic!("a class member without a class");
            };
            let group = world.groups[group as usize].clone();
            assert!(
                group.weekdays.iter().all(|&d| d < 5),
                "{:?}",
                group.weekdays
            );
            for day in 0..WINDOW_DAYS {
                out.clear();
                plan_class(account, index as u32, &group, day, &mut out);
                meetings += out.len();
                for arrival in &out {
                    let local = weekday(arrival.ts, account.tz_min);
                    assert!(
                        group.weekdays.contains(&local),
                        "a class meeting on local weekday {local}, planned for {:?}",
                        group.weekdays
                    );
                }
            }
        }
        assert!(
            meetings > 10_000,
            "only {meetings} homework prompts planned"
        );
    }

    #[test]
    fn a_harness_evaluates_the_new_model_on_top_of_its_regular_run() {
        let (_, mut accounts) = built(Persona::EvalHarness, 400, 4);
        let mut both = 0;
        let mut out = Vec::new();
        for account in &mut accounts {
            let Role::Eval(plan) = account.role else {
                panic!("a harness without a plan");
            };
            let items = SUITES[plan.suite].1 as usize;
            for day in 0..WINDOW_DAYS {
                out.clear();
                plan.plan(account, 0, day, &mut out);
                let midnight = local_midnight(day, account.tz_min);
                let regular = (day + plan.phase).is_multiple_of(plan.every_days);
                let release = (midnight..midnight + DAY).contains(&account.adopt_at);
                let runs = usize::from(regular) + usize::from(release);
                assert_eq!(out.len(), runs * items, "day {day}");
                both += usize::from(regular && release);
            }
        }
        assert!(both > 0, "no harness had a regular run on its release day");
    }
}
