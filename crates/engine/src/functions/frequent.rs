//! `hs_frequent_values(code) -> List<UInt64>`: the codes that occur most often in a group, as
//! a Misra–Gries summary keeps them.
//!
//! A campaign's evidence names the few values that most of its accounts share. Counting every
//! distinct value exactly holds one entry per value, and a campaign behind rotating proxies
//! uses a new address for nearly every exchange: tens of millions at full scale, more than the
//! evidence pass could hold or spill. A Misra–Gries summary of capacity k holds at most 2k
//! counters and still keeps every value that occurs in more than 1/(k + 1) of the group's rows;
//! two summaries merge into one with the same guarantee (Agarwal et al., *Mergeable
//! summaries*, 2012), so it fits a plan's partial and final aggregation. The codes it keeps
//! are candidates, which a second pass counts exactly.
//!
//! While a group has at most k distinct codes, nothing is dropped and the result is every
//! code, whatever the partitioning. Beyond, which of the rarer codes survive depends on the
//! order rows arrive in; the frequent ones always do.

use std::collections::HashMap;
use std::mem::size_of;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListBuilder, UInt64Builder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt64Type};
use datafusion::common::{Result, ScalarValue, exec_datafusion_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::{AggregateOrderSensitivity, format_state_name};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

/// The function's name in plans.
pub const NAME: &str = "hs_frequent_values";

/// Codes a summary keeps: candidates for a campaign's ten most shared values of one kind. A
/// campaign with fewer distinct values of a kind than this (every kind of every campaign below
/// a few hundred accounts) has all of them counted exactly; a summary holds at most twice as
/// many counters, a few megabytes.
pub const CAPACITY: usize = 1 << 16;

/// A Misra–Gries summary of codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrequentValues {
    counts: HashMap<u64, u64>,
}

impl FrequentValues {
    /// Counts `code` `weight` times.
    pub fn add(&mut self, code: u64, weight: u64) {
        *self.counts.entry(code).or_default() += weight;
        if self.counts.len() > 2 * CAPACITY {
            self.reduce();
        }
    }

    /// Adds the counts of `other` (a merge, in the sense of mergeable summaries).
    pub fn merge(&mut self, other: &FrequentValues) {
        for (&code, &count) in &other.counts {
            self.add(code, count);
        }
    }

    /// The kept codes, ascending.
    pub fn codes(&mut self) -> Vec<u64> {
        self.reduce();
        let mut codes: Vec<u64> = self.counts.keys().copied().collect();
        codes.sort_unstable();
        codes
    }

    /// Down to [`CAPACITY`] counters: every count less the (k + 1)-th largest, keeping those
    /// left above zero.
    fn reduce(&mut self) {
        if self.counts.len() <= CAPACITY {
            return;
        }
        let mut counts: Vec<u64> = self.counts.values().copied().collect();
        let (_, &mut cut, _) = counts.select_nth_unstable_by(CAPACITY, |a, b| b.cmp(a));
        self.counts.retain(|_, count| {
            *count = count.saturating_sub(cut);
            *count > 0
        });
    }

    fn heap_bytes(&self) -> usize {
        self.counts.capacity() * (2 * size_of::<u64>() + 1)
    }
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::UInt64, true)))
}

fn list_of(values: impl IntoIterator<Item = u64>) -> Result<ScalarValue> {
    let mut out = ListBuilder::new(UInt64Builder::new());
    out.values().extend(values.into_iter().map(Some));
    out.append(true);
    ScalarValue::try_from_array(&out.finish(), 0)
}

/// The aggregate function `hs_frequent_values`.
#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct FrequentValuesUdaf;

impl AggregateUDFImpl for FrequentValuesUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        static SIGNATURE: LazyLock<Signature> =
            LazyLock::new(|| Signature::exact(vec![DataType::UInt64], Volatility::Immutable));
        &SIGNATURE
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(list_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(["codes", "counts"]
            .into_iter()
            .map(|part| {
                Arc::new(Field::new(
                    format_state_name(args.name, part),
                    list_type(),
                    true,
                ))
            })
            .collect())
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FrequentAccumulator::default()))
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        AggregateOrderSensitivity::Insensitive
    }
}

