//! The detection core's per-event and per-account work as DataFusion functions.
//!
//! A scan is a DataFusion plan over the `events` table, so the work the core does per event
//! (content analysis) and per account (the [`AccountSummary`](hydrascope_core::AccountSummary))
//! has to be expressible in a plan: the first as a scalar function over Arrow arrays, the second
//! as an aggregate whose partial state is the summary itself in a compact binary form. Then
//! DataFusion can split the work over partitions (and, later, Ballista over machines) and merge
//! the partial summaries with the core's own [`Mergeable`](hydrascope_core::Mergeable).
//!
//! - [`hs_prompt_sketch`](sketch::PromptSketchUdf): the encoded [`PromptSketch`] of an event,
//!   computed from its prompt or passed through from the edge's `prompt_sketch`;
//! - [`hs_account_summary`](account::AccountSummaryUdaf): the summary of an account's events;
//! - [`hs_event_evidence`](evidence::EventEvidenceUdf): the template frame and infrastructure
//!   values of an event, which a campaign's evidence counts;
//! - [`hs_smallest_texts`](examples::SmallestTextsUdaf): a few example texts per group, chosen
//!   whatever the partitioning;
//! - [`hs_frequent_values`](frequent::FrequentValuesUdaf): the most frequent codes of a group,
//!   in bounded memory.
//!
//! Functions are called by name, so a plan built on one session runs on any session that
//! [`register_functions`] was called on (the Ballista executors included).
//!
//! [`PromptSketch`]: hydrascope_core::content::PromptSketch

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, PrimitiveArray, StringArray,
};
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType};
use datafusion::common::{Result, exec_datafusion_err, plan_err};
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;
use hydrascope_io::canonical_schema;

pub mod account;
pub mod evidence;
pub mod examples;
pub mod frequent;
pub mod sketch;

pub use account::{AccountSummaryUdaf, decode_summary, encode_summary};
pub use evidence::EventEvidenceUdf;
pub use examples::SmallestTextsUdaf;
pub use frequent::FrequentValuesUdaf;
pub use sketch::{PromptSketchUdf, SketchStats};

/// The engine's functions, for a session or for a Ballista scheduler's or executor's
/// registry.
pub struct Functions {
    pub scalar: Vec<ScalarUDF>,
    pub aggregate: Vec<AggregateUDF>,
    /// Counts the malformed prompt sketches that queries of these functions met, in this
    /// process.
    pub stats: SketchStats,
}

impl Functions {
    pub fn new() -> Functions {
        let sketch = PromptSketchUdf::new();
        let stats = sketch.stats();
        Functions {
            scalar: vec![
                ScalarUDF::new_from_impl(sketch),
                ScalarUDF::new_from_impl(EventEvidenceUdf::new()),
            ],
            aggregate: vec![
                AggregateUDF::new_from_impl(AccountSummaryUdaf::new()),
                AggregateUDF::new_from_impl(SmallestTextsUdaf::new()),
                AggregateUDF::new_from_impl(FrequentValuesUdaf),
            ],
            stats,
        }
    }
}

impl Default for Functions {
    fn default() -> Self {
        Functions::new()
    }
}

/// Registers the engine's functions on a session; the returned handle counts the malformed
/// prompt sketches the session's queries met (in this process: not those run on Ballista
/// executors).
pub fn register_functions(ctx: &SessionContext) -> SketchStats {
    let functions = Functions::new();
    for function in functions.scalar {
        ctx.register_udf(function);
    }
    for function in functions.aggregate {
        ctx.register_udaf(function);
    }
    functions.stats
}

/// The types a function's arguments are coerced to: those of the canonical columns of the
/// same names, so a plan over any `events` table (or literals) casts to what the function
/// reads, and the function reads one type per argument.
fn canonical_types(function: &str, columns: &[&str], given: &[DataType]) -> Result<Vec<DataType>> {
    if given.len() != columns.len() {
        return plan_err!(
            "{function} takes {} arguments ({}), not {}",
            columns.len(),
            columns.join(", "),
            given.len()
        );
    }
    let schema = canonical_schema();
    columns
        .iter()
        .map(|name| Ok(schema.field_with_name(name)?.data_type().clone()))
        .collect()
}

/// Argument `index` as a string array.
fn strings<'a>(args: &'a [ArrayRef], index: usize, name: &str) -> Result<&'a StringArray> {
    args[index]
        .as_string_opt::<i32>()
        .ok_or_else(|| wrong_type(name, &args[index]))
}

/// Argument `index` as a primitive array.
fn primitives<'a, T: ArrowPrimitiveType>(
    args: &'a [ArrayRef],
    index: usize,
    name: &str,
) -> Result<&'a PrimitiveArray<T>> {
    args[index]
        .as_primitive_opt::<T>()
        .ok_or_else(|| wrong_type(name, &args[index]))
}

/// Argument `index` as a boolean array.
fn booleans<'a>(args: &'a [ArrayRef], index: usize, name: &str) -> Result<&'a BooleanArray> {
    args[index]
        .as_boolean_opt()
        .ok_or_else(|| wrong_type(name, &args[index]))
}

fn wrong_type(name: &str, array: &ArrayRef) -> datafusion::error::DataFusionError {
    exec_datafusion_err!(
        "argument {name} is {}, not its canonical type (was the call not coerced?)",
        array.data_type()
    )
}

/// The value of a nullable string cell.
fn text(array: &StringArray, row: usize) -> Option<&str> {
    array.is_valid(row).then(|| array.value(row))
}

/// The value of a nullable primitive cell.
fn value<T: ArrowPrimitiveType>(array: &PrimitiveArray<T>, row: usize) -> Option<T::Native> {
    array.is_valid(row).then(|| array.value(row))
}

/// The value of a nullable boolean cell.
fn flag(array: &BooleanArray, row: usize) -> Option<bool> {
    array.is_valid(row).then(|| array.value(row))
}

/// Whether row `row` passes an aggregate's optional `FILTER`.
fn selected(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|filter| filter.is_valid(row) && filter.value(row))
}

/// Keeps the allocation of `slot` when overwriting it with `value`.
fn set_text(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(buffer), Some(value)) => {
            buffer.clear();
            buffer.push_str(value);
        }
        (None, Some(value)) => *slot = Some(value.to_owned()),
        (_, None) => *slot = None,
    }
}

#[cfg(test)]
mod tests;
