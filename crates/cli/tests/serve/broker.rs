//! Through a broker, a NATS JetStream stream: a real `nats-server` on 127.0.0.1
//! (`.ci/run` installs it), the simulated traffic published in time order, the service killed
//! with `kill -9` while it consumes and the broker restarted later. Every published event
//! must be counted exactly once, and the verdicts, and the values behind the campaigns'
//! evidence, must be those of a scan of the same events.

use std::collections::HashSet;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::service::{
    Server, Streamed, assert_evidence_equals_the_scans, assert_verdicts_equal_a_scan, batches,
    free_port, ndjson, traffic, until_qwens_third_day,
};
use async_nats::jetstream;
use serde_json::{Value, json};

const STREAM: &str = "hydrascope-events";
const SUBJECT: &str = "hydrascope.events";
/// Events per published message.
const EVENTS_PER_MESSAGE: usize = 40;

/// A `nats-server` with JetStream, its data kept in a directory so that it can restart.
struct Broker {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Broker {
    fn start(port: u16, dir: &Path) -> Broker {
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server runs (apt-get install nats-server; .ci/run installs it)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Broker {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        self.kill();
        *self = Broker::start(self.port, &self.dir);
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Publishes messages and waits for the broker to have stored every one.
fn publish(broker: &Broker, messages: &[String]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(broker.url()).await.unwrap();
        let context = jetstream::new(client);
        // Acknowledgements are awaited a few hundred at a time: holding thousands pending
        // stalls the client.
        for chunk in messages.chunks(200) {
            let mut pending = Vec::with_capacity(chunk.len());
            for message in chunk {
                pending.push(
                    context
                        .publish(SUBJECT, message.clone().into())
                        .await
                        .unwrap(),
                );
            }
            for ack in pending {
                ack.await.unwrap();
            }
        }
    });
}

fn messages(batch: &[Streamed]) -> Vec<String> {
    batch.chunks(EVENTS_PER_MESSAGE).map(ndjson).collect()
}

/// Waits until the server has stored and re-scored `events` events.
fn wait_for_events(server: &Server, events: usize) -> Value {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let ready = server.get("/readyz");
        let stored = ready["events"].as_u64().unwrap() as usize;
        assert!(
            stored <= events,
            "{stored} events counted, {events} published"
        );
        if stored == events {
            return ready;
        }
        assert!(
            Instant::now() < deadline,
            "{stored} of {events} events after 300 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_broker_stream_is_counted_once_across_a_killed_server_and_a_restarted_broker() {
    let traffic = traffic();
    let events = until_qwens_third_day(traffic);
    let batches = batches(&events);
    let (half, three_quarters) = (batches.len() / 2, batches.len() * 3 / 4);
    let work = tempfile::tempdir().unwrap();
    let mut broker = Broker::start(free_port(), &work.path().join("nats"));
    let data = work.path().join("data");
    let settings = format!(
        "[broker]\nurl = \"{}\"\nstream = \"{STREAM}\"\nsubject = \"{SUBJECT}\"\nbatch = 100\n",
        broker.url()
    );
    let mut server = Server::start(&data, &settings);
    let published = |batches: &[&[Streamed]]| batches.iter().map(|b| b.len()).sum::<usize>();

    // The first half, with a bad record and a message sent twice.
    let mut first: Vec<String> = batches[..half].iter().flat_map(|b| messages(b)).collect();
    first.push(format!(
        "not an event\n{}",
        first[0].lines().next().unwrap()
    ));
    first.push(first[1].clone());
    publish(&broker, &first);
    let ready = wait_for_events(&server, published(&batches[..half]));
    assert_eq!(ready["quarantined"], 1, "{ready}");

    // Killed while it consumes the next quarter.
    let quarter: Vec<String> = batches[half..three_quarters]
        .iter()
        .flat_map(|b| messages(b))
        .collect();
    publish(&broker, &quarter);
    std::thread::sleep(Duration::from_millis(20));
    server.kill();
    let server = Server::start(&data, &settings);
    wait_for_events(&server, published(&batches[..three_quarters]));

    // The broker restarts; the rest is published once it is back.
    broker.restart();
    let rest: Vec<String> = batches[three_quarters..]
        .iter()
        .flat_map(|b| messages(b))
        .collect();
    publish(&broker, &rest);
    let ready = wait_for_events(&server, events.len());
    assert_eq!(ready["quarantined"], 1, "{ready}");
    server.post("/v1/admin/rescore", "");
    assert_eq!(
        server.get("/readyz")["events"].as_u64().unwrap() as usize,
        events.len()
    );

    assert_verdicts_equal_a_scan(&server, &events, work.path());
    assert_evidence_equals_the_scans(&server, work.path());
    let qwen: HashSet<&str> = events
        .iter()
        .filter(|e| traffic.truth[&e.account].0.as_deref() == Some("qwen-2026"))
        .map(|e| e.account.as_str())
        .collect();
    let flagged = qwen
        .iter()
        .map(|account| server.get(&format!("/v1/accounts/{account}")))
        .filter(|state| state["flagged"] == true)
        .collect::<Vec<_>>();
    assert!(!flagged.is_empty(), "no qwen account flagged");
    for state in flagged {
        let answer = server.check(&json!({ "account_id": state["account_id"] }));
        let decision = answer["decision"].as_str().unwrap();
        assert!(["challenge", "block"].contains(&decision), "{answer}");
    }
}
