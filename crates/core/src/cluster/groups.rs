//! Coordinated groups: dense blocks of strongly linked accounts, with their evidence.
//!
//! **Campaign behaviour.** A campaign's accounts are linked pairwise by many families of
//! evidence at once, so they form a dense block of heavy edges. Operators add camouflage —
//! each account also shares an address with honest users, or behaves like them part of the
//! time — which gives the block many edges to outsiders but takes nothing away from its
//! inside.
//!
//! **Honest behaviour that looks like it.** Strangers are joined by a few coincidences: a
//! shared café network, a common client, the same evening hours. Any of them alone is a weak
//! edge; a chain of coincidences can still connect thousands of strangers into one component.
//!
//! **How the two are told apart**, in three steps:
//!
//! 1. *Strong, corroborated edges only.* Edges lighter than [`MIN_EDGE_WEIGHT`] are dropped:
//!    with [`super::FAMILY_CAP`] per family, an edge needs more than one family of rare
//!    evidence, so weak links join nothing, however many there are. So are edges that lie in
//!    no triangle of strong edges — a link between two accounts that no third account shares
//!    with both: inside a group of three or more every link is corroborated, while a
//!    camouflage link to an honest account, a bridge between two groups or a chain of
//!    coincidences is not.
//! 2. *Density, not connectivity.* Each connected component of strong edges is partitioned
//!    under the constant Potts model ([`super::cpm`]): a set of accounts is a group only if
//!    its internal edge weight exceeds [`RESOLUTION`] per pair of members. Only edges inside
//!    a set count, as in Fraudar's density (Hooi et al. 2016), so camouflage edges to
//!    outsiders neither dilute a campaign nor pull outsiders in, and two groups joined by an
//!    edge stay two groups (joining them would cost γ·n₁·n₂).
//! 3. *Greedy peeling.* In each community the member with the least internal weight is
//!    removed while that weight is below γ·(n − 1) — while removing it raises the block's
//!    quality — and what is left is split into connected parts, each peeled again. Every
//!    member of a returned group is thus linked to the others with at least γ per other
//!    member, and every group is connected.
//!
//! Groups come out in a canonical order — larger first, then by smallest member — with ids
//! `c-0001`, `c-0002`, …, so the same edges give the same groups and ids whatever their order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use super::cpm::partition;
use super::evidence::{Edge, EvidenceKind, merge_edges};
use super::graph::Graph;
use super::links::KeyIndex;

/// Edges lighter than this are dropped before grouping: more than one family of fully rare
/// evidence, since one shared key, however rare, is a coincidence (a household, an office
/// network) far more often than a campaign.
///
/// The value has a meaning. A key's weight is about −ln(df/N) / ln N ([`super::key_weight`]),
/// so a pair whose shared keys weigh t in all is a coincidence of probability about N^−t, and
/// three accounts sharing them all (a triangle, which grouping requires) one of about N^−2t.
/// With t = 1.5 the expected number of chance pairs is √N / 2 — isolated pairs, which never
/// form a group — and of chance triangles N³/6 · N⁻³ = 1/6, whatever the population size.
pub const MIN_EDGE_WEIGHT: f32 = 1.5;
/// γ of the constant Potts model: the internal weight per pair of members a group must
/// exceed. A third of the edge threshold: a member must be strongly linked to about a third of
/// its group (a campaign whose accounts each share a pool with a subset of the others is still
/// one group), while a chain of strangers falls apart after a handful of links.
pub const RESOLUTION: f64 = 0.5;
/// Smallest group reported: a pair is a coincidence or a household; a campaign opens more.
pub const MIN_GROUP_SIZE: usize = 3;
/// Shared keys reported per kind of evidence.
pub const TOP_KEYS: usize = 5;

/// How groups are formed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupParams {
    /// See [`MIN_EDGE_WEIGHT`].
    pub min_edge_weight: f32,
    /// See [`RESOLUTION`].
    pub resolution: f64,
    /// See [`MIN_GROUP_SIZE`]; at least 2 (a density needs a pair).
    pub min_size: usize,
    /// See [`TOP_KEYS`].
    pub top_keys: usize,
}

impl Default for GroupParams {
    fn default() -> Self {
        GroupParams {
            min_edge_weight: MIN_EDGE_WEIGHT,
            resolution: RESOLUTION,
            min_size: MIN_GROUP_SIZE,
            top_keys: TOP_KEYS,
        }
    }
}

