//! Behaviour of the simulator as a detector developer relies on it. Tests that need realistic
//! material read the shared corpus (`../../../shared/corpora` from this crate), loaded once;
//! runs are kept small so the whole file stays fast in debug builds.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use hydrascope_events::{Event, Thinking};
use hydrascope_sim::{
    Corpus, CorpusSource, KnobOverrides, Payment, Persona, Proxy, Scenario, SimConfig, SimError,
    SimReport, WINDOW_END, WINDOW_START, simulate,
};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-05-14T16:00Z, the release of the new model.
const RELEASE: i64 = 1_778_774_400_000;
const NEW_MODEL: &str = "frontier-5-pro";

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

/// The real corpus when `../shared` is there, else the built-in fallback (the project must
/// run without it), loaded once for the whole test binary.
fn real_corpus() -> Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            if corpus_dir().is_dir() {
                Corpus::load(&corpus_dir()).expect("shared corpus loads")
            } else {
                Corpus::built_in()
            }
        })
        .clone()
}

fn config(scenario: Scenario, scale: f64, benign: usize, knobs: KnobOverrides) -> SimConfig {
    SimConfig {
        scenario,
        scale,
        seed: 11,
        benign_accounts: benign,
        knobs,
        corpus: real_corpus(),
    }
}

struct Run {
    events: Vec<Event>,
    report: SimReport,
}

impl Run {
    fn of(config: &SimConfig) -> Run {
        let mut events = Vec::new();
        let keep = |e: &Event| {
            events.push(e.clone());
            Ok::<(), ()>(())
        };
        let report = simulate(config, keep, |_| {}).expect("simulates");
        Run { events, report }
    }

    /// Account id → (campaign, persona) from ground truth.
    fn truth(&self) -> HashMap<&str, (Option<&str>, &str)> {
        self.report
            .truth
            .iter()
            .map(|t| {
                (
                    t.account_id.as_str(),
                    (t.campaign.as_deref(), t.persona.as_str()),
                )
            })
            .collect()
    }

    /// Events of accounts whose truth satisfies `keep`.
    fn events_where(&self, keep: impl Fn(Option<&str>, &str) -> bool) -> Vec<&Event> {
        let truth = self.truth();
        self.events
            .iter()
            .filter(|e| {
                let (campaign, persona) = truth[e.account_id.as_str()];
                keep(campaign, persona)
            })
            .collect()
    }

    fn campaign_events(&self) -> Vec<&Event> {
        self.events_where(|campaign, _| campaign.is_some())
    }
}

fn stream_hash(config: &SimConfig) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let hash_event = |e: &Event| {
        hasher.update(serde_json::to_string(e).unwrap().as_bytes());
        Ok::<(), ()>(())
    };
    simulate(config, hash_event, |_| {}).unwrap();
    hasher.digest()
}

fn distinct<'a, T: std::hash::Hash + Eq + 'a>(values: impl IntoIterator<Item = T>) -> usize {
    values.into_iter().collect::<HashSet<_>>().len()
}

#[test]
fn the_same_seed_gives_the_same_stream_and_another_seed_a_different_one() {
    let mut config = config(Scenario::Deepseek2026, 0.01, 150, KnobOverrides::default());
    let first = stream_hash(&config);
    assert_eq!(first, stream_hash(&config));
    config.seed += 1;
    assert_ne!(first, stream_hash(&config));
}

#[test]
fn events_are_in_time_order_inside_the_window_and_truth_lists_each_account_once() {
    let run = Run::of(&config(
        Scenario::All,
        0.0005,
        400,
        KnobOverrides::default(),
    ));
    assert!(run.events.windows(2).all(|w| w[0].ts <= w[1].ts));
    assert!(
        run.events
            .iter()
            .all(|e| (WINDOW_START..WINDOW_END).contains(&e.ts))
    );
    let truth = run.truth();
    assert_eq!(
        truth.len(),
        run.report.truth.len(),
        "an account appears twice in truth"
    );
    assert!(
        run.events
            .iter()
            .all(|e| truth.contains_key(e.account_id.as_str()))
    );
    let counted: u64 = run
        .report
        .campaigns
        .values()
        .chain(run.report.benign.values())
        .map(|c| c.accounts)
        .sum();
    assert_eq!(
        counted as usize,
        truth.len(),
        "truth lists accounts that were never simulated"
    );
    assert_eq!(run.report.events as usize, run.events.len());
    assert_eq!(run.report.campaigns.len(), 4);
    assert_eq!(
        distinct(run.events.iter().map(|e| e.request_id.clone())),
        run.events.len()
    );
}

