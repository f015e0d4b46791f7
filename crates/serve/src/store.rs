//! The service's durable state, in one embedded `redb` database in the data directory.
//!
//! What is kept is what cannot be recomputed: the events (the detector's state is rebuilt
//! from them at start, so every acknowledged event counts exactly once after a crash), the
//! request ids seen (idempotent ingest), the quarantine, the overrides and the audit log.
//! Scores and decisions are not stored: detection is a deterministic function of the events
//! and the policy, so the re-score that runs before the service reports ready reproduces them.
//!
//! Every write commits with redb's default durability (the commit returns once the data is on
//! disk), and the HTTP handlers acknowledge only after it has returned.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use hydrascope_events::time::{format_rfc3339, now_millis};
use hydrascope_events::validate::event_from_json_line;
use hydrascope_events::{Action, Event};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::error::ServeError;

/// Sequence number → the event in the contract's JSON form.
const EVENTS: TableDefinition<u64, &str> = TableDefinition::new("events");
/// Request id → sequence number of the event that carried it first.
const REQUEST_IDS: TableDefinition<&str, u64> = TableDefinition::new("request_ids");
/// Sequence number → a quarantined record with its reason.
const QUARANTINE: TableDefinition<u64, &str> = TableDefinition::new("quarantine");
/// Account id → its override.
const OVERRIDES: TableDefinition<&str, &str> = TableDefinition::new("overrides");
/// Sequence number → one change of an account's decision.
const AUDIT: TableDefinition<u64, &str> = TableDefinition::new("audit");
/// Broker consumer → the stream sequence of the last message stored, committed with that
/// message's events so that a redelivered message is recognised whatever it holds.
const BROKER_POSITIONS: TableDefinition<&str, u64> = TableDefinition::new("broker_positions");

/// File name of the database inside the data directory.
const DATABASE_FILE: &str = "hydrascope.redb";

/// What became of one event offered to [`Store::append`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored under this sequence number.
    New(u64),
    /// Its request id was stored before (or earlier in the same batch): the same exchange.
    Duplicate,
}

/// One batch to store: its events, its bad records and, when it came from a broker, how far
/// into the stream it reaches.
#[derive(Debug, Default)]
pub struct Batch<'a> {
    pub events: &'a [Event],
    pub quarantined: &'a [Quarantined],
    pub position: Option<BrokerPosition<'a>>,
}

/// How far a broker consumer has stored: the stream sequence of its last message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokerPosition<'a> {
    pub consumer: &'a str,
    pub sequence: u64,
}

/// A record that is not a valid event, kept with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quarantined {
    /// Where it came from (`http`, or the broker stream and message sequence).
    pub source: String,
    /// Its line in the request body or message (1-based).
    pub line: u64,
    pub reason: String,
    /// The record as received, cut to a bounded length.
    pub record: String,
}

/// What an operator decided about an account, above whatever detection says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverrideKind {
    /// Never act on the account (a customer known to be honest).
    Allow,
    /// Block the account whatever its score.
    Block,
}

/// An operator's override of one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub kind: OverrideKind,
    pub author: String,
    pub reason: String,
    /// When it was set (RFC 3339).
    pub at: String,
}

/// Who changed a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeSource {
    /// A re-score of detection.
    Detection,
    /// An operator's override.
    Override,
}

/// One change of an account's decision, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 1.
    #[serde(default)]
    pub seq: u64,
    /// When the change was made (RFC 3339, wall clock).
    pub at: String,
    pub account_id: String,
    /// The action before; `None` when the account had none (first decision).
    pub from: Option<Action>,
    pub to: Action,
    pub source: ChangeSource,
    /// The operator, for overrides.
    pub author: Option<String>,
    pub reason: String,
}

