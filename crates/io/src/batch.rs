//! The canonical Arrow form of events, and decoding of any Arrow batch into events.
//!
//! The canonical schema is what the ingest dataset stores and what the batch engine
//! consumes: one typed column per contract field, in contract order, plus the three columns
//! that keep a round trip lossless (`thinking_budget`, `tool_names`, `passthrough`; see
//! the `column` module). Decoding goes the other way for *any* batch, canonical or foreign:
//! each column is matched by name and each cell handed to the contract's
//! [`EventBuilder`] as a [`RawValue`], so a Parquet file from another pipeline (timestamps as
//! RFC 3339 strings, `asn` as Int64, dictionary-encoded strings) is validated by exactly the
//! rules a JSONL line is. There is deliberately no separate fast path for canonical batches:
//! one path cannot disagree with itself.

use std::sync::{Arc, LazyLock};

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, ListBuilder, RecordBatch, StringBuilder,
    TimestampMillisecondBuilder, UInt16Builder, UInt32Builder,
};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Field as ArrowField, Float64Type, Int64Type, Schema, SchemaRef, TimeUnit, UInt64Type,
};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use hydrascope_events::{Event, EventBuilder, Field, RawValue, Rejection, Thinking, Tools};
use serde_json::{Map, Value};

use crate::column::{self, Column, NamedColumn};

const UTC: &str = "UTC";

/// How one canonical column is built from events. The canonical schema is derived from the
/// same list, so the columns written and the schema declared cannot drift apart.
enum ColumnBuilder {
    Timestamp(TimestampMillisecondBuilder, fn(&Event) -> Option<i64>),
    Str(StringBuilder, fn(&Event) -> Option<&str>),
    /// A string column whose values are formatted on the way (`ip`, `passthrough`).
    Formatted(StringBuilder, fn(&Event) -> Option<String>),
    UInt32(UInt32Builder, fn(&Event) -> Option<u32>),
    UInt16(UInt16Builder, fn(&Event) -> Option<u16>),
    Boolean(BooleanBuilder, fn(&Event) -> Option<bool>),
    StringList(ListBuilder<StringBuilder>, fn(&Event) -> Option<&[String]>),
}

impl ColumnBuilder {
    fn timestamp(get: fn(&Event) -> Option<i64>) -> Self {
        ColumnBuilder::Timestamp(TimestampMillisecondBuilder::new().with_timezone(UTC), get)
    }

    fn string(get: fn(&Event) -> Option<&str>) -> Self {
        ColumnBuilder::Str(StringBuilder::new(), get)
    }

    fn count(get: fn(&Event) -> Option<u32>) -> Self {
        ColumnBuilder::UInt32(UInt32Builder::new(), get)
    }

    fn data_type(&self) -> DataType {
        match self {
            ColumnBuilder::Timestamp(..) => {
                DataType::Timestamp(TimeUnit::Millisecond, Some(UTC.into()))
            }
            ColumnBuilder::Str(..) | ColumnBuilder::Formatted(..) => DataType::Utf8,
            ColumnBuilder::UInt32(..) => DataType::UInt32,
            ColumnBuilder::UInt16(..) => DataType::UInt16,
            ColumnBuilder::Boolean(..) => DataType::Boolean,
            ColumnBuilder::StringList(..) => string_list_type(),
        }
    }