#[test]
fn scaling_multiplies_accounts_and_exchanges_but_keeps_qwens_daily_rate() {
    let small = config(Scenario::Qwen2026, 0.0008, 0, KnobOverrides::default());
    let large = SimConfig {
        scale: 0.0016,
        ..config(Scenario::Qwen2026, 0.0, 0, KnobOverrides::default())
    };
    let (small, large) = (Run::of(&small).report, Run::of(&large).report);
    let count = |r: &SimReport| *r.campaigns.values().next().unwrap();
    let (s, l) = (count(&small), count(&large));
    assert_eq!((s.accounts, l.accounts), (20, 40));
    let ratio = l.events as f64 / s.events as f64;
    assert!((1.8..2.2).contains(&ratio), "events ratio {ratio}");
    for c in [s, l] {
        let daily = c.events as f64 / c.accounts as f64 / 45.0;
        assert!(
            (22.0..30.0).contains(&daily),
            "qwen sends {daily:.1} exchanges per account per day"
        );
    }
}

#[test]
fn minimax_moves_half_its_traffic_to_the_new_model_within_a_day_while_users_adopt_slowly() {
    let run = Run::of(&config(
        Scenario::Minimax2026,
        0.002,
        500,
        KnobOverrides::default(),
    ));
    let new_share = |events: &[&Event], from: i64, to: i64| {
        let window: Vec<_> = events
            .iter()
            .filter(|e| (from..to).contains(&e.ts))
            .collect();
        let new = window
            .iter()
            .filter(|e| e.model.as_deref() == Some(NEW_MODEL))
            .count();
        new as f64 / window.len().max(1) as f64
    };
    let campaign = run.campaign_events();
    assert_eq!(new_share(&campaign, WINDOW_START, RELEASE), 0.0);
    let next_day = new_share(&campaign, RELEASE + DAY, RELEASE + 2 * DAY);
    assert!(
        (0.3..0.7).contains(&next_day),
        "campaign share on the new model a day after release: {next_day}"
    );
    let benign =
        run.events_where(|campaign, persona| campaign.is_none() && persona != "eval-harness");
    let first_day = new_share(&benign, RELEASE, RELEASE + DAY);
    let last_week = new_share(&benign, WINDOW_END - 7 * DAY, WINDOW_END);
    assert!(
        first_day < 0.1,
        "benign share on the new model on release day: {first_day}"
    );
    assert!(
        last_week > 2.0 * first_day + 0.1,
        "benign adoption does not grow: {first_day} -> {last_week}"
    );
}

#[test]
fn deepseek_accounts_share_payment_instruments() {
    let run = Run::of(&config(
        Scenario::Deepseek2026,
        0.1,
        0,
        KnobOverrides::default(),
    ));
    let campaign = run.campaign_events();
    let accounts = distinct(campaign.iter().map(|e| &e.account_id));
    let instruments = distinct(campaign.iter().map(|e| &e.payment_fp));
    assert_eq!(accounts, 30);
    assert!(
        instruments * 10 <= accounts,
        "{instruments} instruments for {accounts} accounts"
    );
}

/// Events of one benign persona, grouped by account.
fn by_account<'a>(run: &'a Run, persona: &str) -> HashMap<&'a str, Vec<&'a Event>> {
    let mut groups: HashMap<&str, Vec<&Event>> = HashMap::new();
    for event in run.events_where(|_, p| p == persona) {
        groups
            .entry(event.account_id.as_str())
            .or_default()
            .push(event);
    }
    groups
}

