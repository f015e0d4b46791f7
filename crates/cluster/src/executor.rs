//! `hydrascope executor`: a Ballista executor that can run hydrascope's functions.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::object_store::{runtime_env_with_s3_support, session_config_with_s3_support};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use hydrascope_engine::Functions;

use crate::ClusterError;
use crate::scheduler::HEARTBEAT_SECS;

/// Where an executor listens and what it joins.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's gRPC address.
    pub scheduler: SocketAddr,
    /// The Arrow Flight address other executors and clients fetch results from.
    pub bind: SocketAddr,
    /// The port of the executor's own gRPC service, on the same host.
    pub grpc_port: u16,
    /// Tasks run at once (the cores it offers).
    pub concurrent_tasks: usize,
    /// Where shuffle files are written; a temporary directory when `None`.
    pub work_dir: Option<PathBuf>,
}

/// Runs an executor until the process is stopped (Ctrl-C or SIGTERM).
pub async fn run_executor(options: ExecutorOptions) -> Result<(), ClusterError> {
    let host = options.bind.ip().to_string();
    let spill_dir = options.work_dir.clone();
    let config = ExecutorProcessConfig {
        bind_host: host.clone(),
        external_host: Some(host),
        port: options.bind.port(),
        grpc_port: options.grpc_port,
        scheduler_host: options.scheduler.ip().to_string(),
        scheduler_port: options.scheduler.port(),
        vcores: options.concurrent_tasks,
        work_dir: options
            .work_dir
            .map(|dir| dir.to_string_lossy().into_owned()),
        executor_heartbeat_interval_seconds: HEARTBEAT_SECS,
        override_function_registry: Some(Arc::new(registry())),
        override_config_producer: Some(Arc::new(session_config_with_s3_support)),
        // Object stores, and spill files beside the shuffle files as Ballista's own runtime
        // puts them (its memory pool is applied on top of this runtime).
        override_runtime_producer: Some(Arc::new(move |config| {
            let with_stores = runtime_env_with_s3_support(config)?;
            let mut runtime = RuntimeEnvBuilder::from_runtime_env(&with_stores);
            if let Some(dir) = &spill_dir {
                runtime = runtime.with_temp_file_path(dir);
            }
            runtime.build_arc()
        })),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}

/// Ballista's default functions and hydrascope's.
fn registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    let functions = Functions::new();
    for function in functions.scalar {
        registry
            .scalar_functions
            .insert(function.name().to_owned(), Arc::new(function));
    }
    for function in functions.aggregate {
        registry
            .aggregate_functions
            .insert(function.name().to_owned(), Arc::new(function));
    }
    registry
}
