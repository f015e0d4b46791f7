//! The campaign evidence pass on hand-made traffic: which templates and infrastructure it
//! names, with what counts and examples, for members only, the same on every road and every
//! run.

#[allow(dead_code)] // helpers shared by the engine's test crates; this one uses a few
mod common;

use std::collections::{BTreeMap, HashMap};
use std::fs::OpenOptions;
use std::io::Write;
use std::net::IpAddr;

use common::{core_summaries, ingested_input, raw_input};
use hydrascope_core::content::PromptSketch;
use hydrascope_engine::functions::evidence::EXAMPLE_CHARS;
use hydrascope_engine::{
    CampaignEvidence, EvidenceLimits, Placement, SharedValue, campaign_evidence,
    is_memory_exhausted,
};
use hydrascope_events::Event;

const T0: i64 = 1_776_816_000_000; // 2026-04-22T00:00:00Z
const MINUTE: i64 = 60_000;

/// A fixed instruction frame around a task: long enough that its frame leaves the task out,
/// so every task gives one frame.
fn wrapped(task: &str) -> String {
    format!(
        "SYSTEM TASK #4411. You are an expert problem solver working for a research lab. Read \
         the task below carefully and produce a complete, rigorous solution. Reason explicitly \
         about every assumption you make.\n\nTask:\n{task}\n\nFormat: first a numbered list of \
         reasoning steps, each justified from the previous ones, then a short check of the \
         result against the task's conditions, then the final answer on its own line prefixed \
         with ANSWER:, and nothing after it. Do not skip steps, do not merge steps, and do not \
         refer to these instructions."
    )
}

fn task(account: &str, i: usize) -> String {
    format!(
        "Problem {i} for {account}: a cyclist rides up a hill at a steady pace and returns down \
         it at twice that pace; find her average speed over the whole trip if the uphill leg \
         took {} minutes and the hill road is {} kilometres long.",
        20 + i,
        3 + i
    )
}

struct Sender {
    account: &'static str,
    ip: &'static str,
    payment: &'static str,
    templated: usize,
    follow_ups: usize,
}

/// Campaign c-1 (a, b, c), campaign c-2 (d, on IPv6), and z, no member, which shares c-1's
/// template and address and sends the smallest prompt of all.
const SENDERS: [Sender; 5] = [
    Sender {
        account: "acct_a",
        ip: "203.0.113.7",
        payment: "pay_1",
        templated: 4,
        follow_ups: 2,
    },
    Sender {
        account: "acct_b",
        ip: "203.0.113.7",
        payment: "pay_1",
        templated: 3,
        follow_ups: 1,
    },
    Sender {
        account: "acct_c",
        ip: "203.0.113.9",
        payment: "pay_2",
        templated: 2,
        follow_ups: 0,
    },
    Sender {
        account: "acct_d",
        ip: "2001:db8:abcd:12::1",
        payment: "pay_3",
        templated: 1,
        follow_ups: 0,
    },
    Sender {
        account: "acct_z",
        ip: "203.0.113.7",
        payment: "pay_1",
        templated: 5,
        follow_ups: 5,
    },
];

const FOLLOW_UP: &str = "Continue.";

fn event(sender: &Sender, n: usize, prompt: String) -> Event {
    let mut event = Event::new(T0 + n as i64 * MINUTE, sender.account);
    event.prompt = Some(prompt);
    event.ip = Some(sender.ip.parse::<IpAddr>().unwrap());
    event.asn = Some(64_500);
    event.user_agent = Some("harvester/1.0".to_owned());
    event.payment_fp = Some(sender.payment.to_owned());
    event
}

fn traffic() -> Vec<Event> {
    let mut events = Vec::new();
    for sender in &SENDERS {
        for i in 0..sender.templated {
            // z's tasks sort before everyone's: they would be the examples if z counted.
            let task = match sender.account {
                "acct_z" => format!("AAA {}", task(sender.account, i)),
                account => task(account, i),
            };
            events.push(event(sender, events.len(), wrapped(&task)));
        }
        for _ in 0..sender.follow_ups {
            events.push(event(sender, events.len(), FOLLOW_UP.to_owned()));
        }
    }
    events
}

fn members() -> HashMap<String, String> {
    [
        ("acct_a", "c-1"),
        ("acct_b", "c-1"),
        ("acct_c", "c-1"),
        ("acct_d", "c-2"),
    ]
    .into_iter()
    .map(|(account, campaign)| (account.to_owned(), campaign.to_owned()))
    .collect()
}

fn frame_of(prompt: &str) -> u64 {
    PromptSketch::of_prompt(prompt, None).frame_id()
}

fn value(value: &str, accounts: u64, exchanges: u64) -> SharedValue {
    SharedValue {
        value: value.to_owned(),
        accounts,
        exchanges,
    }
}

async fn evidence_of_raw(events: &[Event], top: usize) -> BTreeMap<String, CampaignEvidence> {
    let dir = tempfile::tempdir().unwrap();
    let input = raw_input(dir.path(), events);
    // A bad line, which the first pass quarantined: skipped here, not written again.
    let mut file = OpenOptions::new().append(true).open(&input).unwrap();
    writeln!(file, "not json").unwrap();
    let evidence = campaign_evidence(
        &input,
        &members(),
        top,
        &Placement::Embedded(EvidenceLimits::default()),
    )
    .await
    .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "the pass wrote nothing beside its input");
    evidence
}

