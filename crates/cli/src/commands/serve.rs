//! `hydrascope serve`: the live defense service (see `docs/serve.md`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use hydrascope_serve::Config;
use hydrascope_serve::config::TOKEN_VARIABLE;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8787, or the configuration's].
    #[arg(long)]
    pub listen: Option<String>,
    /// Directory of the service's store [default: ./hydrascope-data, or the configuration's].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Configuration file (TOML; `serve.example.toml` documents every key).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let mut config = Config::load(args.config.as_deref(), std::env::var(TOKEN_VARIABLE).ok())?;
    if let Some(listen) = &args.listen {
        config.listen = listen
            .parse()
            .with_context(|| format!("--listen is not an address:port: {listen}"))?;
    }
    if let Some(dir) = &args.data_dir {
        config.data_dir = dir.clone();
    }
    eprintln!(
        "hydrascope serve: reading the store in {}, then listening on {} (ready when /readyz \
         answers)",
        config.data_dir.display(),
        config.listen
    );
    let runtime = tokio::runtime::Runtime::new().context("starting the service runtime")?;
    runtime.block_on(hydrascope_serve::run(config, shutdown_signal()))?;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM, for a graceful stop.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
