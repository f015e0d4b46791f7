//! Deterministic randomness.
//!
//! Every random stream is a ChaCha8 generator seeded from the run seed and a *key* that names
//! what it is for (an account, a group, a campaign's day), hashed with xxh3. Keys never depend
//! on generation order, so adding accounts or a campaign leaves the others' streams — and
//! therefore their traffic — unchanged, and the same seed gives the same stream on every
//! platform.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128_with_seed};

/// The generator every stream uses: fast, portable and stable across `rand` releases.
pub(crate) type SimRng = ChaCha8Rng;

/// What a derived value is for; part of every key so that streams of different purposes
/// never coincide even when their numbers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    BenignAccount = 1,
    CampaignAccount = 2,
    Group = 3,
    CampaignDay = 4,
    AccountId = 5,
    Conversation = 6,
    Request = 7,
    Payment = 8,
    Org = 9,
    ApiKey = 10,
    Campaign = 11,
    /// Whether a conversation goes to the small model.
    SmallModel = 12,
    /// The `max_tokens` of a conversation.
    MaxTokens = 13,
    /// The thinking budget of a conversation.
    ThinkingBudget = 14,
    /// The order in which a campaign works through a task space.
    TaskQueue = 15,
}

/// A 64-bit hash of `(domain, a, b)` under `seed`.
pub(crate) fn derive(seed: u64, domain: Domain, a: u64, b: u64) -> u64 {
    xxh3_64_with_seed(&key_bytes(domain, a, b), seed)
}

/// A 128-bit hash of `(domain, a, b)` under `seed`, for identifiers that must not collide
/// over tens of millions of events.
pub(crate) fn derive_wide(seed: u64, domain: Domain, a: u64, b: u64) -> u128 {
    xxh3_128_with_seed(&key_bytes(domain, a, b), seed)
}

/// The random stream named by `(domain, a, b)`.
pub(crate) fn stream(seed: u64, domain: Domain, a: u64, b: u64) -> SimRng {
    SimRng::seed_from_u64(derive(seed, domain, a, b))
}

/// A uniform number in `[0, 1)` from a hash, for decisions that must be a pure function of
/// their key (the model of a conversation, for instance).
pub(crate) fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// Rounds of the Feistel network behind [`permute`]: four make a keyed pseudo-random
/// permutation out of a hash.
const FEISTEL_ROUNDS: u64 = 4;

/// Entry `index` of a shuffled order of `0..size` named by `key`: as `index` runs over
/// `0..size`, every value of `0..size` comes out exactly once, in an order that looks random
/// and depends only on `key`. A Feistel network over the smallest even number of bits that
/// covers `size`, cycle-walked back into range (at most four steps on average), so no table
/// of `size` entries is ever built.
pub(crate) fn permute(index: u64, size: u64, key: u64) -> u64 {
    assert!(index < size, "index {index} outside 0..{size}");
    let bits = (u64::BITS - (size - 1).leading_zeros())
        .max(2)
        .next_multiple_of(2);
    let half = bits / 2;
    let mask = (1u64 << half) - 1;
    let mut x = index;
    loop {
        let (mut left, mut right) = (x >> half, x & mask);
        for round in 0..FEISTEL_ROUNDS {
            let f = xxh3_64_with_seed(&(right | (round << 32)).to_le_bytes(), key) & mask;
            (left, right) = (right, left ^ f);
        }
        x = (left << half) | right;
        if x < size {
            return x;
        }
    }
}

fn key_bytes(domain: Domain, a: u64, b: u64) -> [u8; 17] {
    let mut bytes = [0u8; 17];
    bytes[0] = domain as u8;
    bytes[1..9].copy_from_slice(&a.to_le_bytes());
    bytes[9..17].copy_from_slice(&b.to_le_bytes());
    bytes
}

/// An opaque identifier: `prefix` followed by 16 hex digits of a hash. Ids never encode the
/// persona or campaign; only the hash of a key does.
pub(crate) fn opaque_id(prefix: &str, seed: u64, domain: Domain, a: u64, b: u64) -> String {
    format!("{prefix}{:016x}", derive(seed, domain, a, b))
}

/// A salted-hash-looking payment fingerprint (32 hex digits) for instrument `instrument`.
pub(crate) fn payment_fp(seed: u64, instrument: u64, b: u64) -> String {
    format!("{:032x}", derive_wide(seed, Domain::Payment, instrument, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_depend_only_on_their_key() {
        let mut a = stream(7, Domain::BenignAccount, 3, 0);
        let mut b = stream(7, Domain::BenignAccount, 3, 0);
        let mut other = stream(7, Domain::CampaignAccount, 3, 0);
        let x: u64 = a.random();
        assert_eq!(x, b.random::<u64>());
        assert_ne!(x, other.random::<u64>());
    }

    #[test]
    fn a_permutation_visits_every_value_once_in_a_keyed_order() {
        for size in [1, 2, 3, 7, 64, 1_000, 4_097] {
            let order: Vec<u64> = (0..size).map(|i| permute(i, size, 9)).collect();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert!(sorted.iter().copied().eq(0..size), "size {size}");
            if size >= 64 {
                let other: Vec<u64> = (0..size).map(|i| permute(i, size, 10)).collect();
                assert_ne!(order, other, "the key does not change the order");
                let in_place = order.iter().zip(0..).filter(|(v, i)| *v == i).count();
                assert!(
                    in_place * 10 < size as usize,
                    "{in_place} of {size} not moved"
                );
            }
        }
    }

    #[test]
    fn opaque_ids_look_alike_whatever_they_hide() {
        let benign = opaque_id("acct_", 1, Domain::AccountId, 1, 5);
        let campaign = opaque_id("acct_", 1, Domain::AccountId, 2, 5);
        assert_eq!(benign.len(), campaign.len());
        assert!(benign.starts_with("acct_") && campaign.starts_with("acct_"));
    }
}