#[test]
fn hard_negatives_show_their_defining_automated_looking_property() {
    let run = Run::of(&config(
        Scenario::Baseline,
        1.0,
        2_600,
        KnobOverrides::default(),
    ));

    // A class: opened the same day, on one campus network.
    let mut classes: HashMap<&str, Vec<&Event>> = HashMap::new();
    for event in run.events_where(|_, p| p == "university-class") {
        classes
            .entry(event.org_id.as_deref().unwrap())
            .or_default()
            .push(event);
    }
    assert!(!classes.is_empty());
    for events in classes.values() {
        let days = distinct(events.iter().map(|e| e.account_created.unwrap() / DAY));
        assert!(days <= 2, "a class signed up over {days} days");
        assert_eq!(
            distinct(events.iter().map(|e| e.asn)),
            1,
            "a class spans several networks"
        );
        assert!(distinct(events.iter().map(|e| e.ip)) <= 4);
        assert!(distinct(events.iter().map(|e| &e.account_id)) >= 10);
    }

    // Health checks: one identical prompt at a fixed interval.
    let checks = by_account(&run, "health-check");
    assert!(!checks.is_empty());
    for events in checks.values() {
        assert_eq!(distinct(events.iter().map(|e| &e.prompt)), 1);
        let gaps: Vec<i64> = events.windows(2).map(|w| w[1].ts - w[0].ts).collect();
        let (min, max) = (gaps.iter().min().unwrap(), gaps.iter().max().unwrap());
        assert!(
            max - min <= 4_000,
            "health-check interval varies from {min} to {max} ms"
        );
    }

    // Eval harness: the same fixed prompt set, run after run.
    let harnesses = by_account(&run, "eval-harness");
    assert!(!harnesses.is_empty());
    for events in harnesses.values() {
        let mut sends: HashMap<&str, usize> = HashMap::new();
        for e in events {
            *sends.entry(e.prompt.as_deref().unwrap()).or_default() += 1;
        }
        assert!(sends.len() <= 250);
        assert!(
            sends.values().all(|&n| n >= 2),
            "an eval prompt was sent only once"
        );
        let release_run = events
            .iter()
            .any(|e| e.ts < RELEASE + DAY && e.model.as_deref() == Some(NEW_MODEL));
        assert!(
            release_run,
            "the harness did not evaluate the new model within a day"
        );
    }

    // Enterprise batch: the batch endpoint at night, one payment per org.
    let batch = run.events_where(|_, p| p == "enterprise-batch");
    assert!(
        batch
            .iter()
            .all(|e| e.endpoint.as_deref() == Some("batches"))
    );
    let mut payments: HashMap<&str, HashSet<&str>> = HashMap::new();
    for e in &batch {
        payments
            .entry(e.org_id.as_deref().unwrap())
            .or_default()
            .insert(e.payment_fp.as_deref().unwrap());
    }
    assert!(payments.values().all(|p| p.len() == 1));

    // Coding agents: long tool-using sessions with thinking.
    let agents = run.events_where(|_, p| p == "coding-agent");
    assert!(
        agents
            .iter()
            .all(|e| e.tools.is_some() && e.thinking.is_some())
    );
    assert!(agents.iter().any(|e| e.turn_index.unwrap() >= 20));
}

#[test]
fn rotating_proxies_give_nearly_one_address_per_request() {
    let knobs = KnobOverrides {
        proxy: Some(Proxy::Rotating),
        ..KnobOverrides::default()
    };
    let run = Run::of(&config(Scenario::Deepseek2026, 0.01, 0, knobs));
    let campaign = run.campaign_events();
    let ips = distinct(campaign.iter().map(|e| e.ip));
    assert!(
        ips as f64 > 0.95 * campaign.len() as f64,
        "{ips} addresses for {} requests",
        campaign.len()
    );
}

#[test]
fn unique_payment_gives_one_instrument_per_account() {
    let knobs = KnobOverrides {
        payment: Some(Payment::Unique),
        ..KnobOverrides::default()
    };
    let run = Run::of(&config(Scenario::Deepseek2026, 0.1, 0, knobs));
    let campaign = run.campaign_events();
    let pairs = distinct(campaign.iter().map(|e| (&e.account_id, &e.payment_fp)));
    assert_eq!(pairs, distinct(campaign.iter().map(|e| &e.account_id)));
    assert_eq!(pairs, distinct(campaign.iter().map(|e| &e.payment_fp)));
}