/// A coordinated group of accounts and why it is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// `c-0001`, … in canonical order (larger groups first, then by smallest member).
    pub id: String,
    /// Account indices, ascending.
    pub members: Vec<u32>,
    /// Strong edges between members.
    pub internal_edges: u64,
    /// Internal edges per pair of members (1 for a clique).
    pub edge_density: f64,
    /// Internal edge weight per pair of members (what the resolution is compared with).
    pub mean_pair_weight: f64,
    /// Per kind of evidence that links members, in [`EvidenceKind::ALL`] order.
    pub evidence: Vec<KindEvidence>,
}

/// How one kind of evidence links the members of a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindEvidence {
    pub kind: EvidenceKind,
    /// Internal edges this kind contributed to.
    pub edges: u64,
    /// The keys of this kind most members share (most shared first).
    pub keys: Vec<SharedKey>,
}

/// A key held by several members of a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedKey {
    pub hash: u64,
    /// Members holding it.
    pub members: u32,
    /// Accounts holding it in the whole population.
    pub shared_by: u32,
    pub weight: f32,
}

/// Finds the coordinated groups among `accounts` accounts linked by `edges` (any order; a
/// pair given twice counts once with the weights added, see [`merge_edges`]). With the key
/// index the pairs came from, each group also names the keys its members share.
///
/// # Panics
/// When an edge names an account not below `accounts`.
pub fn find_groups(
    accounts: u32,
    edges: &[Edge],
    keys: Option<&KeyIndex>,
    params: &GroupParams,
) -> Vec<Group> {
    let strong = strong_edges(accounts, [edges.to_vec()], params);
    groups_of_strong(accounts, &strong, keys, params)
}

/// [`find_groups`] over edges that [`strong_edges`] already returned, for callers that keep
/// them (to describe other sets of the same accounts later).
pub(crate) fn groups_of_strong(
    accounts: u32,
    strong: &[Edge],
    keys: Option<&KeyIndex>,
    params: &GroupParams,
) -> Vec<Group> {
    let sets = dense_sets(accounts, strong, params);
    let mut groups = describe_groups(accounts, sets, strong, keys, params);
    number_groups(&mut groups);
    groups
}

/// Puts groups in canonical order — larger first, then by smallest member — and names them
/// `c-0001`, `c-0002`, … in that order.
pub fn number_groups(groups: &mut [Group]) {
    groups.sort_by_key(|group| (Reverse(group.members.len()), group.members[0]));
    for (i, group) in groups.iter_mut().enumerate() {
        group.id = format!("c-{:04}", i + 1);
    }
}

/// The member sets of the dense groups among `accounts` accounts joined by the `strong`
/// edges (see the module documentation), each ascending.
pub(crate) fn dense_sets(accounts: u32, strong: &[Edge], params: &GroupParams) -> Vec<Vec<u32>> {
    let triples: Vec<(u32, u32, f64)> = strong
        .iter()
        .map(|e| (e.a, e.b, f64::from(e.weight)))
        .collect();
    let graph = Graph::from_sorted_edges(accounts as usize, &triples).corroborated();
    let mut memberships = Grouping::new(&graph, params);
    let linked: Vec<u32> = (0..accounts).filter(|&v| graph.degree(v) > 0).collect();
    for component in graph.components(&linked, &mut memberships.inside) {
        memberships.add_component(&component);
    }
    memberships.groups
}

/// The edges of `lists` ([`merge_edges`]: one list per family) strong enough to group by,
/// merged per pair and sorted.
///
/// # Panics
/// When an edge names an account not below `accounts`.
pub(crate) fn strong_edges(
    accounts: u32,
    lists: impl IntoIterator<Item = Vec<Edge>>,
    params: &GroupParams,
) -> Vec<Edge> {
    let strong: Vec<Edge> = merge_edges(lists)
        .into_iter()
        .filter(|e| e.weight >= params.min_edge_weight)
        .collect();
    if let Some(edge) = strong.last() {
        assert!(edge.b < accounts, "account {} of {accounts}", edge.b);
    }
    strong
}

/// The work of grouping: the strong-edge graph, the parameters, the groups found so far and
/// scratch sized by the number of accounts (so no step allocates per account).
struct Grouping<'g> {
    graph: &'g Graph,
    resolution: f64,
    min_size: usize,
    groups: Vec<Vec<u32>>,
    inside: Vec<bool>,
    local: Vec<u32>,
}

