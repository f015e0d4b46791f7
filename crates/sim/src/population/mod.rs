//! The simulated accounts: who they are (ids, org, tier, sign-up, payment, software, network)
//! and how each kind of user behaves day by day.
//!
//! An [`Account`] holds everything fixed about it plus the state carried across days
//! (its random stream, addresses, conversation counter). A [`Role`] says how it plans a day;
//! the persona modules write what it sends. Accounts that belong together (an enterprise
//! org, a class, a reseller) share a [`Group`]: org id, servers, payment, software.

pub(crate) mod hard;
pub(crate) mod ordinary;

use std::collections::HashMap;

use hydrascope_events::EpochMillis;
use rand::Rng;
use rand_distr::{Distribution, Exp};

use crate::SimConfig;
use crate::campaigns::{self, CampaignRun};
use crate::clock::{DAY, RELEASE, WINDOW_END, WINDOW_START, day_start};
use crate::corpus::{Corpus, Device, NetKind, Range, TokenKind};
use crate::emission::{Arrival, Draft, TextField, write_common};
use crate::names::named_enum;
use crate::network::{Addr, COUNTRIES, ClientSoftware, NetMode, sample_country};
use crate::rng::{Domain, SimRng, derive, opaque_id, payment_fp, stream, unit};
use crate::scenario::{MODEL_LARGE, MODEL_NEW, MODEL_SMALL, Persona};
use ordinary::Activity;

named_enum! {
    /// Billing tier of an account.
    pub enum Tier as "tier" {
        Free => "free",
        Pro => "pro",
        Team => "team",
        Enterprise => "enterprise",
        Education => "education",
        Startup => "startup",
        Research => "research",
        Reseller => "reseller",
    }
}

/// Share of benign accounts that sign up during the window rather than before it.
const NEW_ACCOUNT_SHARE: f64 = 0.05;
/// Share of phone users whose main connection is their mobile carrier.
const MOBILE_ON_CARRIER: f64 = 0.6;
/// How far before the window the oldest benign accounts signed up.
const OLDEST_ACCOUNT: i64 = 3 * 365 * DAY;
/// Mean delay after the release before an ordinary user starts using the new model.
const MEAN_ADOPTION_DELAY: f64 = 12.0 * DAY as f64;

/// How an account plans its days.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    /// Sessions at a volume and rhythm drawn from real client traces.
    Ordinary(Activity),
    /// Benchmark runs of a fixed prompt set.
    Eval(hard::EvalPlan),
    /// A nightly batch job of its group.
    Batch { group: u32, volume: f64 },
    /// Homework sent in its class's hours.
    Class { group: u32 },
    /// A probe every `period` of its group, offset by `phase`.
    Health { group: u32, phase: i64 },
    /// A campaign worker.
    Hydra(campaigns::Worker),
}

/// Accounts that belong together and share infrastructure.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) org_id: String,
    pub(crate) site: u32,
    pub(crate) payment_fp: Option<String>,
    /// The software all members run, if they share one.
    pub(crate) client: Option<u32>,
    pub(crate) country: u8,
    pub(crate) created: EpochMillis,
    /// Which fixed text the group sends (batch template, probe prompt, homework offset).
    pub(crate) text: u32,
    /// Local hour at which its scheduled work starts.
    pub(crate) hour: f64,
    /// Interval of a periodic job, in milliseconds.
    pub(crate) period: i64,
    /// Weekdays (Monday = 0) of a class's meetings.
    pub(crate) weekdays: [u32; 2],
}

/// One simulated account.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) id: String,
    /// Hash basis for the account's conversation and request ids.
    pub(crate) key: u64,
    pub(crate) persona: Persona,
    pub(crate) role: Role,
    pub(crate) org_id: Option<String>,
    pub(crate) tier: Tier,
    pub(crate) created: EpochMillis,
    /// First instant the account sends anything.
    pub(crate) active_from: EpochMillis,
    pub(crate) country: u8,
    pub(crate) tz_min: i32,
    pub(crate) client: u32,
    pub(crate) payment_fp: Option<String>,
    pub(crate) api_keys: Vec<String>,
    pub(crate) net: NetMode,
    /// Share of conversations on the small model (before adopting the new one).
    pub(crate) small_share: f64,
    /// From when the account uses the new model, and for which share of conversations.
    pub(crate) adopt_at: EpochMillis,
    pub(crate) new_share: f64,
    /// Legacy text completions instead of messages for this share of requests.
    pub(crate) completions_share: f64,
    pub(crate) rng: SimRng,
    pub(crate) next_conv: u32,
    pub(crate) requests: u32,
}

