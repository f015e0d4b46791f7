//! `hydrascope serve` end to end: the binary started as a server on 127.0.0.1, a simulated
//! scenario streamed through `POST /v1/events` in time order, the gateway's checks, and a
//! `kill -9` in the middle of a stream.
//!
//! The scale is CI's (campaigns of about fifty accounts among 400 honest ones, re-scored after
//! every six hours of traffic in debug builds). How early each campaign is caught at the bar's
//! scale is measured with `replay` in release builds (docs/detection.md); here the live path
//! must reach the same verdicts and act on them.

mod bar;
mod common;
mod openapi;
mod simulation;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bar::{HARD_NEGATIVES, MIN_CAMPAIGN_ACCOUNTS};
use common::{assert_success, hydrascope};
use hydrascope_events::time::parse_rfc3339;
use serde_json::{Value, json};
use simulation::simulate;

const TOKEN: &str = "e2e-token";
/// A token that may only check, as a gateway's.
const GATEWAY_TOKEN: &str = "gateway-token";
/// Event time streamed between two re-scores.
const BATCH_MILLIS: i64 = 6 * 3_600_000;

/// One event line of the simulation.
#[derive(Debug, Clone)]
struct Streamed {
    ts: i64,
    account: String,
    line: String,
}

/// One simulation shared by the tests of this file: the `all` scenario at CI scale.
struct Traffic {
    _dir: tempfile::TempDir,
    /// In time order.
    events: Vec<Streamed>,
    /// Account → (campaign, persona).
    truth: HashMap<String, (Option<String>, String)>,
}

fn traffic() -> &'static Traffic {
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

/// Batches of consecutive events, each covering [`BATCH_MILLIS`] of event time.
fn batches(events: &[Streamed]) -> Vec<&[Streamed]> {
    events
        .chunk_by(|a, b| a.ts.div_euclid(BATCH_MILLIS) == b.ts.div_euclid(BATCH_MILLIS))
        .collect()
}

fn ndjson(batch: &[Streamed]) -> String {
    let mut body = String::new();
    for event in batch {
        body.push_str(&event.line);
        body.push('\n');
    }
    body
}

