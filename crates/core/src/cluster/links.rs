//! The link graph: weighted account pairs from the keys they share.
//!
//! **Campaign behaviour.** An operator's accounts share what is expensive to vary: proxy pools,
//! payment instruments, the client of its pipeline, system prompts and prompt templates. Each
//! such value is a key held by a few dozen to a few hundred accounts, and most pairs of the
//! campaign share several of them.
//!
//! **Honest behaviour that looks like it.** Everyone on a big ISP shares its autonomous
//! system, millions share a browser's user agent, a household shares an address. So a key
//! counts by how *rare* it is: its weight falls with the log of the number of accounts that
//! share it ([`key_weight`], an inverse document frequency, the same shape as Fraudar's
//! column weights 1/log(df + c)), a key shared by more than a bound is dropped (it links
//! nobody, and would make pair generation quadratic in its popularity), and a family of
//! related kinds adds at most [`FAMILY_CAP`] to a pair, so a pair is only heavy when several
//! independent families agree.
//!
//! **Rare among whom.** A campaign of thousands of accounts makes its own keys popular: its
//! harvesting template is "shared by 3% of the population" because the campaign is 3% of the
//! population. What matters is how popular a key is among *honest* accounts. So an index can
//! be built against a reference set of presumed-honest accounts ([`KeyIndex::build_against`],
//! the reference the scorer settles on): the popularity bound then counts only the reference
//! accounts that hold a key, so the campaign's own keys are not dropped. The weight still
//! counts every holder (a key held by five hundred accounts says less about any two of them
//! than one held by two), and so does the cost of pair generation. Only kinds whose values
//! belong to one operator are treated so ([`EvidenceKind::specific_to_operators`]): an
//! autonomous system or a system prompt copied from documentation is shared by unrelated
//! operators by nature, and counting only honest holders would merge different campaigns
//! through their common cloud.
//!
//! # Memory and time
//!
//! The index holds every (key, account) incidence of a key that is kept: at most the sum of
//! the accounts' key counts. Pair generation visits Σ df·(df − 1)/2 candidate pairs over the
//! keys that *propose* pairs — the *candidate pairs* — and [`LinkParams::max_candidate_pairs`]
//! bounds that number up front: when the keys under the popularity bound would exceed it,
//! only keys held by at most a lower number of accounts (the *cost bound*, lowered whole
//! popularity levels at a time, so equally popular keys are treated alike) propose pairs.
//!
//! The keys above the cost bound are not dropped: they *corroborate*. A campaign of twenty
//! thousand accounts holds its proxy pool, client and templates in common, and no budget
//! could list the pairs of each; but the pairs its small keys propose (six accounts paying
//! with one card) are exactly the ones whose weight those large keys must add to. So a
//! corroborating key adds its weight to every proposed pair that holds it, and proposes none:
//! the cost is the candidate pairs times the corroborating keys of an account, linear in the
//! pairs, and a pair's weight is what it would be under an unbounded budget.
//!
//! Pairs are accumulated one account at a time in a dense scratch row of [`FAMILIES`] floats
//! per account, so the working memory is O(accounts) and the output holds only the pairs that
//! reach [`LinkParams::min_pair_weight`]: never more than the candidate pairs.

use serde::Serialize;

use super::evidence::{Edge, EvidenceKey, EvidenceKind, FAMILIES, FAMILY_CAP, KindSet};

/// Keys shared by at most this many accounts are always kept (unless the candidate-pair
/// budget forces a lower bound): in a small population a campaign of fifty accounts is still
/// a campaign, not a popular value.
pub const POPULAR_FLOOR: u32 = 50;
/// Keys shared by more than this share of the accounts (and more than [`POPULAR_FLOOR`]) are
/// dropped: a value held by one account in two hundred is a property of a population (an ISP,
/// a common client), not of an operator.
pub const POPULAR_SHARE: f64 = 0.005;
/// Candidate pairs visited at most: about a second of pair generation, and an upper bound on
/// the edges it can return.
pub const MAX_CANDIDATE_PAIRS: u64 = 30_000_000;
/// Pairs lighter than this are not returned: the edge threshold of grouping
/// ([`super::groups::MIN_EDGE_WEIGHT`]) less the most that lockstep evidence, merged later, can
/// add ([`FAMILY_CAP`]). A lighter pair could not become an edge even with perfect
/// synchronisation.
pub const MIN_PAIR_WEIGHT: f32 = super::groups::MIN_EDGE_WEIGHT - FAMILY_CAP;
/// How keys are filtered and pairs generated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkParams {
    /// See [`POPULAR_FLOOR`].
    pub popular_floor: u32,
    /// See [`POPULAR_SHARE`].
    pub popular_share: f64,
    /// See [`MAX_CANDIDATE_PAIRS`].
    pub max_candidate_pairs: u64,
    /// See [`MIN_PAIR_WEIGHT`].
    pub min_pair_weight: f32,
}