impl Account {
    /// A new account with the defaults of an ordinary person: a home connection in a
    /// country drawn by traffic share, a browser, a free tier, a sign-up years back. It sends
    /// nothing until its builder gives it a role.
    pub(crate) fn new(
        world: &mut World,
        corpus: &Corpus,
        domain: Domain,
        key: (u64, u64),
        persona: Persona,
    ) -> Account {
        let seed = world.seed;
        let mut rng = stream(seed, domain, key.0, key.1);
        let id_key = derive(seed, domain, key.0, key.1);
        let country = sample_country(&mut rng);
        let browser = corpus.browsers.sample(&mut rng);
        // Phones browse over their carrier more often than not.
        let on_carrier = browser.device == Device::Mobile && rng.random_bool(MOBILE_ON_CARRIER);
        let kind = if on_carrier {
            NetKind::Mobile
        } else {
            NetKind::Residential
        };
        let net = NetMode::home(kind, country, &corpus.net, &mut rng);
        let browser = ClientSoftware::browser(browser);
        let created = if rng.random_bool(NEW_ACCOUNT_SHARE) {
            WINDOW_START + rng.random_range(0..WINDOW_END - WINDOW_START - DAY)
        } else {
            WINDOW_START - rng.random_range(DAY..OLDEST_ACCOUNT)
        };
        let delay = Exp::new(1.0 / MEAN_ADOPTION_DELAY)
            .expect("positive rate")
            .sample(&mut rng);
        let keys = rng.random_range(1..=2);
        Account {
            id: opaque_id("acct_", seed, Domain::AccountId, id_key, 0),
            key: id_key,
            persona,
            role: Role::Ordinary(Activity::QUIET),
            org_id: None,
            tier: Tier::Free,
            created,
            active_from: created,
            country,
            tz_min: COUNTRIES[country as usize].utc_offset_min,
            client: world.client(browser),
            payment_fp: None,
            api_keys: (0..keys)
                .map(|k| opaque_id("key_", seed, Domain::ApiKey, id_key, k))
                .collect(),
            net,
            small_share: rng.random_range(0.0..0.5),
            adopt_at: RELEASE + delay as i64,
            new_share: rng.random_range(0.3..0.9),
            completions_share: 0.0,
            rng,
            next_conv: 0,
            requests: 0,
        }
    }

    /// Gives the account its own payment instrument.
    pub(crate) fn own_payment(&mut self, seed: u64) {
        self.payment_fp = Some(payment_fp(seed, self.key, 0));
    }

    /// Moves the account into a group: its org, servers, payment and software.
    pub(crate) fn join(&mut self, group: &Group) {
        self.org_id = Some(group.org_id.clone());
        self.net = NetMode::Site(group.site);
        self.payment_fp.clone_from(&group.payment_fp);
        if let Some(client) = group.client {
            self.client = client;
        }
        self.country = group.country;
        self.tz_min = COUNTRIES[group.country as usize].utc_offset_min;
    }

    /// Starts a conversation of `turns` turns at `start`, spacing turns by `gap`.
    pub(crate) fn push_conversation(
        &mut self,
        index: u32,
        start: EpochMillis,
        turns: u32,
        gap: crate::clock::Gap,
        out: &mut Vec<Arrival>,
    ) {
        let item = self.rng.random();
        self.push_item(index, start, turns, gap, item, out);
    }

    /// Like [`Account::push_conversation`], about a chosen `item`.
    pub(crate) fn push_item(
        &mut self,
        index: u32,
        start: EpochMillis,
        turns: u32,
        gap: crate::clock::Gap,
        item: u32,
        out: &mut Vec<Arrival>,
    ) {
        let conv = self.next_conv;
        self.next_conv += 1;
        let mut ts = start;
        for turn in 0..turns.min(u16::MAX as u32) {
            out.push(Arrival {
                ts,
                tie: self.rng.random(),
                account: index,
                conv,
                turn: turn as u16,
                item,
            });
            ts += gap.sample(&mut self.rng);
        }
    }

