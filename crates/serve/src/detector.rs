//! The detector: one thread that owns the detection state, feeds it every stored event and
//! re-scores every account in the background.
//!
//! Detection needs every account's summary at once, and a re-score takes from a fraction of a
//! second to minutes depending on the population. One owner thread keeps that state free of
//! locks: the HTTP handlers only send it events and read the snapshot it publishes, so a
//! re-score never delays `/v1/check`. Re-scores run on a timer, and only when something
//! changed (new events, another policy).

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hydrascope_core::content::EventSketch;
use hydrascope_core::policy::Policy;
use hydrascope_core::replay::Incremental;
use hydrascope_events::{Action, EpochMillis, Event};
use tokio::sync::oneshot;
use tracing::{info, warn};

use crate::error::ServeError;
use crate::shared::Shared;
use crate::snapshot::Snapshot;
use crate::store::{AuditEntry, ChangeSource, Store, now_text};

/// What the detector is asked to do.
enum Command {
    Observe(Vec<Event>),
    Reload(Policy),
    /// Re-score now (if anything changed) and answer once the snapshot is published.
    Rescore(oneshot::Sender<()>),
}

/// The handle the service keeps: a channel to the thread.
pub struct Detector {
    commands: Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl Detector {
    /// Rebuilds the detection state from every stored event, publishes its first snapshot and
    /// starts the thread. Returns once the snapshot is published: the service is then ready.
    pub fn start(
        store: Arc<Store>,
        shared: Arc<Shared>,
        policy: Policy,
        every: Duration,
    ) -> Result<Detector, ServeError> {
        let mut worker = Worker {
            state: Incremental::new(),
            policy,
            newest: None,
            changed: false,
            store,
            shared,
        };
        let started = Instant::now();
        // Read back one event at a time: the store may hold far more than fits in memory as
        // events, while their summaries are what the detector keeps anyway.
        let store = worker.store.clone();
        let count = store.for_each_event(|event| worker.observe_one(&event))?;
        worker.changed = true;
        worker.rescore()?;
        info!(
            events = count,
            seconds = started.elapsed().as_secs_f64(),
            "detection state rebuilt from the store"
        );
        let (commands, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("hydrascope-detector".into())
            .spawn(move || worker.run(receiver, every))
            .map_err(|source| ServeError::Io {
                context: "starting the detector thread".into(),
                source,
            })?;
        Ok(Detector {
            commands,
            thread: Some(thread),
        })
    }

    /// Hands stored events to detection.
    pub fn observe(&self, events: Vec<Event>) -> Result<(), ServeError> {
        self.send(Command::Observe(events))
    }

    /// Puts a new policy in force from the next re-score on.
    pub fn reload(&self, policy: Policy) -> Result<(), ServeError> {
        self.send(Command::Reload(policy))
    }

    /// Re-scores now and waits until the snapshot is published.
    pub async fn rescore(&self) -> Result<(), ServeError> {
        let (done, wait) = oneshot::channel();
        self.send(Command::Rescore(done))?;
        wait.await.map_err(|_| ServeError::DetectorStopped)
    }

    fn send(&self, command: Command) -> Result<(), ServeError> {
        self.commands
            .send(command)
            .map_err(|_| ServeError::DetectorStopped)
    }
}

impl Drop for Detector {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop.
        let (closed, _) = mpsc::channel();
        self.commands = closed;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread's state.
struct Worker {
    state: Incremental,
    policy: Policy,
    /// Event time of the newest event observed.
    newest: Option<EpochMillis>,
    /// Whether anything changed since the last re-score.
    changed: bool,
    store: Arc<Store>,
    shared: Arc<Shared>,
}

impl Worker {
    fn run(mut self, commands: Receiver<Command>, every: Duration) {
        let mut next = Instant::now() + every;
        loop {
            let wait = next.saturating_duration_since(Instant::now());
            match commands.recv_timeout(wait) {
                Ok(Command::Observe(events)) => self.observe(events),
                Ok(Command::Reload(policy)) => {
                    self.policy = policy;
                    self.changed = true;
                }
                Ok(Command::Rescore(done)) => {
                    self.rescore_logged();
                    let _ = done.send(());
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if Instant::now() >= next {
                self.rescore_logged();
                next = Instant::now() + every;
            }
        }
    }

    fn observe(&mut self, events: Vec<Event>) {
        for event in &events {
            self.observe_one(event);
        }
        self.changed |= !events.is_empty();
    }

    fn observe_one(&mut self, event: &Event) {
        let sketch = EventSketch::of_event(event);
        self.state.observe(event, sketch.sketch());
        self.newest = Some(self.newest.map_or(event.ts, |t| t.max(event.ts)));
    }

    fn rescore_logged(&mut self) {
        if let Err(error) = self.rescore() {
            warn!(%error, "re-score could not log its decision changes");
        }
    }

    /// Re-scores every account, publishes the snapshot and logs every changed decision.
    fn rescore(&mut self) -> Result<(), ServeError> {
        if !self.changed {
            return Ok(());
        }
        self.changed = false;
        let started = Instant::now();
        let at = self.newest.unwrap_or_default();
        let detection = self.state.rescore(at, &self.policy);
        let snapshot = Snapshot::build(
            self.state.summaries(),
            &detection,
            self.state.first_flags(),
            self.newest,
        );
        let previous = self.shared.snapshot.load();
        let changes = decision_changes(&previous, &snapshot);
        let metrics = &self.shared.metrics;
        metrics.rescores.inc();
        metrics.rescore_seconds.set(started.elapsed().as_secs_f64());
        metrics.accounts.set(snapshot.accounts.len() as i64);
        metrics.flagged.set(
            snapshot
                .accounts
                .values()
                .filter(|a| a.verdict.flagged)
                .count() as i64,
        );
        metrics.campaigns.set(snapshot.campaigns.len() as i64);
        metrics.campaign_keys.set(snapshot.keys.len() as i64);
        self.shared.snapshot.store(Arc::new(snapshot));
        self.store.audit(changes)
    }
}

/// The accounts whose action differs between two snapshots (an account not in a snapshot is
/// allowed), as audit entries.
fn decision_changes(before: &Snapshot, after: &Snapshot) -> Vec<AuditEntry> {
    let at = now_text();
    let mut changes: Vec<AuditEntry> = after
        .accounts
        .iter()
        .filter_map(|(account_id, state)| {
            let from = before.action_of(account_id);
            let to = state.verdict.action;
            (from.unwrap_or(Action::Allow) != to).then(|| AuditEntry {
                seq: 0,
                at: at.clone(),
                account_id: account_id.clone(),
                from,
                to,
                source: ChangeSource::Detection,
                author: None,
                reason: state.reason(),
            })
        })
        .collect();
    changes.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    changes
}
