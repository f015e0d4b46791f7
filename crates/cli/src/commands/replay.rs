//! `hydrascope replay`: the traffic in time order through the detection core, re-scoring as it
//! goes, the way the live server will run: when each account was first flagged and, with the
//! ground truth, how many of each campaign's exchanges had been sent by then.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use hydrascope_core::replay::{FirstFlag, Schedule};
use hydrascope_engine::{ReplayObserver, ReplayOptions, ReplayResult, Rescore};
use hydrascope_eval::replay::{CampaignTimeline, Milestone, ReplayReport, ReplayTally};
use hydrascope_events::time::Rfc3339;
use hydrascope_events::{Action, EpochMillis, Event, TruthRecord};
use indicatif::ProgressBar;
use serde::Serialize;

use crate::commands::evaluate::{persona_table, print_to_stdout, read_jsonl};
use crate::commands::options::DetectionArgs;
use hydrascope_core::explain::verdicts;

use crate::commands::scan::write_jsonl;
use crate::progress;
use crate::table::{Align, percent, table};

/// Bytes in a mebibyte, for `--sort-memory-mib`.
const MIB: usize = 1 << 20;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Events: the canonical dataset from `ingest`, or any raw input `ingest` accepts.
    pub input: PathBuf,
    /// Output directory: first-flags.jsonl, rescores.jsonl, verdicts.jsonl (the last
    /// re-score), quarantine.jsonl and, with --truth, replay-report.json and
    /// replay-report.html (time to detection as a page).
    #[arg(long)]
    pub out: PathBuf,
    /// Ground truth (one JSON object per account, as `simulate` writes it): report how soon
    /// each campaign was detected and which honest accounts were flagged on the way.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Re-score every this much event time: a whole number and a unit, s, m, h or d (30m, 6h,
    /// 1d). Re-scores fall on multiples of it since the epoch, and once more at the end.
    #[arg(long, default_value = "6h")]
    pub every: Period,
    /// Memory the time-ordering sort may hold before it spills to disk (under --out), in MiB.
    #[arg(long, default_value_t = 1024)]
    pub sort_memory_mib: usize,
    #[command(flatten)]
    pub detection: DetectionArgs,
}