/// Mean number of word 5-grams two first-turn prompts share, over consecutive pairs.
fn shared_five_grams(prompts: &[&str]) -> f64 {
    let grams = |text: &str| -> HashSet<Vec<String>> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        words.windows(5).map(<[String]>::to_vec).collect()
    };
    let sets: Vec<_> = prompts.iter().map(|p| grams(p)).collect();
    let pairs = sets
        .windows(2)
        .map(|w| w[0].intersection(&w[1]).count())
        .sum::<usize>();
    pairs as f64 / (sets.len() - 1) as f64
}

/// First turns of the campaign's reasoning workers written in English (Chinese has no
/// spaces to count words by).
fn first_turn_prompts(run: &Run) -> Vec<&str> {
    run.events_where(|_, persona| persona == "hydra-worker")
        .into_iter()
        .filter(|e| e.turn_index == Some(0) && e.prompt.as_deref().is_some_and(|p| p.is_ascii()))
        .filter_map(|e| e.prompt.as_deref())
        .take(2_000)
        .collect()
}

#[test]
fn full_paraphrasing_leaves_far_fewer_shared_five_grams_than_literal_templates() {
    let literal = KnobOverrides {
        paraphrase: Some(0.0),
        ..KnobOverrides::default()
    };
    let full = KnobOverrides {
        paraphrase: Some(1.0),
        ..KnobOverrides::default()
    };
    let literal = Run::of(&config(Scenario::Deepseek2026, 0.02, 0, literal));
    let full = Run::of(&config(Scenario::Deepseek2026, 0.02, 0, full));
    let (literal, full) = (
        shared_five_grams(&first_turn_prompts(&literal)),
        shared_five_grams(&first_turn_prompts(&full)),
    );
    assert!(
        literal >= 5.0,
        "literal templates share only {literal:.2} five-grams per pair"
    );
    assert!(
        full * 4.0 < literal,
        "paraphrased prompts share {full:.2} five-grams per pair vs {literal:.2}"
    );
}

#[test]
fn a_campaign_sends_each_task_once_until_its_task_space_runs_out() {
    let literal = KnobOverrides {
        paraphrase: Some(0.0),
        filler: Some(0.0),
        ..KnobOverrides::default()
    };
    let run = Run::of(&config(Scenario::All, 0.002, 0, literal));
    let truth = run.truth();
    let mut first_turns: HashMap<&str, Vec<&str>> = HashMap::new();
    for event in run.events.iter().filter(|e| e.turn_index == Some(0)) {
        let campaign = truth[event.account_id.as_str()]
            .0
            .expect("campaign traffic only");
        first_turns
            .entry(campaign)
            .or_default()
            .push(event.prompt.as_deref().unwrap());
    }
    assert_eq!(first_turns.len(), 4);
    for (campaign, prompts) in first_turns {
        let repeated = prompts.len() - distinct(prompts.iter());
        let share = repeated as f64 / prompts.len() as f64;
        eprintln!(
            "{campaign}: {repeated} of {} first turns repeat",
            prompts.len()
        );
        assert!(
            share < 0.02,
            "{campaign}: {repeated} of {} first turns repeat an earlier one",
            prompts.len()
        );
    }
}

#[test]
fn no_field_reveals_persona_or_campaign() {
    let run = Run::of(&config(
        Scenario::All,
        0.0005,
        300,
        KnobOverrides::default(),
    ));
    let giveaways = [
        "hydra",
        "campaign",
        "deepseek-2026",
        "qwen",
        "minimax",
        "moonshot",
        "persona",
        "health-check",
        "eval-harness",
    ];
    for event in &run.events {
        let json = serde_json::to_value(event).unwrap();
        for (field, value) in json.as_object().unwrap() {
            if field == "prompt" || field == "system_prompt" {
                continue;
            }
            let text = value.to_string().to_lowercase();
            assert!(
                !giveaways.iter().any(|g| text.contains(g)),
                "{field} = {text}"
            );
        }
        let id = event
            .account_id
            .strip_prefix("acct_")
            .expect("opaque account id");
        assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let agents = |campaign: bool| -> HashSet<&str> {
        run.events_where(|c, _| c.is_some() == campaign)
            .iter()
            .filter_map(|e| e.user_agent.as_deref())
            .collect()
    };
    let (benign, campaign) = (agents(false), agents(true));
    assert!(
        campaign.is_subset(&benign),
        "campaign user agents no honest account uses: {:?}",
        campaign.difference(&benign)
    );
}

/// What an exchange allows the model: `max_tokens` and the thinking budget, if any.
type Limits = (Option<u32>, Option<u32>);

fn limits(e: &Event) -> Limits {
    let budget = match e.thinking {
        Some(Thinking::Budget(budget)) => Some(budget),
        Some(Thinking::Enabled(on)) => on.then_some(0),
        None => None,
    };
    (e.max_tokens, budget)
}

/// Every campaign at its minimum size among 600 benign accounts, which include a few of each
/// hard negative.
fn small_mixed_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        Run::of(&config(
            Scenario::All,
            0.0005,
            600,
            KnobOverrides::default(),
        ))
    })
}

