//! What links two accounts: kinds of evidence, keys and weighted edges.
//!
//! Every source of linkage — a shared address, a shared template, synchronised activity —
//! ends up as an [`Edge`] between two accounts with a weight and the set of kinds that gave
//! it. Kinds are grouped into *families* of evidence that say one thing about a pair seen at
//! several resolutions (an address lies in its network, which lies in its autonomous system);
//! a family adds at most [`FAMILY_CAP`] to a pair, so that thirty addresses of one proxy pool
//! count as one fact about two accounts, not thirty, and no single family can make an edge
//! strong on its own.

use serde::{Serialize, Serializer};

use crate::keys::{KeyKind, LinkKey};

/// What kind of evidence a key or an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EvidenceKind {
    /// A link key of the account summary ([`crate::keys`]): address, network, client,
    /// payment instrument, system prompt, organisation.
    Link(KeyKind),
    /// An LSH band key of a template frame's MinHash: both accounts send prompts of one
    /// template.
    TemplateBand,
    /// An LSH band key of a prompt's MinHash: both accounts send near-identical prompts.
    PromptBand,
    /// Synchronised activity ([`super::lockstep`]). An edge kind only: lockstep pairs are
    /// verified similarities, never raw keys.
    Lockstep,
}

/// Families of evidence: kinds in one family describe the same fact about a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Address, network and autonomous system: one place on the network.
    Network,
    /// User agent and client fingerprint: one piece of client software.
    Client,
    Payment,
    SystemPrompt,
    Org,
    Signup,
    Template,
    Prompt,
    Timing,
}

/// Number of [`Family`] values.
pub(crate) const FAMILIES: usize = 9;

/// The most one family adds to the weight of a pair: as much as one key that only the two
/// accounts share. Evidence is only strong when several independent families agree.
pub const FAMILY_CAP: f32 = 1.0;

impl EvidenceKind {
    /// Every kind, in output order (the order of [`EvidenceKind::index`]).
    pub const ALL: [EvidenceKind; 12] = [
        EvidenceKind::Link(KeyKind::Ip),
        EvidenceKind::Link(KeyKind::Network),
        EvidenceKind::Link(KeyKind::Asn),
        EvidenceKind::Link(KeyKind::UserAgent),
        EvidenceKind::Link(KeyKind::ClientFp),
        EvidenceKind::Link(KeyKind::PaymentFp),
        EvidenceKind::Link(KeyKind::SystemPrompt),
        EvidenceKind::Link(KeyKind::Org),
        EvidenceKind::Link(KeyKind::SignupDay),
        EvidenceKind::TemplateBand,
        EvidenceKind::PromptBand,
        EvidenceKind::Lockstep,
    ];

    /// Stable snake-case name for evidence and reports.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::Link(kind) => kind.name(),
            EvidenceKind::TemplateBand => "template_band",
            EvidenceKind::PromptBand => "prompt_band",
            EvidenceKind::Lockstep => "lockstep",
        }
    }

    /// Position in [`EvidenceKind::ALL`].
    pub fn index(self) -> usize {
        match self {
            EvidenceKind::Link(kind) => kind as usize,
            EvidenceKind::TemplateBand => 9,
            EvidenceKind::PromptBand => 10,
            EvidenceKind::Lockstep => 11,
        }
    }

    fn family(self) -> Family {
        match self {
            EvidenceKind::Link(KeyKind::Ip | KeyKind::Network | KeyKind::Asn) => Family::Network,
            EvidenceKind::Link(KeyKind::UserAgent | KeyKind::ClientFp) => Family::Client,
            EvidenceKind::Link(KeyKind::PaymentFp) => Family::Payment,
            EvidenceKind::Link(KeyKind::SystemPrompt) => Family::SystemPrompt,
            EvidenceKind::Link(KeyKind::Org) => Family::Org,
            EvidenceKind::Link(KeyKind::SignupDay) => Family::Signup,
            EvidenceKind::TemplateBand => Family::Template,
            EvidenceKind::PromptBand => Family::Prompt,
            EvidenceKind::Lockstep => Family::Timing,
        }
    }

    /// Whether a value of this kind belongs to one operator, so that its popularity is
    /// measured among presumed-honest accounts only ([`super::KeyIndex::build_against`]):
    /// addresses, networks, payment instruments, clients, organisations and prompt templates.
    /// An autonomous system (a cloud) and a system prompt (often copied from documentation)
    /// are shared by unrelated operators by nature.
    pub fn specific_to_operators(self) -> bool {
        !matches!(
            self,
            EvidenceKind::Link(KeyKind::Asn | KeyKind::SystemPrompt)
        )
    }

    /// Whether a key of this kind is something an operator runs or pays for — an address, a
    /// network, client software, a payment instrument, an organisation — or is its scheduler
    /// (lockstep), rather than something operators choose alike (templates, sign-up days,
    /// system prompts, clouds). Only these join cells into campaigns ([`super::campaigns`]).
    pub fn is_infrastructure(self) -> bool {
        matches!(
            self,
            EvidenceKind::Link(
                KeyKind::Ip
                    | KeyKind::Network
                    | KeyKind::UserAgent
                    | KeyKind::ClientFp
                    | KeyKind::PaymentFp
                    | KeyKind::Org
            ) | EvidenceKind::Lockstep
        )
    }

    /// Index of the kind's family, below [`FAMILIES`].
    pub(crate) fn family_index(self) -> usize {
        self.family() as usize
    }
}

