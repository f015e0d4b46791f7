//! The account graph and clustering, end to end on synthetic populations: planted campaigns
//! are recovered from a random background, camouflage and popular values do not change that,
//! weak links do not chain groups, schedulers are told from peak hours, and the result does
//! not depend on the order of the input.
//!
//! Run `cargo test --release -p hydrascope-core --test clustering -- --ignored --nocapture`
//! for the timing of a 100,000-account population.

use std::collections::HashMap;
use std::time::Instant;

use hydrascope_core::activity::{ActivityBins, BIN_MILLIS};
use hydrascope_core::cluster::{
    Edge, EvidenceKey, EvidenceKind, Group, GroupParams, KeyIndex, LinkParams, LockstepPair,
    LockstepParams, find_groups, lockstep_pairs, merge_edges,
};
use hydrascope_core::keys::KeyKind;

const DAY0: i64 = 1_776_816_000_000; // 2026-04-22T00:00Z
const BINS_PER_DAY: i64 = 144;

/// SplitMix64: a small deterministic generator, enough for synthetic populations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

fn key(kind: EvidenceKind, value: u64) -> EvidenceKey {
    EvidenceKey { kind, hash: value }
}

fn link(kind: KeyKind, value: u64) -> EvidenceKey {
    key(EvidenceKind::Link(kind), value)
}

/// Distinct value spaces for synthetic keys, so that two generators never collide by accident.
const HONEST: u64 = 1 << 40;
const CAMPAIGN: u64 = 2 << 40;
const CAMOUFLAGE: u64 = 3 << 40;

/// A synthetic population: keys per account and the planted truth.
struct Population {
    accounts: u32,
    keys: Vec<(u32, EvidenceKey)>,
    /// The planted group of each account, `None` for honest accounts.
    truth: Vec<Option<u32>>,
}

impl Population {
    /// `accounts` honest accounts in a random background: each on one of a few large networks
    /// (popular, dropped), on a small network shared with a handful of others, using a client
    /// fingerprint shared with a few dozen and a common user agent. Random pairs sometimes
    /// share two of these by chance: a sparse random graph with a few strong edges.
    fn background(accounts: u32, rng: &mut Rng) -> Population {
        let mut keys = Vec::new();
        for a in 0..accounts {
            let n = u64::from(accounts);
            keys.push((a, link(KeyKind::Asn, HONEST + rng.below(12))));
            keys.push((a, link(KeyKind::UserAgent, HONEST + rng.below(8))));
            keys.push((a, link(KeyKind::Network, HONEST + rng.below(n / 4))));
            keys.push((a, link(KeyKind::ClientFp, HONEST + rng.below(n / 30))));
            keys.push((a, link(KeyKind::Ip, HONEST + rng.below(n))));
        }
        Population {
            accounts,
            keys,
            truth: vec![None; accounts as usize],
        }
    }

    /// Turns `size` random honest accounts into campaign `group`: they draw addresses from
    /// one proxy pool, pay with one of two cards, send one system prompt and one template
    /// (most of its 16 band keys).
    fn plant(&mut self, group: u32, size: usize, rng: &mut Rng) -> Vec<u32> {
        let members = self.pick_honest(size, rng);
        let base = CAMPAIGN + (u64::from(group) << 20);
        for &a in &members {
            self.truth[a as usize] = Some(group);
            for _ in 0..4 {
                self.keys.push((a, link(KeyKind::Ip, base + rng.below(8))));
            }
            self.keys
                .push((a, link(KeyKind::PaymentFp, base + rng.below(2))));
            self.keys.push((a, link(KeyKind::SystemPrompt, base)));
            for band in 0..16 {
                if rng.chance(0.8) {
                    self.keys
                        .push((a, key(EvidenceKind::TemplateBand, base + band)));
                }
            }
        }
        members
    }

