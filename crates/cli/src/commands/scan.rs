//! `hydrascope scan`: find, group and explain distillation campaigns in a body of traffic.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use hydrascope_core::explain;
use hydrascope_core::keys::KeyKind;
use hydrascope_core::recognise::PartnerKeys;
use hydrascope_engine::functions::evidence::infrastructure;
use hydrascope_engine::{EvidenceLimits, Placement, ScanResult};
use hydrascope_events::Campaign;
use hydrascope_events::campaign::{CampaignEvidence, SharedTemplate};
use hydrascope_io::write::{EventSink, JsonlWriter};
use hydrascope_report::stix::read_indicators;
use hydrascope_report::words::{counted, kind_words, top_capabilities};
use serde::Serialize;

use crate::commands::options::DetectionArgs;
use crate::progress;

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Events: the canonical dataset from `ingest`, or any raw input `ingest` accepts.
    pub input: PathBuf,
    /// Output directory: verdicts.jsonl, campaigns.json, summary.md, quarantine.jsonl.
    #[arg(long)]
    pub out: PathBuf,
    /// Memory the pass that reads the campaigns' shared values may hold before it spills to
    /// disk; when that is not enough, campaigns are written without those values (each says
    /// why in `not_read`).
    #[arg(long, default_value_t = hydrascope_engine::EVIDENCE_MEMORY >> 20)]
    pub evidence_memory_mib: usize,
    /// Disk the same pass may spill to, in the system's temporary directory; past it, as past
    /// the memory, campaigns are written without their shared values.
    #[arg(long, default_value_t = hydrascope_engine::EVIDENCE_SPILL >> 20)]
    pub evidence_spill_mib: u64,
    /// Partners' campaigns (`hydrascope indicators import`): each campaign found lists those
    /// its accounts share values with (`partner_campaigns` in campaigns.json), and every
    /// account that shares values with one, flagged or not, is in partner-matches.jsonl.
    #[arg(long)]
    pub indicators: Option<PathBuf>,
    /// Run the scan's plans on the Ballista cluster whose scheduler is at this URL
    /// (`df://HOST:PORT`, see docs/cluster.md) instead of in this process. The input must be
    /// the canonical dataset (`hydrascope ingest`), at a path every executor can read.
    #[arg(long, value_name = "URL")]
    pub cluster: Option<String>,
    #[command(flatten)]
    pub detection: DetectionArgs,
}