impl Default for LinkParams {
    fn default() -> Self {
        LinkParams {
            popular_floor: POPULAR_FLOOR,
            popular_share: POPULAR_SHARE,
            max_candidate_pairs: MAX_CANDIDATE_PAIRS,
            min_pair_weight: MIN_PAIR_WEIGHT,
        }
    }
}

/// The weight of a key shared by `shared_by` of `accounts` accounts: ln(1 + N/df), divided by
/// its value at df = 2 so that the rarest key two accounts can share weighs 1. It falls with
/// the log of popularity and never reaches 0, like Fraudar's column weights; the popularity
/// bound, not the weight, removes the keys that link nobody.
pub fn key_weight(shared_by: u32, accounts: u32) -> f32 {
    let n = f64::from(accounts.max(2));
    let idf = |df: f64| (1.0 + n / df).ln();
    (idf(f64::from(shared_by.max(2))) / idf(2.0)) as f32
}

/// What happened to the keys on the way into the index.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KeyStats {
    /// Distinct keys seen.
    pub distinct: usize,
    /// Keys held by one account only: they link nobody.
    pub unshared: usize,
    /// Keys dropped as too popular (see [`KeyIndex::popular_keys`]).
    pub popular: usize,
    /// Kept keys held by more accounts than the cost bound: they corroborate the pairs other
    /// keys propose and propose none (see the module documentation).
    pub corroborating: usize,
    /// The popularity bound: kept keys are held by at most this many reference accounts.
    pub bound: u32,
    /// When the candidate-pair budget binds: keys that propose pairs are held by at most this
    /// many accounts in all.
    pub cost_bound: Option<u32>,
    /// Σ df·(df − 1)/2 over the keys that propose pairs: the work of [`KeyIndex::pairs`].
    pub candidate_pairs: u64,
}

/// Keys inverted to the accounts that hold them, with rarity weights.
#[derive(Debug, Clone)]
pub struct KeyIndex {
    accounts: u32,
    /// Kept keys: those that propose pairs, sorted, then the corroborating ones from
    /// `first_corroborating` on, sorted.
    keys: Vec<EvidenceKey>,
    first_corroborating: u32,
    weights: Vec<f32>,
    /// Accounts of key `k`: `holders[holder_start[k]..holder_start[k + 1]]`, ascending.
    holder_start: Vec<usize>,
    holders: Vec<u32>,
    /// Kept keys of account `a`: `held[held_start[a]..held_start[a + 1]]`, ascending ids.
    held_start: Vec<usize>,
    held: Vec<u32>,
    /// Keys dropped for popularity, with how many accounts hold each.
    popular: Vec<(EvidenceKey, u32)>,
    stats: KeyStats,
    min_pair_weight: f32,
}

impl KeyIndex {
    /// Indexes the keys of `accounts` accounts, given as `(account, key)` in any order and with
    /// any repetition. Counts of use do not enter: a key is evidence by how many accounts share
    /// it, not by how often each used it (volume differs by account, not by operator).
    ///
    /// # Panics
    /// When an account index is not below `accounts`.
    pub fn build(
        accounts: u32,
        keys: impl IntoIterator<Item = (u32, EvidenceKey)>,
        params: &LinkParams,
    ) -> KeyIndex {
        Self::build_against(accounts, keys, &vec![true; accounts as usize], params)
    }

