//! `hydrascope serve`: the live defense service.
//!
//! A provider cannot wait for a weekly scan while a campaign harvests hundreds of thousands of
//! exchanges a day. The service runs beside the API gateway: it stores every exchange it is
//! sent (durably, idempotently), keeps the same detection state as `replay`
//! ([`hydrascope_core::replay::Incremental`]) and answers the gateway's question — may this
//! account send this request? — from the last re-score, without waiting for it.
//!
//! ```text
//!  POST /v1/events ─► parse, quarantine ─► Store (redb, fsync) ─► ack
//!                                              │
//!                                              └─► Detector thread: observe, re-score on a timer
//!                                                        │ publishes
//!  POST /v1/check ─► overrides ─► Snapshot (ArcSwap) ◄───┘ verdicts, campaigns, campaign keys
//! ```

pub mod broker;
pub mod check;
pub mod config;
mod dashboard;
mod detector;
pub mod error;
pub mod evidence;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod shared;
pub mod snapshot;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use hydrascope_core::policy::Policy;
use hydrascope_core::recognise::PartnerKeys;
use hydrascope_events::Event;
use hydrascope_report::stix::read_indicators;
use tokio::net::TcpListener;
use tracing::{info, warn};

pub use config::Config;
use detector::Detector;
pub use error::ServeError;
use evidence::LiveEvidence;
use ingest::{IngestAnswer, Received};
use shared::Shared;
use store::{Appended, Batch, BrokerPosition, Store};

/// The running service's state, shared by every handler.
pub struct App {
    pub config: Config,
    pub store: Arc<Store>,
    pub shared: Arc<Shared>,
    /// The values behind the campaigns' evidence, read on demand.
    pub evidence: LiveEvidence,
    detector: Detector,
}

impl App {
    /// Opens the store, rebuilds detection from it and publishes the first snapshot.
    pub fn open(config: Config) -> Result<App, ServeError> {
        let policy = load_policy(&config)?;
        let store = Arc::new(Store::open(&config.data_dir, config.store_cache_bytes)?);
        let shared = Shared::new(store.overrides()?);
        shared.partners.store(Arc::new(load_partners(&config)?));
        let detector =
            Detector::start(store.clone(), shared.clone(), policy, config.rescore_every)?;
        let evidence = LiveEvidence::new(config.evidence, store.clone(), &config.data_dir);
        Ok(App {
            config,
            store,
            shared,
            evidence,
            detector,
        })
    }

    /// Reads the policy file and the partners' indicators again and puts them in force; a
    /// policy or an indicators file that does not validate is refused and the ones in force
    /// stay.
    pub fn reload_policy(&self) -> Result<(), ServeError> {
        let policy = load_policy(&self.config)?;
        let partners = load_partners(&self.config)?;
        self.detector.reload(policy)?;
        self.shared.partners.store(Arc::new(partners));
        info!("policy and indicators reloaded");
        Ok(())
    }
}

impl App {
    /// Runs a store operation off the async workers: redb commits wait for the disk.
    pub async fn on_store<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&Store) -> Result<T, ServeError> + Send + 'static,
    ) -> Result<T, ServeError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || operation(&store))
            .await
            .map_err(|error| ServeError::Task(error.to_string()))?
    }

    /// Stores what was received in one durable commit (with the broker position, when it
    /// came from a broker), then hands the new events to the detector and counts everything.
    /// Returns once the batch is on disk: only then may its sender be acknowledged.
    pub async fn ingest(
        &self,
        received: Received,
        position: Option<(String, u64)>,
    ) -> Result<IngestAnswer, ServeError> {
        let quarantined = received.quarantined();
        let events = received.events;
        let (events, outcome) = self
            .on_store(move |store| {
                let batch = Batch {
                    events: &events,
                    quarantined: &quarantined,
                    position: position
                        .as_ref()
                        .map(|(consumer, sequence)| BrokerPosition {
                            consumer,
                            sequence: *sequence,
                        }),
                };
                let outcome = store.append(&batch)?;
                Ok((events, outcome))
            })
            .await?;
        let new: Vec<Event> = events
            .into_iter()
            .zip(&outcome)
            .filter(|(_, o)| matches!(o, Appended::New(_)))
            .map(|(e, _)| e)
            .collect();
        let metrics = &self.shared.metrics;
        let accepted = new.len();
        metrics.events_accepted.inc_by(accepted as u64);
        metrics
            .events_duplicate
            .inc_by((outcome.len() - accepted) as u64);
        for (_, record) in &received.bad {
            metrics.rejected(&record.kind);
        }
        self.detector.observe(new)?;
        Ok(IngestAnswer {
            accepted,
            duplicates: outcome.len() - accepted,
            rejected: received.bad.into_iter().map(|(_, b)| b).collect(),
        })
    }
}

fn load_partners(config: &Config) -> Result<PartnerKeys, ServeError> {
    let Some(path) = &config.indicators else {
        return Ok(PartnerKeys::default());
    };
    let campaigns = read_indicators(path).map_err(|error| ServeError::Config {
        path: path.clone(),
        message: error.to_string(),
    })?;
    let keys = PartnerKeys::of(&campaigns);
    info!(
        campaigns = campaigns.len(),
        keys = keys.len(),
        "partners' indicators loaded"
    );
    Ok(keys)
}

fn load_policy(config: &Config) -> Result<Policy, ServeError> {
    let Some(path) = &config.policy else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path).map_err(|source| ServeError::Io {
        context: format!("reading the policy {}", path.display()),
        source,
    })?;
    Policy::from_toml_str(&text).map_err(|source| ServeError::Policy {
        path: path.clone(),
        source,
    })
}

/// Runs the service until `shutdown` completes. Reloads the policy on SIGHUP.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listen = config.listen;
    let app = Arc::new(tokio::task::block_in_place(|| App::open(config))?);
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Io {
            context: format!("listening on {listen}"),
            source,
        })?;
    info!(%listen, "serving");
    tokio::spawn(reload_on_hangup(app.clone()));
    if let Some(broker) = app.config.broker.clone() {
        tokio::spawn(broker::consume_forever(app.clone(), broker));
    }
    axum::serve(listener, http::router(app))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServeError::Io {
            context: "serving HTTP".into(),
            source,
        })
}

async fn reload_on_hangup(app: Arc<App>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        warn!("cannot listen for SIGHUP; reload the policy through /v1/admin/reload");
        return;
    };
    while hangups.recv().await.is_some() {
        if let Err(error) = app.reload_policy() {
            warn!(%error, "the new policy was refused; the old one stays in force");
        }
    }
}