    fn append(&mut self, event: &Event) {
        match self {
            ColumnBuilder::Timestamp(builder, get) => builder.append_option(get(event)),
            ColumnBuilder::Str(builder, get) => builder.append_option(get(event)),
            ColumnBuilder::Formatted(builder, get) => builder.append_option(get(event)),
            ColumnBuilder::UInt32(builder, get) => builder.append_option(get(event)),
            ColumnBuilder::UInt16(builder, get) => builder.append_option(get(event)),
            ColumnBuilder::Boolean(builder, get) => builder.append_option(get(event)),
            ColumnBuilder::StringList(builder, get) => match get(event) {
                Some(items) => {
                    for item in items {
                        builder.values().append_value(item);
                    }
                    builder.append(true);
                }
                None => builder.append_null(),
            },
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Timestamp(builder, _) => Arc::new(builder.finish()),
            ColumnBuilder::Str(builder, _) | ColumnBuilder::Formatted(builder, _) => {
                Arc::new(builder.finish())
            }
            ColumnBuilder::UInt32(builder, _) => Arc::new(builder.finish()),
            ColumnBuilder::UInt16(builder, _) => Arc::new(builder.finish()),
            ColumnBuilder::Boolean(builder, _) => Arc::new(builder.finish()),
            ColumnBuilder::StringList(builder, _) => Arc::new(builder.finish()),
        }
    }
}

fn string_list_type() -> DataType {
    DataType::List(Arc::new(ArrowField::new_list_field(DataType::Utf8, true)))
}

/// The canonical columns in order: name, whether nulls are allowed, and how to build them.
fn canonical_columns() -> Vec<(&'static str, bool, ColumnBuilder)> {
    use ColumnBuilder as C;
    let optional = |field: Field, builder: ColumnBuilder| (field.name(), true, builder);
    vec![
        (Field::Ts.name(), false, C::timestamp(|e| Some(e.ts))),
        (
            Field::AccountId.name(),
            false,
            C::string(|e| Some(&e.account_id)),
        ),
        optional(Field::RequestId, C::string(|e| e.request_id.as_deref())),
        optional(Field::OrgId, C::string(|e| e.org_id.as_deref())),
        optional(Field::ApiKeyId, C::string(|e| e.api_key_id.as_deref())),
        optional(Field::AccountCreated, C::timestamp(|e| e.account_created)),
        optional(Field::AccountTier, C::string(|e| e.account_tier.as_deref())),
        optional(
            Field::Ip,
            C::Formatted(StringBuilder::new(), |e| e.ip.map(|ip| ip.to_string())),
        ),
        optional(Field::Asn, C::count(|e| e.asn)),
        optional(Field::Country, C::string(|e| e.country.as_deref())),
        optional(Field::UserAgent, C::string(|e| e.user_agent.as_deref())),
        optional(Field::ClientFp, C::string(|e| e.client_fp.as_deref())),
        optional(Field::PaymentFp, C::string(|e| e.payment_fp.as_deref())),
        optional(Field::Model, C::string(|e| e.model.as_deref())),
        optional(Field::Endpoint, C::string(|e| e.endpoint.as_deref())),
        optional(
            Field::ConversationId,
            C::string(|e| e.conversation_id.as_deref()),
        ),
        optional(Field::TurnIndex, C::count(|e| e.turn_index)),
        optional(
            Field::SystemPrompt,
            C::string(|e| e.system_prompt.as_deref()),
        ),
        optional(Field::Prompt, C::string(|e| e.prompt.as_deref())),
        optional(
            Field::PromptSketch,
            C::string(|e| e.prompt_sketch.as_deref()),
        ),
        optional(
            Field::Thinking,
            C::Boolean(BooleanBuilder::new(), |e| e.thinking.map(Thinking::is_on)),
        ),
        (
            column::THINKING_BUDGET,
            true,
            C::count(|e| match e.thinking {
                Some(Thinking::Budget(tokens)) => Some(tokens),
                _ => None,
            }),
        ),
        optional(
            Field::Tools,
            C::count(|e| e.tools.as_ref().map(|t| t.count() as u32)),
        ),
        (
            column::TOOL_NAMES,
            true,
            C::StringList(ListBuilder::new(StringBuilder::new()), |e| match &e.tools {
                Some(Tools::Names(names)) => Some(names),
                _ => None,
            }),
        ),
        optional(Field::MaxTokens, C::count(|e| e.max_tokens)),
        optional(Field::PromptTokens, C::count(|e| e.prompt_tokens)),
        optional(Field::CompletionTokens, C::count(|e| e.completion_tokens)),
        optional(Field::Status, C::UInt16(UInt16Builder::new(), |e| e.status)),
        (
            column::PASSTHROUGH,
            true,
            C::Formatted(StringBuilder::new(), passthrough_text),
        ),
    ]
}