/// The database.
pub struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store in `data_dir`, with a page cache of `cache_bytes`.
    pub fn open(data_dir: &Path, cache_bytes: usize) -> Result<Store, ServeError> {
        std::fs::create_dir_all(data_dir).map_err(|source| ServeError::Io {
            context: format!("creating the data directory {}", data_dir.display()),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)
            .map_err(|e| ServeError::store(&path, e))?;
        let store = Store { db, path };
        store.write(|txn| {
            txn.open_table(EVENTS)?;
            txn.open_table(REQUEST_IDS)?;
            txn.open_table(QUARANTINE)?;
            txn.open_table(OVERRIDES)?;
            txn.open_table(AUDIT)?;
            txn.open_table(BROKER_POSITIONS)?;
            Ok(())
        })?;
        Ok(store)
    }

    fn error(&self, error: impl std::fmt::Display) -> ServeError {
        ServeError::store(&self.path, error)
    }

    /// Runs `body` in one write transaction and commits it durably.
    fn write<T>(
        &self,
        body: impl FnOnce(&redb::WriteTransaction) -> Result<T, redb::Error>,
    ) -> Result<T, ServeError> {
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        let value = body(&txn).map_err(|e| self.error(e))?;
        txn.commit().map_err(|e| self.error(e))?;
        Ok(value)
    }

    fn read<T>(
        &self,
        body: impl FnOnce(&redb::ReadTransaction) -> Result<T, redb::Error>,
    ) -> Result<T, ServeError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        body(&txn).map_err(|e| self.error(e))
    }

    /// Stores a batch in one durable commit: the events whose request id was not seen before,
    /// the bad records and the broker position. A batch is stored whole or not at all, so a
    /// position is never ahead of the events it covers.
    pub fn append(&self, batch: &Batch) -> Result<Vec<Appended>, ServeError> {
        self.write(|txn| {
            append_quarantined(txn, batch.quarantined)?;
            if let Some(position) = batch.position {
                txn.open_table(BROKER_POSITIONS)?
                    .insert(position.consumer, position.sequence)?;
            }
            append_events(txn, batch.events)
        })
    }

    /// The stream sequence of the last message a broker consumer stored, if any.
    pub fn broker_position(&self, consumer: &str) -> Result<Option<u64>, ServeError> {
        self.read(|txn| {
            let table = txn.open_table(BROKER_POSITIONS)?;
            Ok(table.get(consumer)?.map(|sequence| sequence.value()))
        })
    }

    /// Calls `each` with every stored event, in the order they were stored.
    pub fn for_each_event(&self, mut each: impl FnMut(Event)) -> Result<u64, ServeError> {
        self.for_each_line(|line| {
            each(event_from_json_line(line).expect("the store holds only events it validated"));
            Ok(())
        })
    }

    /// Writes the stored events of `accounts` to `out`, one contract JSON line each, in the
    /// order they were stored; returns how many. Only the account id of the others is read.
    pub fn write_events_of(
        &self,
        accounts: &HashSet<String>,
        out: &mut impl Write,
    ) -> Result<u64, ServeError> {
        /// The one field the filter needs.
        #[derive(Deserialize)]
        struct Owner<'a> {
            #[serde(borrow)]
            account_id: Cow<'a, str>,
        }
        let mut written = 0;
        self.for_each_line(|line| {
            let owner: Owner =
                serde_json::from_str(line).expect("the store holds only events it validated");
            if accounts.contains(owner.account_id.as_ref()) {
                writeln!(out, "{line}").map_err(redb::Error::Io)?;
                written += 1;
            }
            Ok(())
        })?;
        Ok(written)
    }

    /// Calls `each` with every stored event's JSON line, in the order they were stored;
    /// returns how many there were.
    fn for_each_line(
        &self,
        mut each: impl FnMut(&str) -> Result<(), redb::Error>,
    ) -> Result<u64, ServeError> {
        self.read(|txn| {
            let table = txn.open_table(EVENTS)?;
            let mut count = 0;
            for entry in table.iter()? {
                let (_, json) = entry?;
                each(json.value())?;
                count += 1;
            }
            Ok(count)
        })
    }

    /// Events stored.
    pub fn event_count(&self) -> Result<u64, ServeError> {
        self.read(|txn| Ok(txn.open_table(EVENTS)?.len()?))
    }

    /// Records quarantined.
    pub fn quarantine_count(&self) -> Result<u64, ServeError> {
        self.read(|txn| Ok(txn.open_table(QUARANTINE)?.len()?))
    }

    /// Sets (or, with `None`, clears) an account's override and logs the change, in one
    /// commit.
    pub fn set_override(
        &self,
        account_id: &str,
        new: Option<&Override>,
        audit: AuditEntry,
    ) -> Result<AuditEntry, ServeError> {
        self.write(|txn| {
            let mut overrides = txn.open_table(OVERRIDES)?;
            match new {
                Some(value) => {
                    let json = serde_json::to_string(value).expect("overrides serialise");
                    overrides.insert(account_id, json.as_str())?;
                }
                None => {
                    overrides.remove(account_id)?;
                }
            }
            append_audit(txn, vec![audit]).map(|mut logged| logged.remove(0))
        })
    }

    /// Every override.
    pub fn overrides(&self) -> Result<Vec<(String, Override)>, ServeError> {
        self.read(|txn| {
            let table = txn.open_table(OVERRIDES)?;
            let mut all = Vec::new();
            for entry in table.iter()? {
                let (account, json) = entry?;
                let value = serde_json::from_str(json.value()).expect("stored overrides parse");
                all.push((account.value().to_owned(), value));
            }
            Ok(all)
        })
    }

    /// Appends changes to the audit log.
    pub fn audit(&self, entries: Vec<AuditEntry>) -> Result<(), ServeError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.write(|txn| append_audit(txn, entries).map(drop))
    }

    /// The audit log from sequence number `after` on, at most `limit` entries, optionally of
    /// one account only.
    pub fn audit_log(
        &self,
        account_id: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ServeError> {
        self.read(|txn| {
            let table = txn.open_table(AUDIT)?;
            let mut entries = Vec::new();
            for entry in table.range(after.saturating_add(1)..)? {
                let (_, json) = entry?;
                let entry: AuditEntry =
                    serde_json::from_str(json.value()).expect("stored audit entries parse");
                if account_id.is_none_or(|id| id == entry.account_id) {
                    entries.push(entry);
                    if entries.len() == limit {
                        break;
                    }
                }
            }
            Ok(entries)
        })
    }
}

