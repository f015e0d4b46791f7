//! `hydrascope scheduler` and `hydrascope executor`: a Ballista cluster that runs `scan`'s
//! plans (docs/cluster.md), and the client side of `scan --cluster`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use hydrascope_cluster::ExecutorOptions;
use hydrascope_engine::Placement;

#[derive(Args, Debug)]
pub struct SchedulerArgs {
    /// Address and port the scheduler listens on; clients connect to df://HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:50050")]
    pub bind: SocketAddr,
    /// Seconds without a heartbeat after which an executor counts as dead and its tasks run
    /// elsewhere (executors beat every 5 s).
    #[arg(long, default_value_t = hydrascope_cluster::EXECUTOR_TIMEOUT_SECS)]
    pub executor_timeout_secs: u64,
}

#[derive(Args, Debug)]
pub struct ExecutorArgs {
    /// The scheduler's address and port.
    #[arg(long)]
    pub scheduler: SocketAddr,
    /// Address and port of the executor's Arrow Flight service (results and shuffles).
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub bind: SocketAddr,
    /// Port of the executor's gRPC service, on the same address [default: the Flight port + 1].
    #[arg(long)]
    pub grpc_port: Option<u16>,
    /// Tasks run at once [default: the machine's cores].
    #[arg(long)]
    pub concurrent_tasks: Option<usize>,
    /// Directory for shuffle files [default: a temporary directory].
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

pub fn run_scheduler(args: &SchedulerArgs) -> anyhow::Result<()> {
    eprintln!("hydrascope scheduler: listening on df://{}", args.bind);
    runtime()?
        .block_on(hydrascope_cluster::run_scheduler(
            args.bind,
            args.executor_timeout_secs,
        ))
        .with_context(|| format!("running the scheduler on {}", args.bind))
}

pub fn run_executor(args: &ExecutorArgs) -> anyhow::Result<()> {
    let grpc_port = match args.grpc_port {
        Some(port) => port,
        None => args
            .bind
            .port()
            .checked_add(1)
            .context("--bind's port is the last one: give --grpc-port")?,
    };
    let options = ExecutorOptions {
        scheduler: args.scheduler,
        bind: args.bind,
        grpc_port,
        concurrent_tasks: args
            .concurrent_tasks
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        work_dir: args.work_dir.clone(),
    };
    eprintln!(
        "hydrascope executor: {} (gRPC port {grpc_port}), joining the scheduler at {}",
        args.bind, args.scheduler
    );
    runtime()?
        .block_on(hydrascope_cluster::run_executor(options))
        .with_context(|| format!("running the executor on {}", args.bind))
}

/// The cluster whose scheduler is at `url`, for `scan --cluster`; the evidence pass writes
/// its small tables under `scratch`.
pub fn placement(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    scratch: PathBuf,
) -> anyhow::Result<Placement> {
    let ctx = runtime.block_on(hydrascope_cluster::connect(url))?;
    Ok(Placement::Cluster { ctx, scratch })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("starting the runtime")
}
