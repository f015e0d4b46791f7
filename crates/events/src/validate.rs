//! The contract's validation rules, in one place for every reader.
//!
//! A reader hands each field over as a [`RawValue`] in whatever form its format has: typed
//! JSON or Parquet values, or untyped text from a CSV cell. [`EventBuilder`] applies the
//! contract's rules (types, ranges, "empty means absent", required fields) and either yields an
//! [`Event`] or the [`Rejection`] that sends the record to quarantine. Keeping the rules here
//! is what makes a JSONL line, a CSV row and a Parquet row with the same content produce the
//! same event or the same reason.

use std::net::IpAddr;

use serde_json::Value;

use crate::event::{Event, Thinking, Tools};
use crate::field::Field;
use crate::rejection::Rejection;
use crate::time::{self, EpochMillis};

/// One field's value as a reader found it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A typed string (JSON string, Parquet UTF-8): an integer field refuses it.
    Str(&'a str),
    /// Untyped text (a CSV cell): interpreted according to the field's type.
    Text(&'a str),
    /// A list of strings (the contract's `tools` as names).
    List(Vec<&'a str>),
    /// A value of a shape no field accepts (a JSON object, a list of non-strings); the name
    /// is used in the error message.
    Other(&'static str),
}

impl<'a> RawValue<'a> {
    /// The raw value of a JSON value.
    pub fn from_json(value: &'a Value) -> RawValue<'a> {
        match value {
            Value::Null => RawValue::Null,
            Value::Bool(b) => RawValue::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => RawValue::Int(i),
                // u64 above i64::MAX fits no field; treat it as a float so that it is refused
                // with a range error rather than silently wrapped.
                (None, Some(f)) => RawValue::Float(f),
                (None, None) => RawValue::Other("number"),
            },
            Value::String(s) => RawValue::Str(s),
            Value::Array(items) => items
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<_>>>()
                .map_or(RawValue::Other("array of non-strings"), RawValue::List),
            Value::Object(_) => RawValue::Other("object"),
        }
    }

    fn type_name(&self) -> String {
        match self {
            RawValue::Null => "null".into(),
            RawValue::Bool(_) => "a boolean".into(),
            RawValue::Int(_) => "an integer".into(),
            RawValue::Float(_) => "a non-integer number".into(),
            RawValue::Str(_) => "a string".into(),
            RawValue::Text(t) => format!("the text {:?}", truncate(t, 40)),
            RawValue::List(_) => "a list".into(),
            RawValue::Other(name) => format!("a {name}"),
        }
    }

    /// Empty strings and nulls mean "absent" in the contract.
    fn is_absent(&self) -> bool {
        match self {
            RawValue::Null => true,
            RawValue::Str(s) | RawValue::Text(s) => s.is_empty(),
            _ => false,
        }
    }
}

fn truncate(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// Builds an [`Event`] field by field, enforcing the contract.
#[derive(Debug, Default)]
pub struct EventBuilder {
    event: Event,
    has_ts: bool,
}

impl EventBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a contract field from a raw value; absent values leave the field unset.
    pub fn set(&mut self, field: Field, value: RawValue<'_>) -> Result<(), Rejection> {
        if value.is_absent() {
            return Ok(());
        }
        let e = &mut self.event;
        match field {
            Field::Ts => {
                e.ts = timestamp(field, &value)?;
                self.has_ts = true;
            }
            Field::AccountId => e.account_id = string(field, value)?,
            Field::RequestId => e.request_id = Some(string(field, value)?),
            Field::OrgId => e.org_id = Some(string(field, value)?),
            Field::ApiKeyId => e.api_key_id = Some(string(field, value)?),
            Field::AccountCreated => e.account_created = Some(timestamp(field, &value)?),
            Field::AccountTier => e.account_tier = Some(string(field, value)?),
            Field::Ip => e.ip = Some(ip(field, value)?),
            Field::Asn => e.asn = Some(unsigned(field, &value, u32::MAX.into())? as u32),
            Field::Country => e.country = Some(country(field, value)?),
            Field::UserAgent => e.user_agent = Some(string(field, value)?),
            Field::ClientFp => e.client_fp = Some(string(field, value)?),
            Field::PaymentFp => e.payment_fp = Some(string(field, value)?),
            Field::Model => e.model = Some(string(field, value)?),
            Field::Endpoint => e.endpoint = Some(string(field, value)?),
            Field::ConversationId => e.conversation_id = Some(string(field, value)?),
            Field::TurnIndex => e.turn_index = Some(count(field, &value)?),
            Field::SystemPrompt => e.system_prompt = Some(string(field, value)?),
            Field::Prompt => e.prompt = Some(string(field, value)?),
            Field::PromptSketch => e.prompt_sketch = Some(string(field, value)?),
            Field::Thinking => e.thinking = Some(thinking(field, &value)?),
            Field::Tools => e.tools = Some(tools(field, value)?),
            Field::MaxTokens => e.max_tokens = Some(count(field, &value)?),
            Field::PromptTokens => e.prompt_tokens = Some(count(field, &value)?),
            Field::CompletionTokens => e.completion_tokens = Some(count(field, &value)?),
            Field::Status => e.status = Some(unsigned(field, &value, u16::MAX.into())? as u16),
        }
        Ok(())
    }

    /// Keeps a field outside the contract as passthrough.
    pub fn passthrough(&mut self, key: String, value: Value) {
        self.event.passthrough.insert(key, value);
    }

    /// Sets a field by name: contract fields are validated, other names kept as passthrough.
    pub fn set_named(&mut self, name: &str, value: &Value) -> Result<(), Rejection> {
        match Field::from_name(name) {
            Some(field) => self.set(field, RawValue::from_json(value)),
            None => {
                if !value.is_null() {
                    self.passthrough(name.to_owned(), value.clone());
                }
                Ok(())
            }
        }
    }

    /// The event, once the required fields are present.
    pub fn finish(self) -> Result<Event, Rejection> {
        if !self.has_ts {
            return Err(Rejection::MissingField(Field::Ts));
        }
        if self.event.account_id.is_empty() {
            return Err(Rejection::MissingField(Field::AccountId));
        }
        Ok(self.event)
    }
}

/// Reads a JSON object as an event: contract fields validated, others kept as passthrough.
pub fn event_from_json(value: &Value) -> Result<Event, Rejection> {
    let Value::Object(map) = value else {
        return Err(Rejection::NotAnObject(json_type_name(value)));
    };
    let mut builder = EventBuilder::new();
    for (name, field_value) in map {
        builder.set_named(name, field_value)?;
    }
    builder.finish()
}

/// Parses one JSONL line as an event.
pub fn event_from_json_line(line: &str) -> Result<Event, Rejection> {
    let value: Value = serde_json::from_str(line).map_err(|e| Rejection::NotJson(e.to_string()))?;
    event_from_json(&value)
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wrong_type(field: Field, expected: &'static str, value: &RawValue<'_>) -> Rejection {
    Rejection::WrongType {
        field,
        expected,
        found: value.type_name(),
    }
}

fn invalid(field: Field, detail: impl Into<String>) -> Rejection {
    Rejection::InvalidValue {
        field,
        detail: detail.into(),
    }
}

fn string(field: Field, value: RawValue<'_>) -> Result<String, Rejection> {
    match value {
        RawValue::Str(s) | RawValue::Text(s) => Ok(s.to_owned()),
        other => Err(wrong_type(field, "a string", &other)),
    }
}

fn timestamp(field: Field, value: &RawValue<'_>) -> Result<EpochMillis, Rejection> {
    let parsed = match value {
        RawValue::Str(s) => time::parse_rfc3339(s),
        RawValue::Text(s) => time::parse_text(s),
        RawValue::Int(ms) => time::check_epoch_millis(*ms),
        other => {
            return Err(wrong_type(
                field,
                "an RFC 3339 string or integer epoch milliseconds",
                other,
            ));
        }
    };
    parsed.map_err(|error| Rejection::BadTimestamp { field, error })
}

fn unsigned(field: Field, value: &RawValue<'_>, max: u64) -> Result<u64, Rejection> {
    let number = match value {
        RawValue::Int(i) => *i,
        RawValue::Text(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| wrong_type(field, "an integer", value))?,
        other => return Err(wrong_type(field, "an integer", other)),
    };
    u64::try_from(number)
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| invalid(field, format!("{number} is outside 0..={max}")))
}

fn count(field: Field, value: &RawValue<'_>) -> Result<u32, Rejection> {
    unsigned(field, value, u32::MAX.into()).map(|n| n as u32)
}

fn ip(field: Field, value: RawValue<'_>) -> Result<IpAddr, Rejection> {
    match value {
        RawValue::Str(s) | RawValue::Text(s) => s.trim().parse().map_err(|_| {
            invalid(
                field,
                format!("{:?} is not an IPv4 or IPv6 address", truncate(s, 60)),
            )
        }),
        other => Err(wrong_type(field, "an IP address string", &other)),
    }
}

fn country(field: Field, value: RawValue<'_>) -> Result<String, Rejection> {
    let code = string(field, value)?;
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(invalid(
            field,
            format!(
                "{:?} is not an ISO 3166-1 alpha-2 code",
                truncate(&code, 20)
            ),
        ))
    }
}

fn thinking(field: Field, value: &RawValue<'_>) -> Result<Thinking, Rejection> {
    const EXPECTED: &str = "a boolean or an integer budget";
    match value {
        RawValue::Bool(on) => Ok(Thinking::Enabled(*on)),
        RawValue::Int(_) => count(field, value).map(Thinking::Budget),
        RawValue::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Thinking::Enabled(true)),
            "false" => Ok(Thinking::Enabled(false)),
            _ => count(field, value).map(Thinking::Budget),
        },
        other => Err(wrong_type(field, EXPECTED, other)),
    }
}