impl<'g> Grouping<'g> {
    fn new(graph: &'g Graph, params: &'g GroupParams) -> Self {
        Grouping {
            graph,
            resolution: params.resolution,
            min_size: params.min_size.max(2),
            groups: Vec::new(),
            inside: vec![false; graph.nodes()],
            local: vec![u32::MAX; graph.nodes()],
        }
    }

    /// Partitions one connected component and keeps the communities that survive peeling.
    fn add_component(&mut self, component: &[u32]) {
        if component.len() < self.min_size {
            return;
        }
        let sub = self.graph.induced(component, &mut self.local);
        let community = partition(&sub, self.resolution);
        let mut communities: Vec<Vec<u32>> = Vec::new();
        for (i, &c) in community.iter().enumerate() {
            if c as usize == communities.len() {
                communities.push(Vec::new());
            }
            communities[c as usize].push(component[i]);
        }
        for members in communities {
            self.refine(members);
        }
    }

    /// Peels a community and splits what is left into connected parts until every part is
    /// connected and dense; keeps the parts large enough.
    fn refine(&mut self, members: Vec<u32>) {
        let mut work = vec![members];
        while let Some(members) = work.pop() {
            if members.len() < self.min_size {
                continue;
            }
            let core = peel(self.graph, &members, self.resolution);
            let mut parts = self.graph.components(&core, &mut self.inside);
            if parts.len() == 1 && parts[0].len() == members.len() {
                self.groups.append(&mut parts);
            } else {
                work.extend(parts);
            }
        }
    }
}

/// Greedy peeling under the constant Potts model: removes the member with the least weight
/// to the other members while that weight is below `resolution` × (members − 1), i.e. while
/// removing it raises the block's quality. Returns the members left, ascending.
fn peel(graph: &Graph, members: &[u32], resolution: f64) -> Vec<u32> {
    let position = |v: u32| members.binary_search(&v).ok();
    let mut degree: Vec<f64> = members
        .iter()
        .map(|&v| {
            graph
                .neighbours(v)
                .filter(|(u, _)| position(*u).is_some())
                .map(|(_, w)| w)
                .sum()
        })
        .collect();
    let mut alive = vec![true; members.len()];
    let mut heap: BinaryHeap<Reverse<(Weight, usize)>> = degree
        .iter()
        .enumerate()
        .map(|(i, &d)| Reverse((Weight(d), i)))
        .collect();
    let mut left = members.len();
    while let Some(Reverse((Weight(d), i))) = heap.pop() {
        if !alive[i] || d != degree[i] {
            continue;
        }
        if d >= resolution * (left - 1) as f64 {
            break;
        }
        alive[i] = false;
        left -= 1;
        for (u, w) in graph.neighbours(members[i]) {
            if let Some(j) = position(u).filter(|&j| alive[j]) {
                degree[j] -= w;
                heap.push(Reverse((Weight(degree[j]), j)));
            }
        }
    }
    members
        .iter()
        .zip(alive)
        .filter_map(|(&v, alive)| alive.then_some(v))
        .collect()
}

/// A weight ordered totally, for the peeling heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Weight(f64);

impl Eq for Weight {}

impl PartialOrd for Weight {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Weight {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Describes member sets (disjoint, each ascending) as groups, with the evidence of the
/// `strong` edges (as [`strong_edges`] returns them) and of `keys` among their members; also
/// for sets formed by other means than density (the campaigns of [`super::join_cells`]). Ids
/// are left empty: see [`number_groups`].
pub fn describe_groups(
    accounts: u32,
    sets: Vec<Vec<u32>>,
    strong: &[Edge],
    keys: Option<&KeyIndex>,
    params: &GroupParams,
) -> Vec<Group> {
    let mut group_of = vec![u32::MAX; accounts as usize];
    for (g, members) in sets.iter().enumerate() {
        for &v in members {
            group_of[v as usize] = g as u32;
        }
    }
    let mut inside = vec![InternalEdges::default(); sets.len()];
    for edge in strong {
        let g = group_of[edge.a as usize];
        if g != u32::MAX && g == group_of[edge.b as usize] {
            inside[g as usize].add(edge);
        }
    }
    sets.into_iter()
        .zip(inside)
        .map(|(members, internal)| {
            let shared = keys.map(|index| shared_keys(index, &members, params.top_keys));
            let pairs = (members.len() * (members.len() - 1) / 2) as f64;
            Group {
                id: String::new(),
                internal_edges: internal.edges,
                edge_density: internal.edges as f64 / pairs,
                mean_pair_weight: internal.weight / pairs,
                evidence: kind_evidence(&internal.per_kind, shared.unwrap_or_default()),
                members,
            }
        })
        .collect()
}

/// Counts of the strong edges inside one group.
#[derive(Debug, Clone, Default)]
struct InternalEdges {
    edges: u64,
    weight: f64,
    per_kind: [u64; EvidenceKind::ALL.len()],
}

impl InternalEdges {
    fn add(&mut self, edge: &Edge) {
        self.edges += 1;
        self.weight += f64::from(edge.weight);
        for kind in edge.kinds.iter() {
            self.per_kind[kind.index()] += 1;
        }
    }
}

/// The evidence of each kind that links members by edges or shared keys.
fn kind_evidence(
    per_kind: &[u64; EvidenceKind::ALL.len()],
    mut shared: HashMap<EvidenceKind, Vec<SharedKey>>,
) -> Vec<KindEvidence> {
    EvidenceKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let keys = shared.remove(&kind).unwrap_or_default();
            let edges = per_kind[kind.index()];
            (edges > 0 || !keys.is_empty()).then_some(KindEvidence { kind, edges, keys })
        })
        .collect()
}

