//! Why an input record is not a valid event. Every reader reports bad input with one of these
//! reasons, so quarantine files and run reports read the same whatever the format.

use crate::field::Field;
use crate::time::TimestampError;

/// The reason a record was quarantined instead of read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error("not valid JSON: {0}")]
    NotJson(String),
    #[error("a JSON {0}, not an object")]
    NotAnObject(&'static str),
    #[error("required field `{0}` is missing or empty")]
    MissingField(Field),
    #[error("`{field}`: {error}")]
    BadTimestamp { field: Field, error: TimestampError },
    #[error("`{field}` must be {expected}, found {found}")]
    WrongType {
        field: Field,
        expected: &'static str,
        found: String,
    },
    #[error("`{field}`: {detail}")]
    InvalidValue { field: Field, detail: String },
    #[error("malformed record: {0}")]
    Malformed(String),
    #[error("unreadable source: {0}")]
    Unreadable(String),
}

impl Rejection {
    /// A stable, machine-readable name of the reason's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Rejection::NotJson(_) => "not_json",
            Rejection::NotAnObject(_) => "not_an_object",
            Rejection::MissingField(_) => "missing_field",
            Rejection::BadTimestamp { .. } => "bad_timestamp",
            Rejection::WrongType { .. } => "wrong_type",
            Rejection::InvalidValue { .. } => "invalid_value",
            Rejection::Malformed(_) => "malformed_record",
            Rejection::Unreadable(_) => "unreadable_source",
        }
    }

    /// The contract field the reason is about, if any.
    pub fn field(&self) -> Option<Field> {
        match self {
            Rejection::MissingField(field)
            | Rejection::BadTimestamp { field, .. }
            | Rejection::WrongType { field, .. }
            | Rejection::InvalidValue { field, .. } => Some(*field),
            _ => None,
        }
    }

    /// The key that run reports count by: the kind, and the field where there is one
    /// (`missing_field:ts`, `not_json`).
    pub fn reason_key(&self) -> String {
        match self.field() {
            Some(field) => format!("{}:{}", self.kind(), field),
            None => self.kind().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_key_names_kind_and_field() {
        assert_eq!(
            Rejection::MissingField(Field::Ts).reason_key(),
            "missing_field:ts"
        );
        assert_eq!(Rejection::NotJson("eof".into()).reason_key(), "not_json");
    }

    #[test]
    fn messages_name_the_field() {
        let wrong = Rejection::WrongType {
            field: Field::Asn,
            expected: "an integer",
            found: "a string".into(),
        };
        assert_eq!(
            wrong.to_string(),
            "`asn` must be an integer, found a string"
        );
    }
}