#[test]
fn campaign_output_limits_are_ones_honest_clients_send_too() {
    let run = small_mixed_run();
    let sent = |campaign: bool| -> HashSet<Limits> {
        run.events_where(|c, _| c.is_some() == campaign)
            .into_iter()
            .map(limits)
            .collect()
    };
    let (benign, campaign) = (sent(false), sent(true));
    assert!(
        campaign.len() >= 5,
        "campaigns send only these limits: {campaign:?}"
    );
    assert!(
        campaign.is_subset(&benign),
        "(max_tokens, thinking budget) only campaigns send: {:?}",
        campaign.difference(&benign)
    );
}

#[test]
fn a_conversation_keeps_its_limit_and_thinking_budget_on_every_turn() {
    let run = small_mixed_run();
    let mut settings: HashMap<&str, HashSet<Limits>> = HashMap::new();
    for e in &run.events {
        settings
            .entry(e.conversation_id.as_deref().unwrap())
            .or_default()
            .insert(limits(e));
    }
    let changing = settings.values().filter(|s| s.len() > 1).count();
    assert_eq!(changing, 0, "{changing} conversations change their limits");
    let agent_sessions = run
        .events_where(|_, persona| persona == "coding-agent")
        .iter()
        .filter(|e| e.turn_index == Some(0))
        .count();
    assert!(
        agent_sessions > 50,
        "only {agent_sessions} coding-agent sessions"
    );
}

#[test]
fn the_built_in_corpus_runs_without_the_shared_one() {
    let config = SimConfig {
        scenario: Scenario::All,
        scale: 0.0005,
        seed: 3,
        benign_accounts: 200,
        knobs: KnobOverrides::hardest(),
        corpus: Corpus::built_in(),
    };
    let run = Run::of(&config);
    assert_eq!(run.report.corpus, CorpusSource::BuiltIn);
    assert!(run.report.events > 1_000);
    assert!(run.report.benign.contains_key(&Persona::CasualChat));
    assert!(
        run.events
            .iter()
            .all(|e| e.prompt.is_some() && e.ip.is_some())
    );
}

#[test]
fn a_missing_corpus_directory_is_a_named_error() {
    let error = Corpus::load(Path::new("/nonexistent/corpora")).unwrap_err();
    assert!(matches!(error, SimError::CorpusIo { .. }));
    assert!(error.to_string().contains("/nonexistent/corpora"));
}

#[test]
fn a_failing_writer_stops_the_run_with_its_error() {
    let config = config(Scenario::Baseline, 1.0, 50, KnobOverrides::default());
    let mut seen = 0;
    let result = simulate(
        &config,
        |_| {
            seen += 1;
            if seen == 10 { Err("disk full") } else { Ok(()) }
        },
        |_| {},
    );
    assert!(matches!(result, Err(SimError::Emit("disk full"))));
    assert_eq!(seen, 10);
}

#[test]
fn shares_outside_the_unit_interval_are_refused() {
    let knobs = KnobOverrides {
        reseller_share: Some(2.0),
        ..KnobOverrides::default()
    };
    let result = simulate(
        &config(Scenario::Qwen2026, 0.001, 0, knobs),
        |_| Ok::<(), ()>(()),
        |_| {},
    );
    assert!(matches!(result, Err(SimError::Config(_))));
}
