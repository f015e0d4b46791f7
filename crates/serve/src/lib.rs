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

pub mod check;
pub mod config;
mod detector;
pub mod error;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod shared;
pub mod snapshot;
pub mod store;

use std::future::Future;
use std::sync::Arc;

use hydrascope_core::policy::Policy;
use tokio::net::TcpListener;
use tracing::{info, warn};

pub use config::Config;
use detector::Detector;
pub use error::ServeError;
use shared::Shared;
use store::Store;

/// The running service's state, shared by every handler.
pub struct App {
    pub config: Config,
    pub store: Arc<Store>,
    pub shared: Arc<Shared>,
    detector: Detector,
}

impl App {
    /// Opens the store, rebuilds detection from it and publishes the first snapshot.
    pub fn open(config: Config) -> Result<App, ServeError> {
        let policy = load_policy(&config)?;
        let store = Arc::new(Store::open(&config.data_dir)?);
        let shared = Shared::new(store.overrides()?);
        let detector =
            Detector::start(store.clone(), shared.clone(), policy, config.rescore_every)?;
        Ok(App {
            config,
            store,
            shared,
            detector,
        })
    }

    /// Reads the policy file again and puts it in force; a policy that does not validate is
    /// refused and the one in force stays.
    pub fn reload_policy(&self) -> Result<(), ServeError> {
        let policy = load_policy(&self.config)?;
        self.detector.reload(policy)?;
        info!("policy reloaded");
        Ok(())
    }
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
