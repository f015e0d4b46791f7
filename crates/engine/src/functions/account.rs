//! `hs_account_summary(ts, …, prompt, sketch) -> Binary`: the [`AccountSummary`] of the events
//! of a group (an account, when grouped by `account_id`).
//!
//! The aggregate rebuilds each row as an [`Event`] (one buffer per batch, its strings reused)
//! and feeds it to [`AccountSummary::observe`] with the row's decoded sketch, so the summary is
//! the core's own, byte for byte the one a loop over the events would build. Partial states
//! are summaries too, merged with [`Mergeable::merge`]: partitions, spills and (later) Ballista
//! executors combine exactly.
//!
//! # State format
//!
//! The partial state and the result are one `Binary` value per group: a version byte
//! ([`STATE_VERSION`]) followed by the [postcard] encoding of the `AccountSummary` (fields in
//! declaration order, integers as varints, sequences length-prefixed). Postcard does not
//! describe itself, so a state is only ever read by the build that wrote it (the processes of
//! one scan); it is not a storage format, and the version byte turns a mixed-build cluster into
//! an error instead of garbage.
//!
//! # Arguments
//!
//! The event columns of [`COLUMNS`] in that order, then the event's sketch as bytes
//! ([`PromptSketch::to_bytes`], normally `hs_prompt_sketch(…)`; null or unreadable means no
//! content). The columns are coerced to the canonical column types. Rows with a null `ts` are
//! skipped: an event that cannot be placed in time is not one the summary can count.

use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryBuilder, BooleanArray, PrimitiveArray, StringArray,
};
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, TimestampMillisecondType, UInt32Type,
};
use datafusion::common::{Result, ScalarValue, exec_datafusion_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::{AggregateOrderSensitivity, format_state_name};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use hydrascope_core::bottom_k::BottomK;
use hydrascope_core::content::PromptSketch;
use hydrascope_core::{AccountSummary, Mergeable};
use hydrascope_events::{Event, Thinking, Tools};

use super::{
    booleans, canonical_types, flag, primitives, selected, set_text, strings, text, value,
};

/// The function's name in plans.
pub const NAME: &str = "hs_account_summary";

/// The event columns the aggregate reads, in argument order; the sketch argument follows.
pub const COLUMNS: [&str; 18] = [
    "ts",
    "account_created",
    "account_tier",
    "org_id",
    "ip",
    "asn",
    "user_agent",
    "client_fp",
    "payment_fp",
    "system_prompt",
    "model",
    "turn_index",
    "thinking",
    "tools",
    "max_tokens",
    "prompt_tokens",
    "completion_tokens",
    "prompt",
];

/// First byte of every state; changes whenever the encoding of [`AccountSummary`] does.
pub const STATE_VERSION: u8 = 1;

/// The state (and result) of one summary: [`STATE_VERSION`], then postcard.
pub fn encode_summary(summary: &AccountSummary) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_into(summary, &mut bytes);
    bytes
}

fn encode_into(summary: &AccountSummary, bytes: &mut Vec<u8>) {
    bytes.clear();
    bytes.push(STATE_VERSION);
    // Writing into a Vec cannot fail, and every part of a summary is serialisable.
    let extended = postcard::to_extend(summary, std::mem::take(bytes))
        .expect("an account summary always serialises into memory");
    *bytes = extended;
}

/// Reads a state written by [`encode_summary`].
pub fn decode_summary(bytes: &[u8]) -> Result<AccountSummary> {
    let (&version, payload) = bytes
        .split_first()
        .ok_or_else(|| exec_datafusion_err!("{NAME}: empty state"))?;
    if version != STATE_VERSION {
        return Err(exec_datafusion_err!(
            "{NAME}: state of version {version}, this build reads version {STATE_VERSION}"
        ));
    }
    match postcard::take_from_bytes::<AccountSummary>(payload) {
        Ok((summary, [])) => Ok(summary),
        Ok((_, rest)) => Err(exec_datafusion_err!(
            "{NAME}: {} bytes after the end of a state",
            rest.len()
        )),
        Err(error) => Err(exec_datafusion_err!("{NAME}: unreadable state: {error}")),
    }
}

/// The aggregate function `hs_account_summary`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AccountSummaryUdaf {
    signature: Signature,
}

