//! The contract's field names, as one enum, so that readers, writers and error messages
//! never spell a field by hand.

use std::fmt;

/// Declares [`Field`] with its contract name in one place, so the list cannot drift from
/// [`Field::ALL`] and [`Field::from_name`].
macro_rules! fields {
    ($($variant:ident => $name:literal),+ $(,)?) => {
        /// A field of the traffic-event contract (`spec/events.md`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $($variant),+
        }

        impl Field {
            /// Every contract field, in the contract's order.
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The field's name exactly as the contract spells it (case-sensitive).
            pub fn name(self) -> &'static str {
                match self {
                    $(Field::$variant => $name),+
                }
            }

            /// The contract field with this exact name, or `None` for a passthrough field.
            pub fn from_name(name: &str) -> Option<Field> {
                match name {
                    $($name => Some(Field::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

fields! {
    Ts => "ts",
    AccountId => "account_id",
    RequestId => "request_id",
    OrgId => "org_id",
    ApiKeyId => "api_key_id",
    AccountCreated => "account_created",
    AccountTier => "account_tier",
    Ip => "ip",
    Asn => "asn",
    Country => "country",
    UserAgent => "user_agent",
    ClientFp => "client_fp",
    PaymentFp => "payment_fp",
    Model => "model",
    Endpoint => "endpoint",
    ConversationId => "conversation_id",
    TurnIndex => "turn_index",
    SystemPrompt => "system_prompt",
    Prompt => "prompt",
    PromptSketch => "prompt_sketch",
    Thinking => "thinking",
    Tools => "tools",
    MaxTokens => "max_tokens",
    PromptTokens => "prompt_tokens",
    CompletionTokens => "completion_tokens",
    Status => "status",
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_through_its_name() {
        for &field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
        }
        assert_eq!(Field::ALL.len(), 26);
    }

    #[test]
    fn field_names_are_case_sensitive() {
        assert_eq!(Field::from_name("TS"), None);
        assert_eq!(Field::from_name("Account_Id"), None);
    }
}