/// One group's summary. Plans call it with few groups (a campaign and a kind of value each), so
/// the per-group accumulator is enough.
#[derive(Debug, Default)]
struct FrequentAccumulator {
    summary: FrequentValues,
}

impl Accumulator for FrequentAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let codes = values
            .first()
            .and_then(|array| array.as_primitive_opt::<UInt64Type>())
            .ok_or_else(|| exec_datafusion_err!("{NAME} takes one UInt64 argument"))?;
        for code in codes.iter().flatten() {
            self.summary.add(code, 1);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        list_of(self.summary.codes())
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.summary.heap_bytes()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.summary.reduce();
        let (codes, counts): (Vec<u64>, Vec<u64>) = self.summary.counts.iter().unzip();
        Ok(vec![list_of(codes)?, list_of(counts)?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [codes, counts] = states else {
            return Err(exec_datafusion_err!(
                "{NAME}: the state is codes and counts"
            ));
        };
        let (codes, counts) = (codes.as_list::<i32>(), counts.as_list::<i32>());
        for row in (0..codes.len()).filter(|&row| codes.is_valid(row)) {
            let part = FrequentValues {
                counts: codes
                    .value(row)
                    .as_primitive::<UInt64Type>()
                    .values()
                    .iter()
                    .copied()
                    .zip(
                        counts
                            .value(row)
                            .as_primitive::<UInt64Type>()
                            .values()
                            .iter()
                            .copied(),
                    )
                    .collect(),
            };
            self.summary.merge(&part);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream in which code `c` (below 20) occurs 5,000 − 200·c times, among three times
    /// [`CAPACITY`] codes that occur once each.
    fn stream() -> Vec<u64> {
        let frequent = (0..20u64).flat_map(|c| std::iter::repeat_n(c, 5_000 - 200 * c as usize));
        let once = 1_000..1_000 + 3 * CAPACITY as u64;
        let mut rows: Vec<u64> = frequent.chain(once).collect();
        // Interleave deterministically, so the frequent codes do not all come first.
        rows.sort_unstable_by_key(|&c| xxhash_rust::xxh3::xxh3_64(&c.to_le_bytes()));
        rows
    }

    #[test]
    fn every_code_is_kept_while_there_are_few() {
        let mut summary = FrequentValues::default();
        for code in [5, 3, 5, 9] {
            summary.add(code, 1);
        }
        assert_eq!(summary.codes(), [3, 5, 9]);
    }

    #[test]
    fn the_frequent_codes_survive_a_crowd_of_rare_ones() {
        let mut summary = FrequentValues::default();
        for code in stream() {
            summary.add(code, 1);
        }
        let kept = summary.codes();
        assert!(kept.len() <= CAPACITY);
        assert!((0..20).all(|c| kept.contains(&c)), "{:?}", &kept[..20]);
    }

    #[test]
    fn merged_partial_summaries_keep_the_frequent_codes_too() {
        let rows = stream();
        let mut whole = FrequentAccumulator::default();
        for part in rows.chunks(70_001) {
            let mut partial = FrequentAccumulator::default();
            let array: ArrayRef =
                Arc::new(datafusion::arrow::array::UInt64Array::from(part.to_vec()));
            partial.update_batch(&[array]).unwrap();
            let state: Vec<ArrayRef> = partial
                .state()
                .unwrap()
                .iter()
                .map(|s| s.to_array().unwrap())
                .collect();
            whole.merge_batch(&state).unwrap();
        }
        let ScalarValue::List(list) = whole.evaluate().unwrap() else {
            panic!("a list");
        };
        let kept = list.value(0);
        let kept = kept.as_primitive::<UInt64Type>().values();
        assert!(kept.len() <= CAPACITY);
        assert!((0..20).all(|c| kept.contains(&c)));
    }
}