    /// Camouflage: every member of `members` shares an address and a client fingerprint —
    /// a strong link of two rare families — with `per_member` random honest accounts.
    fn camouflage(&mut self, members: &[u32], per_member: usize, rng: &mut Rng) {
        for &a in members {
            for _ in 0..per_member {
                let honest = self.pick_honest(1, rng)[0];
                let value = CAMOUFLAGE + rng.next() % (1 << 39);
                for kind in [KeyKind::Ip, KeyKind::ClientFp] {
                    self.keys.push((a, link(kind, value)));
                    self.keys.push((honest, link(kind, value)));
                }
            }
        }
    }

    fn pick_honest(&self, count: usize, rng: &mut Rng) -> Vec<u32> {
        let mut picked = Vec::with_capacity(count);
        while picked.len() < count {
            let a = rng.below(u64::from(self.accounts)) as u32;
            if self.truth[a as usize].is_none() && !picked.contains(&a) {
                picked.push(a);
            }
        }
        picked.sort_unstable();
        picked
    }

    fn groups(&self) -> (KeyIndex, Vec<Group>) {
        groups_of(self.accounts, self.keys.clone())
    }
}

fn groups_of(accounts: u32, keys: Vec<(u32, EvidenceKey)>) -> (KeyIndex, Vec<Group>) {
    let index = KeyIndex::build(accounts, keys, &LinkParams::default());
    let groups = find_groups(
        accounts,
        &index.pairs(),
        Some(&index),
        &GroupParams::default(),
    );
    (index, groups)
}

/// The adjusted Rand index of the planted truth and the groups found, every account outside
/// a group (or outside the truth) counting as a group of its own.
fn adjusted_rand_index(truth: &[Option<u32>], groups: &[Group]) -> f64 {
    let mut found = vec![None; truth.len()];
    for (g, group) in groups.iter().enumerate() {
        for &a in &group.members {
            found[a as usize] = Some(g as u32);
        }
    }
    let label = |l: Option<u32>, a: usize| l.map_or(1 << 32 | a as u64, u64::from);
    let mut joint: HashMap<(u64, u64), u64> = HashMap::new();
    let (mut rows, mut cols) = (HashMap::new(), HashMap::new());
    for a in 0..truth.len() {
        let (t, f) = (label(truth[a], a), label(found[a], a));
        *joint.entry((t, f)).or_default() += 1;
        *rows.entry(t).or_insert(0u64) += 1;
        *cols.entry(f).or_insert(0u64) += 1;
    }
    let pairs = |n: &u64| (n * n.saturating_sub(1) / 2) as f64;
    let index: f64 = joint.values().map(pairs).sum();
    let (a, b): (f64, f64) = (
        rows.values().map(pairs).sum(),
        cols.values().map(pairs).sum(),
    );
    let expected = a * b / pairs(&(truth.len() as u64));
    (index - expected) / ((a + b) / 2.0 - expected)
}

fn members_of(groups: &[Group]) -> Vec<Vec<u32>> {
    groups.iter().map(|g| g.members.clone()).collect()
}

/// Groups in the order of their ids: larger first, then by smallest member.
fn in_canonical_order(mut groups: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
    groups.sort_by_key(|members| (std::cmp::Reverse(members.len()), members[0]));
    groups
}

/// A background of 3,000 accounts with ten planted campaigns of 8 to 44 accounts.
fn planted(rng: &mut Rng) -> (Population, Vec<Vec<u32>>) {
    let mut population = Population::background(3_000, rng);
    let campaigns = (0..10)
        .map(|g| population.plant(g, 8 + 4 * g as usize, rng))
        .collect();
    (population, campaigns)
}

#[test]
fn planted_groups_in_a_random_background_are_recovered() {
    let (population, campaigns) = planted(&mut Rng(1));
    let (_, groups) = population.groups();
    let ari = adjusted_rand_index(&population.truth, &groups);
    assert!(ari >= 0.9, "ARI {ari}, {} groups", groups.len());
    assert_eq!(
        groups[0].members, campaigns[9],
        "the largest campaign is c-0001"
    );
}