pub fn run(args: &ScanArgs) -> anyhow::Result<()> {
    let policy = args.detection.policy()?;
    let bad_input = args.detection.bad_input()?;
    fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output directory {}", args.out.display()))?;
    let bar = progress::spinner("scanning");
    let runtime = tokio::runtime::Runtime::new().context("starting the query runtime")?;
    let limits = EvidenceLimits {
        memory: args.evidence_memory_mib.saturating_mul(1 << 20),
        spill: args.evidence_spill_mib.saturating_mul(1 << 20),
    };
    let (placement, place) = match &args.cluster {
        None => (Placement::Embedded(limits), String::new()),
        Some(url) => {
            let scratch = args.out.join(CLUSTER_SCRATCH);
            fs::create_dir_all(&scratch)
                .with_context(|| format!("creating {}", scratch.display()))?;
            (
                cluster_placement(&runtime, url, scratch)?,
                format!(" on the cluster at {url}"),
            )
        }
    };
    let result = runtime
        .block_on(hydrascope_engine::scan_on(
            &placement,
            &args.input,
            &args.out.join("quarantine.jsonl"),
            &bad_input,
            &policy,
        ))
        .with_context(|| format!("scanning {}{place}", args.input.display()));
    bar.finish_and_clear();
    let result = result?;
    let verdicts = explain::verdicts(&result.summaries, &result.detection);
    write_jsonl(&args.out.join("verdicts.jsonl"), &verdicts)?;
    let mut campaigns = explain::campaigns(&result.summaries, &result.detection);
    if let Some(path) = &args.indicators {
        let partners = PartnerKeys::of(&read_indicators(path)?);
        for campaign in &mut campaigns {
            campaign.partner_campaigns =
                partners.accounts_matching(&result.summaries, &campaign.accounts);
        }
        let matches = partner_matches(&partners, &result.summaries, &verdicts);
        println!(
            "{} accounts share values with partners' campaigns: {}",
            matches.len(),
            args.out.join("partner-matches.jsonl").display()
        );
        write_jsonl(&args.out.join("partner-matches.jsonl"), &matches)?;
    }
    attach_evidence(&runtime, &args.input, &placement, &place, &mut campaigns)?;
    if let Placement::Cluster { scratch, .. } = &placement {
        fs::remove_dir_all(scratch).with_context(|| format!("removing {}", scratch.display()))?;
    }
    fs::write(
        args.out.join("campaigns.json"),
        serde_json::to_vec_pretty(&campaigns)?,
    )
    .context("writing campaigns.json")?;
    let summary = summary_markdown(&campaigns, &result);
    fs::write(args.out.join("summary.md"), &summary).context("writing summary.md")?;
    let flagged = verdicts.iter().filter(|v| v.flagged).count();
    println!(
        "scanned {} accounts, {} events: {} flagged in {} campaigns; outputs in {}",
        result.summaries.len(),
        result.summaries.iter().map(|(_, s)| s.events).sum::<u64>(),
        flagged,
        campaigns.len(),
        args.out.display()
    );
    print!("{summary}");
    Ok(())
}

/// Where, under the output directory, a cluster scan's evidence pass writes the small tables
/// its executors read (removed once read): the output must be on storage they share.
const CLUSTER_SCRATCH: &str = "cluster-scratch";

#[cfg(feature = "cluster")]
use crate::commands::cluster::placement as cluster_placement;

#[cfg(not(feature = "cluster"))]
fn cluster_placement(
    _: &tokio::runtime::Runtime,
    _: &str,
    _: std::path::PathBuf,
) -> anyhow::Result<Placement> {
    anyhow::bail!(
        "this hydrascope was built without cluster support: build it with \
         `cargo build --release -p hydrascope-cli --features cluster` (docs/cluster.md)"
    )
}

/// One account that shares values with a partner's campaign, in `partner-matches.jsonl`.
#[derive(Debug, Serialize)]
struct PartnerMatch<'a> {
    account_id: &'a str,
    partner_campaign: &'a str,
    /// The kinds of values it shares with that campaign's indicators.
    shares: Vec<&'static str>,
    /// Its own campaign, when detection put it in one.
    cluster_id: Option<&'a str>,
    flagged: bool,
}

/// Every account that shares values with a partner's campaign, flagged or not.
fn partner_matches<'a>(
    partners: &'a PartnerKeys,
    summaries: &'a [(String, hydrascope_core::AccountSummary)],
    verdicts: &'a [hydrascope_events::Verdict],
) -> Vec<PartnerMatch<'a>> {
    summaries
        .iter()
        .zip(verdicts)
        .flat_map(|((id, summary), verdict)| {
            partners
                .matches(summary)
                .into_iter()
                .map(move |recognition| PartnerMatch {
                    account_id: id,
                    partner_campaign: partners.name(recognition.campaign),
                    shares: recognition.kinds.iter().map(|k| k.name()).collect(),
                    cluster_id: verdict.cluster_id.as_deref().filter(|_| verdict.flagged),
                    flagged: verdict.flagged,
                })
        })
        .collect()
}

/// Writes one JSON line per record (verdicts, and the other per-account outputs).
pub(crate) fn write_jsonl<T: Serialize>(
    path: &Path,
    records: impl IntoIterator<Item = T>,
) -> anyhow::Result<()> {
    let mut writer = JsonlWriter::create(path)?;
    for record in records {
        writer.write_record(&record)?;
    }
    writer.finish()?;
    Ok(())
}