impl AccountSummaryUdaf {
    pub fn new() -> Self {
        AccountSummaryUdaf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for AccountSummaryUdaf {
    fn default() -> Self {
        Self::new()
    }
}

impl AggregateUDFImpl for AccountSummaryUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let Some((_, columns)) = arg_types.split_last() else {
            return plan_err!(
                "{NAME} takes the columns {} and a sketch",
                COLUMNS.join(", ")
            );
        };
        let mut types = canonical_types(NAME, &COLUMNS, columns)?;
        types.push(DataType::Binary);
        Ok(types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let name = format_state_name(args.name, "summary");
        Ok(vec![Arc::new(Field::new(name, DataType::Binary, true))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SummaryAccumulator::default()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(SummaryGroups::default()))
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        AggregateOrderSensitivity::Insensitive
    }
}

/// The arguments of one batch, typed, with the event buffer rows are rebuilt in.
struct SummaryRows<'a> {
    ts: &'a PrimitiveArray<TimestampMillisecondType>,
    account_created: &'a PrimitiveArray<TimestampMillisecondType>,
    account_tier: &'a StringArray,
    org_id: &'a StringArray,
    ip: &'a StringArray,
    asn: &'a PrimitiveArray<UInt32Type>,
    user_agent: &'a StringArray,
    client_fp: &'a StringArray,
    payment_fp: &'a StringArray,
    system_prompt: &'a StringArray,
    model: &'a StringArray,
    turn_index: &'a PrimitiveArray<UInt32Type>,
    thinking: &'a BooleanArray,
    tools: &'a PrimitiveArray<UInt32Type>,
    max_tokens: &'a PrimitiveArray<UInt32Type>,
    prompt_tokens: &'a PrimitiveArray<UInt32Type>,
    completion_tokens: &'a PrimitiveArray<UInt32Type>,
    prompt: &'a StringArray,
    sketch: &'a BinaryArray,
    event: Event,
}

impl<'a> SummaryRows<'a> {
    fn new(args: &'a [ArrayRef]) -> Result<Self> {
        if args.len() != COLUMNS.len() + 1 {
            return plan_err!("{NAME} got {} arguments", args.len());
        }
        let s = |i: usize| strings(args, i, COLUMNS[i]);
        let n = |i: usize| primitives::<UInt32Type>(args, i, COLUMNS[i]);
        let t = |i: usize| primitives::<TimestampMillisecondType>(args, i, COLUMNS[i]);
        Ok(SummaryRows {
            ts: t(0)?,
            account_created: t(1)?,
            account_tier: s(2)?,
            org_id: s(3)?,
            ip: s(4)?,
            asn: n(5)?,
            user_agent: s(6)?,
            client_fp: s(7)?,
            payment_fp: s(8)?,
            system_prompt: s(9)?,
            model: s(10)?,
            turn_index: n(11)?,
            thinking: booleans(args, 12, COLUMNS[12])?,
            tools: n(13)?,
            max_tokens: n(14)?,
            prompt_tokens: n(15)?,
            completion_tokens: n(16)?,
            prompt: s(17)?,
            sketch: args[18]
                .as_binary_opt::<i32>()
                .ok_or_else(|| exec_datafusion_err!("{NAME}: the sketch is not Binary"))?,
            event: Event::default(),
        })
    }

    /// Adds row `row` to `summary`.
    fn observe(&mut self, row: usize, summary: &mut AccountSummary) {
        let Some(ts) = value(self.ts, row) else {
            return;
        };
        let event = &mut self.event;
        event.ts = ts;
        event.account_created = value(self.account_created, row);
        set_text(&mut event.account_tier, text(self.account_tier, row));
        set_text(&mut event.org_id, text(self.org_id, row));
        event.ip = text(self.ip, row).and_then(|ip| ip.parse().ok());
        event.asn = value(self.asn, row);
        set_text(&mut event.user_agent, text(self.user_agent, row));
        set_text(&mut event.client_fp, text(self.client_fp, row));
        set_text(&mut event.payment_fp, text(self.payment_fp, row));
        set_text(&mut event.system_prompt, text(self.system_prompt, row));
        set_text(&mut event.model, text(self.model, row));
        event.turn_index = value(self.turn_index, row);
        event.thinking = flag(self.thinking, row).map(Thinking::Enabled);
        event.tools = value(self.tools, row).map(Tools::Count);
        event.max_tokens = value(self.max_tokens, row);
        event.prompt_tokens = value(self.prompt_tokens, row);
        event.completion_tokens = value(self.completion_tokens, row);
        set_text(&mut event.prompt, text(self.prompt, row));
        let sketch = (self.sketch.is_valid(row))
            .then(|| PromptSketch::from_bytes(self.sketch.value(row)).ok())
            .flatten();
        summary.observe(event, sketch.as_ref());
    }
}

/// The summaries of one group, without grouping (`hs_account_summary` over a whole table) and
/// in DataFusion's fallback paths.
#[derive(Debug, Default)]
struct SummaryAccumulator {
    summary: AccountSummary,
}

impl Accumulator for SummaryAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let mut rows = SummaryRows::new(values)?;
        for row in 0..values[0].len() {
            rows.observe(row, &mut self.summary);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Binary(Some(encode_summary(&self.summary))))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + heap_bytes(&self.summary)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for part in states_of(states)?.iter().flatten() {
            self.summary.merge(decode_summary(part)?);
        }
        Ok(())
    }
}

/// The summaries of many groups, indexed by DataFusion's group index.
#[derive(Debug, Default)]
struct SummaryGroups {
    summaries: Vec<AccountSummary>,
    /// Heap bytes of `summaries`, kept up to date as they grow (see [`heap_bytes`]).
    heap: usize,
}

