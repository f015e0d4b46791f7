//! Everything the core keeps about one account, as one mergeable summary.
//!
//! An account's verdict rests on its whole history: how much it sends and when, what it asks
//! for, how its conversations are shaped, which networks, clients and payment instruments it
//! uses. [`AccountSummary`] keeps all of it in bounded memory — counts, activity bins and
//! bottom-k samples — and merges exactly, so the batch engine can build it partition by
//! partition and the live server event by event. Signals (population-relative measures) are
//! computed from finished summaries, never from raw events.

use std::collections::BTreeMap;

use hydrascope_events::{EpochMillis, Event};
use serde::{Deserialize, Serialize};

use crate::activity::ActivityBins;
use crate::bottom_k::BottomK;
use crate::content::minhash::DEFAULT_BANDS;
use crate::content::{Capability, Elicitation, PromptSketch};
use crate::keys::{KeyKind, LinkKey, link_keys};
use crate::merge::{Mergeable, combine_bounds};

/// Link keys kept per kind: enough to name an account's infrastructure in evidence and to
/// estimate how many distinct addresses a rotating proxy gave it.
const KEYS_PER_KIND: u16 = 32;

/// How an account used one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUse {
    pub events: u64,
    pub first_ts: EpochMillis,
}

/// A value known from the account's earliest event that carried it (sign-up time, tier,
/// organisation), so that merging in any order keeps the same one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earliest<T> {
    pub ts: EpochMillis,
    pub value: T,
}

/// The mergeable summary of one account's traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub events: u64,
    pub first_ts: Option<EpochMillis>,
    pub last_ts: Option<EpochMillis>,
    pub activity: ActivityBins,
    /// Events that open a conversation (`turn_index` 0 or absent).
    pub opening_turns: u64,
    /// The deepest turn seen.
    pub max_turn: u32,
    /// Events whose prompt (text or sketch) could be analysed.
    pub with_content: u64,
    /// Events per capability, indexed by [`Capability`] bit.
    pub capabilities: [u64; Capability::ALL.len()],
    /// Events per elicitation strength, indexed by [`Elicitation`] code.
    pub elicitation: [u64; 3],
    pub thinking: u64,
    pub with_tools: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Distinct `max_tokens` values with their counts (clients sweeping limits vary them).
    pub max_tokens: BottomK,
    /// Distinct prompts (hash of the exact text or of the sketch): repetition versus coverage.
    pub prompts: BottomK,
    /// Distinct template frames: how concentrated the account is on few templates.
    pub frames: BottomK,
    /// LSH band keys of the template frames: accounts filling one template share them even
    /// when paraphrasing makes their frames differ in a few words. Bottom-k sampling keeps
    /// the same keys for every account that has them, so shared templates stay visible.
    pub frame_bands: BottomK,
    pub models: BTreeMap<String, ModelUse>,
    pub created: Option<Earliest<EpochMillis>>,
    pub tier: Option<Earliest<String>>,
    pub org: Option<Earliest<String>>,
    /// Bottom-k samples of link keys, per kind.
    pub keys: BTreeMap<KeyKind, BottomK>,
}

impl AccountSummary {
    /// Adds one event, with the sketch of its prompt when it had one.
    pub fn observe(&mut self, event: &Event, sketch: Option<&PromptSketch>) {
        self.events += 1;
        self.first_ts = Some(self.first_ts.map_or(event.ts, |t| t.min(event.ts)));
        self.last_ts = Some(self.last_ts.map_or(event.ts, |t| t.max(event.ts)));
        self.activity.observe(event.ts);
        let turn = event.turn_index.unwrap_or(0);
        if turn == 0 {
            self.opening_turns += 1;
        }
        self.max_turn = self.max_turn.max(turn);
        self.thinking += u64::from(event.thinking.is_some_and(|t| t.is_on()));
        self.with_tools += u64::from(event.tools.as_ref().is_some_and(|t| t.count() > 0));
        self.prompt_tokens += u64::from(event.prompt_tokens.unwrap_or(0));
        self.completion_tokens += u64::from(event.completion_tokens.unwrap_or(0));
        if let Some(limit) = event.max_tokens {
            self.max_tokens.insert(u64::from(limit));
        }
        if let Some(sketch) = sketch {
            self.observe_content(sketch);
        }
        if let Some(model) = &event.model {
            let used = self.models.entry(model.clone()).or_insert(ModelUse {
                events: 0,
                first_ts: event.ts,
            });
            used.events += 1;
            used.first_ts = used.first_ts.min(event.ts);
        }
        keep_earliest(&mut self.created, event.ts, event.account_created);
        keep_earliest(&mut self.tier, event.ts, event.account_tier.clone());
        keep_earliest(&mut self.org, event.ts, event.org_id.clone());
        for key in link_keys(event) {
            self.keys
                .entry(key.kind)
                .or_insert_with(|| BottomK::new(KEYS_PER_KIND))
                .insert(key.hash);
        }
    }