#[test]
fn camouflaged_groups_are_still_recovered() {
    let mut rng = Rng(2);
    let (mut population, campaigns) = planted(&mut rng);
    for members in &campaigns {
        population.camouflage(members, 20, &mut rng);
    }
    let (_, groups) = population.groups();
    let ari = adjusted_rand_index(&population.truth, &groups);
    assert!(ari >= 0.9, "ARI {ari}");
    let campaign_groups = groups.iter().filter(|g| {
        g.members
            .iter()
            .any(|&a| population.truth[a as usize].is_some())
    });
    let honest_pulled_in = campaign_groups
        .flat_map(|g| &g.members)
        .filter(|&&a| population.truth[a as usize].is_none())
        .count();
    assert_eq!(honest_pulled_in, 0, "of 5,200 camouflage links");
}

#[test]
fn a_key_shared_by_thirty_percent_of_accounts_links_nobody() {
    let mut rng = Rng(3);
    let accounts = 2_000;
    let popular: Vec<(u32, EvidenceKey)> = (0..accounts)
        .filter(|_| rng.chance(0.3))
        .flat_map(|a| [(a, link(KeyKind::Asn, 1)), (a, link(KeyKind::UserAgent, 1))])
        .collect();
    let index = KeyIndex::build(accounts, popular.clone(), &LinkParams::default());
    assert!(index.pairs().is_empty());
    assert_eq!(index.popular_keys().len(), 2);

    let (mut population, _) = planted(&mut rng);
    let (_, before) = population.groups();
    population.keys.extend(popular);
    let (_, after) = population.groups();
    assert_eq!(before, after);
}

#[test]
fn two_groups_joined_by_one_weak_edge_stay_two_groups() {
    let mut population = Population::background(500, &mut Rng(4));
    let first = population.plant(0, 20, &mut Rng(5));
    let second = population.plant(1, 20, &mut Rng(6));
    population.keys.push((first[0], link(KeyKind::Org, 77)));
    population.keys.push((second[0], link(KeyKind::Org, 77)));
    let (_, groups) = population.groups();
    assert_eq!(members_of(&groups), in_canonical_order(vec![first, second]));
}

#[test]
fn two_groups_joined_by_one_strong_edge_stay_two_groups() {
    let mut population = Population::background(500, &mut Rng(4));
    let first = population.plant(0, 20, &mut Rng(5));
    let second = population.plant(1, 20, &mut Rng(6));
    for kind in [KeyKind::Org, KeyKind::PaymentFp, KeyKind::SystemPrompt] {
        population.keys.push((first[0], link(kind, 77)));
        population.keys.push((second[0], link(kind, 77)));
    }
    let (_, groups) = population.groups();
    assert_eq!(members_of(&groups), in_canonical_order(vec![first, second]));
}

#[test]
fn a_group_names_the_keys_its_members_share() {
    let (population, campaigns) = planted(&mut Rng(8));
    let (index, groups) = population.groups();
    let group = &groups[0];
    let kinds: Vec<EvidenceKind> = group.evidence.iter().map(|e| e.kind).collect();
    for kind in [KeyKind::Ip, KeyKind::PaymentFp, KeyKind::SystemPrompt] {
        assert!(kinds.contains(&EvidenceKind::Link(kind)), "{kinds:?}");
    }
    let prompt = group
        .evidence
        .iter()
        .find(|e| e.kind == EvidenceKind::Link(KeyKind::SystemPrompt))
        .unwrap();
    assert_eq!(prompt.keys.len(), 1);
    assert_eq!(prompt.keys[0].members as usize, campaigns[9].len());
    let prompt_key = link(KeyKind::SystemPrompt, prompt.keys[0].hash);
    assert_eq!(index.shared_by(&prompt_key), Some(prompt.keys[0].members));
    assert!(
        group.edge_density > 0.9 && group.mean_pair_weight > 2.0,
        "{group:?}"
    );
}

