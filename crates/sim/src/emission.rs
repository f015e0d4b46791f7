//! Emission: the simulation runs one day at a time. Each account plans its day as compact
//! [`Arrival`]s (when, which conversation, which turn); the day's arrivals are sorted by time
//! and each is rendered into one reused [`Event`] and handed to the caller's callback.
//!
//! Memory is therefore bounded by one day's arrivals (32 bytes each), never by the run,
//! and rendering allocates almost nothing: every string of the event buffer is cleared and
//! refilled in place, and strings of absent fields are parked for reuse.

use std::fmt::Write;

use hydrascope_events::{EpochMillis, Event, Thinking, Tools};
use rand::Rng;

use crate::clock::{WINDOW_DAYS, WINDOW_END, day_start};
use crate::population::{Account, Population};
use crate::rng::{Domain, derive, derive_wide};

/// How often, in events, progress is reported.
const PROGRESS_EVERY: u64 = 1 << 16;

/// One planned exchange: the compact form kept for a day until it is rendered. Arrivals are
/// emitted in field order: by time, then within a millisecond by `tie`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Arrival {
    pub(crate) ts: EpochMillis,
    /// A random number that orders exchanges of the same millisecond. The account index that
    /// comes next would follow build order (benign personas, then campaigns), so ties would
    /// put campaign traffic last; this carries no information.
    pub(crate) tie: u32,
    pub(crate) account: u32,
    /// The account's conversation number.
    pub(crate) conv: u32,
    /// Turn within the conversation, 0 first.
    pub(crate) turn: u16,
    /// What the conversation is about: a random draw, or a fixed index (a benchmark item),
    /// fixed for all turns of the conversation.
    pub(crate) item: u32,
}

/// The optional text fields an event may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextField {
    OrgId,
    ApiKeyId,
    AccountTier,
    Country,
    UserAgent,
    ClientFp,
    PaymentFp,
    Model,
    Endpoint,
    ConversationId,
    SystemPrompt,
    Prompt,
}

/// The one event buffer of a run, filled in place for every arrival.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) event: Event,
    parked: Vec<String>,
    tool_names: Vec<String>,
}

impl Draft {
    fn slot(&mut self, field: TextField) -> &mut Option<String> {
        let e = &mut self.event;
        match field {
            TextField::OrgId => &mut e.org_id,
            TextField::ApiKeyId => &mut e.api_key_id,
            TextField::AccountTier => &mut e.account_tier,
            TextField::Country => &mut e.country,
            TextField::UserAgent => &mut e.user_agent,
            TextField::ClientFp => &mut e.client_fp,
            TextField::PaymentFp => &mut e.payment_fp,
            TextField::Model => &mut e.model,
            TextField::Endpoint => &mut e.endpoint,
            TextField::ConversationId => &mut e.conversation_id,
            TextField::SystemPrompt => &mut e.system_prompt,
            TextField::Prompt => &mut e.prompt,
        }
    }

    /// The field's string, present and emptied, for the caller to fill.
    pub(crate) fn text(&mut self, field: TextField) -> &mut String {
        if self.slot(field).is_none() {
            let spare = self.parked.pop().unwrap_or_default();
            *self.slot(field) = Some(spare);
        }
        let text = self.slot(field).as_mut().expect("just filled");
        text.clear();
        text
    }

    /// Sets a field to `value`, or absent for `None`.
    pub(crate) fn set(&mut self, field: TextField, value: Option<&str>) {
        match value {
            Some(value) => self.text(field).push_str(value),
            None => self.clear(field),
        }
    }

    /// Makes a field absent, keeping its string for reuse.
    pub(crate) fn clear(&mut self, field: TextField) {
        if let Some(text) = self.slot(field).take() {
            self.parked.push(text);
        }
    }

    /// Absent when the field was left empty.
    pub(crate) fn clear_if_empty(&mut self, field: TextField) {
        if self.slot(field).as_ref().is_some_and(String::is_empty) {
            self.clear(field);
        }
    }

    /// Offers these tools by name (none for an empty list).
    pub(crate) fn set_tools(&mut self, names: &[&str]) {
        let mut list = match self.event.tools.take() {
            Some(Tools::Names(list)) => list,
            _ => std::mem::take(&mut self.tool_names),
        };
        if names.is_empty() {
            self.tool_names = list;
            return;
        }
        list.resize_with(names.len(), String::new);
        for (slot, name) in list.iter_mut().zip(names) {
            slot.clear();
            slot.push_str(name);
        }
        self.event.tools = Some(Tools::Names(list));
    }

