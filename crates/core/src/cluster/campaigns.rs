//! Campaigns: the cells of one operator, joined by the infrastructure they share.
//!
//! **Why cells are not campaigns.** Grouping finds dense blocks, and an operator's accounts
//! form several: each team of workers has its own task mix (so its own templates), was opened
//! in its own sign-up burst and may pay with its own cards. Between two teams only what the
//! operator runs for all of them is shared — the proxy pool, the payment pool, the scheduler —
//! one family of evidence, too weak for an edge ([`super::MIN_EDGE_WEIGHT`]) and rightly so
//! between two accounts. What links teams does not link different operators, though: they
//! harvest with similar templates and open accounts on the same days, but they do not share
//! proxies, cards or a scheduler.
//!
//! **How cells are joined.** Two cells are one campaign when most members of the smaller one
//! share a piece of *operator infrastructure* — a key of an infrastructure kind
//! ([`EvidenceKind::is_infrastructure`]) or a lockstep edge — with some member of the other.
//! The caller passes only keys the suspects own (held mostly by suspect accounts), so a
//! reseller's addresses or a big ISP, where honest customers outnumber the operator's
//! accounts, join nothing. At the level of a cell this is no coincidence: one shared card
//! between two accounts can be chance, most of a cell touching another cell's cards is not.
//! Joining is transitive (a campaign is a connected set of cells) and works on key holders,
//! not account pairs, so a proxy pool held by tens of thousands of accounts costs one pass
//! over its holders.

use std::collections::HashMap;

use super::evidence::{Edge, EvidenceKey};
use super::graph::Graph;
use crate::activity::ActivityBins;

/// Share of the smaller cell's members that must touch the other cell's infrastructure for
/// the two to be one campaign: most of them, so that a few accounts that moved between
/// operators' pools, or a key two operators happen to share, join nothing.
pub const MIN_SHARED_INFRASTRUCTURE: f64 = 0.5;

/// Joins `cells` (disjoint member lists of accounts below `accounts`) into campaigns: the
/// member lists of each connected set of cells, with the loners they take in, ascending,
/// larger campaigns first. Cells are joined as the module documentation says, through the
/// `infrastructure` keys (`(account, key)` incidences, any order) and `timing` edges.
///
/// An account outside every cell — a *loner*, typically one with too little traffic or too
/// few links to sit in a cell, or one run through a reseller whose addresses and card are
/// not the operator's — joins the campaign whose infrastructure it shares or whose
/// schedule it keeps ([`Schedules`]), when that campaign clearly dominates: it touches the
/// loner through at least [`LONER_DOMINANCE`] times as many keys (a kept schedule or a lockstep
/// partner counting as one) as any other campaign. A loner matching two campaigns about
/// equally says nothing about which it serves; one that rotates through a residential proxy
/// pool touches its own campaign through dozens of addresses and, by chance, another campaign
/// on the same pool through one or two. Loners taken in make their own keys part of their
/// campaign, so a loner whose card is shared only with another loner follows it in, round
/// after round until none moves. `activity` holds every account's activity; only accounts
/// marked in `candidate` are taken in by their schedule (the others have no keys here).
///
/// # Panics
/// When an account index is not below `accounts`.
pub fn join_cells(
    accounts: u32,
    cells: &[Vec<u32>],
    infrastructure: impl IntoIterator<Item = (u32, EvidenceKey)>,
    timing: &[Edge],
    activity: &[&ActivityBins],
    candidate: &[bool],
    min_share: f64,
) -> Vec<Vec<u32>> {
    let shared = SharedInfrastructure::new(infrastructure, timing);
    let mut cell_of = vec![NONE; accounts as usize];
    for (c, members) in cells.iter().enumerate() {
        for &m in members {
            cell_of[m as usize] = c as u32;
        }
    }
    let mut touched = shared.touched(&cell_of);
    let cell_schedules = Schedules::of(
        cells
            .iter()
            .map(|members| members.iter().map(|&m| activity[m as usize]).collect()),
    );
    for (account, touched) in touched.iter_mut().enumerate() {
        let own = cell_of[account];
        if own != NONE {
            let kept = cell_schedules.kept_by(activity[account]);
            for c in kept.into_iter().filter(|&c| c != own) {
                *touched.entry(c).or_default() += 1;
            }
        }
    }
    let joins = joining_pairs(cells, &cell_of, &touched, min_share);
    let graph = Graph::from_sorted_edges(cells.len(), &joins);
    let all: Vec<u32> = (0..cells.len() as u32).collect();
    let mut inside = vec![false; cells.len()];
    let mut campaign_of = vec![NONE; accounts as usize];
    let mut members_of = Vec::new();
    for (campaign, component) in graph.components(&all, &mut inside).iter().enumerate() {
        let members: Vec<&ActivityBins> = component
            .iter()
            .flat_map(|&c| cells[c as usize].iter())
            .map(|&m| {
                campaign_of[m as usize] = campaign as u32;
                activity[m as usize]
            })
            .collect();
        members_of.push(members);
    }
    let schedules = Schedules::of(members_of.into_iter());
    let by_schedule: Vec<Vec<u32>> = (0..accounts as usize)
        .map(|a| {
            if candidate[a] && campaign_of[a] == NONE {
                schedules.kept_by(activity[a])
            } else {
                Vec::new()
            }
        })
        .collect();
    while take_in_loners(&mut campaign_of, &shared, &by_schedule) {}
    let mut campaigns: Vec<Vec<u32>> = Vec::new();
    for (account, &campaign) in campaign_of.iter().enumerate() {
        if campaign != NONE {
            if campaigns.len() <= campaign as usize {
                campaigns.resize_with(campaign as usize + 1, Vec::new);
            }
            campaigns[campaign as usize].push(account as u32);
        }
    }
    campaigns.sort_by_key(|members| (std::cmp::Reverse(members.len()), members[0]));
    campaigns
}