    /// A uniform draw in `[0, 1)` fixed for the conversation of `arrival`, one per `purpose`:
    /// what every turn of a conversation must agree on (its model, its limits).
    pub(crate) fn conversation_draw(&self, arrival: &Arrival, purpose: Domain) -> f64 {
        unit(derive(0, purpose, self.key, arrival.conv as u64))
    }

    /// The model of a conversation: the new one once adopted (for its share of
    /// conversations), otherwise the small one for its share and else the large one. Fixed
    /// per conversation; the two draws are independent.
    fn model(&self, arrival: &Arrival) -> &'static str {
        if arrival.ts >= self.adopt_at
            && self.conversation_draw(arrival, Domain::Conversation) < self.new_share
        {
            MODEL_NEW
        } else if self.conversation_draw(arrival, Domain::SmallModel) < self.small_share {
            MODEL_SMALL
        } else {
            MODEL_LARGE
        }
    }
}

/// The `max_tokens` values clients send: SDK defaults and the round numbers of API docs and
/// examples. Every client that chooses its limit, honest or not, chooses from this one
/// catalogue with its own weights ([`Limits`]), so that no value alone tells a campaign from a
/// developer; fixed clients (a chat app's 4,096, a harness's 1,024) send values of it too.
pub(crate) const MAX_TOKENS: [u32; 7] = [1_024, 2_048, 4_096, 8_192, 16_000, 32_000, 64_000];

/// A kind of client's weights over [`MAX_TOKENS`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits(pub(crate) [u32; MAX_TOKENS.len()]);

impl Limits {
    /// The value a uniform draw `u` in `[0, 1)` falls on among the values above `floor` (a
    /// thinking budget must fit under `max_tokens`); the largest value if none above `floor`
    /// has weight.
    pub(crate) fn pick(&self, u: f64, floor: u32) -> u32 {
        let above = || {
            MAX_TOKENS
                .into_iter()
                .zip(self.0)
                .filter(move |&(value, _)| value > floor)
        };
        let total: u32 = above().map(|(_, weight)| weight).sum();
        let mut at = (u * total as f64) as u32;
        for (value, weight) in above() {
            if at < weight {
                return value;
            }
            at -= weight;
        }
        MAX_TOKENS[MAX_TOKENS.len() - 1]
    }
}

/// How the rest of an exchange looks, decided by the persona's content writer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) tokens: TokenKind,
    pub(crate) max_tokens: u32,
    pub(crate) thinking: Option<u32>,
    pub(crate) endpoint: &'static str,
}

/// Everything accounts share: sites, client software, groups, campaign runs.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) seed: u64,
    pub(crate) sites: Vec<Vec<Addr>>,
    clients: Vec<ClientSoftware>,
    client_index: HashMap<ClientSoftware, u32>,
    pub(crate) groups: Vec<Group>,
    pub(crate) runs: Vec<CampaignRun>,
    /// Groups of reseller orgs, which campaign accounts may blend into.
    pub(crate) resellers: Vec<u32>,
}

impl World {
    /// An empty world for a run of seed `seed`.
    pub(crate) fn new(seed: u64) -> World {
        World {
            seed,
            sites: Vec::new(),
            clients: Vec::new(),
            client_index: HashMap::new(),
            groups: Vec::new(),
            runs: Vec::new(),
            resellers: Vec::new(),
        }
    }

    /// The index of a client software, registering it once.
    pub(crate) fn client(&mut self, software: ClientSoftware) -> u32 {
        if let Some(&index) = self.client_index.get(&software) {
            return index;
        }
        let index = self.clients.len() as u32;
        self.clients.push(software.clone());
        self.client_index.insert(software, index);
        index
    }

    /// A new site of `size` distinct addresses of `kind` in `country`, each inside the range
    /// it was drawn from. Addresses come in blocks of at most [`SITE_BLOCK`] consecutive
    /// addresses inside one provider's range: a campus sits in one block of its one network;
    /// servers and proxies are spread over 1–3 providers, and a large pool over as many
    /// blocks as it needs (a block per range when ranges are smaller).
    pub(crate) fn site(
        &mut self,
        kind: NetKind,
        country: u8,
        size: usize,
        corpus: &Corpus,
        rng: &mut SimRng,
    ) -> u32 {
        let size = size.max(1);
        let campus = kind == NetKind::Campus;
        let providers = if campus { 1 } else { rng.random_range(1..=3) };
        let mut blocks = providers.max(size.div_ceil(SITE_BLOCK as usize));
        let mut addrs = Vec::with_capacity(size);
        while addrs.len() < size {
            let range = corpus.net.sample_range(kind, country, rng);
            let wanted = (size - addrs.len()).div_ceil(blocks);
            blocks = (blocks - 1).max(1);
            // A campus keeps to its one network even when the range is tiny.
            let take = if campus {
                size
            } else {
                wanted.min(range.size.clamp(1, SITE_BLOCK) as usize)
            };
            block_addrs(range, take, rng, &mut addrs);
        }
        self.sites.push(addrs);
        (self.sites.len() - 1) as u32
    }