#[test]
fn groups_and_ids_do_not_depend_on_input_order() {
    let (population, _) = planted(&mut Rng(9));
    let (index, groups) = population.groups();
    let mut keys = population.keys.clone();
    Rng(10).shuffle(&mut keys);
    assert_eq!(groups_of(population.accounts, keys).1, groups);

    let mut edges = index.pairs();
    Rng(11).shuffle(&mut edges);
    let swapped: Vec<Edge> = edges
        .iter()
        .map(|e| Edge {
            a: e.b,
            b: e.a,
            ..*e
        })
        .collect();
    let params = GroupParams::default();
    assert_eq!(
        find_groups(population.accounts, &swapped, Some(&index), &params),
        groups
    );
}

#[test]
fn renumbering_accounts_finds_the_same_groups() {
    let (population, _) = planted(&mut Rng(12));
    let (_, groups) = population.groups();
    let mut renamed: Vec<u32> = (0..population.accounts).collect();
    Rng(13).shuffle(&mut renamed);
    let keys = population
        .keys
        .iter()
        .map(|&(a, k)| (renamed[a as usize], k))
        .collect();
    let (_, regrouped) = groups_of(population.accounts, keys);
    let mut back = vec![0u32; renamed.len()];
    for (old, &new) in renamed.iter().enumerate() {
        back[new as usize] = old as u32;
    }
    let normalise = |groups: &[Group], map: &dyn Fn(u32) -> u32| {
        let mut sets: Vec<Vec<u32>> = groups
            .iter()
            .map(|g| {
                let mut m: Vec<u32> = g.members.iter().map(|&a| map(a)).collect();
                m.sort_unstable();
                m
            })
            .collect();
        sets.sort();
        sets
    };
    assert_eq!(
        normalise(&regrouped, &|a| back[a as usize]),
        normalise(&groups, &|a| a)
    );
}

/// Activity of one account from the ten-minute bins it was active in (days from DAY0 × 144 +
/// bin of the day).
fn activity(bins: impl IntoIterator<Item = i64>) -> ActivityBins {
    let mut activity = ActivityBins::default();
    bins.into_iter()
        .for_each(|bin| activity.observe(DAY0 + bin * BIN_MILLIS + 7_000));
    activity
}

/// `count` accounts fed by one scheduler: every ten minutes, round the clock for three days
/// from bin `start`, it sends one request through each account in turn, and each request
/// fails (no activity in that bin) one time in ten.
fn round_robin(count: usize, start: i64, rng: &mut Rng) -> Vec<ActivityBins> {
    let schedule = start..start + 3 * BINS_PER_DAY;
    (0..count)
        .map(|_| activity(schedule.clone().filter(|_| !rng.chance(0.1))))
        .collect()
}

/// `count` people active in the evening peak (19:00–23:00) of the same fourteen days, each in
/// a random two fifths of its ten-minute slots.
fn evening_people(count: usize, rng: &mut Rng) -> Vec<ActivityBins> {
    let evening = |day: i64| (19 * 6..23 * 6).map(move |slot| day * BINS_PER_DAY + slot);
    (0..count)
        .map(|_| activity((0..14).flat_map(evening).filter(|_| rng.chance(0.4))))
        .collect()
}

/// `people` evening people followed by `scheduled` accounts on one round robin.
fn people_and_a_scheduler(people: usize, scheduled: usize, rng: &mut Rng) -> Vec<ActivityBins> {
    let mut accounts = evening_people(people, rng);
    accounts.extend(round_robin(scheduled, 0, rng));
    accounts
}

fn lockstep_of(accounts: &[ActivityBins]) -> Vec<LockstepPair> {
    let refs: Vec<&ActivityBins> = accounts.iter().collect();
    lockstep_pairs(&refs, &LockstepParams::default())
}

