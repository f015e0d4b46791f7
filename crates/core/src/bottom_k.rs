//! Bottom-k sketches: the k smallest hashes of a set, with their counts.
//!
//! Several signals need "how many distinct …" (prompts, templates, addresses) and "which ones"
//! for an account that may send millions of events through thousands of rotating addresses.
//! Keeping the k smallest hash values answers both in bounded memory: the retained values are
//! a uniform sample of the distinct values, their number estimates the distinct count
//! (k-minimum-values), and — the property that makes it a mergeable summary — a value retained
//! in the merge of two sketches was retained in each sketch that saw it, so its count stays
//! exact whatever the partitioning.

use serde::{Deserialize, Serialize};

use crate::merge::Mergeable;

/// The `capacity` smallest distinct hashes seen, with how often each was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BottomK {
    capacity: u16,
    /// Sorted by hash, at most `capacity` entries.
    entries: Vec<(u64, u32)>,
    /// True once a hash was dropped for being too large: the set is then a sample.
    saturated: bool,
}

impl BottomK {
    /// An empty sketch keeping at most `capacity` (≥ 2) hashes.
    pub fn new(capacity: u16) -> Self {
        BottomK {
            capacity: capacity.max(2),
            entries: Vec::new(),
            saturated: false,
        }
    }

    /// Counts one occurrence of a hashed value.
    pub fn insert(&mut self, hash: u64) {
        self.add(hash, 1);
    }

    fn add(&mut self, hash: u64, count: u32) {
        // Once full, nearly every new value hashes above the kept ones: no search for those.
        if self.entries.len() == usize::from(self.capacity)
            && self
                .entries
                .last()
                .is_some_and(|(largest, _)| hash > *largest)
        {
            self.saturated = true;
            return;
        }
        match self.entries.binary_search_by_key(&hash, |(h, _)| *h) {
            Ok(at) => self.entries[at].1 = self.entries[at].1.saturating_add(count),
            Err(at) if at < usize::from(self.capacity) => {
                self.entries.insert(at, (hash, count));
                if self.entries.len() > usize::from(self.capacity) {
                    self.entries.pop();
                    self.saturated = true;
                }
            }
            Err(_) => self.saturated = true,
        }
    }

    /// The retained hashes with their counts, smallest hash first.
    pub fn entries(&self) -> &[(u64, u32)] {
        &self.entries
    }

    /// Estimated number of distinct values: exact below capacity, else the k-minimum-values
    /// estimate (k − 1) / (k-th smallest hash as a fraction of the hash space).
    pub fn distinct(&self) -> f64 {
        match self.entries.last() {
            Some((largest, _)) if self.saturated => {
                let fraction = (*largest as f64 + 1.0) / 2f64.powi(64);
                (self.entries.len() as f64 - 1.0) / fraction
            }
            _ => self.entries.len() as f64,
        }
    }

    /// True when every distinct value seen is retained.
    pub fn is_exact(&self) -> bool {
        !self.saturated
    }
}

impl Default for BottomK {
    /// Capacity 64: distinct counts within about ±13% (one standard error ≈ 1/√(k−2)), which
    /// is plenty to tell "repeats a fixed set" from "never repeats".
    fn default() -> Self {
        BottomK::new(64)
    }
}

impl Mergeable for BottomK {
    fn merge(&mut self, other: Self) {
        self.capacity = self.capacity.min(other.capacity);
        self.saturated |= other.saturated;
        for (hash, count) in other.entries {
            self.add(hash, count);
        }
        if self.entries.len() > usize::from(self.capacity) {
            self.entries.truncate(usize::from(self.capacity));
            self.saturated = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    fn sketch_of(values: impl IntoIterator<Item = u64>, capacity: u16) -> BottomK {
        let mut sketch = BottomK::new(capacity);
        values
            .into_iter()
            .for_each(|v| sketch.insert(xxh3_64(&v.to_le_bytes())));
        sketch
    }

    #[test]
    fn small_sets_are_counted_exactly() {
        let sketch = sketch_of([1, 2, 2, 3, 3, 3], 64);
        assert!(sketch.is_exact());
        assert_eq!(sketch.distinct(), 3.0);
        let mut counts: Vec<u32> = sketch.entries().iter().map(|(_, c)| *c).collect();
        counts.sort();
        assert_eq!(counts, [1, 2, 3]);
    }

    #[test]
    fn large_sets_are_estimated_within_a_few_standard_errors() {
        for distinct in [1_000u64, 50_000] {
            let sketch = sketch_of((0..distinct).chain(0..distinct / 2), 256);
            let relative = (sketch.distinct() - distinct as f64).abs() / distinct as f64;
            assert!(relative < 0.25, "{distinct}: {}", sketch.distinct());
        }
    }

    #[test]
    fn merging_partitions_equals_sketching_everything_with_exact_counts() {
        let values: Vec<u64> = (0..5_000).map(|i| (i * 7) % 1_300).collect();
        let whole = sketch_of(values.iter().copied(), 32);
        let parts = values.chunks(333).map(|c| sketch_of(c.iter().copied(), 32));
        assert_eq!(BottomK::merge_all(parts), whole);
    }
}
