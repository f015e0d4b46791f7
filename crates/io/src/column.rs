//! What a named column of a tabular input (CSV or Parquet) means for an event.
//!
//! Both tabular readers and the canonical Arrow decoder map columns the same way, so a CSV
//! export of the canonical dataset, a foreign Parquet file and the canonical Parquet dataset
//! all read through one set of rules. Besides the contract fields, the canonical schema has
//! three columns of its own (`thinking_budget`, `tool_names`, `passthrough`) that carry the
//! parts of an event a flat typed column cannot: which form `thinking` and `tools` were given
//! in, and the fields outside the contract.

use hydrascope_events::{EventBuilder, Field, RawValue, Rejection};
use serde_json::{Number, Value};

/// Canonical column: the reasoning budget when `thinking` was given as an integer.
pub(crate) const THINKING_BUDGET: &str = "thinking_budget";
/// Canonical column: the tool names when `tools` was given as a list.
pub(crate) const TOOL_NAMES: &str = "tool_names";
/// Canonical column: the fields outside the contract, as the text of one JSON object.
pub(crate) const PASSTHROUGH: &str = "passthrough";

/// A column of a header: where it is, what it is called and what it means.
#[derive(Debug, Clone)]
pub(crate) struct NamedColumn {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) role: Column,
}

/// The columns of a header in the order their cells are handed to the builder: contract
/// and passthrough columns by name, then the canonical extras that override their flat
/// field. Name order is the order a JSON object's keys are visited in (serde_json keeps
/// objects sorted), so a row with two bad fields reports the same one in every format.
pub(crate) fn plan(names: impl IntoIterator<Item = String>) -> Vec<NamedColumn> {
    let mut columns: Vec<NamedColumn> = names
        .into_iter()
        .enumerate()
        .map(|(index, name)| NamedColumn {
            index,
            role: Column::from_name(&name),
            name,
        })
        .collect();
    columns.sort_by(|a, b| {
        let overrides =
            |c: &NamedColumn| matches!(c.role, Column::ThinkingBudget | Column::ToolNames);
        (overrides(a), &a.name).cmp(&(overrides(b), &b.name))
    });
    columns
}

/// The role of one input column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Column {
    Field(Field),
    /// Sets `thinking` when present; it follows `thinking` in the canonical order, so the
    /// budget form wins over the flag.
    ThinkingBudget,
    /// Sets `tools` when present; it follows `tools`, so names win over the count.
    ToolNames,
    /// A JSON object whose entries become passthrough fields.
    PassthroughObject,
    /// Any other column, kept as one passthrough field of that name.
    Passthrough(String),
}

impl Column {
    pub(crate) fn from_name(name: &str) -> Column {
        match name {
            THINKING_BUDGET => Column::ThinkingBudget,
            TOOL_NAMES => Column::ToolNames,
            PASSTHROUGH => Column::PassthroughObject,
            _ => Field::from_name(name)
                .map_or_else(|| Column::Passthrough(name.to_owned()), Column::Field),
        }
    }

    /// Hands one cell to the builder, which applies every contract rule.
    pub(crate) fn apply(
        &self,
        builder: &mut EventBuilder,
        value: RawValue<'_>,
    ) -> Result<(), Rejection> {
        match self {
            Column::Field(field) => builder.set(*field, value),
            Column::ThinkingBudget => builder.set(Field::Thinking, value),
            Column::ToolNames => builder.set(Field::Tools, value),
            Column::PassthroughObject => {
                apply_passthrough_object(builder, value);
                Ok(())
            }
            Column::Passthrough(name) => {
                if has_value(&value) {
                    builder.passthrough(name.clone(), raw_to_json(&value));
                }
                Ok(())
            }
        }
    }
}

/// The entries of a canonical `passthrough` object. Text that is not a JSON object (a
/// foreign file that happens to have a column of that name) is kept whole under its name,
/// because passthrough exists so that nothing is lost.
fn apply_passthrough_object(builder: &mut EventBuilder, value: RawValue<'_>) {
    if !has_value(&value) {
        return;
    }
    if let RawValue::Str(text) | RawValue::Text(text) = value
        && let Ok(Value::Object(entries)) = serde_json::from_str::<Value>(text)
    {
        for (key, entry) in entries {
            builder.passthrough(key, entry);
        }
        return;
    }
    builder.passthrough(PASSTHROUGH.to_owned(), raw_to_json(&value));
}

/// Whether a cell carries a passthrough value: nulls do not, and neither does an empty
/// untyped cell, because an empty CSV cell is how CSV says "no value". An empty typed
/// string is kept, as a JSONL reader keeps `"key": ""`.
fn has_value(value: &RawValue<'_>) -> bool {
    !matches!(value, RawValue::Null | RawValue::Text(""))
}

/// The JSON form of a cell, for passthrough fields and for quarantined rows.
pub(crate) fn raw_to_json(value: &RawValue<'_>) -> Value {
    match value {
        RawValue::Null => Value::Null,
        RawValue::Bool(b) => Value::Bool(*b),
        RawValue::Int(i) => Value::from(*i),
        RawValue::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        RawValue::Str(s) | RawValue::Text(s) => Value::from(*s),
        RawValue::List(items) => Value::from(items.clone()),
        RawValue::Other(type_name) => Value::from(format!("<{type_name}>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn built(cells: &[(&str, RawValue<'_>)]) -> hydrascope_events::Event {
        let mut builder = EventBuilder::new();
        builder
            .set(Field::Ts, RawValue::Int(1_776_827_647_123))
            .unwrap();
        builder.set(Field::AccountId, RawValue::Str("a")).unwrap();
        for (name, value) in cells {
            Column::from_name(name)
                .apply(&mut builder, value.clone())
                .unwrap();
        }
        builder.finish().unwrap()
    }

    #[test]
    fn columns_are_applied_by_name_with_overriding_extras_last() {
        let names = ["tool_names", "tools", "b", "ts", "thinking_budget", "a"];
        let order: Vec<usize> = plan(names.map(String::from))
            .iter()
            .map(|c| c.index)
            .collect();
        assert_eq!(order, [5, 2, 1, 3, 4, 0]);
    }

    #[test]
    fn canonical_extra_columns_override_the_flat_form() {
        let event = built(&[
            ("thinking", RawValue::Bool(true)),
            ("thinking_budget", RawValue::Int(2048)),
            ("tools", RawValue::Int(2)),
            ("tool_names", RawValue::List(vec!["bash", "edit"])),
        ]);
        assert_eq!(
            event.thinking,
            Some(hydrascope_events::Thinking::Budget(2048))
        );
        assert_eq!(
            event.tools,
            Some(hydrascope_events::Tools::Names(vec![
                "bash".into(),
                "edit".into()
            ]))
        );
    }

    #[test]
    fn passthrough_object_text_becomes_fields_and_other_text_is_kept_whole() {
        let event = built(&[("passthrough", RawValue::Str(r#"{"tenant":"x","n":1}"#))]);
        assert_eq!(event.passthrough.get("tenant"), Some(&json!("x")));
        assert_eq!(event.passthrough.get("n"), Some(&json!(1)));
        let event = built(&[("passthrough", RawValue::Text("free text"))]);
        assert_eq!(
            event.passthrough.get("passthrough"),
            Some(&json!("free text"))
        );
    }

    #[test]
    fn empty_untyped_cells_are_no_passthrough_value_but_empty_strings_are() {
        let event = built(&[("region", RawValue::Text("")), ("zone", RawValue::Str(""))]);
        assert_eq!(event.passthrough.get("region"), None);
        assert_eq!(event.passthrough.get("zone"), Some(&json!("")));
    }
}