impl Serialize for EvidenceKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A set of evidence kinds, one bit per [`EvidenceKind::index`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KindSet(u16);

impl KindSet {
    /// The set of one kind.
    pub fn of(kind: EvidenceKind) -> Self {
        KindSet(1 << kind.index())
    }

    pub fn insert(&mut self, kind: EvidenceKind) {
        self.0 |= 1 << kind.index();
    }

    pub fn contains(self, kind: EvidenceKind) -> bool {
        self.0 >> kind.index() & 1 == 1
    }

    pub fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds in the set, in [`EvidenceKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = EvidenceKind> {
        EvidenceKind::ALL
            .into_iter()
            .filter(move |kind| self.contains(*kind))
    }
}

/// One key-like piece of evidence: its kind and a 64-bit hash of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvidenceKey {
    pub kind: EvidenceKind,
    pub hash: u64,
}

impl From<LinkKey> for EvidenceKey {
    fn from(key: LinkKey) -> Self {
        EvidenceKey {
            kind: EvidenceKind::Link(key.kind),
            hash: key.hash,
        }
    }
}

/// A weighted link between two accounts (dense indices, `a < b`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    /// Sum over families of their capped contributions.
    pub weight: f32,
    /// The kinds that contributed.
    pub kinds: KindSet,
}

impl Edge {
    /// An edge between two distinct accounts, in either order.
    pub fn new(x: u32, y: u32, weight: f32, kinds: KindSet) -> Edge {
        Edge {
            a: x.min(y),
            b: x.max(y),
            weight,
            kinds,
        }
    }
}

/// Combines edge lists from independent families (key links, lockstep) into one list sorted by
/// `(a, b)`, adding the weights of a pair that appears more than once. Self-loops are dropped.
///
/// The lists must come from different families (or from one [`super::KeyIndex::pairs`]
/// call): weights of the same family were already capped and would otherwise add up past
/// [`FAMILY_CAP`]. The result does not depend on the order of the lists or of their edges.
pub fn merge_edges(lists: impl IntoIterator<Item = Vec<Edge>>) -> Vec<Edge> {
    let mut all: Vec<Edge> = lists
        .into_iter()
        .flatten()
        .filter(|e| e.a != e.b)
        .map(|e| Edge::new(e.a, e.b, e.weight, e.kinds))
        .collect();
    all.sort_unstable_by_key(|e| (e.a, e.b, e.weight.to_bits(), e.kinds.0));
    let mut merged: Vec<Edge> = Vec::with_capacity(all.len());
    for edge in all {
        match merged.last_mut() {
            Some(last) if (last.a, last.b) == (edge.a, edge.b) => {
                last.weight += edge.weight;
                last.kinds = last.kinds.union(edge.kinds);
            }
            _ => merged.push(edge),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_sits_at_its_index_and_has_a_distinct_name() {
        for (i, kind) in EvidenceKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i);
        }
        let mut names: Vec<&str> = EvidenceKind::ALL.iter().map(|k| k.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EvidenceKind::ALL.len());
    }

    #[test]
    fn addresses_networks_and_systems_are_one_family() {
        let family = |k| EvidenceKind::Link(k).family_index();
        assert_eq!(family(KeyKind::Ip), family(KeyKind::Asn));
        assert_ne!(family(KeyKind::Ip), family(KeyKind::PaymentFp));
        let max = EvidenceKind::ALL.iter().map(|k| k.family_index()).max();
        assert_eq!(max, Some(FAMILIES - 1));
    }

    #[test]
    fn merging_adds_weights_of_one_pair_in_any_order() {
        let keys = vec![Edge::new(
            3,
            1,
            1.5,
            KindSet::of(EvidenceKind::TemplateBand),
        )];
        let timing = vec![
            Edge::new(1, 3, 0.75, KindSet::of(EvidenceKind::Lockstep)),
            Edge::new(2, 2, 9.0, KindSet::of(EvidenceKind::Lockstep)),
        ];
        let forward = merge_edges([keys.clone(), timing.clone()]);
        assert_eq!(forward, merge_edges([timing, keys]));
        assert_eq!(forward.len(), 1);
        assert_eq!(
            (forward[0].a, forward[0].b, forward[0].weight),
            (1, 3, 2.25)
        );
        let kinds: Vec<_> = forward[0].kinds.iter().collect();
        assert_eq!(kinds, [EvidenceKind::TemplateBand, EvidenceKind::Lockstep]);
    }
}