    fn observe_content(&mut self, sketch: &PromptSketch) {
        self.with_content += 1;
        for capability in sketch.capabilities.iter() {
            self.capabilities[capability as usize] += 1;
        }
        self.elicitation[sketch.elicitation as usize] += 1;
        self.prompts.insert(sketch.prompt_id());
        self.frames.insert(sketch.frame_id());
        let (bands, rows) = DEFAULT_BANDS;
        for key in sketch.frame().bands(bands, rows) {
            self.frame_bands.insert(key);
        }
    }

    /// Share of the analysed events that exercise a capability.
    pub fn capability_share(&self, capability: Capability) -> f64 {
        share(self.capabilities[capability as usize], self.with_content)
    }

    /// Share of the analysed events at an elicitation strength.
    pub fn elicitation_share(&self, strength: Elicitation) -> f64 {
        share(self.elicitation[strength as usize], self.with_content)
    }

    /// Distinct prompts per analysed event: near 1 for an account that never repeats a task,
    /// low for one that re-sends a fixed set (an evaluation harness, a health check).
    pub fn prompt_novelty(&self) -> f64 {
        share_f(self.prompts.distinct(), self.with_content as f64)
    }

    /// Distinct template frames per analysed event: low when few templates carry the traffic.
    pub fn frame_novelty(&self) -> f64 {
        share_f(self.frames.distinct(), self.with_content as f64)
    }

    /// Share of events that open a conversation.
    pub fn opening_share(&self) -> f64 {
        share(self.opening_turns, self.events)
    }

    /// Estimated distinct values of a link-key kind (addresses, user agents, …).
    pub fn distinct_keys(&self, kind: KeyKind) -> f64 {
        self.keys.get(&kind).map_or(0.0, BottomK::distinct)
    }

    /// The sampled link keys of the account, with their counts, and its sign-up day (counted
    /// once).
    pub fn link_keys(&self) -> impl Iterator<Item = (LinkKey, u32)> + '_ {
        let sampled = self.keys.iter().flat_map(|(kind, sample)| {
            sample.entries().iter().map(|(hash, count)| {
                (
                    LinkKey {
                        kind: *kind,
                        hash: *hash,
                    },
                    *count,
                )
            })
        });
        let signup = self
            .created
            .as_ref()
            .map(|created| (crate::keys::signup_day_key(created.value), 1));
        sampled.chain(signup)
    }

    /// Age of the account when it was first seen, in days, if its sign-up time is known.
    pub fn age_at_first_use_days(&self) -> Option<f64> {
        let created = self.created.as_ref()?.value;
        let first = self.first_ts?;
        Some((first - created) as f64 / hydrascope_events::time::MILLIS_PER_DAY as f64)
    }
}

impl Mergeable for AccountSummary {
    fn merge(&mut self, other: Self) {
        self.events += other.events;
        self.first_ts = combine_bounds(self.first_ts, other.first_ts, i64::min);
        self.last_ts = combine_bounds(self.last_ts, other.last_ts, i64::max);
        self.activity.merge(other.activity);
        self.opening_turns += other.opening_turns;
        self.max_turn = self.max_turn.max(other.max_turn);
        self.with_content += other.with_content;
        for (mine, theirs) in self.capabilities.iter_mut().zip(other.capabilities) {
            *mine += theirs;
        }
        for (mine, theirs) in self.elicitation.iter_mut().zip(other.elicitation) {
            *mine += theirs;
        }
        self.thinking += other.thinking;
        self.with_tools += other.with_tools;
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.max_tokens.merge(other.max_tokens);
        self.prompts.merge(other.prompts);
        self.frames.merge(other.frames);
        self.frame_bands.merge(other.frame_bands);
        for (model, used) in other.models {
            let mine = self.models.entry(model).or_insert(ModelUse {
                events: 0,
                first_ts: used.first_ts,
            });
            mine.events += used.events;
            mine.first_ts = mine.first_ts.min(used.first_ts);
        }
        merge_earliest(&mut self.created, other.created);
        merge_earliest(&mut self.tier, other.tier);
        merge_earliest(&mut self.org, other.org);
        for (kind, sample) in other.keys {
            match self.keys.get_mut(&kind) {
                Some(mine) => mine.merge(sample),
                None => {
                    self.keys.insert(kind, sample);
                }
            }
        }
    }
}