/// Marks an account outside every cell or campaign.
const NONE: u32 = u32::MAX;

/// The infrastructure the suspects share: keys with their holders, and lockstep edges.
struct SharedInfrastructure<'t> {
    /// `(key, account)`, sorted and distinct.
    incidences: Vec<(EvidenceKey, u32)>,
    timing: &'t [Edge],
}

impl<'t> SharedInfrastructure<'t> {
    fn new(keys: impl IntoIterator<Item = (u32, EvidenceKey)>, timing: &'t [Edge]) -> Self {
        let mut incidences: Vec<(EvidenceKey, u32)> = keys
            .into_iter()
            .map(|(account, key)| (key, account))
            .collect();
        incidences.sort_unstable();
        incidences.dedup();
        SharedInfrastructure { incidences, timing }
    }

    /// Per account: the labels (cells or campaigns), other than its own, of the accounts it
    /// shares infrastructure with, each with the number of keys and timing edges through
    /// which it does. `label` holds [`NONE`] for accounts without one.
    fn touched(&self, label: &[u32]) -> Vec<HashMap<u32, u32>> {
        let mut touched = vec![HashMap::new(); label.len()];
        for holders in self.incidences.chunk_by(|x, y| x.0 == y.0) {
            let mut labels: Vec<u32> = holders
                .iter()
                .map(|(_, a)| label[*a as usize])
                .filter(|&l| l != NONE)
                .collect();
            labels.sort_unstable();
            labels.dedup();
            for (_, account) in holders {
                let own = label[*account as usize];
                for &other in labels.iter().filter(|&&l| l != own) {
                    *touched[*account as usize].entry(other).or_default() += 1;
                }
            }
        }
        for edge in self.timing {
            for (x, y) in [(edge.a, edge.b), (edge.b, edge.a)] {
                let other = label[y as usize];
                if other != NONE && other != label[x as usize] {
                    *touched[x as usize].entry(other).or_default() += 1;
                }
            }
        }
        touched
    }
}

/// How many times more keys a loner must share with one campaign than with any other to join
/// it (see [`join_cells`]).
pub const LONER_DOMINANCE: u32 = 4;

/// One round of taking loners in: each account outside every campaign joins the campaign that
/// dominates the ones its infrastructure touches or whose schedule its activity keeps
/// (`by_schedule`). Returns whether any did.
fn take_in_loners(
    campaign_of: &mut [u32],
    shared: &SharedInfrastructure<'_>,
    by_schedule: &[Vec<u32>],
) -> bool {
    let touched = shared.touched(campaign_of);
    let mut moved = false;
    for ((campaign, mut campaigns), scheduled) in
        campaign_of.iter_mut().zip(touched).zip(by_schedule)
    {
        if *campaign != NONE {
            continue;
        }
        for &label in scheduled {
            *campaigns.entry(label).or_default() += 1;
        }
        if let Some(dominant) = dominant(&campaigns) {
            *campaign = dominant;
            moved = true;
        }
    }
    moved
}

