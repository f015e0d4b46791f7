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
    Rfc3339::new(ms).as_str().to_owned()
}

/// An instant formatted as RFC 3339 on the stack.
///
/// Writers format two timestamps per event, millions of times per run; formatting through
/// chrono allocates a `String` each time and dominated the simulator's output path. Instants in
/// years 0000–9999 are formatted here by civil-calendar arithmetic; any other (never produced
/// by the readers, which refuse them) falls back to chrono's formatter.
pub struct Rfc3339 {
    bytes: [u8; 24],
    fallback: Option<String>,
}

impl Rfc3339 {
    pub fn new(ms: EpochMillis) -> Self {
        let (days, ms_of_day) = (day_number(ms), ms.rem_euclid(MILLIS_PER_DAY));
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            let text = DateTime::<Utc>::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
                .unwrap_or_else(|| ms.to_string());
            return Rfc3339 {
                bytes: [0; 24],
                fallback: Some(text),
            };
        }
        let mut bytes = *b"0000-00-00T00:00:00.000Z";
        let digits = |out: &mut [u8], mut value: u64| {
            for slot in out.iter_mut().rev() {
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        let ms_of_day = ms_of_day as u64;
        digits(&mut bytes[0..4], year as u64);
        digits(&mut bytes[5..7], month.into());
        digits(&mut bytes[8..10], day.into());
        digits(&mut bytes[11..13], ms_of_day / 3_600_000);
        digits(&mut bytes[14..16], ms_of_day / 60_000 % 60);
        digits(&mut bytes[17..19], ms_of_day / 1_000 % 60);
        digits(&mut bytes[20..23], ms_of_day % 1_000);
        Rfc3339 {
            bytes,
            fallback: None,
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.fallback {
            Some(text) => text,
            None => std::str::from_utf8(&self.bytes).expect("formatted from ASCII digits"),
        }
    }
}

/// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The number of the UTC day holding `ms`, counted from 1970-01-01 (day 0): the key that
/// buckets instants by day.
pub fn day_number(ms: EpochMillis) -> i64 {
    ms.div_euclid(MILLIS_PER_DAY)
}

/// The UTC calendar day of an instant as `YYYY-MM-DD`, the partition key of the canonical
/// dataset.
pub fn utc_day(ms: EpochMillis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "invalid".to_owned())
}

/// The current wall-clock time in epoch milliseconds (0 on a clock set before 1970).
pub fn now_millis() -> EpochMillis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as EpochMillis)
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
    fn stack_formatting_agrees_with_chrono_across_the_calendar() {
        let mut ms = -62_135_596_800_000; // 0001-01-01
        while ms < 253_402_300_799_000 {
            let expected = DateTime::<Utc>::from_timestamp_millis(ms)
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            assert_eq!(Rfc3339::new(ms).as_str(), expected);
            ms += 86_399_999 * 7 + 12_345;
        }
        assert_eq!(Rfc3339::new(-1).as_str(), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            Rfc3339::new(300_000_000_000_000).as_str(),
            DateTime::<Utc>::from_timestamp_millis(300_000_000_000_000)
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::Millis, true)
        );
    }

    #[test]
    fn formatting_round_trips_and_names_the_day() {
        let ms = 1_776_827_647_123;
        assert_eq!(format_rfc3339(ms), "2026-04-22T03:14:07.123Z");
        assert_eq!(parse_rfc3339(&format_rfc3339(ms)).unwrap(), ms);
        assert_eq!(utc_day(ms), "2026-04-22");
    }
}
