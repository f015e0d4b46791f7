//! The account graph and its clustering: from pairwise evidence to campaigns.
//!
//! A distillation campaign is thousands of accounts that look ordinary one by one. What gives
//! them away is what they *share*: infrastructure, payment, client software, templates and a
//! scheduler. This module turns that sharing into attribution — which accounts belong to one
//! operator, and why — and is built above all not to merge honest strangers, who share plenty
//! of common values and the same peak hours.
//!
//! - [`links`]: keys (link keys, template and prompt LSH bands) inverted to the accounts that
//!   hold them, weighted by rarity, popular ones dropped; weighted account pairs with one cap
//!   per family of evidence, in memory bounded by the candidate pairs.
//! - [`lockstep`]: pairs of accounts active in the same ten-minute bins far more than the
//!   bins' popularity explains, found by MinHash and LSH over the bin sets and verified
//!   exactly.
//! - [`campaigns`]: cells of one operator — its teams, each a group of its own — joined into
//!   one campaign by the infrastructure most of their members share.
//! - [`groups`]: strong edges, partitioned by density under the constant Potts model and
//!   peeled greedily (camouflage-resistant like Fraudar's density), into groups with stable
//!   ids and the evidence that binds each.
//!
//! Everything here is a pure function of its input, deterministic and free of I/O; accounts
//! are dense `u32` indices assigned by the caller.
//!
//! ```
//! use hydrascope_core::cluster::{
//!     EvidenceKey, EvidenceKind, GroupParams, KeyIndex, LinkParams, find_groups, merge_edges,
//! };
//! use hydrascope_core::keys::{KeyKind, LinkKey};
//!
//! // Accounts 0..4 share a payment instrument and a system prompt; 4 and 5 share an address.
//! let mut keys: Vec<(u32, EvidenceKey)> = Vec::new();
//! for account in 0..4 {
//!     keys.push((account, LinkKey::new(KeyKind::PaymentFp, "card-1").into()));
//!     keys.push((account, LinkKey::new(KeyKind::SystemPrompt, "You are a grader.").into()));
//! }
//! keys.push((4, LinkKey::new(KeyKind::Ip, "192.0.2.1").into()));
//! keys.push((5, LinkKey::new(KeyKind::Ip, "192.0.2.1").into()));
//!
//! let index = KeyIndex::build(1_000, keys, &LinkParams::default());
//! let edges = merge_edges([index.pairs()]);
//! let groups = find_groups(1_000, &edges, Some(&index), &GroupParams::default());
//! assert_eq!(groups.len(), 1);
//! assert_eq!(groups[0].id, "c-0001");
//! assert_eq!(groups[0].members, [0, 1, 2, 3]);
//! let payment = &groups[0].evidence[0];
//! assert_eq!(payment.kind, EvidenceKind::Link(KeyKind::PaymentFp));
//! assert_eq!(payment.keys[0].members, 4);
//! ```

pub mod campaigns;
mod cpm;
mod evidence;
mod graph;
pub mod groups;
pub mod links;
pub mod lockstep;

pub use campaigns::{MIN_SHARED_INFRASTRUCTURE, join_cells};
pub use evidence::{Edge, EvidenceKey, EvidenceKind, FAMILY_CAP, KindSet, merge_edges};
pub use groups::{
    Group, GroupParams, KindEvidence, SharedKey, describe_groups, find_groups, number_groups,
};
pub(crate) use groups::{dense_sets, groups_of_strong, strong_edges};
pub use links::{KeyIndex, KeyStats, LinkParams, key_weight};
pub use lockstep::{LockstepPair, LockstepParams, lockstep_pairs};
