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

/// An account opened at `created` that sent `events` from `ip` with `payment`.
pub(crate) fn account(
    created: i64,
    ip: &str,
    payment: &str,
    events: impl Iterator<Item = (i64, String)>,
) -> AccountSummary {
    let mut template = Event::new(T0, "a");
    template.account_created = Some(created);
    template.ip = Some(ip.parse().unwrap());
    template.payment_fp = Some(payment.to_owned());
    summary_of(&template, events)
}

/// Established accounts chatting in the evenings, each from its own address and card.
pub(crate) fn chatter(i: i64) -> AccountSummary {
    account(
        T0 - (200 + i) * DAY,
        &format!("198.51.{}.{}", i / 200, i % 200),
        &format!("card-{i}"),
        (0..30).map(move |k| {
            let ts = T0 + (k / 5) * 2 * DAY + (18 + k % 5) * HOUR + i * 60_000;
            (
                ts,
                format!("What should I cook tonight, idea {}?", (k + i) % 7),
            )
        }),
    )
}

/// Round-the-clock requests for code with the full reasoning, `n` tasks from `first`.
pub(crate) fn harvest(first: i64, n: i64) -> impl Iterator<Item = (i64, String)> {
    (0..n).map(move |k| {
        let task = first + k;
        let prompt = format!(
            "Implement a parser for record format {task} in Rust. Think step by step and \
             show your complete reasoning before the code."
        );
        (T0 + k * HOUR / 2 + first % 7 * 60_000, prompt)
    })
}

/// Campaign account `i`, opened three days before its first use, on one of `addresses`
/// proxy addresses and `cards` pooled cards, harvesting `tasks` tasks of its own.
pub(crate) fn sock(i: i64, addresses: i64, cards: i64, tasks: i64) -> (String, AccountSummary) {
    let summary = account(
        T0 - 3 * DAY + i * 60_000,
        &format!("192.0.2.{}", i % addresses),
        &format!("pool-card-{}", i % cards),
        harvest(1_000_000 + i * tasks, tasks),
    );
    (format!("sock-{i:03}"), summary)
}
