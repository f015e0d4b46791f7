//! Timestamps: the contract accepts RFC 3339 strings and integer epoch milliseconds; inside
//! hydrascope every instant is an [`EpochMillis`].

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch, UTC.
pub type EpochMillis = i64;

/// Milliseconds in one day, for day partitions and daily rates.
pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// The earliest instant accepted: traffic logs of hosted model APIs do not predate 2000, and
/// an earlier value is almost always epoch *seconds* sent where milliseconds were expected.
const EARLIEST: EpochMillis = 946_684_800_000; // 2000-01-01T00:00:00Z
/// The latest instant accepted (2100-01-01), which catches microseconds sent as milliseconds.
const LATEST: EpochMillis = 4_102_444_800_000;

/// Why a timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("not an RFC 3339 timestamp: {0}")]
    NotRfc3339(String),
    #[error(
        "{0} ms is outside 2000-01-01..2100-01-01 (epoch seconds or microseconds instead of milliseconds?)"
    )]
    OutOfRange(i64),
}

/// Checks that epoch milliseconds fall in the accepted range.
pub fn check_epoch_millis(ms: i64) -> Result<EpochMillis, TimestampError> {
    if (EARLIEST..LATEST).contains(&ms) {
        Ok(ms)
    } else {
        Err(TimestampError::OutOfRange(ms))
    }
}

/// Parses an RFC 3339 timestamp (any offset) to epoch milliseconds, truncating sub-millisecond
/// digits.
pub fn parse_rfc3339(text: &str) -> Result<EpochMillis, TimestampError> {
    let parsed = DateTime::parse_from_rfc3339(text.trim())
        .map_err(|e| TimestampError::NotRfc3339(e.to_string()))?;
    check_epoch_millis(parsed.timestamp_millis())
}

/// Parses text that is either integer epoch milliseconds or RFC 3339, as found in CSV cells
/// and other untyped sources.
pub fn parse_text(text: &str) -> Result<EpochMillis, TimestampError> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix('-').unwrap_or(trimmed);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let ms = trimmed
            .parse::<i64>()
            .map_err(|_| TimestampError::OutOfRange(i64::MAX))?;
        return check_epoch_millis(ms);
    }
    parse_rfc3339(trimmed)
}

/// Formats epoch milliseconds as RFC 3339 in UTC with millisecond precision
/// (`2026-04-22T03:14:07.123Z`).
pub fn format_rfc3339(ms: EpochMillis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// The UTC calendar day of an instant as `YYYY-MM-DD`, the partition key of the canonical
/// dataset.
pub fn utc_day(ms: EpochMillis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "invalid".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_offset_and_fraction_parses_to_utc_millis() {
        assert_eq!(
            parse_rfc3339("2026-04-22T03:14:07.123Z").unwrap(),
            1_776_827_647_123
        );
        assert_eq!(
            parse_rfc3339("2026-04-22T05:14:07.123456+02:00").unwrap(),
            1_776_827_647_123
        );
    }

    #[test]
    fn text_accepts_epoch_millis_and_rfc3339() {
        assert_eq!(parse_text("1776827647123").unwrap(), 1_776_827_647_123);
        assert_eq!(
            parse_text(" 2026-04-22T03:14:07.123Z ").unwrap(),
            1_776_827_647_123
        );
    }

    #[test]
    fn epoch_seconds_are_refused_as_out_of_range() {
        assert!(matches!(
            parse_text("1776827647"),
            Err(TimestampError::OutOfRange(_))
        ));
        assert!(parse_text("99999999999999999999999").is_err());
    }

    #[test]
    fn garbage_is_not_a_timestamp() {
        assert!(matches!(
            parse_text("yesterday"),
            Err(TimestampError::NotRfc3339(_))
        ));
        assert!(parse_text("").is_err());
        assert!(parse_text("-").is_err());
    }

    #[test]
    fn formatting_round_trips_and_names_the_day() {
        let ms = 1_776_827_647_123;
        assert_eq!(format_rfc3339(ms), "2026-04-22T03:14:07.123Z");
        assert_eq!(parse_rfc3339(&format_rfc3339(ms)).unwrap(), ms);
        assert_eq!(utc_day(ms), "2026-04-22");
    }
}