/// A span of event time as written on the command line (`30m`, `6h`, `1d`).
#[derive(Debug, Clone)]
pub struct Period {
    text: String,
    duration: Duration,
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unit_at = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(unit_at);
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => return Err(format!("`{text}`: a period ends in s, m, h or d (e.g. 6h)")),
        };
        let count: u64 = number
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("`{text}`: a period starts with a positive whole number"))?;
        let total = count
            .checked_mul(seconds)
            .ok_or_else(|| format!("`{text}` is too long"))?;
        Ok(Period {
            text: text.to_owned(),
            duration: Duration::from_secs(total),
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

pub fn run(args: &ReplayArgs) -> anyhow::Result<()> {
    let policy = args.detection.policy()?;
    let bad_input = args.detection.bad_input()?;
    let tally = match &args.truth {
        Some(path) => {
            let truth = read_jsonl::<TruthRecord>(path, "ground-truth record")?;
            Some(ReplayTally::new(&truth.records).with_context(|| path.display().to_string())?)
        }
        None => None,
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output directory {}", args.out.display()))?;
    let options = ReplayOptions {
        schedule: Schedule::new(args.every.duration).context("--every is under a millisecond")?,
        memory_limit: args.sort_memory_mib.saturating_mul(MIB),
        spill_dir: args.out.clone(),
    };
    let mut watch = Watch::new(tally);
    let runtime = tokio::runtime::Runtime::new().context("starting the query runtime")?;
    let result = runtime
        .block_on(hydrascope_engine::replay(
            &args.input,
            &args.out.join("quarantine.jsonl"),
            &bad_input,
            &policy,
            &options,
            &mut watch,
        ))
        .with_context(|| format!("replaying {}", args.input.display()));
    watch.bar.finish_and_clear();
    let result = result?;
    write_outputs(&args.out, &result)?;
    let facts = RunFacts::of(args, &result);
    let mut text = run_summary(&facts, &args.out);
    if let Some(tally) = &watch.tally {
        let report = tally.report();
        let file = ReportFile {
            run: &facts,
            report: &report,
        };
        fs::write(
            args.out.join("replay-report.json"),
            serde_json::to_vec_pretty(&file)?,
        )
        .context("writing replay-report.json")?;
        let title = format!("hydrascope replay of {}", args.input.display());
        fs::write(
            args.out.join("replay-report.html"),
            hydrascope_report::benchmark::replay_page(&report, &title),
        )
        .context("writing replay-report.html")?;
        text += &render(&report);
    }
    print_to_stdout(&text)
}

/// Watches the replay: the progress bar, and the ground truth's tally when there is one.
struct Watch {
    bar: ProgressBar,
    tally: Option<ReplayTally>,
    replaying: bool,
}

impl Watch {
    fn new(tally: Option<ReplayTally>) -> Self {
        Watch {
            // Nothing comes out of the sort until it has read everything.
            bar: progress::counter("ordering events by time"),
            tally,
            replaying: false,
        }
    }
}

impl ReplayObserver for Watch {
    fn observed(&mut self, event: &Event) {
        if !self.replaying {
            self.replaying = true;
            self.bar.set_message("replaying");
        }
        self.bar.inc(1);
        if let Some(tally) = &mut self.tally {
            tally.observe(&event.account_id);
        }
    }

    fn rescored(&mut self, rescore: &Rescore, first_flags: &[FirstFlag]) {
        self.bar.set_message(format!(
            "replaying, {} flagged as of {}",
            rescore.flagged,
            short_time(rescore.at)
        ));
        if let Some(tally) = &mut self.tally {
            tally.flagged(
                rescore.at,
                first_flags.iter().map(|flag| flag.account_id.as_str()),
            );
        }
    }
}

/// One line of `first-flags.jsonl`.
#[derive(Serialize)]
struct FirstFlagLine<'a> {
    account_id: &'a str,
    /// RFC 3339: the re-score that first flagged the account.
    first_flagged: String,
    /// The account's exchanges observed by then.
    events_by_then: u64,
    score: f64,
    action: Action,
}

/// One line of `rescores.jsonl`.
#[derive(Serialize)]
struct RescoreLine {
    at: String,
    accounts: usize,
    events: u64,
    flagged: usize,
    first_flagged: usize,
    seconds: f64,
}

fn write_outputs(out: &Path, result: &ReplayResult) -> anyhow::Result<()> {
    write_jsonl(
        &out.join("first-flags.jsonl"),
        result.first_flags.iter().map(|flag| FirstFlagLine {
            account_id: &flag.account_id,
            first_flagged: rfc3339(flag.at),
            events_by_then: flag.events,
            score: rounded(flag.score),
            action: flag.action,
        }),
    )?;
    write_jsonl(
        &out.join("rescores.jsonl"),
        result.rescores.iter().map(|rescore| RescoreLine {
            at: rfc3339(rescore.at),
            accounts: rescore.accounts,
            events: rescore.events,
            flagged: rescore.flagged,
            first_flagged: rescore.first_flagged,
            seconds: rescore.took.as_secs_f64(),
        }),
    )?;
    write_jsonl(
        &out.join("verdicts.jsonl"),
        verdicts(&result.summaries, &result.detection),
    )
}

fn rfc3339(at: EpochMillis) -> String {
    Rfc3339::new(at).as_str().to_owned()
}

/// Four decimals, as in verdicts.
fn rounded(score: f64) -> f64 {
    (score * 1e4).round() / 1e4
}

/// What was replayed and how long detection took, in `replay-report.json`.
#[derive(Serialize)]
struct RunFacts {
    input: String,
    first_event: String,
    last_event: String,
    #[serde(skip)]
    window: (EpochMillis, EpochMillis),
    events: u64,
    accounts: usize,
    every: String,
    rescores: usize,
    rescore_seconds_mean: f64,
    rescore_seconds_max: f64,
    /// Accounts flagged at any re-score, and at the last one.
    flagged_ever: usize,
    flagged_at_end: usize,
}

impl RunFacts {
    fn of(args: &ReplayArgs, result: &ReplayResult) -> Self {
        let seconds: Vec<f64> = result
            .rescores
            .iter()
            .map(|r| r.took.as_secs_f64())
            .collect();
        RunFacts {
            input: args.input.display().to_string(),
            first_event: rfc3339(result.window.0),
            last_event: rfc3339(result.window.1),
            window: result.window,
            events: result.summaries.iter().map(|(_, s)| s.events).sum(),
            accounts: result.summaries.len(),
            every: args.every.to_string(),
            rescores: seconds.len(),
            rescore_seconds_mean: seconds.iter().sum::<f64>() / seconds.len().max(1) as f64,
            rescore_seconds_max: seconds.iter().copied().fold(0.0, f64::max),
            flagged_ever: result.first_flags.len(),
            flagged_at_end: result
                .detection
                .accounts
                .iter()
                .filter(|o| o.decision.flagged)
                .count(),
        }
    }
}

/// `replay-report.json`: the run, then the report.
#[derive(Serialize)]
struct ReportFile<'a> {
    run: &'a RunFacts,
    #[serde(flatten)]
    report: &'a ReplayReport,
}

fn run_summary(facts: &RunFacts, out: &Path) -> String {
    format!(
        "replayed {} events of {} accounts from {} to {}; {} re-scores every {} (detection took \
         {:.2} s on average, {:.2} s at most); flagged: {} accounts at some point, {} at the \
         end; outputs in {}\n",
        facts.events,
        facts.accounts,
        short_time(facts.window.0),
        short_time(facts.window.1),
        facts.rescores,
        facts.every,
        facts.rescore_seconds_mean,
        facts.rescore_seconds_max,
        facts.flagged_ever,
        facts.flagged_at_end,
        out.display()
    )
}

/// `2026-04-22 06:00`: re-scores fall on whole minutes or close to them.
fn short_time(at: EpochMillis) -> String {
    Rfc3339::new(at).as_str()[..16].replace('T', " ")
}

/// Per campaign, how soon it was detected; then the honest accounts flagged on the way.
fn render(report: &ReplayReport) -> String {
    use Align::{Left, Right};
    let mut out = String::from("\nhow soon each campaign was detected (exchanges sent before):\n");
    out += &table(
        &[
            ("campaign", Left),
            ("accounts", Right),
            ("exchanges", Right),
            ("flagged", Right),
            ("first detected", Left),
            ("sent before", Right),
            ("50% flagged", Left),
            ("sent before", Right),
            ("90% flagged", Left),
            ("sent before", Right),
        ],
        report.campaigns.iter().map(campaign_row),
    );
    out += "\nhonest accounts flagged at any point:\n";
    out += &persona_table("rate", &report.benign_personas);
    if report.truth_accounts_unseen > 0 || report.exchanges_outside_truth > 0 {
        out += &format!(
            "\n{} accounts of the ground truth sent nothing; {} exchanges came from accounts it \
             does not list.\n",
            report.truth_accounts_unseen, report.exchanges_outside_truth
        );
    }
    out
}

fn campaign_row(campaign: &CampaignTimeline) -> Vec<String> {
    let mut row = vec![
        campaign.campaign.clone(),
        campaign.accounts.to_string(),
        campaign.exchanges.to_string(),
        campaign.flagged.to_string(),
    ];
    for milestone in [
        &campaign.first_detection,
        &campaign.half_flagged,
        &campaign.ninety_percent_flagged,
    ] {
        row.extend(milestone_cells(milestone.as_ref()));
    }
    row
}

/// When, and the campaign's exchanges sent before it with their share of its total.
fn milestone_cells(milestone: Option<&Milestone>) -> [String; 2] {
    match milestone {
        Some(m) => [
            short_time(m.at),
            format!(
                "{} ({})",
                m.exchanges_before,
                percent(Some(m.share_of_exchanges))
            ),
        ],
        None => ["never".to_owned(), "-".to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_take_a_whole_number_and_a_unit() {
        let hours = |text: &str| text.parse::<Period>().map(|p| p.duration.as_secs() / 3_600);
        assert_eq!(hours("6h"), Ok(6));
        assert_eq!(hours("1d"), Ok(24));
        assert_eq!("30m".parse::<Period>().unwrap().duration.as_secs(), 1_800);
        assert_eq!("45s".parse::<Period>().unwrap().to_string(), "45s");
        for bad in ["", "6", "h", "0h", "-1h", "1.5h", "6 h", "6w"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_milestone_shows_its_time_and_the_share_sent_before_it() {
        let milestone = Milestone {
            accounts_flagged: 3,
            at: 1_776_837_600_000, // 2026-04-22T06:00Z
            exchanges_before: 42,
            share_of_exchanges: 0.0042,
        };
        assert_eq!(
            milestone_cells(Some(&milestone)),
            ["2026-04-22 06:00".to_owned(), "42 (0.420%)".to_owned()]
        );
        assert_eq!(milestone_cells(None), ["never".to_owned(), "-".to_owned()]);
    }
}