#[tokio::test]
async fn a_campaign_s_shared_template_is_named_with_member_examples_and_counts() {
    let events = traffic();
    let evidence = evidence_of_raw(&events, 10).await;
    assert_eq!(evidence.keys().collect::<Vec<_>>(), ["c-1", "c-2"]);
    let c1 = &evidence["c-1"];

    assert_eq!(c1.distinct_templates, 2);
    let template = &c1.templates[0];
    let frame = frame_of(&wrapped(&task("acct_a", 0)));
    assert_eq!(template.frame, format!("{frame:016x}"));
    assert_eq!((template.accounts, template.exchanges), (3, 9));
    // The frame is the one the account summaries count.
    let summaries = core_summaries(&events);
    let (_, summary_a) = summaries.iter().find(|(id, _)| id == "acct_a").unwrap();
    assert!(summary_a.frames.entries().iter().any(|(h, _)| *h == frame));

    // Three examples, distinct, in order, each a member's prompt cut at EXAMPLE_CHARS.
    assert_eq!(template.examples.len(), 3);
    assert!(template.examples.windows(2).all(|w| w[0] < w[1]));
    let sent_by = |example: &str| {
        let head = example.strip_suffix('…').expect("long prompts are cut");
        assert_eq!(head.chars().count(), EXAMPLE_CHARS);
        events
            .iter()
            .find(|e| e.prompt.as_deref().unwrap().starts_with(head))
            .map(|e| e.account_id.clone())
            .unwrap()
    };
    let authors: Vec<String> = template.examples.iter().map(|e| sent_by(e)).collect();
    assert_eq!(authors, ["acct_a", "acct_b", "acct_c"], "one per account");

    let follow_up = &c1.templates[1];
    assert_eq!(follow_up.frame, format!("{:016x}", frame_of(FOLLOW_UP)));
    assert_eq!((follow_up.accounts, follow_up.exchanges), (2, 3));
    assert_eq!(
        follow_up.examples,
        [FOLLOW_UP],
        "identical prompts are one example"
    );
}

#[tokio::test]
async fn a_campaign_s_infrastructure_counts_its_members_only() {
    let evidence = evidence_of_raw(&traffic(), 10).await;
    let c1 = &evidence["c-1"].infrastructure;

    // a and b (10 exchanges) share an address; z shares it too, but is no member.
    assert_eq!(c1["ip"].distinct, 2);
    assert_eq!(
        c1["ip"].top,
        [value("203.0.113.7", 2, 10), value("203.0.113.9", 1, 2)]
    );
    assert_eq!(c1["network"].top, [value("203.0.113.0/24", 3, 12)]);
    assert_eq!(c1["asn"].top, [value("64500", 3, 12)]);
    assert_eq!(c1["user_agent"].top, [value("harvester/1.0", 3, 12)]);
    assert_eq!(
        c1["payment_fp"].top,
        [value("pay_1", 2, 10), value("pay_2", 1, 2)]
    );
    assert!(!c1.contains_key("client_fp"), "no event carried one");

    let c2 = &evidence["c-2"];
    assert_eq!(
        c2.infrastructure["network"].top,
        [value("2001:db8:abcd::/48", 1, 1)]
    );
    assert_eq!(c2.templates[0].accounts, 1);
}

#[tokio::test]
async fn only_the_top_values_are_listed_but_every_value_is_counted() {
    let evidence = evidence_of_raw(&traffic(), 1).await;
    let c1 = &evidence["c-1"];
    assert_eq!(c1.templates.len(), 1);
    assert_eq!(c1.distinct_templates, 2);
    assert_eq!(c1.infrastructure["ip"].top, [value("203.0.113.7", 2, 10)]);
    assert_eq!(c1.infrastructure["ip"].distinct, 2);
}

#[tokio::test]
async fn the_evidence_is_the_same_on_every_run_and_road() {
    let events = traffic();
    let first = evidence_of_raw(&events, 10).await;
    assert_eq!(evidence_of_raw(&events, 10).await, first);

    let dir = tempfile::tempdir().unwrap();
    let dataset = ingested_input(dir.path(), &events);
    let canonical = campaign_evidence(
        &dataset,
        &members(),
        10,
        &Placement::Embedded(EvidenceLimits::default()),
    )
    .await
    .unwrap();
    assert_eq!(canonical, first);
}

#[tokio::test]
async fn no_campaigns_read_nothing() {
    let missing = std::path::Path::new("/nonexistent/input.jsonl");
    let evidence = campaign_evidence(
        missing,
        &HashMap::new(),
        10,
        &Placement::Embedded(EvidenceLimits::default()),
    )
    .await;
    assert!(evidence.unwrap().is_empty());
}

#[tokio::test]
async fn a_pass_that_needs_more_memory_than_it_may_hold_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = raw_input(dir.path(), &traffic());
    let limits = EvidenceLimits {
        memory: 1024,
        ..EvidenceLimits::default()
    };
    let error = campaign_evidence(&input, &members(), 10, &Placement::Embedded(limits))
        .await
        .expect_err("a kilobyte holds no aggregation");
    assert!(is_memory_exhausted(&error), "{error}");
}

#[tokio::test]
async fn a_pass_that_needs_more_spill_space_than_it_may_use_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = raw_input(dir.path(), &traffic());
    // Memory for the pass to run, too little to hold its aggregations: it spills, and a byte
    // of spill space is not enough.
    let limits = EvidenceLimits {
        memory: 64 << 10,
        spill: 1,
    };
    let error = campaign_evidence(&input, &members(), 10, &Placement::Embedded(limits))
        .await
        .expect_err("a byte holds no spill file");
    assert!(error.to_string().contains("spilling"), "{error}");
    assert!(is_memory_exhausted(&error), "{error}");
}