/// The label touched through at least [`LONER_DOMINANCE`] times as many keys as any other
/// (ties between labels broken by the smaller label, so the result does not depend on the
/// map's order).
fn dominant(touches: &HashMap<u32, u32>) -> Option<u32> {
    let mut ranked: Vec<(u32, u32)> = touches.iter().map(|(&l, &n)| (n, l)).collect();
    ranked.sort_unstable_by_key(|&(n, l)| (std::cmp::Reverse(n), l));
    let &(top, label) = ranked.first()?;
    let runner_up = ranked.get(1).map_or(0, |&(n, _)| n);
    (top >= LONER_DOMINANCE * runner_up).then_some(label)
}

/// Events of the campaign its hot bins hold: the fewest ten-minute bins that hold half of them.
pub const HOT_SHARE: f64 = 0.5;
/// A campaign has a schedule when its hot bins are at most this share of the bins of its
/// active period: a scheduler that fires in waves. A campaign spread over the clock (round
/// robin, or honest-looking timing) has none, and no loner is attached by timing to it.
pub const MAX_HOT_SPAN: f64 = 0.1;
/// Share of a loner's events that must fall in a campaign's hot bins for it to keep the
/// campaign's schedule: as much as the campaign's own members, at least five times what
/// chance gives an account active at random times ([`MAX_HOT_SPAN`]).
pub const MIN_IN_HOT_BINS: f64 = 0.5;
/// Fewest events a loner needs before its timing says anything.
pub const MIN_SCHEDULED_EVENTS: u64 = 10;

/// When each of a set of cells or campaigns fires its scheduler: the hot bins of those that
/// keep a schedule, inverted to the labels (positions) hot in each bin. Lockstep edges link
/// pairs of accounts that hashing found; a schedule compares an account with a whole group
/// at once, which finds accounts hashing missed and accounts too small to be in lockstep
/// with any one member.
#[derive(Debug, Default)]
pub struct Schedules {
    labels_hot_in: HashMap<u32, Vec<u32>>,
}

impl Schedules {
    /// The schedules of groups of accounts, given as their members' activity.
    pub fn of<'a>(groups: impl Iterator<Item = Vec<&'a ActivityBins>>) -> Schedules {
        let mut schedules = Schedules::default();
        for (label, members) in groups.enumerate() {
            for bin in hot_bins(&members).unwrap_or_default() {
                schedules
                    .labels_hot_in
                    .entry(bin)
                    .or_default()
                    .push(label as u32);
            }
        }
        schedules
    }

    /// The labels whose schedule an account's activity keeps, ascending.
    pub fn kept_by(&self, activity: &ActivityBins) -> Vec<u32> {
        let events = activity.events();
        if events < MIN_SCHEDULED_EVENTS {
            return Vec::new();
        }
        let mut in_hot: HashMap<u32, u64> = HashMap::new();
        for (bin, count) in activity.bins() {
            for &label in self.labels_hot_in.get(bin).into_iter().flatten() {
                *in_hot.entry(label).or_default() += u64::from(*count);
            }
        }
        let mut kept: Vec<u32> = in_hot
            .into_iter()
            .filter(|&(_, n)| n as f64 >= MIN_IN_HOT_BINS * events as f64)
            .map(|(label, _)| label)
            .collect();
        kept.sort_unstable();
        kept
    }
}

/// The hot bins of a group with its members' activity, if it keeps a schedule.
fn hot_bins(members: &[&ActivityBins]) -> Option<Vec<u32>> {
    let mut counts: HashMap<u32, u64> = HashMap::new();
    for activity in members {
        for &(bin, count) in activity.bins() {
            *counts.entry(bin).or_default() += u64::from(count);
        }
    }
    let first = *counts.keys().min()?;
    let last = *counts.keys().max()?;
    let total: u64 = counts.values().sum();
    let mut bins: Vec<(u32, u64)> = counts.into_iter().collect();
    bins.sort_unstable_by_key(|&(bin, count)| (std::cmp::Reverse(count), bin));
    let mut held = 0;
    let hot: Vec<u32> = bins
        .into_iter()
        .take_while(|&(_, count)| {
            let before = held;
            held += count;
            (before as f64) < HOT_SHARE * total as f64
        })
        .map(|(bin, _)| bin)
        .collect();
    let span = f64::from(last - first + 1);
    (hot.len() as f64 <= MAX_HOT_SPAN * span).then_some(hot)
}