fn keep_earliest<T: Ord>(slot: &mut Option<Earliest<T>>, ts: EpochMillis, value: Option<T>) {
    if let Some(value) = value {
        merge_earliest(slot, Some(Earliest { ts, value }));
    }
}

/// Keeps the value seen first; equal times keep the smaller value, so the result does not
/// depend on merge order.
fn merge_earliest<T: Ord>(slot: &mut Option<Earliest<T>>, other: Option<Earliest<T>>) {
    let Some(other) = other else { return };
    let replace = match slot {
        None => true,
        Some(mine) => (other.ts, &other.value) < (mine.ts, &mine.value),
    };
    if replace {
        *slot = Some(other);
    }
}

fn share(part: u64, whole: u64) -> f64 {
    share_f(part as f64, whole as f64)
}

fn share_f(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole).min(1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hydrascope_events::{Thinking, Tools};

    use crate::test_traffic::T0;
    const MINUTE: i64 = 60_000;

    fn event(i: i64, prompt: &str) -> Event {
        let mut event = Event::new(T0 + i * 17 * MINUTE, "acct_1");
        event.prompt = Some(prompt.to_owned());
        event.model = Some(if i % 3 == 0 { "m-new" } else { "m-old" }.to_owned());
        event.ip = Some(format!("198.51.100.{}", i % 50).parse().unwrap());
        event.account_created = Some(T0 - 2 * 86_400_000);
        event.account_tier = Some("pro".to_owned());
        event.turn_index = Some((i % 4) as u32);
        event.thinking = Some(Thinking::Budget(if i % 2 == 0 { 1024 } else { 0 }));
        event.tools = Some(Tools::Count((i % 3) as u32));
        event.max_tokens = Some(4096);
        event
    }

    fn summarise(events: &[Event]) -> AccountSummary {
        let mut summary = AccountSummary::default();
        for e in events {
            let sketch = e
                .prompt
                .as_deref()
                .map(|p| PromptSketch::of_prompt(p, None));
            summary.observe(e, sketch.as_ref());
        }
        summary
    }

    fn harvester_events() -> Vec<Event> {
        (0..200)
            .map(|i| {
                event(
                    i,
                    &format!(
                        "Solve the following problem and explain your reasoning step by step, \
                         showing every intermediate step.\n\nProblem {i}: a train leaves at {} \
                         and travels {} km. When does it arrive?",
                        i % 24,
                        i * 13 + 7
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn merging_partitions_in_any_order_equals_summarising_everything() {
        let events = harvester_events();
        let whole = summarise(&events);
        let forward = AccountSummary::merge_all(events.chunks(23).map(summarise));
        let backward = AccountSummary::merge_all(events.chunks(41).rev().map(summarise));
        assert_eq!(forward, whole);
        assert_eq!(backward, whole);
    }

    #[test]
    fn a_harvester_covers_distinct_tasks_through_one_template_frame() {
        let summary = summarise(&harvester_events());
        assert_eq!(summary.events, 200);
        assert!(
            summary.prompt_novelty() > 0.8,
            "{}",
            summary.prompt_novelty()
        );
        assert!(summary.frame_novelty() < 0.2, "{}", summary.frame_novelty());
        assert!(summary.elicitation_share(Elicitation::Strong) > 0.9);
    }

    #[test]
    fn a_harness_repeating_a_fixed_set_has_low_novelty() {
        let events: Vec<Event> = (0..300)
            .map(|i| event(i, &format!("Benchmark question number {}", i % 20)))
            .collect();
        let summary = summarise(&events);
        assert!(
            summary.prompt_novelty() < 0.1,
            "{}",
            summary.prompt_novelty()
        );
    }

    #[test]
    fn structure_models_age_and_keys_are_kept() {
        let summary = summarise(&harvester_events());
        assert_eq!(summary.opening_turns, 50);
        assert_eq!(summary.max_turn, 3);
        assert_eq!(summary.thinking, 100);
        assert_eq!(summary.models["m-new"].events, 67);
        assert_eq!(summary.models["m-new"].first_ts, T0);
        assert_eq!(summary.age_at_first_use_days(), Some(2.0));
        assert_eq!(summary.tier.as_ref().unwrap().value, "pro");
        assert!((summary.distinct_keys(KeyKind::Ip) - 50.0).abs() < 15.0);
        assert_eq!(summary.distinct_keys(KeyKind::Network), 1.0);
        assert_eq!(summary.max_tokens.distinct(), 1.0);
    }
}