/// A `hydrascope serve` process.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Server {
    /// Starts the server on a free port with its data in `data_dir`, re-scoring whenever
    /// events arrived (every 50 ms), and waits until it answers.
    fn start(data_dir: &Path, store_prompts: bool) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = data_dir.with_extension("toml");
        let policy = data_dir.with_extension("policy.toml");
        if !policy.exists() {
            std::fs::write(&policy, "").unwrap();
        }
        std::fs::write(
            &config,
            format!(
                "rescore_every_secs = 0.05\nstore_prompts = {store_prompts}\npolicy = {policy:?}\n\
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

    fn try_get(&self, path: &str) -> Option<(u16, String)> {
        self.get_with(path, Some(TOKEN))
    }

    fn get_with(&self, path: &str, token: Option<&str>) -> Option<(u16, String)> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().ok()?;
        let status = response.status().as_u16();
        Some((status, response.body_mut().read_to_string().unwrap()))
    }

    /// A successful GET, its answer checked against docs/openapi.json.
    fn get(&self, path: &str) -> Value {
        let (status, body) = self.try_get(path).expect("the server answers");
        assert_eq!(status, 200, "GET {path}: {body}");
        let value = serde_json::from_str(&body).unwrap();
        openapi::assert_answer("GET", path, status, &value);
        value
    }

    fn send(&self, method: &str, path: &str, body: &str) -> Result<(u16, Value), ureq::Error> {
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

    fn post(&self, path: &str, body: &str) -> Value {
        let (status, value) = self.send("POST", path, body).unwrap();
        assert_eq!(status, 200, "POST {path}: {value}");
        value
    }

    /// Streams batches of events, asserting that each is stored in full.
    fn stream(&self, batches: &[&[Streamed]], after_each: impl Fn(&Server)) {
        for batch in batches {
            let answer = self.post("/v1/events", &ndjson(batch));
            assert_eq!(answer["accepted"], batch.len(), "{answer}");
            after_each(self);
        }
    }

    fn check(&self, request: &Value) -> Value {
        self.post("/v1/check", &request.to_string())
    }

    fn kill(&mut self) {
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
fn verdicts_by_account(server: &Server, accounts: &HashSet<String>) -> BTreeMap<String, Value> {
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

#[test]
fn a_stream_of_campaigns_is_flagged_as_it_arrives_and_their_accounts_are_stopped() {
    let traffic = traffic();
    let work = tempfile::tempdir().unwrap();
    let server = Server::start(&work.path().join("data"), false);
    let rescore = |s: &Server| {
        s.post("/v1/admin/rescore", "");
    };
    server.stream(&batches(&traffic.events), rescore);

    let mut campaigns: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (account, (campaign, _)) in &traffic.truth {
        if let Some(campaign) = campaign {
            campaigns.entry(campaign).or_default().push(account);
        }
    }
    let mut exchanges_by: HashMap<&str, Vec<i64>> = HashMap::new();
    for event in &traffic.events {
        if let Some(campaign) = &traffic.truth[&event.account].0 {
            exchanges_by.entry(campaign).or_default().push(event.ts);
        }
    }
    for (campaign, accounts) in &campaigns {
        if accounts.len() < MIN_CAMPAIGN_ACCOUNTS {
            continue;
        }
        let states: Vec<Value> = accounts
            .iter()
            .map(|id| server.get(&format!("/v1/accounts/{id}")))
            .collect();
        let flagged = states.iter().filter(|s| s["flagged"] == true).count();
        assert!(
            flagged as f64 >= 0.95 * accounts.len() as f64,
            "{campaign}: {flagged} of {}",
            accounts.len()
        );
        // Detected early: the first flag came before a tenth of the campaign's exchanges.
        let first = states
            .iter()
            .filter_map(|s| s["first_flagged"].as_str())
            .map(|t| parse_rfc3339(t).unwrap())
            .min()
            .unwrap();
        let all = &exchanges_by[campaign];
        let before = all.iter().filter(|&&ts| ts < first).count();
        assert!(
            (before as f64) < 0.1 * all.len() as f64,
            "{campaign}: first flagged after {before} of {} exchanges",
            all.len()
        );
        // The gateway is told to stop them.
        for (id, state) in accounts.iter().zip(&states) {
            if state["flagged"] == true {
                let answer = server.check(&json!({ "account_id": id }));
                let decision = answer["decision"].as_str().unwrap();
                assert!(["challenge", "block"].contains(&decision), "{answer}");
                assert_eq!(answer["decided_by"], "detection");
            }
        }
    }
    // Honest heavy users stay allowed (or, at most, watched).
    for (account, (campaign, persona)) in &traffic.truth {
        if campaign.is_none() && HARD_NEGATIVES.contains(&persona.as_str()) {
            let answer = server.check(&json!({ "account_id": account }));
            let decision = answer["decision"].as_str().unwrap();
            assert!(
                ["allow", "monitor"].contains(&decision),
                "{persona}: {answer}"
            );
        }
    }
    // A campaign's replacement account is recognised on its first request by the card and
    // client of a flagged account.
    let qwen = campaigns["qwen-2026"][0];
    let first = traffic.events.iter().find(|e| e.account == qwen).unwrap();
    let mut request: Value = serde_json::from_str(&first.line).unwrap();
    request["account_id"] = json!("acct_replacement");
    let answer = server.check(&request);
    assert_eq!(answer["decided_by"], "recognition", "{answer}");
    assert_eq!(answer["decision"], "challenge", "{answer}");

    let campaigns_listed = server.get("/v1/campaigns");
    assert!(!campaigns_listed["campaigns"].as_array().unwrap().is_empty());
    let metrics = server.try_get("/metrics").unwrap().1;
    assert!(
        metrics.contains(&format!(
            "hydrascope_events_accepted_total {}",
            traffic.events.len()
        )),
        "{metrics}"
    );
}

#[test]
fn a_server_killed_mid_stream_counts_every_acknowledged_event_once_and_keeps_its_decisions() {
    let traffic = traffic();
    // The lead-in week and qwen's first two days.
    let end = parse_rfc3339("2026-04-24T00:00:00Z").unwrap();
    let events: Vec<Streamed> = traffic
        .events
        .iter()
        .filter(|e| e.ts < end)
        .cloned()
        .collect();
    let batches = batches(&events);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let half = batches.len() / 2;

    let mut server = Server::start(&data, true);
    server.stream(&batches[..half], |_| {});
    server.post("/v1/admin/rescore", "");
    let acked: usize = batches[..half].iter().map(|b| b.len()).sum();
    let seen: HashSet<String> = events[..acked].iter().map(|e| e.account.clone()).collect();
    let before_kill = verdicts_by_account(&server, &seen);
    let (status, _) = server
        .send(
            "PUT",
            "/v1/overrides/acct_partner",
            r#"{"action":"allow","author":"alice","reason":"evaluation partner"}"#,
        )
        .unwrap();
    assert_eq!(status, 200);
    // Kill it while the next batch is on its way.
    let in_flight = ndjson(batches[half]);
    let base = server.base.clone();
    let sender = std::thread::spawn(move || {
        ureq::post(format!("{base}/v1/events"))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .send(&in_flight)
            .is_ok()
    });
    std::thread::sleep(Duration::from_millis(5));
    server.kill();
    let acknowledged = sender.join().unwrap();

    let server = Server::start(&data, true);
    let stored = server.get("/readyz")["events"].as_u64().unwrap() as usize;
    // A batch is stored whole or not at all, and an acknowledged one is always stored.
    let in_flight_len = batches[half].len();
    assert!(
        stored == acked + in_flight_len || (!acknowledged && stored == acked),
        "stored {stored}, acknowledged {acked} (+{in_flight_len} in flight, acknowledged: \
         {acknowledged})"
    );
    if stored == acked {
        assert_eq!(verdicts_by_account(&server, &seen), before_kill);
    }
    let audit = server.get("/v1/audit?account=acct_partner");
    assert_eq!(audit["entries"][0]["author"], "alice");
    let answer = server.check(&json!({ "account_id": "acct_partner" }));
    assert_eq!(answer["decided_by"], "override");

    // The client re-sends from its last acknowledged batch: duplicates are not counted again.
    let resent = server.post("/v1/events", &ndjson(batches[half - 1]));
    assert_eq!(
        (resent["accepted"].as_u64(), resent["duplicates"].as_u64()),
        (Some(0), Some(batches[half - 1].len() as u64))
    );
    for batch in &batches[half..] {
        let answer = server.post("/v1/events", &ndjson(batch));
        let counted = answer["accepted"].as_u64().unwrap() + answer["duplicates"].as_u64().unwrap();
        assert_eq!(counted as usize, batch.len());
    }
    server.post("/v1/admin/rescore", "");
    assert_eq!(
        server.get("/readyz")["events"].as_u64().unwrap() as usize,
        events.len()
    );

    // The same events scanned in one batch reach the same verdicts.
    let subset = work.path().join("subset.jsonl");
    std::fs::write(&subset, ndjson(&events)).unwrap();
    assert_success(&hydrascope(
        &["scan", "subset.jsonl", "--out", "scan"],
        work.path(),
    ));
    let scanned = std::fs::read_to_string(work.path().join("scan/verdicts.jsonl")).unwrap();
    for line in scanned.lines() {
        let verdict: Value = serde_json::from_str(line).unwrap();
        let id = verdict["account_id"].as_str().unwrap();
        let live = server.get(&format!("/v1/accounts/{id}"));
        for field in ["score", "flagged", "action", "cluster_id"] {
            assert_eq!(live[field], verdict[field], "{id} {field}");
        }
    }
}

#[test]
fn refusals_say_why_and_a_bad_policy_leaves_the_old_one_in_force() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let server = Server::start(&data, false);
    let answer = |path: &str, token: Option<&str>| {
        let (status, body) = server.get_with(path, token).unwrap();
        let value: Value = serde_json::from_str(&body).unwrap();
        openapi::assert_answer("GET", path, status, &value);
        (status, value)
    };
    assert_eq!(answer("/v1/campaigns", None).0, 401);
    assert_eq!(answer("/v1/campaigns", Some(GATEWAY_TOKEN)).0, 403);
    assert_eq!(answer("/v1/accounts/acct_never_seen", Some(TOKEN)).0, 404);
    assert_eq!(answer("/v1/campaigns/c-9999", Some(TOKEN)).0, 404);
    assert_eq!(answer("/healthz", None).0, 200);

    let (status, body) = server
        .send(
            "PUT",
            "/v1/overrides/acct_1",
            r#"{"action":"block","author":"","reason":"x"}"#,
        )
        .unwrap();
    assert_eq!(status, 422, "{body}");
    let (status, body) = server.send("POST", "/v1/events", "[{\"ts\": 1,").unwrap();
    assert_eq!(
        (status, &body["rejected"][0]["kind"]),
        (200, &json!("not_json"))
    );

    std::fs::write(
        data.with_extension("policy.toml"),
        "[verdict]\nflag_threshold = 3\n",
    )
    .unwrap();
    let (status, body) = server.send("POST", "/v1/admin/reload", "").unwrap();
    assert_eq!(status, 422);
    assert!(
        body["error"].as_str().unwrap().contains("flag_threshold"),
        "{body}"
    );
    let check = server.check(&json!({ "account_id": "acct_1" }));
    assert_eq!(check["decision"], "allow");
    std::fs::write(
        data.with_extension("policy.toml"),
        "[verdict]\nflag_threshold = 0.9\n",
    )
    .unwrap();
    assert_eq!(server.post("/v1/admin/reload", "")["reloaded"], true);
}
