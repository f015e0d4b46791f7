//! The one shape every summary in the core has.

/// A summary of part of the traffic that can absorb the summary of another part.
///
/// `merge` must be associative and commutative, and merging with `Default::default()` must
/// change nothing: then one partition, many partitions or many machines give the same result,
/// which is the contract the batch engine and the live server rely on.
pub trait Mergeable: Default {
    /// Absorbs `other`, as if this summary had also seen `other`'s events.
    fn merge(&mut self, other: Self);

    /// Merges any number of partial summaries into one.
    fn merge_all(parts: impl IntoIterator<Item = Self>) -> Self {
        parts.into_iter().fold(Self::default(), |mut acc, part| {
            acc.merge(part);
            acc
        })
    }
}

/// Combines two optional bounds (first or last seen) of two partial summaries: `pick` of
/// both when both are known, else whichever is.
pub fn combine_bounds(a: Option<i64>, b: Option<i64>, pick: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(pick(x, y)),
        (x, y) => x.or(y),
    }
}
