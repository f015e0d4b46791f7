//! `hs_smallest_texts(text) -> List<Utf8>`: the [`EXAMPLES`] smallest distinct texts of a
//! group, in order.
//!
//! Campaign evidence shows a few real prompts per shared template. Which ones must not depend
//! on how the plan was partitioned or in what order batches arrived, and keeping them must
//! cost a few strings per group, not every prompt of a template that thousands of accounts
//! filled. The smallest distinct texts are both: a bounded state that merges exactly (the
//! smallest of a union are the smallest of the parts' smallest), and distinct, so that a
//! template's examples show different fillings rather than one text three times. Nulls are
//! ignored; a group without texts gives an empty list.

use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, ListBuilder, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_datafusion_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::{AggregateOrderSensitivity, format_state_name};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

use super::selected;

/// The function's name in plans.
pub const NAME: &str = "hs_smallest_texts";

/// Texts kept per group.
pub const EXAMPLES: usize = 3;

/// The smallest distinct texts seen, ascending, at most [`EXAMPLES`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmallestTexts {
    texts: Vec<String>,
}

impl SmallestTexts {
    /// Keeps `text` if it is new and among the smallest.
    pub fn offer(&mut self, text: &str) {
        let Err(at) = self.texts.binary_search_by(|kept| kept.as_str().cmp(text)) else {
            return;
        };
        if at < EXAMPLES {
            self.texts.truncate(EXAMPLES - 1);
            self.texts.insert(at, text.to_owned());
        }
    }

    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    fn heap_bytes(&self) -> usize {
        self.texts.capacity() * size_of::<String>()
            + self.texts.iter().map(String::capacity).sum::<usize>()
    }
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

/// One list per group: the result, and the partial state.
fn lists<'a>(groups: impl IntoIterator<Item = &'a SmallestTexts>) -> ArrayRef {
    let mut out = ListBuilder::new(StringBuilder::new());
    for group in groups {
        for text in group.texts() {
            out.values().append_value(text);
        }
        out.append(true);
    }
    Arc::new(out.finish())
}

/// The texts of row `row` of a partial state.
fn state_texts(states: &ArrayRef, row: usize) -> Result<Option<StringArray>> {
    let lists = states
        .as_list_opt::<i32>()
        .ok_or_else(|| exec_datafusion_err!("{NAME}: the state is a list of strings"))?;
    if lists.is_null(row) {
        return Ok(None);
    }
    Ok(Some(lists.value(row).as_string::<i32>().clone()))
}

fn texts_argument(values: &[ArrayRef]) -> Result<&StringArray> {
    values
        .first()
        .and_then(|array| array.as_string_opt::<i32>())
        .ok_or_else(|| exec_datafusion_err!("{NAME} takes one Utf8 argument"))
}

/// The aggregate function `hs_smallest_texts`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SmallestTextsUdaf {
    signature: Signature,
}

