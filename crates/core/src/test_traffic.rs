//! Hand-written traffic for unit tests: account summaries built from prompts and their times,
//! the way the engine builds them from events.

use hydrascope_events::Event;

use crate::AccountSummary;
use crate::content::PromptSketch;

/// 2026-04-22 00:00 UTC, the first day of the simulated campaigns.
pub(crate) const T0: i64 = 1_776_816_000_000;
pub(crate) const HOUR: i64 = 3_600_000;
pub(crate) const DAY: i64 = 24 * HOUR;

/// The summary of an account that sent each prompt at its time; every event is otherwise a
/// copy of `template` (sign-up time, address, payment instrument, …).
pub(crate) fn summary_of(
    template: &Event,
    prompts: impl IntoIterator<Item = (i64, String)>,
) -> AccountSummary {
    let mut summary = AccountSummary::default();
    for (ts, prompt) in prompts {
        let mut event = template.clone();
        event.ts = ts;
        let sketch = PromptSketch::of_prompt(&prompt, None);
        event.prompt = Some(prompt);
        summary.observe(&event, Some(&sketch));
    }
    summary
}