    /// A new org of accounts: an org id, a site, one payment instrument, one client.
    pub(crate) fn group(&mut self, group: Group) -> u32 {
        self.groups.push(group);
        (self.groups.len() - 1) as u32
    }

    /// An org id for org `index` of `persona`.
    pub(crate) fn org_id(&self, persona: Persona, index: u64) -> String {
        opaque_id("org_", self.seed, Domain::Org, persona as u64, index)
    }

    /// A payment instrument of org `index` of `persona`.
    pub(crate) fn org_payment(&self, persona: Persona, index: u64) -> String {
        payment_fp(
            self.seed,
            derive(self.seed, Domain::Org, persona as u64, index),
            1,
        )
    }
}

/// Most consecutive addresses a site takes from one range: a /24, the block hosting
/// providers rent out and campus NATs sit in.
const SITE_BLOCK: u32 = 256;

/// Appends `take` addresses from one block of at most [`SITE_BLOCK`] addresses of `range`:
/// distinct ones, unless the block holds fewer (a campus on a tiny range).
fn block_addrs(range: Range, take: usize, rng: &mut SimRng, out: &mut Vec<Addr>) {
    let width = range.size.clamp(1, SITE_BLOCK);
    let first = rng.random_range(0..=range.size.max(1) - width);
    if take <= width as usize {
        let offsets = rand::seq::index::sample(rng, width as usize, take);
        out.extend(offsets.iter().map(|o| range.addr(first + o as u32)));
    } else {
        out.extend((0..take).map(|_| range.addr(first + rng.random_range(0..width))));
    }
}

/// All accounts and what they share.
pub(crate) struct Population<'c> {
    pub(crate) accounts: Vec<Account>,
    pub(crate) world: World,
    corpus: &'c Corpus,
}