impl SummaryGroups {
    fn reserve_groups(&mut self, total_num_groups: usize) {
        if self.summaries.len() < total_num_groups {
            self.summaries
                .resize_with(total_num_groups, AccountSummary::default);
        }
    }

    /// Changes the summary of `group`, keeping the heap count.
    fn update(&mut self, group: usize, change: impl FnOnce(&mut AccountSummary)) {
        let summary = &mut self.summaries[group];
        let before = heap_bytes(summary);
        change(summary);
        self.heap = self.heap - before + heap_bytes(summary);
    }

    /// The states of the groups `emit_to` names, which leave the accumulator.
    fn emit(&mut self, emit_to: EmitTo) -> ArrayRef {
        let emitted = emit_to.take_needed(&mut self.summaries);
        let mut out = BinaryBuilder::with_capacity(emitted.len(), emitted.len() * 256);
        let mut bytes = Vec::new();
        for summary in &emitted {
            self.heap -= heap_bytes(summary);
            encode_into(summary, &mut bytes);
            out.append_value(&bytes);
        }
        Arc::new(out.finish())
    }
}

impl GroupsAccumulator for SummaryGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.reserve_groups(total_num_groups);
        let mut rows = SummaryRows::new(values)?;
        for (row, &group) in group_indices.iter().enumerate() {
            if selected(opt_filter, row) {
                self.update(group, |summary| rows.observe(row, summary));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        Ok(self.emit(emit_to))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.emit(emit_to)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.reserve_groups(total_num_groups);
        let states = states_of(values)?;
        for (row, &group) in group_indices.iter().enumerate() {
            if states.is_valid(row) {
                let part = decode_summary(states.value(row))?;
                self.update(group, |summary| summary.merge(part));
            }
        }
        Ok(())
    }

    /// One state per row, for when DataFusion skips partial aggregation (nearly every row a
    /// new group); filtered-out rows have a null state, which merging skips.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let rows_total = values.first().map_or(0, |array| array.len());
        let mut rows = SummaryRows::new(values)?;
        let mut out = BinaryBuilder::with_capacity(rows_total, rows_total * 128);
        let mut bytes = Vec::new();
        for row in 0..rows_total {
            if selected(opt_filter, row) {
                let mut summary = AccountSummary::default();
                rows.observe(row, &mut summary);
                encode_into(&summary, &mut bytes);
                out.append_value(&bytes);
            } else {
                out.append_null();
            }
        }
        Ok(vec![Arc::new(out.finish())])
    }

    fn size(&self) -> usize {
        self.summaries.capacity() * size_of::<AccountSummary>() + self.heap
    }
}

/// A groups accumulator, for tests of its memory accounting.
#[cfg(test)]
pub(super) fn groups_accumulator() -> Box<dyn GroupsAccumulator> {
    Box::new(SummaryGroups::default())
}

fn states_of(states: &[ArrayRef]) -> Result<&datafusion::arrow::array::BinaryArray> {
    states
        .first()
        .and_then(|array| array.as_binary_opt::<i32>())
        .ok_or_else(|| exec_datafusion_err!("{NAME}: the state is one Binary column"))
}

/// Bytes a B-tree map spends per entry beyond the entry itself: its share of the node header
/// and of the child pointers (nodes hold up to eleven entries).
const BTREE_OVERHEAD_PER_ENTRY: usize = 16;

/// Heap bytes held by a summary, from its lengths: a vector grown by pushing holds the next
/// power of two of its length (at least four), a map its entries plus node overhead. An
/// estimate for DataFusion's memory accounting, cheap enough to take after every event.
fn heap_bytes(summary: &AccountSummary) -> usize {
    let bottom_k = |sample: &BottomK| vec_bytes::<(u64, u32)>(sample.entries().len());
    let models: usize = summary
        .models
        .keys()
        .map(|model| model.len() + BTREE_OVERHEAD_PER_ENTRY)
        .sum::<usize>()
        + summary.models.len() * size_of::<(String, hydrascope_core::account::ModelUse)>();
    let keys: usize = summary
        .keys
        .iter()
        .map(|(kind, sample)| {
            size_of_val(kind) + size_of::<BottomK>() + BTREE_OVERHEAD_PER_ENTRY + bottom_k(sample)
        })
        .sum();
    let labels = summary.tier.as_ref().map_or(0, |tier| tier.value.len())
        + summary.org.as_ref().map_or(0, |org| org.value.len());
    vec_bytes::<(u32, u32)>(summary.activity.bins().len())
        + bottom_k(&summary.max_tokens)
        + bottom_k(&summary.prompts)
        + bottom_k(&summary.frames)
        + bottom_k(&summary.frame_bands)
        + models
        + keys
        + labels
}

fn vec_bytes<T>(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.next_power_of_two().max(4) * size_of::<T>()
    }
}
