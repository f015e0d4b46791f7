//! Time: the simulated window, the model release inside it, local time zones, and the daily
//! and weekly rhythms of human and machine traffic.
//!
//! All campaigns of 2026 are placed in one window so that `all` can run them side by side
//! inside one benign population. Only qwen's dates were reported (22 April to 5 June); the
//! others are placed inside those six weeks by [`crate::scenario`]. The window opens a week
//! earlier, with honest traffic only ([`LEAD_IN_DAYS`]).

use hydrascope_events::EpochMillis;
use hydrascope_events::time::MILLIS_PER_DAY;
use rand::Rng;
use rand_distr::{Distribution, LogNormal};

use crate::rng::SimRng;

pub(crate) const SECOND: i64 = 1_000;
pub(crate) const MINUTE: i64 = 60 * SECOND;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = MILLIS_PER_DAY;

/// Days of honest traffic before the first campaign begins. A provider that meets a campaign
/// already has its customers' history to compare it with; a window that opened with the
/// campaign would measure a detector's cold start instead of how soon it catches the campaign.
pub const LEAD_IN_DAYS: u32 = 7;
/// 2026-04-15T00:00:00Z, the first instant of the window, [`LEAD_IN_DAYS`] before qwen's first
/// reported day.
pub const WINDOW_START: EpochMillis = 1_776_211_200_000;
/// Days in the window: the lead-in, then 22 April to 5 June 2026 inclusive.
pub const WINDOW_DAYS: u32 = LEAD_IN_DAYS + 45;
/// 2026-06-06T00:00:00Z, the first instant after the window (exclusive end).
pub const WINDOW_END: EpochMillis = WINDOW_START + WINDOW_DAYS as i64 * DAY;

/// When the new model becomes available: 2026-05-14T16:00Z, mid-window, so that adoption
/// (gradual for honest users, abrupt for a campaign pivot) is visible on both sides.
pub(crate) const RELEASE: EpochMillis = WINDOW_START + (LEAD_IN_DAYS as i64 + 22) * DAY + 16 * HOUR;

/// Start of window day `day`.
pub(crate) fn day_start(day: u32) -> EpochMillis {
    WINDOW_START + day as i64 * DAY
}

/// Day of week of an instant shifted by `offset_min` minutes, Monday = 0.
pub(crate) fn weekday(ms: EpochMillis, offset_min: i32) -> u32 {
    let local = ms + offset_min as i64 * MINUTE;
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    ((local.div_euclid(DAY) + 3) % 7) as u32
}

/// Hour of day (0..24, fractional) of an instant in a zone `offset_min` minutes from UTC.
pub(crate) fn local_hour(ms: EpochMillis, offset_min: i32) -> f64 {
    let local = ms + offset_min as i64 * MINUTE;
    local.rem_euclid(DAY) as f64 / HOUR as f64
}

/// UTC instant of local midnight starting window day `day` in a zone `offset_min` from UTC.
pub(crate) fn local_midnight(day: u32, offset_min: i32) -> EpochMillis {
    day_start(day) - offset_min as i64 * MINUTE
}

/// Local midnight and weekday (Monday = 0) of window day `day` in a zone `offset_min` from
/// UTC, for plans made in local time.
pub(crate) fn local_day(day: u32, offset_min: i32) -> (EpochMillis, u32) {
    let midnight = local_midnight(day, offset_min);
    (midnight, weekday(midnight + 12 * HOUR, offset_min))
}

/// The shape of a day, as relative activity per local hour (peak 1.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Diurnal {
    /// People on their own time: low at night, a morning rise, an evening plateau.
    Human,
    /// Office work: 9 to 18 on weekdays, little else.
    Office,
    /// Machines and services: the same at every hour.
    Flat,
}

/// Relative activity by local hour for [`Diurnal::Human`], from the familiar shape of
/// consumer web traffic.
const HUMAN_HOURS: [f64; 24] = [
    0.18, 0.10, 0.06, 0.04, 0.04, 0.06, 0.15, 0.35, 0.60, 0.80, 0.92, 1.00, 0.95, 0.92, 0.95, 0.97,
    0.95, 0.90, 0.85, 0.88, 0.90, 0.80, 0.60, 0.35,
];
/// Relative activity by local hour for [`Diurnal::Office`].
const OFFICE_HOURS: [f64; 24] = [
    0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.20, 0.60, 0.95, 1.00, 1.00, 0.70, 0.90, 1.00, 1.00,
    0.95, 0.80, 0.40, 0.20, 0.15, 0.12, 0.06, 0.03,
];

impl Diurnal {
    /// Relative activity at a local hour, in (0, 1].
    pub(crate) fn at(self, hour: f64) -> f64 {
        let h = (hour as usize).min(23);
        match self {
            Diurnal::Human => HUMAN_HOURS[h],
            Diurnal::Office => OFFICE_HOURS[h],
            Diurnal::Flat => 1.0,
        }
    }

    /// Relative volume of a local weekday (Monday = 0): weekends are quieter for people and
    /// quietest for office work.
    pub(crate) fn weekday_factor(self, weekday: u32) -> f64 {
        match (self, weekday >= 5) {
            (_, false) | (Diurnal::Flat, true) => 1.0,
            (Diurnal::Human, true) => 0.7,
            (Diurnal::Office, true) => 0.15,
        }
    }

    /// Draws an instant inside `[from, from + span)` whose local hour follows this shape, by
    /// rejection (the curves peak at 1.0, so few draws are rejected).
    pub(crate) fn sample(
        self,
        rng: &mut SimRng,
        from: EpochMillis,
        span: i64,
        offset_min: i32,
    ) -> EpochMillis {
        loop {
            let ts = from + rng.random_range(0..span);
            if rng.random::<f64>() < self.at(local_hour(ts, offset_min)) {
                return ts;
            }
        }
    }
}

/// How long a client waits between the turns of one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gap {
    /// A person reading the answer and typing the next message (about a minute and a half).
    Human,
    /// An agent loop feeding tool results back (seconds).
    Agent,
    /// A script firing requests back to back.
    Script,
}

impl Gap {
    /// Median gap in milliseconds and the spread (log-normal sigma) around it.
    fn shape(self) -> (f64, f64) {
        match self {
            Gap::Human => (90.0 * SECOND as f64, 0.8),
            Gap::Agent => (9.0 * SECOND as f64, 0.7),
            Gap::Script => (1.5 * SECOND as f64, 0.5),
        }
    }

    /// Draws one gap.
    pub(crate) fn sample(self, rng: &mut SimRng) -> i64 {
        let (median, sigma) = self.shape();
        let dist = LogNormal::new(median.ln(), sigma).expect("valid log-normal");
        dist.sample(rng) as i64 + 200
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hydrascope_events::time::parse_rfc3339;

    #[test]
    fn window_constants_match_the_reported_dates() {
        assert_eq!(parse_rfc3339("2026-04-15T00:00:00Z").unwrap(), WINDOW_START);
        assert_eq!(
            parse_rfc3339("2026-04-22T00:00:00Z").unwrap(),
            day_start(LEAD_IN_DAYS)
        );
        assert_eq!(parse_rfc3339("2026-06-06T00:00:00Z").unwrap(), WINDOW_END);
        assert_eq!(parse_rfc3339("2026-05-14T16:00:00Z").unwrap(), RELEASE);
    }

    #[test]
    fn the_window_opens_on_a_wednesday() {
        assert_eq!(weekday(WINDOW_START, 0), 2);
        assert_eq!(weekday(WINDOW_START, -60), 1);
    }
}
