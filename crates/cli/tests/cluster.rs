//! `scan --cluster` on a real Apache DataFusion Ballista cluster: a `hydrascope scheduler`
//! and two `hydrascope executor` processes on 127.0.0.1, scanning the canonical dataset of a
//! simulated scenario from local files and from object storage (an S3 server on 127.0.0.1:
//! `moto_server`, from `pip install "moto[server]"`, which `.ci/run` installs). The verdicts
//! and campaigns must equal the embedded scan's; and when an executor is killed during a
//! scan, the scan must either complete with the same verdicts (its tasks retried on the
//! other executor) or fail with an error, never write a partial result.

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

/// The `AWS_*` environment every process of the test gets: object stores are reached with
/// it (the bucket is the test's S3 server's).
fn aws_environment(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "hydrascope".into()),
        ("AWS_SECRET_ACCESS_KEY", "hydrascope".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("AWS_ALLOW_HTTP", "true".into()),
    ]
}

fn spawn(args: &[&str], environment: &[(&str, String)]) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args(args)
        .envs(environment.iter().map(|(k, v)| (k, v)))
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
    fn start(work: &Path, environment: &[(&str, String)]) -> Cluster {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let scheduler = spawn(
            &[
                "scheduler",
                "--bind",
                &bind,
                "--executor-timeout-secs",
                "10",
            ],
            environment,
        );
        wait_for_port(port);
        let executors = (0..2)
            .map(|i| {
                let (flight, grpc) = (free_port(), free_port());
                let dir = work.join(format!("executor-{i}"));
                std::fs::create_dir_all(&dir).unwrap();
                let executor = spawn(
                    &[
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
                    ],
                    environment,
                );
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

/// Uploads the directory `argv[2]` to `s3://hydrascope/dataset/` of the S3 server at `argv[1]`.
const UPLOAD: &str = r#"
import boto3, os, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="hydrascope",
                  aws_secret_access_key="hydrascope", region_name="us-east-1")
s3.create_bucket(Bucket="hydrascope")
for root, _, files in os.walk(sys.argv[2]):
    for name in files:
        path = os.path.join(root, name)
        s3.upload_file(path, "hydrascope", "dataset/" + os.path.relpath(path, sys.argv[2]))
"#;

/// A local S3 server (moto) holding `dataset` under `s3://hydrascope/dataset/`.
fn object_store_with(dataset: &Path) -> (Process, u16) {
    let port = free_port();
    let server = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server runs (pip install \"moto[server]\"; .ci/run installs it)");
    let server = Process(server);
    wait_for_port(port);
    let upload = Command::new("python3")
        .args([
            "-c",
            UPLOAD,
            &format!("http://127.0.0.1:{port}"),
            dataset.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&upload);
    (server, port)
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
    let (_object_store, s3_port) = object_store_with(&dir.join("dataset"));
    let environment = aws_environment(s3_port);
    let mut cluster = Cluster::start(dir, &environment);
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

    // The same dataset in object storage gives the same verdicts and campaigns.
    let from_s3 = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args(["scan", "s3://hydrascope/dataset/", "--out", "from-s3"])
        .args(["--cluster", &cluster.url])
        .current_dir(dir)
        .envs(environment.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert_success(&from_s3);
    assert_eq!(verdicts(&dir.join("from-s3")), embedded);
    assert_eq!(
        campaigns(&dir.join("from-s3")),
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