    /// Like [`KeyIndex::build`], with popularity and weights measured among the accounts
    /// marked in `reference` only (see the module documentation).
    ///
    /// # Panics
    /// When an account index is not below `accounts`, or `reference` does not have one entry
    /// per account.
    pub fn build_against(
        accounts: u32,
        keys: impl IntoIterator<Item = (u32, EvidenceKey)>,
        reference: &[bool],
        params: &LinkParams,
    ) -> KeyIndex {
        assert_eq!(reference.len(), accounts as usize, "one entry per account");
        let mut incidences: Vec<(EvidenceKey, u32)> = keys
            .into_iter()
            .map(|(account, key)| {
                assert!(account < accounts, "account {account} of {accounts}");
                (key, account)
            })
            .collect();
        incidences.sort_unstable();
        incidences.dedup();
        let runs: Vec<KeyRun> = key_runs(&incidences)
            .into_iter()
            .map(|range| {
                let holders = &incidences[range.clone()];
                let in_reference = if holders[0].0.kind.specific_to_operators() {
                    holders
                        .iter()
                        .filter(|(_, a)| reference[*a as usize])
                        .count()
                } else {
                    holders.len()
                };
                KeyRun {
                    in_reference: in_reference as u32,
                    range,
                }
            })
            .collect();
        let reference_accounts = reference.iter().filter(|&&r| r).count() as u32;
        let bound = popularity_bound(reference_accounts, params);
        let cost_bound = cost_bound(&runs, bound, params);
        let mut index = KeyIndex {
            accounts,
            keys: Vec::new(),
            first_corroborating: 0,
            weights: Vec::new(),
            holder_start: vec![0],
            holders: Vec::new(),
            held_start: Vec::new(),
            held: Vec::new(),
            popular: Vec::new(),
            stats: KeyStats {
                distinct: runs.len(),
                bound,
                cost_bound,
                ..KeyStats::default()
            },
            min_pair_weight: params.min_pair_weight,
        };
        let limit = cost_bound.unwrap_or(u32::MAX);
        let (proposing, rest): (Vec<&KeyRun>, Vec<&KeyRun>) =
            runs.iter().partition(|run| run.range.len() as u32 <= limit);
        for run in proposing {
            index.add_key(&incidences[run.range.clone()], run.in_reference, bound);
        }
        index.first_corroborating = index.keys.len() as u32;
        for run in rest {
            index.add_key(&incidences[run.range.clone()], run.in_reference, bound);
        }
        index.stats.corroborating = index.keys.len() - index.first_corroborating as usize;
        index.stats.candidate_pairs = (0..index.first_corroborating)
            .map(|id| pairs_among(index.holders_of(id).len() as u32))
            .sum();
        index.invert_holders();
        index
    }

    /// Keeps one key (all its incidences), or records why not: unshared, or too popular when
    /// more than `bound` of its holders are reference accounts.
    fn add_key(&mut self, incidences: &[(EvidenceKey, u32)], in_reference: u32, bound: u32) {
        let key = incidences[0].0;
        let shared_by = incidences.len() as u32;
        if shared_by < 2 {
            self.stats.unshared += 1;
        } else if in_reference > bound {
            self.stats.popular += 1;
            self.popular.push((key, shared_by));
        } else {
            self.keys.push(key);
            self.weights.push(key_weight(shared_by, self.accounts));
            self.holders.extend(incidences.iter().map(|(_, a)| *a));
            self.holder_start.push(self.holders.len());
        }
    }

    /// Builds the account → keys lists from the key → accounts lists (a counting sort, so
    /// each account's key ids come out ascending).
    fn invert_holders(&mut self) {
        let mut start = vec![0usize; self.accounts as usize + 1];
        for &account in &self.holders {
            start[account as usize + 1] += 1;
        }
        for a in 0..self.accounts as usize {
            start[a + 1] += start[a];
        }
        let mut next = start.clone();
        let mut held = vec![0; self.holders.len()];
        for key in 0..self.keys.len() {
            for &account in self.holders_of(key as u32) {
                held[next[account as usize]] = key as u32;
                next[account as usize] += 1;
            }
        }
        self.held = held;
        self.held_start = start;
    }

    /// Number of accounts the index was built for.
    pub fn accounts(&self) -> u32 {
        self.accounts
    }

    /// What was kept and dropped.
    pub fn stats(&self) -> &KeyStats {
        &self.stats
    }

    /// Keys dropped for popularity, with how many accounts hold each. Dropped is not
    /// forgotten: a value that one account in a hundred holds is no link, but a scorer may
    /// still ask who holds it.
    pub fn popular_keys(&self) -> &[(EvidenceKey, u32)] {
        &self.popular
    }