    /// Offers `count` tools without naming them.
    pub(crate) fn set_tool_count(&mut self, count: u32) {
        self.set_tools(&[]);
        self.event.tools = (count > 0).then_some(Tools::Count(count));
    }

    pub(crate) fn set_thinking(&mut self, budget: Option<u32>) {
        self.event.thinking = budget.map(Thinking::Budget);
    }
}

/// Event counts of a run, by account index.
pub(crate) struct Tally {
    pub(crate) per_account: Vec<u64>,
    pub(crate) total: u64,
}

/// Runs every day of the window: plan, sort, render, emit.
pub(crate) fn run<E>(
    population: &mut Population,
    mut emit: impl FnMut(&Event) -> Result<(), E>,
    mut progress: impl FnMut(u64),
) -> Result<Tally, E> {
    let mut tally = Tally {
        per_account: vec![0; population.accounts.len()],
        total: 0,
    };
    let mut draft = Draft::default();
    let mut today: Vec<Arrival> = Vec::new();
    // Accounts plan one day ahead: a zone east of UTC starts its local day before the UTC
    // day does, and every arrival must be planned before its UTC day is emitted.
    let mut pending: Vec<Arrival> = Vec::new();
    population.plan_day(0, &mut pending);
    for day in 0..WINDOW_DAYS {
        if day + 1 < WINDOW_DAYS {
            population.plan_day(day + 1, &mut pending);
        }
        let (start, end) = (day_start(day), day_start(day + 1));
        today.clear();
        pending.retain(|a| {
            if a.ts >= end {
                return a.ts < WINDOW_END;
            }
            if a.ts >= start {
                today.push(*a);
            }
            false
        });
        today.sort_unstable();
        for arrival in &today {
            population.render(arrival, &mut draft);
            emit(&draft.event)?;
            tally.per_account[arrival.account as usize] += 1;
            tally.total += 1;
            if tally.total.is_multiple_of(PROGRESS_EVERY) {
                progress(tally.total);
            }
        }
    }
    progress(tally.total);
    Ok(tally)
}

/// Fills the fields every event of an account carries, and the ids of this exchange.
pub(crate) fn write_common(account: &mut Account, seed: u64, arrival: &Arrival, draft: &mut Draft) {
    let event = &mut draft.event;
    event.ts = arrival.ts;
    event.account_id.clear();
    event.account_id.push_str(&account.id);
    event.account_created = Some(account.created);
    let request = derive_wide(seed, Domain::Request, account.key, account.requests as u64);
    account.requests += 1;
    let id = event.request_id.get_or_insert_with(String::new);
    id.clear();
    let _ = write!(id, "req_{:024x}", request >> 32);
    draft.set(TextField::OrgId, account.org_id.as_deref());
    draft.set(TextField::AccountTier, Some(account.tier.name()));
    draft.set(TextField::PaymentFp, account.payment_fp.as_deref());
    let key = if account.api_keys.len() > 1 && account.rng.random_bool(0.2) {
        &account.api_keys[1..]
    } else {
        &account.api_keys[..1]
    };
    draft.set(TextField::ApiKeyId, Some(&key[0]));
    let conversation = derive(seed, Domain::Conversation, account.key, arrival.conv as u64);
    let _ = write!(
        draft.text(TextField::ConversationId),
        "conv_{conversation:016x}"
    );
    draft.event.turn_index = Some(arrival.turn as u32);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Gap, WINDOW_START};
    use crate::corpus::Corpus;
    use crate::population::World;
    use crate::rng::Domain;
    use crate::scenario::Persona;

    #[test]
    fn simultaneous_exchanges_are_not_ordered_by_account() {
        let corpus = Corpus::built_in();
        let mut world = World::new(2);
        let mut arrivals = Vec::new();
        for index in 0..1_000u32 {
            let key = (Persona::CasualChat as u64, index as u64);
            let mut account = Account::new(
                &mut world,
                &corpus,
                Domain::BenignAccount,
                key,
                Persona::CasualChat,
            );
            account.push_item(index, WINDOW_START, 1, Gap::Human, 0, &mut arrivals);
        }
        arrivals.sort_unstable();
        let ascending = arrivals
            .windows(2)
            .filter(|w| w[0].account < w[1].account)
            .count();
        assert!(
            (400..600).contains(&ascending),
            "{ascending} of 999 neighbours in account order"
        );
    }
}
