//! A `hydrascope serve` process for the end-to-end tests, and the simulated traffic they
//! stream into it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hydrascope_events::time::parse_rfc3339;
use serde_json::{Value, json};

use crate::common::{assert_success, hydrascope};
use crate::openapi;
use crate::simulation::simulate;

pub const TOKEN: &str = "e2e-token";
/// A token that may only check, as a gateway's.
pub const GATEWAY_TOKEN: &str = "gateway-token";
/// Event time streamed between two re-scores.
pub const BATCH_MILLIS: i64 = 6 * 3_600_000;

/// One event line of the simulation.
#[derive(Debug, Clone)]
pub struct Streamed {
    pub ts: i64,
    pub account: String,
    pub line: String,
}

/// One simulation shared by the tests of this file: the `all` scenario at CI scale.
pub struct Traffic {
    _dir: tempfile::TempDir,
    /// In time order.
    pub events: Vec<Streamed>,
    /// Account → (campaign, persona).
    pub truth: HashMap<String, (Option<String>, String)>,
}

pub fn traffic() -> &'static Traffic {
    static TRAFFIC: OnceLock<Traffic> = OnceLock::new();
    TRAFFIC.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        simulate(dir.path(), "all", 0.002, 400, 11);
        let mut text = String::new();
        zstd::Decoder::new(std::fs::File::open(dir.path().join("sim/events.jsonl.zst")).unwrap())
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let events = text
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).unwrap();
                Streamed {
                    ts: parse_rfc3339(value["ts"].as_str().unwrap()).unwrap(),
                    account: value["account_id"].as_str().unwrap().to_owned(),
                    line: line.to_owned(),
                }
            })
            .collect();
        let truth = std::fs::read_to_string(dir.path().join("sim/truth.jsonl"))
            .unwrap()
            .lines()
            .map(|line| {
                let t: Value = serde_json::from_str(line).unwrap();
                let campaign = t["campaign"].as_str().map(str::to_owned);
                let persona = t["persona"].as_str().unwrap().to_owned();
                (
                    t["account_id"].as_str().unwrap().to_owned(),
                    (campaign, persona),
                )
            })
            .collect();
        Traffic {
            _dir: dir,
            events,
            truth,
        }
    })
}

/// The lead-in week and qwen's first two days: the crash tests' stream.
pub fn until_qwens_third_day(traffic: &Traffic) -> Vec<Streamed> {
    let end = parse_rfc3339("2026-04-24T00:00:00Z").unwrap();
    traffic
        .events
        .iter()
        .filter(|e| e.ts < end)
        .cloned()
        .collect()
}

/// A port free on 127.0.0.1 at the time of asking.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Batches of consecutive events, each covering [`BATCH_MILLIS`] of event time.
pub fn batches(events: &[Streamed]) -> Vec<&[Streamed]> {
    events
        .chunk_by(|a, b| a.ts.div_euclid(BATCH_MILLIS) == b.ts.div_euclid(BATCH_MILLIS))
        .collect()
}

pub fn ndjson(batch: &[Streamed]) -> String {
    let mut body = String::new();
    for event in batch {
        body.push_str(&event.line);
        body.push('\n');
    }
    body
}

/// A `hydrascope serve` process.
pub struct Server {
    child: Child,
    pub base: String,
    agent: ureq::Agent,
}

impl Server {
    /// Starts the server on a free port with its data in `data_dir`, re-scoring whenever
    /// events arrived (every 50 ms), and waits until it answers. `settings` is added to its
    /// configuration, before the tokens.
    pub fn start(data_dir: &Path, settings: &str) -> Server {
        let port = free_port();
        let config = data_dir.with_extension("toml");
        let policy = data_dir.with_extension("policy.toml");
        if !policy.exists() {
            std::fs::write(&policy, "").unwrap();
        }
        std::fs::write(
            &config,
            format!(
                "rescore_every_secs = 0.05\npolicy = {policy:?}\n{settings}\n\
                 [tokens]\nall = [\"{TOKEN}\"]\ncheck = [\"{GATEWAY_TOKEN}\"]\n"
            ),
        )
        .unwrap();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(data_dir)
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let server = Server {
            child,
            base: format!("http://{listen}"),
            agent,
        };
        let deadline = Instant::now() + Duration::from_secs(300);
        while server.try_get("/readyz").is_none() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    pub fn try_get(&self, path: &str) -> Option<(u16, String)> {
        self.get_with(path, Some(TOKEN))
    }

    pub fn get_with(&self, path: &str, token: Option<&str>) -> Option<(u16, String)> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().ok()?;
        let status = response.status().as_u16();
        Some((status, response.body_mut().read_to_string().unwrap()))
    }