    /// The weight of a kept key, `None` when it was dropped or never seen.
    pub fn weight(&self, key: &EvidenceKey) -> Option<f32> {
        self.id_of(key).map(|id| self.weights[id as usize])
    }

    /// How many accounts hold a kept key.
    pub fn shared_by(&self, key: &EvidenceKey) -> Option<u32> {
        self.id_of(key).map(|id| self.holders_of(id).len() as u32)
    }

    fn id_of(&self, key: &EvidenceKey) -> Option<u32> {
        let (proposing, corroborating) = self.keys.split_at(self.first_corroborating as usize);
        match proposing.binary_search(key) {
            Ok(id) => Some(id as u32),
            Err(_) => corroborating
                .binary_search(key)
                .ok()
                .map(|id| self.first_corroborating + id as u32),
        }
    }

    pub(crate) fn key(&self, id: u32) -> EvidenceKey {
        self.keys[id as usize]
    }

    pub(crate) fn key_weight_of(&self, id: u32) -> f32 {
        self.weights[id as usize]
    }

    pub(crate) fn holders_of(&self, id: u32) -> &[u32] {
        let id = id as usize;
        &self.holders[self.holder_start[id]..self.holder_start[id + 1]]
    }

    /// The ids of the kept keys an account holds, ascending.
    pub(crate) fn held_by(&self, account: u32) -> &[u32] {
        let a = account as usize;
        &self.held[self.held_start[a]..self.held_start[a + 1]]
    }

    /// The keys an account holds ([`KeyIndex::held_by`]), split into those that propose pairs
    /// and the corroborating ones after them.
    fn held_split(&self, account: u32) -> (&[u32], &[u32]) {
        let held = self.held_by(account);
        held.split_at(held.partition_point(|&key| key < self.first_corroborating))
    }

    /// Every pair of accounts that a proposing key links and whose kept keys are worth at least
    /// [`LinkParams::min_pair_weight`], sorted by `(a, b)`. A pair's weight is the sum over
    /// families of the family's key weights, each family capped at [`FAMILY_CAP`].
    pub fn pairs(&self) -> Vec<Edge> {
        let mut scratch = PairScratch::new(self.accounts as usize);
        // Per corroborating key: the last account `a` that holds it, plus one.
        let mut held_by_a = vec![0u32; self.keys.len() - self.first_corroborating as usize];
        let mut edges = Vec::new();
        for a in 0..self.accounts {
            let (proposing, corroborating) = self.held_split(a);
            for &key in proposing {
                let holders = self.holders_of(key);
                let later = &holders[holders.partition_point(|&b| b <= a)..];
                scratch.add(later, self.kind_of(key), self.weights[key as usize]);
            }
            for &key in corroborating {
                held_by_a[(key - self.first_corroborating) as usize] = a + 1;
            }
            scratch.corroborate(|b, add| {
                for &key in self.held_split(b).1 {
                    if held_by_a[(key - self.first_corroborating) as usize] == a + 1 {
                        add(self.kind_of(key), self.weights[key as usize]);
                    }
                }
            });
            scratch.drain(a, self.min_pair_weight, &mut edges);
        }
        edges
    }

    fn kind_of(&self, key: u32) -> EvidenceKind {
        self.keys[key as usize].kind
    }
}

/// Per-account accumulation of the evidence one account shares with the accounts after it.
struct PairScratch {
    /// `FAMILIES` sums per account.
    sums: Vec<f32>,
    kinds: Vec<KindSet>,
    touched: Vec<u32>,
}