/// Per kind, the `top` keys held by most members (at least two), ties broken by rarity in the
/// population, then by hash.
fn shared_keys(
    index: &KeyIndex,
    members: &[u32],
    top: usize,
) -> HashMap<EvidenceKind, Vec<SharedKey>> {
    let mut holders: HashMap<u32, u32> = HashMap::new();
    for &member in members {
        for &key in index.held_by(member) {
            *holders.entry(key).or_default() += 1;
        }
    }
    let mut shared: Vec<(EvidenceKind, SharedKey)> = holders
        .into_iter()
        .filter(|&(_, count)| count >= 2)
        .map(|(id, count)| {
            let key = index.key(id);
            let shared_key = SharedKey {
                hash: key.hash,
                members: count,
                shared_by: index.holders_of(id).len() as u32,
                weight: index.key_weight_of(id),
            };
            (key.kind, shared_key)
        })
        .collect();
    shared.sort_by_key(|(kind, k)| (*kind, Reverse(k.members), k.shared_by, k.hash));
    let mut by_kind: HashMap<EvidenceKind, Vec<SharedKey>> = HashMap::new();
    for (kind, key) in shared {
        let keys = by_kind.entry(kind).or_default();
        if keys.len() < top {
            keys.push(key);
        }
    }
    by_kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::KindSet;

    fn clique(members: std::ops::Range<u32>, weight: f32) -> Vec<Edge> {
        let kinds = KindSet::of(EvidenceKind::TemplateBand);
        members
            .clone()
            .flat_map(|a| {
                members
                    .clone()
                    .filter(move |&b| b > a)
                    .map(move |b| Edge::new(a, b, weight, kinds))
            })
            .collect()
    }

    #[test]
    fn peeling_removes_a_hanger_on_and_keeps_the_block() {
        let mut edges = clique(0..6, 2.0);
        edges.push(Edge::new(5, 6, 2.0, KindSet::of(EvidenceKind::Lockstep)));
        let graph = Graph::from_sorted_edges(
            7,
            &merge_edges([edges])
                .iter()
                .map(|e| (e.a, e.b, f64::from(e.weight)))
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            peel(&graph, &[0, 1, 2, 3, 4, 5, 6], RESOLUTION),
            [0, 1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn weak_edges_join_nothing() {
        let groups = find_groups(10, &clique(0..10, 1.0), None, &GroupParams::default());
        assert!(groups.is_empty());
    }

    #[test]
    fn a_group_reports_its_density_and_the_kinds_of_its_edges() {
        let groups = find_groups(10, &clique(2..6, 2.0), None, &GroupParams::default());
        assert_eq!(groups.len(), 1);
        let group = &groups[0];
        assert_eq!(
            (group.id.as_str(), group.members.as_slice()),
            ("c-0001", &[2, 3, 4, 5][..])
        );
        assert_eq!((group.internal_edges, group.edge_density), (6, 1.0));
        assert_eq!(group.mean_pair_weight, 2.0);
        assert_eq!(group.evidence.len(), 1);
        assert_eq!(
            (group.evidence[0].kind, group.evidence[0].edges),
            (EvidenceKind::TemplateBand, 6)
        );
    }
}
