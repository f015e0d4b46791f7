//! The typed event: one API exchange (one request and its response).

use std::net::IpAddr;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::field::Field;
use crate::time::{EpochMillis, Rfc3339};

/// Whether extended reasoning was requested: the contract allows a flag or a token budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thinking {
    Enabled(bool),
    Budget(u32),
}

impl Thinking {
    /// True when reasoning was requested at all (a zero budget means it was not).
    pub fn is_on(self) -> bool {
        match self {
            Thinking::Enabled(on) => on,
            Thinking::Budget(tokens) => tokens > 0,
        }
    }
}

/// The tools offered in a request: the contract allows a count or the list of tool names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tools {
    Count(u32),
    Names(Vec<String>),
}

impl Tools {
    /// How many tools were offered.
    pub fn count(&self) -> usize {
        match self {
            Tools::Count(n) => *n as usize,
            Tools::Names(names) => names.len(),
        }
    }
}

/// One traffic event, with every contract field typed and validated. Absent optional fields
/// are `None`; fields outside the contract are kept in `passthrough`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Event {
    pub ts: EpochMillis,
    pub account_id: String,
    pub request_id: Option<String>,
    pub org_id: Option<String>,
    pub api_key_id: Option<String>,
    pub account_created: Option<EpochMillis>,
    pub account_tier: Option<String>,
    pub ip: Option<IpAddr>,
    pub asn: Option<u32>,
    pub country: Option<String>,
    pub user_agent: Option<String>,
    pub client_fp: Option<String>,
    pub payment_fp: Option<String>,
    pub model: Option<String>,
    pub endpoint: Option<String>,
    pub conversation_id: Option<String>,
    pub turn_index: Option<u32>,
    pub system_prompt: Option<String>,
    pub prompt: Option<String>,
    pub prompt_sketch: Option<String>,
    pub thinking: Option<Thinking>,
    pub tools: Option<Tools>,
    pub max_tokens: Option<u32>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub status: Option<u16>,
    /// Fields outside the contract, kept so that a round trip loses nothing; detection never
    /// reads them.
    pub passthrough: Map<String, Value>,
}

impl Event {
    /// A minimal valid event.
    pub fn new(ts: EpochMillis, account_id: impl Into<String>) -> Self {
        Event {
            ts,
            account_id: account_id.into(),
            ..Event::default()
        }
    }
}

/// Serialises in the contract's JSON form: `ts` and `account_created` as RFC 3339, absent
/// fields omitted, passthrough fields last.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(Field::Ts.name(), Rfc3339::new(self.ts).as_str())?;
        map.serialize_entry(Field::AccountId.name(), &self.account_id)?;
        let strings = [
            (Field::RequestId, &self.request_id),
            (Field::OrgId, &self.org_id),
            (Field::ApiKeyId, &self.api_key_id),
        ];
        for (field, value) in strings {
            entry(&mut map, field, value)?;
        }
        if let Some(created) = self.account_created {
            map.serialize_entry(Field::AccountCreated.name(), Rfc3339::new(created).as_str())?;
        }
        entry(&mut map, Field::AccountTier, &self.account_tier)?;
        entry(&mut map, Field::Ip, &self.ip)?;
        entry(&mut map, Field::Asn, &self.asn)?;
        let strings = [
            (Field::Country, &self.country),
            (Field::UserAgent, &self.user_agent),
            (Field::ClientFp, &self.client_fp),
            (Field::PaymentFp, &self.payment_fp),
            (Field::Model, &self.model),
            (Field::Endpoint, &self.endpoint),
            (Field::ConversationId, &self.conversation_id),
        ];
        for (field, value) in strings {
            entry(&mut map, field, value)?;
        }
        entry(&mut map, Field::TurnIndex, &self.turn_index)?;
        let strings = [
            (Field::SystemPrompt, &self.system_prompt),
            (Field::Prompt, &self.prompt),
            (Field::PromptSketch, &self.prompt_sketch),
        ];
        for (field, value) in strings {
            entry(&mut map, field, value)?;
        }
        match self.thinking {
            Some(Thinking::Enabled(on)) => map.serialize_entry(Field::Thinking.name(), &on)?,
            Some(Thinking::Budget(tokens)) => {
                map.serialize_entry(Field::Thinking.name(), &tokens)?
            }
            None => {}
        }
        match &self.tools {
            Some(Tools::Count(n)) => map.serialize_entry(Field::Tools.name(), n)?,
            Some(Tools::Names(names)) => map.serialize_entry(Field::Tools.name(), names)?,
            None => {}
        }
        let counts = [
            (Field::MaxTokens, &self.max_tokens),
            (Field::PromptTokens, &self.prompt_tokens),
            (Field::CompletionTokens, &self.completion_tokens),
        ];
        for (field, value) in counts {
            entry(&mut map, field, value)?;
        }
        entry(&mut map, Field::Status, &self.status)?;
        for (key, value) in &self.passthrough {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn entry<M: SerializeMap, T: Serialize>(
    map: &mut M,
    field: Field,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => map.serialize_entry(field.name(), v),
        None => Ok(()),
    }
}
