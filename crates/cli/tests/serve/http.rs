//! Through HTTP: a simulated scenario streamed through `POST /v1/events` in time order, the
//! gateway's checks, and a `kill -9` in the middle of a stream.
//!
//! The scale is CI's (campaigns of about fifty accounts among 400 honest ones, re-scored after
//! every six hours of traffic in debug builds). How early each campaign is caught at the bar's
//! scale is measured with `replay` in release builds (docs/detection.md); here the live path
//! must reach the same verdicts and act on them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use crate::bar::{HARD_NEGATIVES, MIN_CAMPAIGN_ACCOUNTS};
use crate::browser::{assert_numbers_match, browser_dom, screenshot};
use crate::openapi;
use crate::service::{
    GATEWAY_TOKEN, Server, TOKEN, assert_verdicts_equal_a_scan, batches, ndjson, read_evidence,
    traffic, until_qwens_third_day, verdicts_by_account,
};
use hydrascope_events::time::parse_rfc3339;
use serde_json::{Value, json};

#[test]
fn a_stream_of_campaigns_is_flagged_as_it_arrives_and_their_accounts_are_stopped() {
    let traffic = traffic();
    let work = tempfile::tempdir().unwrap();
    let server = Server::start(&work.path().join("data"), "");
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
    // The dashboard shows the live campaigns as the API has them, in the page and in a browser.
    let live: Vec<Value> = campaigns_listed["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| server.get(&format!("/v1/campaigns/{}", c["id"].as_str().unwrap())))
        .collect();
    let (status, html) = server.get_with("/", Some(TOKEN)).unwrap();
    assert_eq!(status, 200);
    assert_numbers_match(&html, &live);
    assert_eq!(server.get_with("/", None).unwrap().0, 401);
    assert_eq!(server.get_with("/", Some(GATEWAY_TOKEN)).unwrap().0, 403);
    // Once the service has read the values behind a campaign's evidence from its stored
    // events, the page shows them.
    let first = read_evidence(&server, live[0]["id"].as_str().unwrap());
    let (_, html) = server.get_with("/", Some(TOKEN)).unwrap();
    assert!(html.contains("were read from the stored events at"));
    for values in first["infrastructure"].as_object().unwrap().values() {
        let top = values["top"][0]["value"].as_str().unwrap();
        let escaped = top
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        assert!(html.contains(&escaped), "{top} not on the dashboard");
    }
    let url = format!("{}/?token={TOKEN}", server.base);
    assert_numbers_match(&browser_dom(&url), &live);
    screenshot(&url, "dashboard.png");
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
    let events = until_qwens_third_day(traffic);
    let batches = batches(&events);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let half = batches.len() / 2;

    let mut server = Server::start(&data, "store_prompts = true");
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

    let server = Server::start(&data, "store_prompts = true");
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
    assert_verdicts_equal_a_scan(&server, &events, work.path());
}

#[test]
fn refusals_say_why_and_a_bad_policy_leaves_the_old_one_in_force() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let server = Server::start(&data, "");
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