impl<'c> Population<'c> {
    /// Builds the benign population and the scenario's campaigns.
    pub(crate) fn build(config: &'c SimConfig) -> Population<'c> {
        let corpus = &config.corpus;
        let mut world = World::new(config.seed);
        let mut accounts = Vec::new();
        for (persona, count) in benign_counts(config.benign_accounts) {
            match persona {
                Persona::CasualChat
                | Persona::Developer
                | Persona::AppBackend
                | Persona::CodingAgent => {
                    ordinary::build(persona, count, &mut world, corpus, &mut accounts)
                }
                _ => hard::build(persona, count, &mut world, corpus, &mut accounts),
            }
        }
        for &campaign in config.scenario.campaigns() {
            campaigns::build(campaign, config, &mut world, &mut accounts);
        }
        Population {
            accounts,
            world,
            corpus,
        }
    }

    /// Plans every account's exchanges of window day `day`.
    pub(crate) fn plan_day(&mut self, day: u32, out: &mut Vec<Arrival>) {
        for run in &mut self.world.runs {
            run.start_day(self.world.seed, day);
        }
        let day_end = day_start(day + 1);
        for (index, account) in self.accounts.iter_mut().enumerate() {
            if account.active_from >= day_end {
                continue;
            }
            account
                .net
                .new_day(&self.corpus.net, account.country, &mut account.rng);
            let index = index as u32;
            match account.role {
                Role::Ordinary(activity) => activity.plan(account, index, self.corpus, day, out),
                Role::Eval(plan) => plan.plan(account, index, day, out),
                Role::Batch { group, volume } => hard::plan_batch(
                    account,
                    index,
                    &self.world.groups[group as usize],
                    volume,
                    day,
                    out,
                ),
                Role::Class { group } => {
                    hard::plan_class(account, index, &self.world.groups[group as usize], day, out)
                }
                Role::Health { group, phase } => hard::plan_health(
                    account,
                    index,
                    &self.world.groups[group as usize],
                    phase,
                    day,
                    out,
                ),
                Role::Hydra(worker) => {
                    worker.plan(account, index, &self.world, self.corpus, day, out)
                }
            }
        }
    }

    /// Renders one arrival into the event buffer.
    pub(crate) fn render(&mut self, arrival: &Arrival, draft: &mut Draft) {
        let account = &mut self.accounts[arrival.account as usize];
        let world = &self.world;
        let corpus = self.corpus;
        write_common(account, world.seed, arrival, draft);
        let addr = account
            .net
            .pick(&world.sites, &corpus.net, &mut account.rng);
        draft.event.ip = Some(std::net::IpAddr::V4(addr.ip.into()));
        draft.event.asn = Some(addr.asn);
        draft.set(
            TextField::Country,
            Some(COUNTRIES[addr.country as usize].code),
        );
        let client = &world.clients[account.client as usize];
        draft.set(TextField::UserAgent, Some(&client.user_agent));
        draft.set(TextField::ClientFp, Some(&client.client_fp));
        let shape = match account.role {
            Role::Ordinary(_) => ordinary::write(account, corpus, arrival, draft),
            Role::Eval(plan) => plan.write(corpus, arrival, draft),
            Role::Batch { group, .. } => {
                hard::write_batch(&world.groups[group as usize], corpus, arrival, draft)
            }
            Role::Class { group } => {
                hard::write_class(&world.groups[group as usize], corpus, arrival, draft)
            }
            Role::Health { group, .. } => hard::write_health(&world.groups[group as usize], draft),
            Role::Hydra(worker) => worker.write(account, &mut self.world, corpus, arrival, draft),
        };
        finish(account, corpus, arrival, shape, draft);
    }
}

/// Share of exchanges answered with 429 (rate limited) and with a server error.
const RATE_LIMITED: f64 = 0.012;
const SERVER_ERROR: f64 = 0.004;

/// Model, endpoint, limits, token counts and status of an exchange.
fn finish(
    account: &mut Account,
    corpus: &Corpus,
    arrival: &Arrival,
    shape: Shape,
    draft: &mut Draft,
) {
    let model = account.model(arrival);
    draft.set(TextField::Model, Some(model));
    let endpoint = if account.rng.random_bool(account.completions_share) {
        "completions"
    } else {
        shape.endpoint
    };
    draft.set(TextField::Endpoint, Some(endpoint));
    draft.set_thinking(shape.thinking);
    let rng = &mut account.rng;
    let (context, generated) = corpus.tokens.sample(shape.tokens, rng);
    let event = &mut draft.event;
    let text_tokens = |t: &Option<String>| t.as_ref().map_or(0, |t| t.len() as u32 / 4);
    let history = if arrival.turn > 0 {
        context.max(arrival.turn as u32 * 300)
    } else {
        0
    };
    event.prompt_tokens =
        Some(1 + text_tokens(&event.prompt) + text_tokens(&event.system_prompt) + history);
    event.max_tokens = Some(shape.max_tokens);
    let status: u16 = match rng.random::<f64>() {
        u if u < RATE_LIMITED => 429,
        u if u < RATE_LIMITED + SERVER_ERROR => [500, 529][rng.random_range(0..2)],
        _ => 200,
    };
    event.status = Some(status);
    event.completion_tokens = Some(if status == 200 {
        generated.clamp(1, shape.max_tokens)
    } else {
        0
    });
}

/// How many benign accounts of each persona a population of `total` holds. Each hard
/// negative gets about 0.9% (180 accounts at the default 20,000), enough for a 0.5% false
/// positive rate per persona to be measurable.
pub(crate) fn benign_counts(total: usize) -> Vec<(Persona, usize)> {
    const SHARES: &[(Persona, f64)] = &[
        (Persona::EvalHarness, 0.009),
        (Persona::EnterpriseBatch, 0.009),
        (Persona::CodingAgent, 0.009),
        (Persona::UniversityClass, 0.012),
        (Persona::Reseller, 0.009),
        (Persona::HealthCheck, 0.009),
        (Persona::AppBackend, 0.03),
        (Persona::Developer, 0.18),
    ];
    let mut counts: Vec<(Persona, usize)> = SHARES
        .iter()
        .map(|&(persona, share)| (persona, (total as f64 * share).round() as usize))
        .collect();
    let used: usize = counts.iter().map(|c| c.1).sum();
    counts.push((Persona::CasualChat, total.saturating_sub(used)));
    counts
}

/// The persona's account created `before` the window start by at most `spread`.
pub(crate) fn created_before(rng: &mut SimRng, spread: i64) -> EpochMillis {
    WINDOW_START - rng.random_range(DAY..spread.max(2 * DAY))
}

impl Population<'_> {
    /// The campaign an account serves, if any.
    pub(crate) fn campaign_of(&self, account: &Account) -> Option<crate::scenario::Campaign> {
        match account.role {
            Role::Hydra(worker) => Some(self.world.runs[worker.run() as usize].campaign),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Share of `conversations` conversations an account of small-model share `share` sends
    /// to the small model, before any new-model adoption.
    fn small_model_share(share: f64, conversations: u32) -> f64 {
        let corpus = Corpus::built_in();
        let mut world = World::new(5);
        let key = (Persona::Developer as u64, 0);
        let mut account = Account::new(
            &mut world,
            &corpus,
            Domain::BenignAccount,
            key,
            Persona::Developer,
        );
        account.small_share = share;
        account.adopt_at = EpochMillis::MAX;
        let small = (0..conversations)
            .filter(|&conv| {
                let arrival = Arrival {
                    ts: WINDOW_START,
                    tie: 0,
                    account: 0,
                    conv,
                    turn: 0,
                    item: 0,
                };
                account.model(&arrival) == MODEL_SMALL
            })
            .count();
        small as f64 / conversations as f64
    }

    #[test]
    fn site_addresses_are_distinct_and_inside_their_ranges() {
        let ranges = [
            (0x0a00_0000, 0x0a00_ffff, 64_500, NetKind::Hosting),
            (0x0b00_0000, 0x0b00_003f, 64_501, NetKind::Hosting),
            (0x0c00_0000, 0x0c00_07ff, 64_502, NetKind::Hosting),
            (0x0d00_0000, 0x0d00_0003, 64_503, NetKind::Campus),
            (0x0e00_0000, 0x0eff_ffff, 64_504, NetKind::Residential),
        ];
        let mut corpus = Corpus::built_in();
        corpus.net = crate::corpus::RangeTable::new(ranges);
        let inside = |addr: &Addr| {
            ranges
                .iter()
                .any(|&(first, last, asn, _)| asn == addr.asn && (first..=last).contains(&addr.ip))
        };
        let mut world = World::new(1);
        let mut rng = stream(1, Domain::Group, 0, 0);
        for size in [1, 3, 40, 300, 1_000] {
            let site = world.site(NetKind::Hosting, 0, size, &corpus, &mut rng);
            let addrs = &world.sites[site as usize];
            assert_eq!(addrs.len(), size);
            assert!(addrs.iter().all(inside), "an address outside its range");
            let distinct: std::collections::HashSet<u32> = addrs.iter().map(|a| a.ip).collect();
            assert!(
                distinct.len() * 100 >= size * 99,
                "{} of {size} distinct",
                distinct.len()
            );
        }
        let campus = world.site(NetKind::Campus, 0, 4, &corpus, &mut rng);
        let campus = &world.sites[campus as usize];
        assert!(campus.iter().all(|a| a.asn == 64_503 && inside(a)));
    }

    #[test]
    fn limits_stay_in_the_catalogue_and_above_a_thinking_budget() {
        let limits = Limits([0, 5, 15, 40, 20, 15, 5]);
        let draws = (0..1_000).map(|i| i as f64 / 1_000.0);
        let free: Vec<u32> = draws.clone().map(|u| limits.pick(u, 0)).collect();
        assert!(free.iter().all(|v| MAX_TOKENS[1..].contains(v)));
        assert_eq!(free.iter().filter(|&&v| v == 8_192).count(), 400);
        let thinking: Vec<u32> = draws.map(|u| limits.pick(u, 16_000)).collect();
        assert!(thinking.iter().all(|&v| v == 32_000 || v == 64_000));
        assert_eq!(thinking.iter().filter(|&&v| v == 64_000).count(), 250);
        assert_eq!(Limits([1, 0, 0, 0, 0, 0, 0]).pick(0.5, 8_000), 64_000);
    }

    #[test]
    fn an_accounts_small_model_share_is_honoured_per_conversation() {
        for share in [0.0, 0.1, 0.25, 0.4, 0.9, 1.0] {
            let seen = small_model_share(share, 20_000);
            assert!(
                (seen - share).abs() < 0.02,
                "configured small-model share {share}, sent {seen:.3}"
            );
        }
    }
}