/// Adds to each campaign the values behind its evidence, read from `input` once more where
/// `placement` says; `place` names it in errors (empty when embedded).
fn attach_evidence(
    runtime: &tokio::runtime::Runtime,
    input: &Path,
    placement: &Placement,
    place: &str,
    campaigns: &mut [Campaign],
) -> anyhow::Result<()> {
    let bar = progress::spinner("reading the campaigns' evidence");
    let attached = runtime.block_on(hydrascope_engine::attach_evidence(
        input,
        placement,
        "--evidence-memory-mib, --evidence-spill-mib",
        campaigns,
    ));
    bar.finish_and_clear();
    attached.with_context(|| {
        format!(
            "reading the campaigns' evidence in {}{place}",
            input.display()
        )
    })
}

/// The campaigns in the words of the public reports.
fn summary_markdown(campaigns: &[Campaign], result: &ScanResult) -> String {
    let mut text = String::from("# hydrascope scan\n\n");
    let accounts = result.summaries.len();
    let flagged = result
        .detection
        .accounts
        .iter()
        .filter(|o| o.decision.flagged)
        .count();
    let _ = writeln!(
        text,
        "{accounts} accounts scanned; {flagged} flagged, {} of them in {} coordinated campaigns.\n",
        campaigns.iter().map(|c| c.accounts.len()).sum::<usize>(),
        campaigns.len()
    );
    for campaign in campaigns {
        let days = (campaign.timeline.len() as i64).max(1);
        let targets = top_capabilities(campaign, 3);
        let opened = campaign
            .signup_burst
            .as_ref()
            .map(|b| {
                format!(
                    "; {} of its {} accounts were opened between {} and {}",
                    b.opened_inside, b.members, b.from, b.to
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "- **{}**: {} accounts, {} exchanges between {} and {} ({} active days, {:.0} \
             exchanges per account per day), targeting {}; linked by {}{opened}.",
            campaign.id,
            campaign.accounts.len(),
            campaign.exchanges,
            &campaign.first_seen[..10],
            &campaign.last_seen[..10],
            days,
            campaign.exchanges as f64 / campaign.accounts.len() as f64 / days as f64,
            targets.join(", "),
            campaign
                .linked_by
                .iter()
                .map(|(kind, _)| kind.replace('_', " "))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(template) = campaign.evidence.templates.first() {
            let _ = writeln!(text, "  - {}", template_sentence(template));
        }
        if let Some(infrastructure) = infrastructure_sentence(&campaign.evidence) {
            let _ = writeln!(text, "  - {infrastructure}");
        }
    }
    text
}

/// The campaign's most shared template and its first example, on one line.
fn template_sentence(template: &SharedTemplate) -> String {
    let example = template
        .examples
        .first()
        .map(|e| {
            let one_line = e.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("; for example: \"{one_line}\"")
        })
        .unwrap_or_default();
    format!(
        "Most shared template (frame {}): {}, {}{example}",
        template.frame,
        counted(template.accounts, ("account", "accounts")),
        counted(template.exchanges, ("exchange", "exchanges"))
    )
}

/// The campaign's infrastructure in words: per kind, how many distinct values and the one
/// the most accounts used.
fn infrastructure_sentence(evidence: &CampaignEvidence) -> Option<String> {
    let parts: Vec<String> = infrastructure()
        .filter_map(|kind| {
            let values = evidence.infrastructure.get(kind.name())?;
            let top = values.top.first()?;
            let value = match kind {
                KeyKind::Asn => format!("AS{}", top.value),
                _ => format!("`{}`", top.value),
            };
            let which = if values.distinct == 1 {
                ""
            } else {
                "most used "
            };
            Some(format!(
                "{} ({which}{value}, by {})",
                counted(values.distinct, kind_words(kind.name())),
                counted(top.accounts, ("account", "accounts"))
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("Infrastructure: {}.", parts.join(", ")))
}
