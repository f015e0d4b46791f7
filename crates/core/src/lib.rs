//! The detection core of hydrascope: what is measured about traffic, independent of where the
//! traffic comes from.
//!
//! The same core runs in three places: the batch engine (partition by partition, later across
//! a cluster), the time-ordered replay, and the live server. That only works if every piece of
//! state is a **mergeable summary** ([`Mergeable`]): a value built from part of the events that
//! combines associatively with values built from other parts. A summary therefore never
//! depends on the order or the partitioning of its input, and this crate does no I/O and pulls
//! in no engine: the engine crates adapt its summaries to their own aggregation machinery.

pub mod account;
pub mod activity;
mod attribute;
pub mod bottom_k;
pub mod cluster;
/// Content analysis of one request: prompt skeletons, MinHash sketches under a versioned hash
/// spec, capability classes and chain-of-thought elicitation.
pub mod content;
pub mod detect;
pub mod explain;
pub mod keys;
pub mod merge;
pub mod policy;
pub mod recognise;
pub mod replay;
pub mod score;
pub mod signals;
pub mod signup;
#[cfg(test)]
mod test_traffic;
pub mod traffic;

pub use account::AccountSummary;
pub use merge::Mergeable;
pub use traffic::TrafficSummary;