fn passthrough_text(event: &Event) -> Option<String> {
    (!event.passthrough.is_empty()).then(|| Value::Object(event.passthrough.clone()).to_string())
}

static CANONICAL_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let fields: Vec<ArrowField> = canonical_columns()
        .iter()
        .map(|(name, nullable, builder)| ArrowField::new(*name, builder.data_type(), *nullable))
        .collect();
    Arc::new(Schema::new(fields))
});

/// The canonical schema of events in Arrow and Parquet.
pub fn canonical_schema() -> SchemaRef {
    Arc::clone(&CANONICAL_SCHEMA)
}

/// Builds canonical batches one event at a time, so writers need not keep events around.
pub struct CanonicalBatchBuilder {
    columns: Vec<ColumnBuilder>,
    rows: usize,
}

impl Default for CanonicalBatchBuilder {
    fn default() -> Self {
        CanonicalBatchBuilder {
            columns: canonical_columns()
                .into_iter()
                .map(|(_, _, builder)| builder)
                .collect(),
            rows: 0,
        }
    }
}

impl CanonicalBatchBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn append(&mut self, event: &Event) {
        for column in &mut self.columns {
            column.append(event);
        }
        self.rows += 1;
    }

    /// Rows appended since the last [`finish`](Self::finish).
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The rows appended so far as one batch; the builder starts over empty.
    pub fn finish(&mut self) -> RecordBatch {
        self.rows = 0;
        let arrays = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        RecordBatch::try_new(canonical_schema(), arrays)
            .expect("the columns are built from the list the canonical schema is derived from")
    }
}

/// Events as one batch in the canonical schema.
pub fn events_to_batch(events: &[Event]) -> RecordBatch {
    let mut builder = CanonicalBatchBuilder::new();
    for event in events {
        builder.append(event);
    }
    builder.finish()
}

/// Decodes every row of a batch of any schema: an event, or why the row is not one.
pub fn batch_to_events(batch: &RecordBatch) -> Vec<Result<Event, Rejection>> {
    let decoder = RowDecoder::new(batch);
    (0..batch.num_rows())
        .map(|row| decoder.event(row))
        .collect()
}

/// Decodes the rows of one batch, with each column matched by name and brought to one of a
/// few Arrow types once per batch.
pub(crate) struct RowDecoder {
    columns: Vec<(NamedColumn, Cells)>,
}

impl RowDecoder {
    pub(crate) fn new(batch: &RecordBatch) -> Self {
        let schema = batch.schema();
        let names = schema.fields().iter().map(|field| field.name().clone());
        let columns = column::plan(names)
            .into_iter()
            .map(|column| {
                let cells = Cells::new(batch.column(column.index));
                (column, cells)
            })
            .collect();
        RowDecoder { columns }
    }

    pub(crate) fn event(&self, row: usize) -> Result<Event, Rejection> {
        let mut builder = EventBuilder::new();
        for (column, cells) in &self.columns {
            match (&column.role, cells.kind) {
                // A passthrough value of a type no field reads (a date, a decimal) is kept
                // as its display text rather than as a type name.
                (Column::Passthrough(_), Kind::Other(_)) if !cells.array.is_null(row) => {
                    let text = cells.display(row);
                    column.role.apply(&mut builder, RawValue::Str(&text))?;
                }
                _ => column.role.apply(&mut builder, cells.raw(row))?,
            }
        }
        builder.finish()
    }

    /// The row as a JSON object, for the quarantine's `raw`.
    pub(crate) fn row_json(&self, row: usize) -> String {
        let object: Map<String, Value> = self
            .columns
            .iter()
            .map(|(column, cells)| (column.name.clone(), cells.json(row)))
            .collect();
        Value::Object(object).to_string()
    }
}

