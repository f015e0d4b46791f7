//! The values behind the live campaigns' evidence: the template frames, addresses, networks,
//! autonomous systems, user agents and fingerprints their accounts share, as `scan` lists
//! them in `campaigns.json`.
//!
//! Detection keeps only hashes of those values, so they are read from the stored events, by
//! the batch engine's own evidence pass ([`hydrascope_engine::attach_evidence`]) over the
//! campaigns' members' events. A read goes over every stored event, so it runs only when an
//! analyst asks (the dashboard, `/v1/campaigns/{id}`), at most once per
//! [`EvidenceConfig::every`], on a thread of its own with a single-threaded runtime: one
//! core at most, so that `/v1/check` keeps the other.
//!
//! Re-scores come every few seconds and renumber campaigns by size, so a read's values are
//! shown for a campaign of a later snapshot only when it has the same id and the same
//! lowest member, i.e. when it is the same group of accounts, perhaps grown; `read_at` says
//! how old they are.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use hydrascope_engine::Placement;
use hydrascope_events::Campaign;
use hydrascope_events::campaign::CampaignEvidence;
use hydrascope_events::time::{format_rfc3339, now_millis};
use tracing::{info, warn};

use crate::config::EvidenceConfig;
use crate::error::ServeError;
use crate::snapshot::Snapshot;
use crate::store::Store;

/// The campaigns' events are copied here for the read, then removed.
const READ_FILE: &str = "evidence-read.jsonl";

/// Where the read's limits are set, for the note of a read that outgrew them.
const SETTINGS: &str = "`memory_mib` and `spill_mib` of the configuration's [evidence] table";

/// Reads the evidence on demand and keeps the last read.
pub struct LiveEvidence {
    config: EvidenceConfig,
    store: Arc<Store>,
    data_dir: PathBuf,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    last: Option<Read>,
    reading: bool,
}

/// One completed read.
struct Read {
    started: Instant,
    /// How many events the snapshot it read for had seen: a later snapshot with as many
    /// has nothing new to read.
    events: u64,
    /// Per campaign id: its lowest member and what was read.
    campaigns: HashMap<String, (String, CampaignEvidence)>,
}

impl LiveEvidence {
    pub fn new(config: EvidenceConfig, store: Arc<Store>, data_dir: &Path) -> LiveEvidence {
        LiveEvidence {
            config,
            store,
            data_dir: data_dir.to_owned(),
            state: Arc::default(),
        }
    }

    /// The snapshot's campaigns with the values of the last read that covers them; the
    /// others say in `not_read` that they are being read. Starts a read when none is under
    /// way, the last one started at least [`EvidenceConfig::every`] ago, and the snapshot has
    /// a campaign that read does not cover or events it did not see.
    pub fn campaigns(&self, snapshot: &Snapshot) -> Vec<Campaign> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let pending = format!(
            "they are being read from the stored events (at most once every {} s); reload to see \
             them",
            self.config.every.as_secs()
        );
        let mut campaigns = snapshot.campaigns.clone();
        let mut unread = false;
        for campaign in &mut campaigns {
            let read = state
                .last
                .as_ref()
                .and_then(|last| last.campaigns.get(&campaign.id))
                .filter(|(lowest, _)| Some(lowest) == campaign.accounts.iter().min());
            campaign.evidence = match read {
                Some((_, evidence)) => evidence.clone(),
                None => {
                    unread = true;
                    CampaignEvidence {
                        not_read: Some(pending.clone()),
                        ..CampaignEvidence::default()
                    }
                }
            };
        }
        let due = state.last.as_ref().is_none_or(|last| {
            (unread || last.events != snapshot.events)
                && last.started.elapsed() >= self.config.every
        });
        if due && !state.reading && !campaigns.is_empty() {
            state.reading = self.start_read(snapshot);
        }
        campaigns
    }

    /// Starts a read of the snapshot's campaigns on a thread of its own; false when the
    /// thread could not be started. The caller holds the state's lock, which the thread takes
    /// only once the read is done.
    fn start_read(&self, snapshot: &Snapshot) -> bool {
        let (store, state) = (self.store.clone(), self.state.clone());
        let path = self.data_dir.join(READ_FILE);
        let limits = self.config.limits;
        let mut campaigns = snapshot.campaigns.clone();
        let events = snapshot.events;
        let started = Instant::now();
        let spawned = std::thread::Builder::new()
            .name("hydrascope-evidence".into())
            .spawn(move || {
                let read_at = format_rfc3339(now_millis());
                let outcome = read(&store, &path, limits, &mut campaigns);
                let _ = std::fs::remove_file(&path);
                for campaign in &mut campaigns {
                    if let Err(error) = &outcome {
                        campaign.evidence = CampaignEvidence {
                            not_read: Some(format!("reading them failed: {error}")),
                            ..CampaignEvidence::default()
                        };
                    }
                    campaign.evidence.read_at = Some(read_at.clone());
                }
                match &outcome {
                    Ok(read) => info!(
                        campaigns = campaigns.len(),
                        events = read,
                        seconds = started.elapsed().as_secs_f64(),
                        "campaign evidence read from the store"
                    ),
                    Err(error) => warn!(%error, "reading the campaigns' evidence failed"),
                }
                let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
                state.reading = false;
                state.last = Some(Read {
                    started,
                    events,
                    campaigns: campaigns
                        .into_iter()
                        .filter_map(|c| Some((c.id, (c.accounts.into_iter().min()?, c.evidence))))
                        .collect(),
                });
            });
        if let Err(error) = &spawned {
            warn!(%error, "cannot start the thread that reads the campaigns' evidence");
        }
        spawned.is_ok()
    }
}

/// Copies the campaigns' members' stored events to `path` and reads their evidence from it
/// into `campaigns`; returns how many events it read.
fn read(
    store: &Store,
    path: &Path,
    limits: hydrascope_engine::EvidenceLimits,
    campaigns: &mut [Campaign],
) -> Result<u64, ServeError> {
    let io_error = |context: &str| {
        let context = format!("{context} {}", path.display());
        move |source| ServeError::Io { context, source }
    };
    let members: HashSet<String> = campaigns
        .iter()
        .flat_map(|c| c.accounts.iter().cloned())
        .collect();
    let mut out = BufWriter::new(File::create(path).map_err(io_error("creating"))?);
    let events = store.write_events_of(&members, &mut out)?;
    out.flush().map_err(io_error("writing"))?;
    drop(out);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io_error("starting a runtime to read"))?;
    runtime.block_on(hydrascope_engine::attach_evidence(
        path,
        &Placement::Embedded(limits),
        SETTINGS,
        campaigns,
    ))?;
    Ok(events)
}