impl PairScratch {
    fn new(accounts: usize) -> Self {
        PairScratch {
            sums: vec![0.0; accounts * FAMILIES],
            kinds: vec![KindSet::default(); accounts],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, accounts: &[u32], kind: EvidenceKind, weight: f32) {
        for &b in accounts {
            if self.kinds[b as usize].is_empty() {
                self.touched.push(b);
            }
            self.add_to(b, kind, weight);
        }
    }

    fn add_to(&mut self, b: u32, kind: EvidenceKind, weight: f32) {
        self.kinds[b as usize].insert(kind);
        self.sums[b as usize * FAMILIES + kind.family_index()] += weight;
    }

    /// Lets `shared_with(b, add)` add the corroborating keys of each pair already proposed.
    fn corroborate(&mut self, mut shared_with: impl FnMut(u32, &mut dyn FnMut(EvidenceKind, f32))) {
        for i in 0..self.touched.len() {
            let b = self.touched[i];
            shared_with(b, &mut |kind, weight| self.add_to(b, kind, weight));
        }
    }

    /// Emits the pairs of `a` that reach `min_weight` and resets what was touched.
    fn drain(&mut self, a: u32, min_weight: f32, edges: &mut Vec<Edge>) {
        self.touched.sort_unstable();
        for &b in &self.touched {
            let row = &mut self.sums[b as usize * FAMILIES..(b as usize + 1) * FAMILIES];
            let weight: f32 = row.iter().map(|s| s.min(FAMILY_CAP)).sum();
            row.fill(0.0);
            let kinds = std::mem::take(&mut self.kinds[b as usize]);
            if weight >= min_weight {
                edges.push(Edge {
                    a,
                    b,
                    weight,
                    kinds,
                });
            }
        }
        self.touched.clear();
    }
}

/// The index ranges of equal keys in sorted incidences.
fn key_runs(incidences: &[(EvidenceKey, u32)]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=incidences.len() {
        if i == incidences.len() || incidences[i].0 != incidences[start].0 {
            runs.push(start..i);
            start = i;
        }
    }
    runs
}

/// One key's incidences in the sorted list, and how many of its holders are in the reference.
struct KeyRun {
    range: std::ops::Range<usize>,
    in_reference: u32,
}

/// The popularity bound: the larger of the floor and the share of the reference accounts.
fn popularity_bound(reference_accounts: u32, params: &LinkParams) -> u32 {
    let by_share = (params.popular_share * f64::from(reference_accounts)).ceil() as u32;
    params.popular_floor.max(by_share)
}

/// The bound on all holders that keeps the candidate pairs of the keys under the popularity
/// bound within the budget, lowered whole popularity levels at a time; `None` when they fit.
fn cost_bound(runs: &[KeyRun], bound: u32, params: &LinkParams) -> Option<u32> {
    let mut sizes: Vec<u32> = runs
        .iter()
        .filter(|run| run.in_reference <= bound)
        .map(|run| run.range.len() as u32)
        .filter(|&df| df >= 2)
        .collect();
    sizes.sort_unstable();
    let mut total = 0u64;
    for level in sizes.chunk_by(|x, y| x == y) {
        total += level.len() as u64 * pairs_among(level[0]);
        if total > params.max_candidate_pairs {
            return Some(level[0] - 1);
        }
    }
    None
}

fn pairs_among(n: u32) -> u64 {
    let n = u64::from(n);
    n * n.saturating_sub(1) / 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyKind;

    fn key(kind: KeyKind, hash: u64) -> EvidenceKey {
        EvidenceKey {
            kind: EvidenceKind::Link(kind),
            hash,
        }
    }

    #[test]
    fn rarer_keys_weigh_more_and_the_rarest_weighs_one() {
        assert_eq!(key_weight(2, 10_000), 1.0);
        assert!(key_weight(10, 10_000) > key_weight(100, 10_000));
        assert!(key_weight(5_000, 10_000) > 0.0);
    }

    #[test]
    fn one_family_cannot_make_a_pair_heavier_than_its_cap() {
        let shared_addresses =
            (0..30).flat_map(|h| [(0, key(KeyKind::Ip, h)), (1, key(KeyKind::Ip, h))]);
        let index = KeyIndex::build(100, shared_addresses, &LinkParams::default());
        let pairs = index.pairs();
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].weight, FAMILY_CAP);
    }

    #[test]
    fn independent_families_add_up() {
        let keys = [KeyKind::Ip, KeyKind::PaymentFp, KeyKind::SystemPrompt]
            .into_iter()
            .flat_map(|kind| [(3, key(kind, 7)), (8, key(kind, 7))]);
        let pairs = KeyIndex::build(100, keys, &LinkParams::default()).pairs();
        assert_eq!((pairs[0].a, pairs[0].b), (3, 8));
        assert!((pairs[0].weight - 3.0).abs() < 1e-6);
        assert_eq!(pairs[0].kinds.iter().count(), 3);
    }

    #[test]
    fn keys_above_the_bound_are_dropped_and_reported() {
        let popular = (0..60).map(|a| (a, key(KeyKind::Asn, 1)));
        let index = KeyIndex::build(1_000, popular, &LinkParams::default());
        assert!(index.pairs().is_empty());
        assert_eq!(index.popular_keys(), [(key(KeyKind::Asn, 1), 60)]);
        assert_eq!(index.stats().bound, POPULAR_FLOOR);
    }

    #[test]
    fn popularity_against_a_reference_counts_only_its_holders_for_operator_keys() {
        // Sixty accounts share a payment instrument and an AS; only two of them are
        // reference accounts. The payment key is rare among the reference and kept; the AS
        // is popular by nature and dropped as before.
        let mut reference = vec![true; 1_000];
        reference[2..60].fill(false);
        let keys =
            (0..60).flat_map(|a| [(a, key(KeyKind::PaymentFp, 1)), (a, key(KeyKind::Asn, 2))]);
        let index =
            KeyIndex::build_against(1_000, keys.clone(), &reference, &LinkParams::default());
        assert_eq!(index.shared_by(&key(KeyKind::PaymentFp, 1)), Some(60));
        assert_eq!(index.popular_keys(), [(key(KeyKind::Asn, 2), 60)]);
        assert_eq!(
            index.weight(&key(KeyKind::PaymentFp, 1)),
            Some(key_weight(60, 1_000))
        );
        let everyone = KeyIndex::build(1_000, keys, &LinkParams::default());
        assert_eq!(everyone.popular_keys().len(), 2);
    }

    #[test]
    fn the_candidate_budget_lowers_the_bound_by_whole_levels() {
        // Ten keys of 20 holders (190 pairs each) and one of 40 (780 pairs).
        let keys = (0..10u64)
            .flat_map(|k| (0..20).map(move |a| (a + k as u32 * 20, key(KeyKind::Ip, k))))
            .chain((0..40).map(|a| (a, key(KeyKind::PaymentFp, 0))));
        let params = LinkParams {
            max_candidate_pairs: 2_000,
            ..LinkParams::default()
        };
        let index = KeyIndex::build(1_000, keys, &params);
        assert_eq!(index.stats().cost_bound, Some(39));
        assert_eq!(index.stats().candidate_pairs, 1_900);
        assert_eq!(index.stats().corroborating, 1);
        assert!(index.popular_keys().is_empty());
    }

    #[test]
    fn a_key_over_the_cost_bound_weighs_on_the_pairs_others_propose_and_proposes_none() {
        // Six cards of five accounts each, and one template all thirty hold: the template is
        // too costly to expand, so only card-mates are paired, each with both weights.
        let cards = (0..30).map(|a| (a, key(KeyKind::PaymentFp, u64::from(a / 5))));
        let template = (0..30).map(|a| {
            let band = EvidenceKey {
                kind: EvidenceKind::TemplateBand,
                hash: 9,
            };
            (a, band)
        });
        let params = LinkParams {
            max_candidate_pairs: 100,
            min_pair_weight: 0.0,
            ..LinkParams::default()
        };
        let index = KeyIndex::build(1_000, cards.chain(template), &params);
        assert_eq!(index.stats().corroborating, 1);
        let pairs = index.pairs();
        assert_eq!(pairs.len(), 6 * 10);
        assert!(pairs.iter().all(|pair| pair.a / 5 == pair.b / 5));
        let both = key_weight(5, 1_000) + key_weight(30, 1_000);
        assert!(pairs.iter().all(|pair| (pair.weight - both).abs() < 1e-6));
        assert!(pairs.iter().all(|pair| pair.kinds.iter().count() == 2));
    }

    #[test]
    fn each_account_lists_the_keys_it_holds() {
        let keys = [
            (2, key(KeyKind::Ip, 5)),
            (4, key(KeyKind::Ip, 5)),
            (2, key(KeyKind::Org, 1)),
            (3, key(KeyKind::Org, 1)),
        ];
        let index = KeyIndex::build(5, keys, &LinkParams::default());
        assert_eq!(index.held_by(2).len(), 2);
        assert_eq!(index.held_by(0).len(), 0);
        assert_eq!(index.shared_by(&key(KeyKind::Org, 1)), Some(2));
        assert_eq!(index.weight(&key(KeyKind::Org, 9)), None);
    }
}