/// The next sequence number of a table keyed by sequence numbers from 1.
fn next_seq<T: ReadableTable<u64, V>, V: redb::Value + 'static>(
    table: &T,
) -> Result<u64, redb::Error> {
    Ok(table.last()?.map_or(1, |(last, _)| last.value() + 1))
}

fn append_events(
    txn: &redb::WriteTransaction,
    events: &[Event],
) -> Result<Vec<Appended>, redb::Error> {
    let mut table = txn.open_table(EVENTS)?;
    let mut ids = txn.open_table(REQUEST_IDS)?;
    let mut next = next_seq(&table)?;
    let mut outcome = Vec::with_capacity(events.len());
    for event in events {
        if let Some(id) = &event.request_id {
            if ids.get(id.as_str())?.is_some() {
                outcome.push(Appended::Duplicate);
                continue;
            }
            ids.insert(id.as_str(), next)?;
        }
        let json = serde_json::to_string(event).expect("events serialise");
        table.insert(next, json.as_str())?;
        outcome.push(Appended::New(next));
        next += 1;
    }
    Ok(outcome)
}

fn append_quarantined(
    txn: &redb::WriteTransaction,
    records: &[Quarantined],
) -> Result<(), redb::Error> {
    let mut table = txn.open_table(QUARANTINE)?;
    for (seq, record) in (next_seq(&table)?..).zip(records) {
        let json = serde_json::to_string(record).expect("records serialise");
        table.insert(seq, json.as_str())?;
    }
    Ok(())
}