#[test]
fn accounts_on_a_common_ten_minute_round_robin_are_in_lockstep() {
    let pairs = lockstep_of(&people_and_a_scheduler(300, 30, &mut Rng(14)));
    let scheduled = |a: u32| a >= 300;
    assert!(pairs.iter().all(|p| scheduled(p.a) && scheduled(p.b)));
    let all_pairs = 30 * 29 / 2;
    assert!(
        pairs.len() * 100 >= all_pairs * 95,
        "{} of {all_pairs}",
        pairs.len()
    );
    assert!(pairs.iter().all(|p| p.similarity > 0.7));
}

#[test]
fn accounts_active_in_the_same_evening_peak_hours_are_not_in_lockstep() {
    assert_eq!(lockstep_of(&evening_people(500, &mut Rng(15))), []);
}

#[test]
fn lockstep_and_one_shared_network_make_a_group_neither_makes_alone() {
    let timing: Vec<Edge> = lockstep_of(&people_and_a_scheduler(2_000, 12, &mut Rng(16)))
        .iter()
        .map(|p| p.edge())
        .collect();
    let scheduled: Vec<u32> = (2_000..2_012).collect();
    let network = scheduled.iter().map(|&a| (a, link(KeyKind::Network, 5)));
    let index = KeyIndex::build(2_012, network, &LinkParams::default());
    let params = GroupParams::default();
    let grouped = |edges: Vec<Edge>| find_groups(2_012, &edges, Some(&index), &params);
    assert_eq!(grouped(timing.clone()), []);
    assert_eq!(grouped(index.pairs()), []);
    let both = grouped(merge_edges([timing, index.pairs()]));
    assert_eq!(members_of(&both), [scheduled]);
    let kinds: Vec<&str> = both[0].evidence.iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds, ["network", "lockstep"]);
}

/// 100,000 accounts: 80,000 honest ones in the random background with evening activity, and
/// 300 campaigns of 10 to 140 accounts (about 20,000 in all), half of them round-robin, each
/// starting on its own day and minute.
#[test]
#[ignore = "timing of a large population; run in release with --ignored --nocapture"]
fn a_hundred_thousand_accounts_are_clustered_in_seconds() {
    let mut rng = Rng(17);
    let start = Instant::now();
    let mut population = Population::background(100_000, &mut rng);
    let mut activity: Vec<ActivityBins> = evening_people(100_000, &mut rng);
    for g in 0..300 {
        let members = population.plant(g, 10 + (g as usize * 7) % 131, &mut rng);
        if g % 2 == 0 {
            let start = rng.below(11 * BINS_PER_DAY as u64) as i64;
            for (a, bins) in members
                .iter()
                .zip(round_robin(members.len(), start, &mut rng))
            {
                activity[*a as usize] = bins;
            }
        }
    }
    println!("generated in {:?}", start.elapsed());

    let t = Instant::now();
    let index = KeyIndex::build(
        population.accounts,
        population.keys.clone(),
        &LinkParams::default(),
    );
    let links = index.pairs();
    println!(
        "links: {:?}, {:?}, {} pairs in {:?}",
        index.stats(),
        index.popular_keys().len(),
        links.len(),
        t.elapsed()
    );

    let t = Instant::now();
    let lockstep = lockstep_of(&activity);
    println!("lockstep: {} pairs in {:?}", lockstep.len(), t.elapsed());

    let t = Instant::now();
    let edges = merge_edges([links, lockstep.iter().map(|p| p.edge()).collect()]);
    let groups = find_groups(
        population.accounts,
        &edges,
        Some(&index),
        &GroupParams::default(),
    );
    println!(
        "groups: {} from {} edges in {:?}",
        groups.len(),
        edges.len(),
        t.elapsed()
    );
    let ari = adjusted_rand_index(&population.truth, &groups);
    println!("ARI {ari:.4}, total {:?}", start.elapsed());
    assert!(ari >= 0.9);
}