impl SmallestTextsUdaf {
    pub fn new() -> Self {
        SmallestTextsUdaf {
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

impl Default for SmallestTextsUdaf {
    fn default() -> Self {
        Self::new()
    }
}

impl AggregateUDFImpl for SmallestTextsUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(list_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let name = format_state_name(args.name, "texts");
        Ok(vec![Arc::new(Field::new(name, list_type(), true))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(TextsAccumulator::default()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(TextsGroups::default()))
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        AggregateOrderSensitivity::Insensitive
    }
}

/// One group (an aggregate without grouping, and DataFusion's fallback paths): group 0 of a
/// [`TextsGroups`].
#[derive(Debug, Default)]
struct TextsAccumulator {
    group: TextsGroups,
}

impl Accumulator for TextsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let rows = values.first().map_or(0, |array| array.len());
        self.group.update_batch(values, &vec![0; rows], None, 1)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.group.groups.resize_with(1, Default::default);
        ScalarValue::try_from_array(&lists(&self.group.groups), 0)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.group.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let rows = states.first().map_or(0, |array| array.len());
        self.group.merge_batch(states, &vec![0; rows], 1)
    }
}

/// Many groups, indexed by DataFusion's group index.
#[derive(Debug, Default)]
struct TextsGroups {
    groups: Vec<SmallestTexts>,
    /// Bytes of the kept texts, kept up to date as they change.
    heap: usize,
}

impl TextsGroups {
    fn offer(&mut self, group: usize, text: &str) {
        let kept = &mut self.groups[group];
        let before = kept.heap_bytes();
        kept.offer(text);
        self.heap = self.heap - before + kept.heap_bytes();
    }

    fn emit(&mut self, emit_to: EmitTo) -> ArrayRef {
        let emitted = emit_to.take_needed(&mut self.groups);
        self.heap -= emitted.iter().map(SmallestTexts::heap_bytes).sum::<usize>();
        lists(&emitted)
    }
}

impl GroupsAccumulator for TextsGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, Default::default);
        let texts = texts_argument(values)?;
        for (row, &group) in group_indices.iter().enumerate() {
            if selected(opt_filter, row) && texts.is_valid(row) {
                self.offer(group, texts.value(row));
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
        self.groups.resize_with(total_num_groups, Default::default);
        for (row, &group) in group_indices.iter().enumerate() {
            for text in state_texts(&values[0], row)?.iter().flatten().flatten() {
                self.offer(group, text);
            }
        }
        Ok(())
    }

    /// One state per row, for when DataFusion skips partial aggregation (nearly every row a
    /// new group): the row's text alone, or nothing when it is null or filtered out.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let texts = texts_argument(values)?;
        let mut out = ListBuilder::new(StringBuilder::new());
        for row in 0..texts.len() {
            if selected(opt_filter, row) && texts.is_valid(row) {
                out.values().append_value(texts.value(row));
            }
            out.append(true);
        }
        Ok(vec![Arc::new(out.finish())])
    }

    fn size(&self) -> usize {
        self.groups.capacity() * size_of::<SmallestTexts>() + self.heap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(texts: &[&str]) -> Vec<String> {
        let mut kept = SmallestTexts::default();
        for text in texts {
            kept.offer(text);
        }
        kept.texts().to_vec()
    }

    #[test]
    fn the_smallest_distinct_texts_are_kept_in_order() {
        assert_eq!(kept(&["d", "b", "b", "e", "a", "c"]), ["a", "b", "c"]);
        assert_eq!(kept(&["x", "x"]), ["x"]);
        assert!(kept(&[]).is_empty());
    }

    #[test]
    fn the_single_group_accumulator_keeps_the_same_texts() {
        let texts = |values: &[&str]| -> Vec<ArrayRef> {
            vec![Arc::new(StringArray::from_iter_values(values.iter()))]
        };
        let mut part = TextsAccumulator::default();
        part.update_batch(&texts(&["e", "c"])).unwrap();
        let state = part.state().unwrap()[0].to_array().unwrap();
        let mut whole = TextsAccumulator::default();
        whole.update_batch(&texts(&["d", "b", "d"])).unwrap();
        whole.merge_batch(&[state]).unwrap();
        let ScalarValue::List(list) = whole.evaluate().unwrap() else {
            panic!("a list");
        };
        let kept = list.value(0);
        let kept: Vec<&str> = kept.as_string::<i32>().iter().flatten().collect();
        assert_eq!(kept, ["b", "c", "d"]);
        let empty = TextsAccumulator::default().evaluate().unwrap();
        assert!(matches!(empty, ScalarValue::List(l) if l.value(0).is_empty()));
    }

    #[test]
    fn merging_partial_states_keeps_what_one_pass_keeps() {
        let texts: Vec<String> = (0..40).map(|i| format!("t{:02}", (i * 17) % 40)).collect();
        let mut groups = TextsGroups::default();
        let halves = texts.split_at(texts.len() / 2);
        let states: Vec<ArrayRef> = [halves.0, halves.1]
            .iter()
            .map(|half| {
                let mut part = TextsGroups::default();
                let array: ArrayRef = Arc::new(StringArray::from_iter_values(half.iter()));
                part.update_batch(&[array], &vec![0; half.len()], None, 1)
                    .unwrap();
                part.state(EmitTo::All).unwrap().remove(0)
            })
            .collect();
        for state in states {
            groups.merge_batch(&[state], &[0], 1).unwrap();
        }
        let result = groups.evaluate(EmitTo::All).unwrap();
        let list = result.as_list::<i32>().value(0);
        let merged: Vec<&str> = list.as_string::<i32>().iter().flatten().collect();
        assert_eq!(merged, ["t00", "t01", "t02"]);
        assert_eq!(groups.size(), 0, "emitting every group frees its texts");
    }
}
