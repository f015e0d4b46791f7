//! `hydrascope scheduler`: a Ballista scheduler whose sessions know hydrascope's functions.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::object_store::{session_config_with_s3_support, session_state_with_s3_support};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};
use hydrascope_engine::register_functions;

use crate::ClusterError;

/// How long an executor may stay silent before the scheduler counts it dead and runs its
/// tasks elsewhere, by default: six of its heartbeats ([`HEARTBEAT_SECS`]). Ballista's own
/// default, 180 s, leaves a scan waiting three minutes for a killed executor.
pub const EXECUTOR_TIMEOUT_SECS: u64 = 30;

/// How often an executor tells the scheduler it is alive.
pub const HEARTBEAT_SECS: u64 = 5;

/// Runs a scheduler on `bind` until the process is stopped, counting an executor dead after
/// `executor_timeout_secs` without a heartbeat. Its cluster state is kept in memory: a
/// restarted scheduler forgets running jobs, whose clients then fail.
pub async fn run_scheduler(
    bind: SocketAddr,
    executor_timeout_secs: u64,
) -> Result<(), ClusterError> {
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        external_host: bind.ip().to_string(),
        bind_port: bind.port(),
        executor_timeout_seconds: executor_timeout_secs,
        expire_dead_executor_interval_seconds: HEARTBEAT_SECS,
        no_executors_grace_period_seconds: executor_timeout_secs,
        ..SchedulerConfig::default()
    };
    let config = config
        .with_override_config_producer(Arc::new(session_config_with_s3_support))
        .with_override_session_builder(Arc::new(session_state));
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, bind, Arc::new(config)).await?;
    Ok(())
}

/// Ballista's session state for a job, with hydrascope's functions registered (the scheduler
/// decodes the client's logical plan against it) and object stores (it lists the input's
/// files).
fn session_state(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let ctx = SessionContext::new_with_state(session_state_with_s3_support(config)?);
    register_functions(&ctx);
    Ok(ctx.state())
}
