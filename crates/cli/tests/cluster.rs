//! `scan --cluster` on a real Apache DataFusion Ballista cluster: a `hydrascope scheduler`
//! and two `hydrascope executor` processes on 127.0.0.1, scanning the canonical dataset of a
//! simulated scenario. The verdicts and campaigns must equal the embedded scan's; and when an
//! executor is killed during a scan, the scan must either complete with the same verdicts
//! (its tasks retried on the other executor) or fail with an error, never write a partial
//! result.

#![cfg(feature = "cluster")]

mod common;
mod simulation;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_success, hydrascope};
use serde_json::Value;
use simulation::simulate;

/// A child process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the hydrascope binary runs");
    Process(child)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A scheduler and two executors, each a process of its own.
struct Cluster {
    url: String,
    executors: Vec<Process>,
    _scheduler: Process,
}

impl Cluster {
    fn start(work: &Path) -> Cluster {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let scheduler = spawn(&[
            "scheduler",
            "--bind",
            &bind,
            "--executor-timeout-secs",
            "10",
        ]);
        wait_for_port(port);
        let executors = (0..2)
            .map(|i| {
                let (flight, grpc) = (free_port(), free_port());
                let dir = work.join(format!("executor-{i}"));
                std::fs::create_dir_all(&dir).unwrap();
                let executor = spawn(&[
                    "executor",
                    "--scheduler",
                    &bind,
                    "--bind",
                    &format!("127.0.0.1:{flight}"),
                    "--grpc-port",
                    &grpc.to_string(),
                    "--concurrent-tasks",
                    "2",
                    "--work-dir",
                    dir.to_str().unwrap(),
                ]);
                wait_for_port(flight);
                executor
            })
            .collect();
        Cluster {
            url: format!("df://{bind}"),
            executors,
            _scheduler: scheduler,
        }
    }
}

/// Every verdict of a scan's output directory, by account id.
fn verdicts(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("verdicts.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn campaigns(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("campaigns.json")).unwrap()).unwrap()
}

#[test]
fn a_scan_on_a_two_executor_cluster_equals_the_embedded_scan_and_survives_or_refuses_a_lost_executor()
 {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    simulate(dir, "all", 0.002, 400, 11);
    assert_success(&hydrascope(
        &["ingest", "sim/events.jsonl.zst", "--out", "dataset"],
        dir,
    ));
    assert_success(&hydrascope(&["scan", "dataset", "--out", "embedded"], dir));
    let mut cluster = Cluster::start(dir);
    let scanned = hydrascope(
        &[
            "scan",
            "dataset",
            "--out",
            "clustered",
            "--cluster",
            &cluster.url,
        ],
        dir,
    );
    assert_success(&scanned);

    // The same verdicts, account by account (scores exactly: the summaries merge the same
    // whatever the partitioning), and the same campaigns.
    let embedded = verdicts(&dir.join("embedded"));
    assert!(embedded.iter().filter(|v| v["flagged"] == true).count() >= 50);
    assert_eq!(verdicts(&dir.join("clustered")), embedded);
    assert_eq!(
        campaigns(&dir.join("clustered")),
        campaigns(&dir.join("embedded"))
    );

    // A raw input is refused with the reason: executors read the canonical dataset only.
    let raw = hydrascope(
        &[
            "scan",
            "sim/events.jsonl.zst",
            "--out",
            "raw",
            "--cluster",
            &cluster.url,
        ],
        dir,
    );
    assert!(!raw.status.success());
    assert!(
        String::from_utf8_lossy(&raw.stderr).contains("hydrascope ingest"),
        "{raw:?}"
    );

    // One executor is killed while a scan runs: the scan completes on the other with the
    // same verdicts, or fails and says so; it never writes a partial result.
    let mut scan = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args([
            "scan",
            "dataset",
            "--out",
            "survivor",
            "--cluster",
            &cluster.url,
        ])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        scan.try_wait().unwrap().is_none(),
        "the scan ended before the executor was killed"
    );
    drop(cluster.executors.pop());
    let outcome = scan.wait_with_output().unwrap();
    if outcome.status.success() {
        assert_eq!(verdicts(&dir.join("survivor")), embedded);
    } else {
        let error = String::from_utf8_lossy(&outcome.stderr);
        assert!(error.contains("on the cluster"), "{error}");
        assert!(!dir.join("survivor/verdicts.jsonl").exists());
        assert!(!dir.join("survivor/campaigns.json").exists());
    }
}