    /// A successful GET, its answer checked against docs/openapi.json.
    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.try_get(path).expect("the server answers");
        assert_eq!(status, 200, "GET {path}: {body}");
        let value = serde_json::from_str(&body).unwrap();
        openapi::assert_answer("GET", path, status, &value);
        value
    }

    pub fn send(&self, method: &str, path: &str, body: &str) -> Result<(u16, Value), ureq::Error> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "PUT" => self.agent.put(&url),
            _ => self.agent.post(&url),
        };
        let mut response = request
            .header("Authorization", format!("Bearer {TOKEN}"))
            .header("Content-Type", "application/json")
            .send(body)?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        openapi::assert_answer(method, path, status, &value);
        Ok((status, value))
    }

    pub fn post(&self, path: &str, body: &str) -> Value {
        let (status, value) = self.send("POST", path, body).unwrap();
        assert_eq!(status, 200, "POST {path}: {value}");
        value
    }

    /// Streams batches of events, asserting that each is stored in full.
    pub fn stream(&self, batches: &[&[Streamed]], after_each: impl Fn(&Server)) {
        for batch in batches {
            let answer = self.post("/v1/events", &ndjson(batch));
            assert_eq!(answer["accepted"], batch.len(), "{answer}");
            after_each(self);
        }
    }

    pub fn check(&self, request: &Value) -> Value {
        self.post("/v1/check", &request.to_string())
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Every account's verdict fields that must not depend on how the events arrived.
pub fn verdicts_by_account(server: &Server, accounts: &HashSet<String>) -> BTreeMap<String, Value> {
    accounts
        .iter()
        .map(|id| {
            let a = server.get(&format!("/v1/accounts/{id}"));
            let kept = json!({
                "score": a["score"], "flagged": a["flagged"], "action": a["action"],
                "cluster_id": a["cluster_id"], "exchanges": a["exchanges"],
            });
            (id.clone(), kept)
        })
        .collect()
}

/// Asserts that the server's verdicts are those of `hydrascope scan` over the same events.
pub fn assert_verdicts_equal_a_scan(server: &Server, events: &[Streamed], work: &Path) {
    let subset = work.join("subset.jsonl");
    std::fs::write(&subset, ndjson(events)).unwrap();
    assert_success(&hydrascope(
        &["scan", "subset.jsonl", "--out", "scan"],
        work,
    ));
    let scanned = std::fs::read_to_string(work.join("scan/verdicts.jsonl")).unwrap();
    for line in scanned.lines() {
        let verdict: Value = serde_json::from_str(line).unwrap();
        let id = verdict["account_id"].as_str().unwrap();
        let live = server.get(&format!("/v1/accounts/{id}"));
        for field in ["score", "flagged", "action", "cluster_id"] {
            assert_eq!(
                live[field], verdict[field],
                "{id} {field}\nlive {live}\nscan {verdict}"
            );
        }
    }
}

/// Asserts that the service's campaigns, once it has read the values behind their evidence
/// from its stored events, list those of the scan that [`assert_verdicts_equal_a_scan`] left
/// in `work`: the same infrastructure, and the same template frames with the same counts.
/// The service stored sketches, not prompts, so its templates have no example prompts.
pub fn assert_evidence_equals_the_scans(server: &Server, work: &Path) {
    let text = std::fs::read_to_string(work.join("scan/campaigns.json")).unwrap();
    let scanned: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(!scanned.is_empty(), "the scan found no campaign");
    let frames = |campaign: &Value| -> Vec<(Value, Value, Value)> {
        campaign["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["frame"].clone(),
                    t["accounts"].clone(),
                    t["exchanges"].clone(),
                )
            })
            .collect()
    };
    for campaign in &scanned {
        let id = campaign["id"].as_str().unwrap();
        let live = read_evidence(server, id);
        assert!(live["read_at"].is_string(), "{live}");
        assert_eq!(live["infrastructure"], campaign["infrastructure"], "{id}");
        assert!(!campaign["infrastructure"].as_object().unwrap().is_empty());
        assert_eq!(live["distinct_templates"], campaign["distinct_templates"]);
        assert_eq!(frames(&live), frames(campaign), "{id}");
        for template in live["templates"].as_array().unwrap() {
            assert_eq!(template["examples"], json!([]), "{id}");
        }
    }
}

/// `/v1/campaigns/{id}` once the service has read the campaign's evidence.
pub fn read_evidence(server: &Server, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let campaign = server.get(&format!("/v1/campaigns/{id}"));
        let Some(reason) = campaign["not_read"].as_str() else {
            return campaign;
        };
        assert!(reason.contains("being read"), "{campaign}");
        assert!(Instant::now() < deadline, "{id}: still {reason}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