/// The shape a column's cells are read in.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Null,
    Utf8,
    LargeUtf8,
    Utf8View,
    Int64,
    UInt64,
    Float64,
    Boolean,
    /// Stored as Int64 in the unit of the original timestamp.
    Timestamp(TimeUnit),
    /// A list of UTF-8 strings.
    List,
    /// A type no contract field accepts, named for error messages.
    Other(&'static str),
}

struct Cells {
    array: ArrayRef,
    kind: Kind,
}

impl Cells {
    /// Casts the column to the few types cells are read from: lossless widenings of
    /// integers and floats, dictionary values, timestamps as their raw integers.
    fn new(array: &ArrayRef) -> Cells {
        let cast_to = |to: &DataType, kind: Kind| match cast(array, to) {
            Ok(array) => Cells { array, kind },
            Err(_) => Cells::other(array, "value of an unreadable Arrow type"),
        };
        match array.data_type() {
            DataType::Null => Cells::plain(array, Kind::Null),
            DataType::Utf8 => Cells::plain(array, Kind::Utf8),
            DataType::LargeUtf8 => Cells::plain(array, Kind::LargeUtf8),
            DataType::Utf8View => Cells::plain(array, Kind::Utf8View),
            DataType::Boolean => Cells::plain(array, Kind::Boolean),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => cast_to(&DataType::Int64, Kind::Int64),
            DataType::UInt64 => Cells::plain(array, Kind::UInt64),
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                cast_to(&DataType::Float64, Kind::Float64)
            }
            DataType::Timestamp(unit, _) => cast_to(&DataType::Int64, Kind::Timestamp(*unit)),
            DataType::Dictionary(_, values) => match cast(array, values) {
                Ok(plain) => Cells::new(&plain),
                Err(_) => Cells::other(array, "dictionary"),
            },
            DataType::List(item)
            | DataType::LargeList(item)
            | DataType::ListView(item)
            | DataType::LargeListView(item)
            | DataType::FixedSizeList(item, _)
                if matches!(
                    item.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                cast_to(&string_list_type(), Kind::List)
            }
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
                Cells::other(array, "list of non-strings")
            }
            DataType::Date32 | DataType::Date64 => Cells::other(array, "date"),
            DataType::Struct(_) | DataType::Map(..) => Cells::other(array, "nested record"),
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_) => Cells::other(array, "binary value"),
            _ => Cells::other(array, "value of an unsupported Arrow type"),
        }
    }

    /// Cells read from the column as it is.
    fn plain(array: &ArrayRef, kind: Kind) -> Cells {
        Cells {
            array: Arc::clone(array),
            kind,
        }
    }

    fn other(array: &ArrayRef, type_name: &'static str) -> Cells {
        Cells::plain(array, Kind::Other(type_name))
    }

    fn raw(&self, row: usize) -> RawValue<'_> {
        if self.array.is_null(row) {
            return RawValue::Null;
        }
        let array = &self.array;
        match self.kind {
            Kind::Null => RawValue::Null,
            Kind::Utf8 => RawValue::Str(array.as_string::<i32>().value(row)),
            Kind::LargeUtf8 => RawValue::Str(array.as_string::<i64>().value(row)),
            Kind::Utf8View => RawValue::Str(array.as_string_view().value(row)),
            Kind::Int64 => RawValue::Int(array.as_primitive::<Int64Type>().value(row)),
            Kind::UInt64 => {
                let value = array.as_primitive::<UInt64Type>().value(row);
                // Above i64::MAX no field fits; a float is refused with a range error, as
                // the JSON reader does for the same number.
                i64::try_from(value).map_or(RawValue::Float(value as f64), RawValue::Int)
            }
            Kind::Float64 => RawValue::Float(array.as_primitive::<Float64Type>().value(row)),
            Kind::Boolean => RawValue::Bool(array.as_boolean().value(row)),
            Kind::Timestamp(unit) => RawValue::Int(to_millis(
                array.as_primitive::<Int64Type>().value(row),
                unit,
            )),
            Kind::List => string_list(array, row),
            Kind::Other(type_name) => RawValue::Other(type_name),
        }
    }

    fn json(&self, row: usize) -> Value {
        match self.kind {
            Kind::Other(_) if !self.array.is_null(row) => Value::from(self.display(row)),
            _ => column::raw_to_json(&self.raw(row)),
        }
    }

    fn display(&self, row: usize) -> String {
        ArrayFormatter::try_new(self.array.as_ref(), &FormatOptions::default())
            .map(|formatter| formatter.value(row).to_string())
            .unwrap_or_default()
    }
}