fn tools(field: Field, value: RawValue<'_>) -> Result<Tools, Rejection> {
    const EXPECTED: &str = "an integer or a list of tool names";
    match value {
        RawValue::Int(_) => count(field, &value).map(Tools::Count),
        RawValue::List(names) => Ok(Tools::Names(names.into_iter().map(str::to_owned).collect())),
        RawValue::Text(s) if s.trim_start().starts_with('[') => {
            let names: Vec<String> = serde_json::from_str(s)
                .map_err(|_| wrong_type(field, EXPECTED, &RawValue::Text(s)))?;
            Ok(Tools::Names(names))
        }
        RawValue::Text(_) => count(field, &value).map(Tools::Count),
        other => Err(wrong_type(field, EXPECTED, &other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(line: &str) -> String {
        event_from_json_line(line).unwrap_err().reason_key()
    }

    #[test]
    fn a_full_contract_event_parses_with_every_field_typed() {
        let event = event_from_json_line(
            r#"{"ts":"2026-04-22T03:14:07.123Z","account_id":"acct_1","request_id":"r1",
            "org_id":"o","api_key_id":"k","account_created":1776000000000,"account_tier":"pro",
            "ip":"2001:db8::1","asn":13335,"country":"de","user_agent":"ua","client_fp":"t13d",
            "payment_fp":"p","model":"m","endpoint":"messages","conversation_id":"c",
            "turn_index":2,"system_prompt":"s","prompt":"hi","prompt_sketch":"sk",
            "thinking":1024,"tools":["bash","edit"],"max_tokens":4096,"prompt_tokens":10,
            "completion_tokens":20,"status":200,"tenant":"x"}"#,
        )
        .unwrap();
        assert_eq!(event.ts, 1_776_827_647_123);
        assert_eq!(event.country.as_deref(), Some("DE"));
        assert_eq!(event.ip, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(event.thinking, Some(Thinking::Budget(1024)));
        assert_eq!(
            event.tools,
            Some(Tools::Names(vec!["bash".into(), "edit".into()]))
        );
        assert_eq!(event.passthrough.get("tenant"), Some(&json!("x")));
    }

    #[test]
    fn empty_strings_and_nulls_mean_absent() {
        let event = event_from_json_line(
            r#"{"ts":1776827647123,"account_id":"a","ip":"","asn":null,"prompt":""}"#,
        )
        .unwrap();
        assert_eq!((event.ip, event.asn, event.prompt), (None, None, None));
        assert_eq!(reason(r#"{"ts":"","account_id":"a"}"#), "missing_field:ts");
        assert_eq!(
            reason(r#"{"ts":1776827647123,"account_id":null}"#),
            "missing_field:account_id"
        );
    }

    #[test]
    fn bad_records_are_refused_with_the_contract_reason() {
        assert_eq!(reason("{not json"), "not_json");
        assert_eq!(reason("[1,2]"), "not_an_object");
        assert_eq!(reason(r#"{"account_id":"a"}"#), "missing_field:ts");
        assert_eq!(
            reason(r#"{"ts":"tomorrow","account_id":"a"}"#),
            "bad_timestamp:ts"
        );
        assert_eq!(
            reason(r#"{"ts":1776827647123,"account_id":7}"#),
            "wrong_type:account_id"
        );
        assert_eq!(
            reason(r#"{"ts":1776827647123,"account_id":"a","asn":"AS13335"}"#),
            "wrong_type:asn"
        );
        assert_eq!(
            reason(r#"{"ts":1776827647123,"account_id":"a","turn_index":-1}"#),
            "invalid_value:turn_index"
        );
        assert_eq!(
            reason(r#"{"ts":1776827647123,"account_id":"a","ip":"999.1.1.1"}"#),
            "invalid_value:ip"
        );
        assert_eq!(
            reason(r#"{"ts":1776827647123,"account_id":"a","tools":{"x":1}}"#),
            "wrong_type:tools"
        );
    }

    #[test]
    fn untyped_text_is_interpreted_by_field_type() {
        let mut builder = EventBuilder::new();
        builder
            .set(Field::Ts, RawValue::Text("1776827647123"))
            .unwrap();
        builder.set(Field::AccountId, RawValue::Text("a")).unwrap();
        builder.set(Field::Asn, RawValue::Text("64500")).unwrap();
        builder
            .set(Field::Thinking, RawValue::Text("TRUE"))
            .unwrap();
        builder
            .set(Field::Tools, RawValue::Text("[\"bash\"]"))
            .unwrap();
        builder.set(Field::MaxTokens, RawValue::Text("")).unwrap();
        let event = builder.finish().unwrap();
        assert_eq!(event.asn, Some(64500));
        assert_eq!(event.thinking, Some(Thinking::Enabled(true)));
        assert_eq!(event.tools, Some(Tools::Names(vec!["bash".into()])));
        assert_eq!(event.max_tokens, None);
    }

    #[test]
    fn serialised_events_read_back_identically() {
        let line = r#"{"ts":"2026-04-22T03:14:07.123Z","account_id":"a","thinking":true,"tools":3,"asn":1,"extra_field":[1]}"#;
        let event = event_from_json_line(line).unwrap();
        let again = event_from_json_line(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(event, again);
    }
}