/// The pairs of cells to join, sorted, as unit-weight edges of the cell graph: those where
/// at least `min_share` of the smaller cell's members touch the larger.
fn joining_pairs(
    cells: &[Vec<u32>],
    cell_of: &[u32],
    touched: &[HashMap<u32, u32>],
    min_share: f64,
) -> Vec<(u32, u32, f64)> {
    let mut counts: HashMap<(u32, u32), usize> = HashMap::new();
    for (account, others) in touched.iter().enumerate() {
        let own = cell_of[account];
        if own == NONE {
            continue;
        }
        for &other in others.keys() {
            *counts.entry((own, other)).or_default() += 1;
        }
    }
    let mut joins: Vec<(u32, u32, f64)> = counts
        .into_iter()
        .filter(|&((own, other), touching)| {
            let (mine, theirs) = (cells[own as usize].len(), cells[other as usize].len());
            let smaller = mine < theirs || (mine == theirs && own < other);
            smaller && touching as f64 >= min_share * mine as f64
        })
        .map(|((own, other), _)| (own.min(other), own.max(other), 1.0))
        .collect();
    joins.sort_unstable_by_key(|&(a, b, _)| (a, b));
    joins.dedup_by_key(|&mut (a, b, _)| (a, b));
    joins
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{EvidenceKind, KindSet};
    use crate::keys::{KeyKind, LinkKey};
    use crate::test_traffic::{DAY, HOUR, T0};

    fn key(kind: KeyKind, value: &str) -> EvidenceKey {
        LinkKey::new(kind, value).into()
    }

    fn lockstep(a: u32, b: u32) -> Edge {
        Edge::new(a, b, 1.0, KindSet::of(EvidenceKind::Lockstep))
    }

    /// Joins cells of `accounts` accounts that are all candidates, active at random.
    fn join(
        accounts: u32,
        cells: &[Vec<u32>],
        keys: impl IntoIterator<Item = (u32, EvidenceKey)>,
        timing: &[Edge],
    ) -> Vec<Vec<u32>> {
        let activity: Vec<ActivityBins> = (0..accounts).map(|a| around_the_clock(a, 30)).collect();
        join_with(
            cells,
            keys,
            timing,
            &activity,
            &vec![true; accounts as usize],
        )
    }

    fn join_with(
        cells: &[Vec<u32>],
        keys: impl IntoIterator<Item = (u32, EvidenceKey)>,
        timing: &[Edge],
        activity: &[ActivityBins],
        candidate: &[bool],
    ) -> Vec<Vec<u32>> {
        let activity: Vec<&ActivityBins> = activity.iter().collect();
        let accounts = activity.len() as u32;
        join_cells(
            accounts,
            cells,
            keys,
            timing,
            &activity,
            candidate,
            MIN_SHARED_INFRASTRUCTURE,
        )
    }

    /// `events` spread over ten days at times that differ by account.
    fn around_the_clock(account: u32, events: i64) -> ActivityBins {
        let mut bins = ActivityBins::default();
        for k in 0..events {
            bins.observe(T0 + k * 10 * DAY / events + i64::from(account) * 7 * 60_000);
        }
        bins
    }

    /// `events` in the waves of a scheduler that fires twice a day, for ten days.
    fn in_waves(account: u32, events: i64, wave_hour: i64) -> ActivityBins {
        let mut bins = ActivityBins::default();
        for k in 0..events {
            let day = k % 10;
            let wave = if k % 2 == 0 {
                wave_hour
            } else {
                wave_hour + 12
            };
            bins.observe(T0 + day * DAY + wave * HOUR + i64::from(account % 5) * 60_000);
        }
        bins
    }

    #[test]
    fn teams_on_one_proxy_pool_are_one_campaign_and_a_stranger_cell_stays_apart() {
        let cells = vec![(0..10).collect(), (10..16).collect(), (16..22).collect()];
        // The first two teams leave through one pool of four addresses; the third has its own.
        let pool = (0..16).map(|a| (a, key(KeyKind::Ip, &format!("192.0.2.{}", a % 4))));
        let own = (16..22).map(|a| (a, key(KeyKind::Ip, "198.51.100.7")));
        let campaigns = join(22, &cells, pool.chain(own), &[]);
        assert_eq!(
            campaigns,
            [(0..16).collect::<Vec<u32>>(), (16..22).collect()]
        );
    }

    #[test]
    fn a_few_shared_keys_or_timing_links_do_not_join_cells() {
        let cells = vec![(0..10).collect(), (10..20).collect()];
        // Two accounts of the first cell share a card with the second, one is in lockstep.
        let cards = || {
            [(0, "card-a"), (10, "card-a"), (1, "card-b"), (11, "card-b")]
                .map(|(a, card)| (a, key(KeyKind::PaymentFp, card)))
        };
        let campaigns = join(20, &cells, cards(), &[lockstep(2, 12)]);
        assert_eq!(campaigns.len(), 2);
        // With three more accounts in lockstep, half of the cell touches the other.
        let more: Vec<Edge> = (2..5).map(|a| lockstep(a, a + 10)).collect();
        let campaigns = join(20, &cells, cards(), &more);
        assert_eq!(campaigns, [(0..20).collect::<Vec<u32>>()]);
    }

    #[test]
    fn joining_is_transitive() {
        let cells = vec![(0..4).collect(), (4..8).collect(), (8..12).collect()];
        let links = (0..8)
            .map(|a| (a, key(KeyKind::Network, "203.0.113.0/24")))
            .chain((4..12).map(|a| (a, key(KeyKind::PaymentFp, "pool"))));
        let campaigns = join(12, &cells, links, &[]);
        assert_eq!(campaigns, [(0..12).collect::<Vec<u32>>()]);
    }

    #[test]
    fn a_loner_joins_the_one_campaign_whose_infrastructure_it_shares() {
        let cells = vec![(0..5).collect(), (5..10).collect()];
        let keys = (0..5)
            .map(|a| (a, key(KeyKind::PaymentFp, "card-a")))
            .chain((5..10).map(|a| (a, key(KeyKind::PaymentFp, "card-b"))))
            // 10 shares the first campaign's card, 11 shares a card with 10 only, 12 shares
            // an address with both campaigns, 13 shares nothing.
            .chain(
                [(10, "card-a"), (10, "card-c"), (11, "card-c")]
                    .map(|(a, card)| (a, key(KeyKind::PaymentFp, card))),
            )
            .chain([0, 5, 12].map(|a| (a, key(KeyKind::Ip, "192.0.2.1"))));
        let campaigns = join(14, &cells, keys, &[]);
        assert_eq!(
            campaigns,
            [vec![0, 1, 2, 3, 4, 10, 11], vec![5, 6, 7, 8, 9]]
        );
    }

    #[test]
    fn a_loner_joins_the_campaign_it_shares_far_more_with() {
        let cells = vec![(0..8).collect(), (8..16).collect()];
        // Loner 16 rotates through the first campaign's eight exits and, once, through one of
        // the second's; loner 17 shares two exits with the first and one with the second.
        let exit = |n: u32| key(KeyKind::Ip, &format!("192.0.2.{n}"));
        let keys = (0..16)
            .map(|a| (a, exit(a)))
            .chain((0..8).map(|n| (16, exit(n))))
            .chain([(16, exit(8)), (17, exit(0)), (17, exit(1)), (17, exit(9))]);
        let campaigns = join(18, &cells, keys, &[]);
        assert_eq!(
            campaigns,
            [vec![0, 1, 2, 3, 4, 5, 6, 7, 16], (8..16).collect()]
        );
    }

    #[test]
    fn cells_and_loners_that_keep_a_campaigns_schedule_join_it() {
        let cells = vec![(0..8).collect(), (8..12).collect(), (12..20).collect()];
        // The first two cells fire in the waves at 02:00 and 14:00, the third around the
        // clock; nothing else links them. Loners: 20 and 21 keep the waves, but 21 is not
        // a candidate; 22 is active around the clock.
        let mut activity: Vec<ActivityBins> = (0..12).map(|a| in_waves(a, 40, 2)).collect();
        activity.extend((12..20).map(|a| around_the_clock(a, 40)));
        activity.extend([
            in_waves(20, 20, 2),
            in_waves(21, 20, 2),
            around_the_clock(22, 20),
        ]);
        let mut candidate = vec![true; 23];
        candidate[21] = false;
        let campaigns = join_with(&cells, [], &[], &activity, &candidate);
        let scheduled: Vec<u32> = (0..12).chain([20]).collect();
        assert_eq!(campaigns, [scheduled, (12..20).collect()]);
        // Waves at other hours are another scheduler's.
        activity[20] = in_waves(20, 20, 5);
        let campaigns = join_with(&cells, [], &[], &activity, &candidate);
        assert_eq!(campaigns[0], (0..12).collect::<Vec<u32>>());
    }
}