fn to_millis(value: i64, unit: TimeUnit) -> i64 {
    match unit {
        // Saturating keeps an absurd value absurd, so it is refused as out of range.
        TimeUnit::Second => value.saturating_mul(1_000),
        TimeUnit::Millisecond => value,
        TimeUnit::Microsecond => value.div_euclid(1_000),
        TimeUnit::Nanosecond => value.div_euclid(1_000_000),
    }
}

fn string_list(array: &ArrayRef, row: usize) -> RawValue<'_> {
    let list = array.as_list::<i32>();
    let offsets = list.value_offsets();
    let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
    let items = list.values().as_string::<i32>();
    (start..end)
        .map(|i| items.is_valid(i).then(|| items.value(i)))
        .collect::<Option<Vec<_>>>()
        .map_or(RawValue::Other("list with null items"), RawValue::List)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use arrow::array::{
        Int64Array, LargeStringArray, StringArray, StringDictionaryBuilder,
        TimestampMicrosecondArray,
    };
    use arrow::datatypes::Int32Type;
    use serde_json::json;

    /// Events that use every column, both forms of `thinking` and `tools`, and passthrough.
    pub(crate) fn sample_events() -> Vec<Event> {
        let full = Event {
            request_id: Some("r1".into()),
            org_id: Some("org".into()),
            api_key_id: Some("key".into()),
            account_created: Some(1_776_000_000_000),
            account_tier: Some("pro".into()),
            ip: Some("2001:db8::1".parse().unwrap()),
            asn: Some(13335),
            country: Some("DE".into()),
            user_agent: Some("sdk/1.0".into()),
            client_fp: Some("t13d".into()),
            payment_fp: Some("pay".into()),
            model: Some("model-x".into()),
            endpoint: Some("messages".into()),
            conversation_id: Some("conv".into()),
            turn_index: Some(2),
            system_prompt: Some("system".into()),
            prompt: Some("hello, \"world\"\n".into()),
            prompt_sketch: Some("sketch".into()),
            thinking: Some(Thinking::Budget(1024)),
            tools: Some(Tools::Names(vec!["bash".into(), "edit".into()])),
            max_tokens: Some(4096),
            prompt_tokens: Some(10),
            completion_tokens: Some(20),
            status: Some(200),
            passthrough: serde_json::from_str(r#"{"tenant":"x","nested":{"a":[1,2]}}"#).unwrap(),
            ..Event::new(1_776_827_647_123, "acct_1")
        };
        let mut flag_and_count = Event::new(1_776_827_647_000, "acct_2");
        flag_and_count.thinking = Some(Thinking::Enabled(true));
        flag_and_count.tools = Some(Tools::Count(3));
        flag_and_count.ip = Some("10.0.0.1".parse().unwrap());
        let mut zero_forms = Event::new(1_776_900_000_000, "acct_3");
        zero_forms.thinking = Some(Thinking::Budget(0));
        zero_forms.tools = Some(Tools::Names(vec![]));
        let mut off = Event::new(1_776_900_000_001, "acct_4");
        off.thinking = Some(Thinking::Enabled(false));
        off.tools = Some(Tools::Count(0));
        vec![
            full,
            flag_and_count,
            zero_forms,
            off,
            Event::new(1_776_999_999_999, "acct_5"),
        ]
    }

    fn ok(results: Vec<Result<Event, Rejection>>) -> Vec<Event> {
        results.into_iter().map(Result::unwrap).collect()
    }

    #[test]
    fn events_round_trip_through_the_canonical_batch() {
        let events = sample_events();
        let batch = events_to_batch(&events);
        assert_eq!(batch.schema(), canonical_schema());
        assert_eq!(ok(batch_to_events(&batch)), events);
    }

    #[test]
    fn the_batch_builder_starts_over_after_each_batch() {
        let events = sample_events();
        let mut builder = CanonicalBatchBuilder::new();
        for event in &events {
            builder.append(event);
        }
        let first = builder.finish();
        assert!(builder.is_empty());
        builder.append(&events[1]);
        let second = builder.finish();
        assert_eq!(first, events_to_batch(&events));
        assert_eq!(ok(batch_to_events(&second)), [events[1].clone()]);
    }

    #[test]
    fn canonical_columns_follow_the_contract_order() {
        let schema = canonical_schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let contract: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| Field::from_name(name).is_some())
            .collect();
        let expected: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(contract, expected);
        assert_eq!(names.len(), Field::ALL.len() + 3);
        assert!(!schema.field_with_name("ts").unwrap().is_nullable());
    }

    #[test]
    fn foreign_column_types_are_read_by_the_contract_rules() {
        let mut dictionary = StringDictionaryBuilder::<Int32Type>::new();
        dictionary.append_value("pro");
        dictionary.append_value("free");
        let batch = RecordBatch::try_from_iter([
            (
                "ts",
                Arc::new(LargeStringArray::from(vec![
                    "2026-04-22T03:14:07.123Z",
                    "yesterday",
                ])) as ArrayRef,
            ),
            ("account_id", Arc::new(StringArray::from(vec!["a", "b"]))),
            ("asn", Arc::new(Int64Array::from(vec![13335, 1]))),
            ("account_tier", Arc::new(dictionary.finish())),
            (
                "account_created",
                Arc::new(TimestampMicrosecondArray::from(vec![
                    Some(1_776_000_000_000_123),
                    None,
                ])),
            ),
            ("region", Arc::new(Int64Array::from(vec![Some(7), None]))),
        ])
        .unwrap();
        let results = batch_to_events(&batch);
        let event = results[0].as_ref().unwrap();
        assert_eq!(event.ts, 1_776_827_647_123);
        assert_eq!(event.asn, Some(13335));
        assert_eq!(event.account_tier.as_deref(), Some("pro"));
        assert_eq!(event.account_created, Some(1_776_000_000_000));
        assert_eq!(event.passthrough.get("region"), Some(&json!(7)));
        assert_eq!(
            results[1].as_ref().unwrap_err().reason_key(),
            "bad_timestamp:ts"
        );
    }

    #[test]
    fn a_string_where_an_integer_belongs_is_refused_like_in_json() {
        let batch = RecordBatch::try_from_iter([
            (
                "ts",
                Arc::new(Int64Array::from(vec![1_776_827_647_123])) as ArrayRef,
            ),
            ("account_id", Arc::new(StringArray::from(vec!["a"]))),
            ("asn", Arc::new(StringArray::from(vec!["AS13335"]))),
        ])
        .unwrap();
        let from_parquet = batch_to_events(&batch).remove(0).unwrap_err();
        let from_json = hydrascope_events::event_from_json_line(
            r#"{"ts":1776827647123,"account_id":"a","asn":"AS13335"}"#,
        )
        .unwrap_err();
        assert_eq!(from_parquet, from_json);
    }

    #[test]
    fn quarantined_rows_are_rendered_as_json_objects() {
        let batch = RecordBatch::try_from_iter([
            (
                "ts",
                Arc::new(StringArray::from(vec![Some("nope")])) as ArrayRef,
            ),
            ("asn", Arc::new(Int64Array::from(vec![None::<i64>]))),
        ])
        .unwrap();
        let decoder = RowDecoder::new(&batch);
        let raw: Value = serde_json::from_str(&decoder.row_json(0)).unwrap();
        assert_eq!(raw, json!({"ts": "nope", "asn": null}));
    }
}
