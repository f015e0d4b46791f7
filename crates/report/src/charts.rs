//! Charts as inline SVG: no script, no network, and they print as sharply as the text.
//!
//! Each chart carries a `<title>` and `role="img"` with an `aria-label` that says what it
//! shows in words, so that a reader without the picture (a screen reader, a text extract for
//! a filing) gets the same facts.

use std::collections::BTreeMap;

use hydrascope_events::time::{day_number, parse_rfc3339};
use maud::{Markup, html};

pub use hydrascope_events::format::thousands;

/// Width of every chart, in SVG user units (it scales to the page).
const WIDTH: f64 = 720.0;
const TIMELINE_HEIGHT: f64 = 180.0;
/// Room under the timeline's bars for the dates, and left of them for the scale.
const AXIS_BOTTOM: f64 = 22.0;
const AXIS_LEFT: f64 = 56.0;
const BAR_ROW: f64 = 22.0;
/// Room left of the capability bars for their names, right of them for the share.
const LABEL_WIDTH: f64 = 190.0;
const VALUE_WIDTH: f64 = 60.0;

/// Exchanges per day as bars, days without exchanges included as gaps, with the largest day
/// marked on the scale and the first and last dates under the axis.
pub fn timeline(days: &BTreeMap<String, u64>) -> Markup {
    let (Some(first), Some(last)) = (days.keys().next(), days.keys().next_back()) else {
        return html! { p { "No exchanges." } };
    };
    let span = day_index(last).saturating_sub(day_index(first)) + 1;
    let peak = days.values().copied().max().unwrap_or(0).max(1);
    let plot_width = WIDTH - AXIS_LEFT;
    let plot_height = TIMELINE_HEIGHT - AXIS_BOTTOM;
    let slot = plot_width / span as f64;
    let start = day_index(first);
    let label = format!(
        "Exchanges per day from {first} to {last}: {} active days of {span}, at most {peak} in one day.",
        days.len()
    );
    html! {
        svg class="chart" role="img" aria-label=(label) viewBox=(format!("0 0 {WIDTH} {TIMELINE_HEIGHT}")) {
            title { (label) }
            line class="axis" x1=(AXIS_LEFT) y1=(plot_height) x2=(WIDTH) y2=(plot_height) {}
            text class="tick" x=(AXIS_LEFT - 6.0) y="10" text-anchor="end" { (thousands(peak)) }
            text class="tick" x=(AXIS_LEFT - 6.0) y=(plot_height) text-anchor="end" { "0" }
            @for (day, &count) in days {
                @let height = plot_height * count as f64 / peak as f64;
                @let x = AXIS_LEFT + slot * (day_index(day) - start) as f64;
                rect class="bar" x=(round(x)) y=(round(plot_height - height))
                    width=(round((slot * 0.85).max(0.5))) height=(round(height)) {
                    title { (day) ": " (thousands(count)) " exchanges" }
                }
            }
            text class="tick" x=(AXIS_LEFT) y=(TIMELINE_HEIGHT - 4.0) { (first) }
            text class="tick" x=(WIDTH) y=(TIMELINE_HEIGHT - 4.0) text-anchor="end" { (last) }
        }
    }
}

/// Shares (0 to 1) as horizontal bars, one row each, in the order given; a bar is full at
/// `scale` (1 for shares of a whole, less to show small ones).
pub fn shares(rows: &[(String, f64)], what: &str, scale: f64) -> Markup {
    if rows.is_empty() {
        return html! { p { "No " (what) " measured." } };
    }
    let height = BAR_ROW * rows.len() as f64;
    let bar_space = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let label = rows
        .iter()
        .map(|(name, share)| format!("{name} {}", percent(*share)))
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("{what}: {label}.");
    html! {
        svg class="chart" role="img" aria-label=(label) viewBox=(format!("0 0 {WIDTH} {height}")) {
            title { (label) }
            @for (row, (name, share)) in rows.iter().enumerate() {
                @let y = BAR_ROW * row as f64;
                @let width = bar_space * (share / scale).clamp(0.0, 1.0);
                text class="label" x=(LABEL_WIDTH - 8.0) y=(round(y + 15.0)) text-anchor="end" { (name) }
                rect class="bar" x=(LABEL_WIDTH) y=(round(y + 4.0)) width=(round(width.max(0.5))) height="14" {}
                text class="value" x=(round(LABEL_WIDTH + width + 6.0)) y=(round(y + 15.0)) { (percent(*share)) }
            }
        }
    }
}

/// A share as a whole percentage, or "< 1%" for a small non-zero one.
pub fn percent(share: f64) -> String {
    if share > 0.0 && share < 0.005 {
        "< 1%".into()
    } else {
        format!("{:.0}%", share * 100.0)
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; 0 for anything else. The timeline's keys
/// come from the scan, which writes only such dates.
fn day_index(day: &str) -> i64 {
    parse_rfc3339(&format!("{day}T00:00:00Z")).map_or(0, day_number)
}

/// Coordinates to a tenth of a unit: enough for print, and the page stays small.
fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_across_months_and_leap_years() {
        assert_eq!(day_index("1970-01-01"), 0);
        assert_eq!(day_index("2026-04-22") - day_index("2026-03-31"), 22);
        assert_eq!(day_index("2024-03-01") - day_index("2024-02-28"), 2);
        assert_eq!(day_index("not a day"), 0);
    }

    #[test]
    fn a_timeline_has_a_bar_per_active_day_placed_by_date() {
        let days: BTreeMap<String, u64> = [("2026-04-22", 10), ("2026-04-25", 40)]
            .into_iter()
            .map(|(d, c)| (d.to_owned(), c))
            .collect();
        let svg = timeline(&days).into_string();
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("2 active days of 4, at most 40 in one day"));
        // The peak day is the full height of the plot; the other a quarter of it.
        let plot = TIMELINE_HEIGHT - AXIS_BOTTOM;
        assert!(svg.contains(&format!("height=\"{}\"", round(plot))));
        assert!(svg.contains(&format!("height=\"{}\"", round(plot / 4.0))));
    }

    #[test]
    fn shares_are_labelled_in_words_and_text_is_escaped() {
        let svg = shares(
            &[("code <gen>".into(), 0.5), ("math".into(), 0.001)],
            "Capabilities",
            1.0,
        )
        .into_string();
        assert!(svg.contains("Capabilities: code &lt;gen&gt; 50%, math &lt; 1%."));
        assert!(!svg.contains("<gen>"));
    }
}