fn append_audit(
    txn: &redb::WriteTransaction,
    entries: Vec<AuditEntry>,
) -> Result<Vec<AuditEntry>, redb::Error> {
    let mut table = txn.open_table(AUDIT)?;
    let mut logged = Vec::with_capacity(entries.len());
    for (seq, mut entry) in (next_seq(&table)?..).zip(entries) {
        entry.seq = seq;
        let json = serde_json::to_string(&entry).expect("audit entries serialise");
        table.insert(seq, json.as_str())?;
        logged.push(entry);
    }
    Ok(logged)
}

/// The current wall-clock time, as the audit log writes it.
pub fn now_text() -> String {
    format_rfc3339(now_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(request_id: Option<&str>, account: &str) -> Event {
        let mut event = Event::new(1_776_816_000_000, account);
        event.request_id = request_id.map(str::to_owned);
        event.prompt = Some("Explain step by step.".into());
        event
    }

    fn events(events: &[Event]) -> Batch<'_> {
        Batch {
            events,
            ..Batch::default()
        }
    }

    #[test]
    fn a_broker_position_is_committed_with_its_batch_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let bad = Quarantined {
            source: "nats:events#7".into(),
            line: 2,
            reason: "not JSON".into(),
            record: "{".into(),
        };
        {
            let store = Store::open(dir.path(), 1 << 20).unwrap();
            assert_eq!(store.broker_position("serve").unwrap(), None);
            let batch = Batch {
                events: &[event(Some("r1"), "a")],
                quarantined: std::slice::from_ref(&bad),
                position: Some(BrokerPosition {
                    consumer: "serve",
                    sequence: 7,
                }),
            };
            store.append(&batch).unwrap();
        }
        let store = Store::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(store.broker_position("serve").unwrap(), Some(7));
        assert_eq!(store.broker_position("other").unwrap(), None);
        assert_eq!(
            (
                store.event_count().unwrap(),
                store.quarantine_count().unwrap()
            ),
            (1, 1)
        );
    }

    #[test]
    fn a_request_id_is_stored_once_across_batches_and_within_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 1 << 20).unwrap();
        let first = store
            .append(&events(&[
                event(Some("r1"), "a"),
                event(Some("r1"), "a"),
                event(None, "b"),
            ]))
            .unwrap();
        assert_eq!(
            first,
            [Appended::New(1), Appended::Duplicate, Appended::New(2)]
        );
        let second = store
            .append(&events(&[event(Some("r1"), "a"), event(None, "b")]))
            .unwrap();
        assert_eq!(second, [Appended::Duplicate, Appended::New(3)]);
        assert_eq!(store.event_count().unwrap(), 3);
    }

    #[test]
    fn events_overrides_and_the_audit_log_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), 1 << 20).unwrap();
            store.append(&events(&[event(Some("r1"), "a")])).unwrap();
            let kept = Override {
                kind: OverrideKind::Allow,
                author: "alice".into(),
                reason: "evaluation partner".into(),
                at: now_text(),
            };
            let entry = AuditEntry {
                seq: 0,
                at: now_text(),
                account_id: "a".into(),
                from: Some(Action::Challenge),
                to: Action::Allow,
                source: ChangeSource::Override,
                author: Some("alice".into()),
                reason: "evaluation partner".into(),
            };
            let logged = store.set_override("a", Some(&kept), entry).unwrap();
            assert_eq!(logged.seq, 1);
        }
        let store = Store::open(dir.path(), 1 << 20).unwrap();
        let mut seen = Vec::new();
        store.for_each_event(|e| seen.push(e)).unwrap();
        assert_eq!(seen, [event(Some("r1"), "a")]);
        assert_eq!(store.overrides().unwrap()[0].1.author, "alice");
        let log = store.audit_log(Some("a"), 0, 10).unwrap();
        assert_eq!((log.len(), log[0].to), (1, Action::Allow));
        assert!(store.audit_log(Some("b"), 0, 10).unwrap().is_empty());
    }
}
