//! `campaign_evidence`: what a detected campaign's accounts share, in values an analyst can
//! read.
//!
//! Detection works on account summaries, which keep only hashes of the values accounts share
//! (they must stay small and mergeable). Once detection has named the campaigns, the same
//! input is read again, for the campaigns' accounts only, for the values behind the hashes:
//! the template frames most of a campaign's accounts fill, with example prompts, and the
//! addresses, networks, autonomous systems, user agents and client and payment fingerprints
//! they use, each with how many of the campaign's accounts and exchanges it covers.
//!
//! Two passes over the campaigns' events, since counting every distinct value exactly does
//! not fit: a campaign behind rotating proxies uses a new address for nearly every exchange,
//! tens of millions at full scale, and the first version of this pass outgrew the machine's
//! 24 GB there. The first pass keeps, per campaign and kind, the values used in the most
//! exchanges (a bounded, mergeable summary, [`hs_frequent_values`]) and estimates how many
//! distinct values there are (HyperLogLog, DataFusion's `approx_distinct`); the second counts
//! those candidates exactly and ranks them:
//!
//! ```text
//! uses = events ─► WHERE account_id IN (members) ─► JOIN members (campaign, member)
//!               ─► UNNEST hs_event_evidence(…)   one row per event and value (kind, code)
//!
//! 1. uses ─► GROUP BY campaign, kind              hs_frequent_values(code), approx_distinct(code)
//! 2. candidates ─► JOIN uses ON campaign, kind, code
//!        ─► GROUP BY campaign, kind, code, member   exchanges, min(label), min(example)
//!        ─► GROUP BY campaign, kind, code           accounts, exchanges, min(label),
//!                                                   hs_smallest_texts(example)
//!        ─► row_number() by accounts, per kind, ≤ top
//! ```
//!
//! The top values are thus the most shared of the [`CAPACITY`] values of each kind that
//! carried the most exchanges, or of all of them when there are fewer: a value many accounts
//! share carries their exchanges too. Campaigns, members and values are numbers in the plan
//! (a value is its code, see [`hs_event_evidence`](crate::functions::evidence)) and become
//! text for the kept rows only.
//!
//! Grouping by account before grouping by value counts distinct accounts with the engine's
//! ordinary (fast) aggregates, and keeps one example per account and value (its smallest
//! prompt), so that a template's examples, the smallest distinct ones of those, come from
//! different accounts. Every choice is by value (smallest text; ranks tied on accounts and
//! exchanges by the value's code), so the output does not depend on how the plan was
//! partitioned or in what order the input arrived, as long as a kind has at most
//! [`CAPACITY`] values per campaign (beyond, which of the rarely used values are candidates
//! may).
//!
//! Examples come from a fixed sample of each campaign's accounts, its *witnesses* (at most
//! [`WITNESSES`], chosen by a hash of the account id); counts come from every account. A
//! campaign account opens hundreds of conversations, nearly each a template frame of its
//! own, so keeping an example per account and frame for every account held a prompt per
//! conversation: 4.2 GB for 10,000 flagged accounts, most of the scan's peak memory. A frame
//! worth showing is one many accounts fill, so a few hundred witnesses fill it too.
//!
//! [`hs_frequent_values`]: crate::functions::frequent
//! [`CAPACITY`]: crate::functions::frequent::CAPACITY

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use datafusion::common::{JoinType, exec_datafusion_err};
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::disk_manager::DiskManagerBuilder;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::functions_aggregate::expr_fn::{approx_distinct, count, min, sum};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::ExprFunctionExt;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext, col, lit, when};
use hydrascope_events::Campaign;
pub use hydrascope_events::campaign::{
    CampaignEvidence, SharedTemplate, SharedValue, SharedValues,
};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::EngineError;
use crate::functions::evidence::{self, CODE, EXAMPLE, KIND, LABEL, TEMPLATE, value_text};
use crate::functions::examples;
use crate::functions::frequent;
use crate::input::{EVENTS_TABLE, register_canonical_events, register_events_again};
use crate::scan::{Placement, session_config};
use crate::summaries::ACCOUNT_ID;
use hydrascope_io::IoError;

/// Memory the evidence pass may hold before its operators spill to disk (4 GiB by default):
/// at full scale (47,000 flagged accounts, one rotating address per exchange) the pass grew
/// past the machine's 24 GB and the scan was killed after writing its verdicts. When
/// spilling cannot keep the pass within it, the pass fails with
/// [`is_memory_exhausted`] true, and the scan reports the campaigns without the values.
pub const EVIDENCE_MEMORY: usize = 4 << 30;

/// Disk the evidence pass may spill to in the system's temporary directory: at full scale it
/// spilled more than 5 GB within four minutes. A pass that needs more fails as one that needs
/// more memory does ([`is_memory_exhausted`]), rather than filling the disk.
pub const EVIDENCE_SPILL: u64 = 4 << 30;

/// What the evidence pass may hold in memory and spill to disk, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceLimits {
    pub memory: usize,
    pub spill: u64,
}

impl Default for EvidenceLimits {
    fn default() -> Self {
        EvidenceLimits {
            memory: EVIDENCE_MEMORY,
            spill: EVIDENCE_SPILL,
        }
    }
}

/// Whether an evidence pass failed because it needed more memory or spill space than it was
/// given.
///
/// Running out of memory is a [`DataFusionError::ResourcesExhausted`]. Running out of spill
/// space is not typed: the engine's spill file fails the write with an I/O error whose only
/// mark is its message, which names the setting to raise (`max_temp_directory_size`, as the
/// engine's own tests recognise it), wrapped by the Arrow writer.
pub fn is_memory_exhausted(error: &EngineError) -> bool {
    const SPILL_LIMIT: &str = "max_temp_directory_size";
    let EngineError::DataFusion(error) = error else {
        return false;
    };
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = next {
        match (error.downcast_ref(), error.downcast_ref::<std::io::Error>()) {
            (Some(DataFusionError::ResourcesExhausted(_)), _) => return true,
            (_, Some(io)) if io.to_string().contains(SPILL_LIMIT) => return true,
            _ => next = error.source(),
        }
    }
    false
}

/// The evidence of every campaign of `members` (account id → campaign id), from `input` (the
/// one the detection read, whose bad records it already quarantined): per campaign, the `top`
/// template frames and the `top` values of each kind of infrastructure. Campaigns without
/// events are absent. Embedded, the pass holds at most `limits.memory` bytes
/// ([`EVIDENCE_MEMORY`]), spilling at most `limits.spill` bytes ([`EVIDENCE_SPILL`]) to the
/// system's temporary directory; on a cluster, its executors run it.
pub async fn campaign_evidence(
    input: &Path,
    members: &HashMap<String, String>,
    top: usize,
    placement: &Placement,
) -> Result<BTreeMap<String, CampaignEvidence>, EngineError> {
    if members.is_empty() || top == 0 {
        return Ok(BTreeMap::new());
    }
    let started = Instant::now();
    let pass = Pass::open(input, placement)?;
    let membership = Membership::new(members);
    let candidates = Candidates::of(&pass, &membership).await?;
    pass.rewind(input)?;
    let batches = ranked_values(&pass, &membership, &candidates, top)
        .await?
        .collect()
        .await?;
    let mut campaigns = BTreeMap::new();
    for batch in &batches {
        read_rows(
            batch,
            &membership.campaigns,
            &candidates.distinct,
            &mut campaigns,
        )?;
    }
    tracing::info!(
        campaigns = campaigns.len(),
        accounts = members.len(),
        seconds = started.elapsed().as_secs_f64(),
        "campaign evidence pass"
    );
    Ok(campaigns)
}

/// Rows of non-members are dropped while the Parquet scan decodes, before their prompts.
fn filter_while_decoding(config: &mut SessionConfig) {
    config.options_mut().execution.parquet.pushdown_filters = true;
}

/// The session an evidence pass plans on, with the events registered, and where its small
/// tables (the campaigns' members, the candidate values) live.
struct Pass<'a> {
    ctx: SessionContext,
    /// Where the small tables are written for a cluster's executors to read; in memory when
    /// `None`.
    scratch: Option<&'a Path>,
}

impl<'a> Pass<'a> {
    fn open(input: &Path, placement: &'a Placement) -> Result<Self, EngineError> {
        match placement {
            Placement::Embedded(limits) => {
                let mut config = session_config();
                filter_while_decoding(&mut config);
                let runtime = RuntimeEnvBuilder::new()
                    .with_memory_pool(Arc::new(FairSpillPool::new(limits.memory)))
                    .with_disk_manager_builder(
                        DiskManagerBuilder::default().with_max_temp_directory_size(limits.spill),
                    )
                    .build_arc()?;
                let ctx = SessionContext::new_with_config_rt(config, runtime);
                crate::register_functions(&ctx);
                register_events_again(&ctx, input)?;
                Ok(Pass { ctx, scratch: None })
            }
            Placement::Cluster { ctx, scratch } => {
                // The setting travels with the pass's jobs to the executors.
                filter_while_decoding(ctx.state_ref().write().config_mut());
                crate::register_functions(ctx);
                ctx.deregister_table(EVENTS_TABLE)?;
                register_canonical_events(ctx, input)?;
                Ok(Pass {
                    ctx: ctx.clone(),
                    scratch: Some(scratch),
                })
            }
        }
    }

    /// Makes the events readable once more: raw input streams once per registration.
    fn rewind(&self, input: &Path) -> Result<(), EngineError> {
        if self.scratch.is_none() {
            self.ctx.deregister_table(EVENTS_TABLE)?;
            register_events_again(&self.ctx, input)?;
        }
        Ok(())
    }

    /// `batch` as a table of the pass's session: in memory, or written as Parquet under the
    /// scratch directory, since a plan that runs on a cluster can name files but not carry
    /// batches.
    async fn small_table(&self, name: &str, batch: RecordBatch) -> Result<DataFrame, EngineError> {
        let Some(scratch) = self.scratch else {
            return Ok(self.ctx.read_batch(batch)?);
        };
        let path = scratch.join(format!("{name}.parquet"));
        let path = std::path::absolute(&path).map_err(|source| IoError::Create {
            path: path.clone(),
            source,
        })?;
        let file = std::fs::File::create(&path).map_err(|source| IoError::Create {
            path: path.clone(),
            source,
        })?;
        let parquet_error = |source| IoError::ParquetWrite {
            path: path.clone(),
            source,
        };
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None).map_err(parquet_error)?;
        writer.write(&batch).map_err(parquet_error)?;
        writer.close().map_err(parquet_error)?;
        let path = path.to_string_lossy();
        Ok(self
            .ctx
            .read_parquet(path.as_ref(), ParquetReadOptions::default())
            .await?)
    }
}

/// Template frames, and values per kind of infrastructure, listed per campaign: enough to see
/// what a campaign's accounts share without listing a rotating proxy's every address.
pub const TOP_VALUES: usize = 10;

/// Fills each campaign's [`CampaignEvidence`] with the values behind its links, read from
/// `input` ([`campaign_evidence`], [`TOP_VALUES`] of each kind). When an embedded pass needs
/// more than its limits allow, the campaigns keep no values and say why in `not_read`, naming
/// `settings` (where the user raises the limits): the verdicts stand without them.
pub async fn attach_evidence(
    input: &Path,
    placement: &Placement,
    settings: &str,
    campaigns: &mut [Campaign],
) -> Result<(), EngineError> {
    let members: HashMap<String, String> = campaigns
        .iter()
        .flat_map(|c| c.accounts.iter().map(|a| (a.clone(), c.id.clone())))
        .collect();
    match campaign_evidence(input, &members, TOP_VALUES, placement).await {
        Ok(mut evidence) => {
            for campaign in campaigns {
                campaign.evidence = evidence.remove(&campaign.id).unwrap_or_default();
            }
            Ok(())
        }
        Err(error) if is_memory_exhausted(&error) => {
            let Placement::Embedded(limits) = placement else {
                return Err(error);
            };
            let reason = format!(
                "the values behind the evidence need more than the {} MiB of memory and {} MiB                  of spill space the evidence pass may use ({settings}): {error}",
                limits.memory >> 20,
                limits.spill >> 20
            );
            tracing::warn!("campaigns without their shared values: {reason}");
            for campaign in campaigns {
                campaign.evidence = CampaignEvidence {
                    not_read: Some(reason.clone()),
                    ..CampaignEvidence::default()
                };
            }
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Accounts per campaign whose prompts may be examples (see the module documentation).
pub const WITNESSES: usize = 500;

/// Column names of the plan.
const CAMPAIGN: &str = "campaign";
const MEMBER: &str = "member";
const MEMBER_ID: &str = "member_id";
const WITNESS: &str = "witness";
const EVIDENCE: &str = "evidence";
const EXCHANGES: &str = "exchanges";
const EXAMPLES: &str = "examples";
const ACCOUNTS: &str = "accounts";
const RANK: &str = "rank";
const DISTINCT: &str = "distinct_values";
const CANDIDATES: &str = "candidates";
/// The candidates table's columns, named apart from the uses' for the join.
const WANTED_CAMPAIGN: &str = "wanted_campaign";
const WANTED_KIND: &str = "wanted_kind";
const WANTED_CODE: &str = "wanted_code";

/// The first pass's result: per campaign and kind, the candidate codes and the estimated
/// number of distinct values.
struct Candidates {
    /// `(wanted_campaign, wanted_kind, wanted_code)`, one row per candidate.
    table: RecordBatch,
    distinct: HashMap<(u32, String), u64>,
}

impl Candidates {
    async fn of(pass: &Pass<'_>, membership: &Membership<'_>) -> Result<Self, EngineError> {
        let frequent = pass.ctx.udaf(frequent::NAME)?.call(vec![col(CODE)]);
        let batches = value_uses(pass, membership)
            .await?
            .aggregate(
                vec![col(CAMPAIGN), col(KIND)],
                vec![
                    frequent.alias(CANDIDATES),
                    approx_distinct(col(CODE)).alias(DISTINCT),
                ],
            )?
            .collect()
            .await?;
        let (mut campaigns, mut kinds, mut codes) = (Vec::new(), Vec::new(), Vec::new());
        let mut distinct = HashMap::new();
        for batch in &batches {
            let campaign = counts(batch, CAMPAIGN)?;
            let kind = strings(batch, KIND)?;
            let estimate = counts(batch, DISTINCT)?;
            let candidates = column(batch, CANDIDATES)?.as_list::<i32>();
            for row in 0..batch.num_rows() {
                let (campaign, kind) = (count_at(&campaign, row) as u32, kind.value(row));
                distinct.insert((campaign, kind.to_owned()), count_at(&estimate, row));
                let row_codes = candidates.value(row);
                for &code in row_codes.as_primitive::<UInt64Type>().values() {
                    campaigns.push(campaign);
                    kinds.push(kind.to_owned());
                    codes.push(code);
                }
            }
        }
        let schema = Schema::new(vec![
            Field::new(WANTED_CAMPAIGN, DataType::UInt32, false),
            Field::new(WANTED_KIND, DataType::Utf8, false),
            Field::new(WANTED_CODE, DataType::UInt64, false),
        ]);
        let table = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(UInt32Array::from(campaigns)),
                Arc::new(StringArray::from(kinds)),
                Arc::new(UInt64Array::from(codes)),
            ],
        )
        .map_err(DataFusionError::from)?;
        Ok(Candidates { table, distinct })
    }
}

/// The second pass: one row per campaign, kind and value among the `top` candidates of its
/// kind, with its accounts, exchanges and (templates) examples, sorted by campaign, kind and
/// rank.
async fn ranked_values(
    pass: &Pass<'_>,
    membership: &Membership<'_>,
    candidates: &Candidates,
    top: usize,
) -> Result<DataFrame, EngineError> {
    // The candidates are the join's build side, which it holds; the uses stream past.
    let uses = pass
        .small_table(CANDIDATES, candidates.table.clone())
        .await?
        .join(
            value_uses(pass, membership).await?,
            JoinType::Inner,
            &[WANTED_CAMPAIGN, WANTED_KIND, WANTED_CODE],
            &[CAMPAIGN, KIND, CODE],
            None,
        )?;
    let value = || vec![col(CAMPAIGN), col(KIND), col(CODE)];
    let per_account = uses.aggregate(
        [value(), vec![col(MEMBER_ID)]].concat(),
        vec![
            count(lit(1)).alias(EXCHANGES),
            min(col(LABEL)).alias(LABEL),
            min(col(EXAMPLE)).alias(EXAMPLE),
        ],
    )?;
    let examples = pass.ctx.udaf(examples::NAME)?.call(vec![col(EXAMPLE)]);
    let per_value = vec![
        count(lit(1)).alias(ACCOUNTS),
        sum(col(EXCHANGES)).alias(EXCHANGES),
        min(col(LABEL)).alias(LABEL),
        examples.alias(EXAMPLES),
    ];
    Ok(per_account
        .aggregate(value(), per_value)?
        .window(vec![
            row_number()
                .partition_by(vec![col(CAMPAIGN), col(KIND)])
                .order_by(vec![
                    col(ACCOUNTS).sort(false, false),
                    col(EXCHANGES).sort(false, false),
                    col(CODE).sort(true, false),
                ])
                .build()?
                .alias(RANK),
        ])?
        .filter(col(RANK).lt_eq(lit(top as u64)))?
        .sort(vec![
            col(CAMPAIGN).sort(true, false),
            col(KIND).sort(true, false),
            col(RANK).sort(true, false),
        ])?)
}

/// One row per member event and value it carries: campaign, member, kind, the value's code
/// and label, and (templates) the prompt. The filter on account ids comes first, so that a
/// Parquet scan skips what it can and nothing else of non-members is decoded or analysed.
async fn value_uses(
    pass: &Pass<'_>,
    membership: &Membership<'_>,
) -> Result<DataFrame, EngineError> {
    let member_ids = membership
        .members
        .iter()
        .map(|(id, _)| lit(id.as_str()))
        .collect();
    let campaigns = pass.small_table(MEMBER, membership.batch()?).await?;
    let evidence_args = evidence::columns().into_iter().map(col).collect();
    let evidence = pass.ctx.udf(evidence::NAME)?.call(evidence_args);
    let entry = |field: &str| get_field(col(EVIDENCE), field).alias(field);
    let member_events = pass
        .ctx
        .table(EVENTS_TABLE)
        .await?
        .filter(col(ACCOUNT_ID).in_list(member_ids, false))?;
    // The membership is the join's build side (the left one, which a hash join holds in
    // memory) and the events stream past it: raw input has no statistics for the planner to
    // swap sides by, and with the events on the left the join held every member event (2 GB
    // at full scale before the pass ran out of memory).
    Ok(campaigns
        .join(
            member_events,
            JoinType::Inner,
            &[MEMBER],
            &[ACCOUNT_ID],
            None,
        )?
        .select(vec![
            col(CAMPAIGN),
            col(MEMBER_ID),
            col(WITNESS),
            evidence.alias(EVIDENCE),
        ])?
        .unnest_columns(&[EVIDENCE])?
        .select(vec![
            col(CAMPAIGN),
            col(MEMBER_ID),
            entry(KIND),
            entry(CODE),
            entry(LABEL),
            when(col(WITNESS), get_field(col(EVIDENCE), EXAMPLE))
                .end()?
                .alias(EXAMPLE),
        ])?)
}

/// The campaigns' members, numbered: the plan groups by a member's and a campaign's number
/// rather than by their ids.
struct Membership<'a> {
    /// Member account ids with their campaign's number, by account id.
    members: Vec<(&'a String, u32)>,
    /// Campaign ids by number.
    campaigns: Vec<&'a str>,
    witnesses: HashSet<&'a str>,
}

impl<'a> Membership<'a> {
    fn new(members: &'a HashMap<String, String>) -> Self {
        let campaigns: Vec<&str> = members
            .values()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let number = |campaign: &str| {
            campaigns
                .binary_search(&campaign)
                .expect("a member's campaign is listed") as u32
        };
        let mut numbered: Vec<(&String, u32)> = members
            .iter()
            .map(|(account, campaign)| (account, number(campaign)))
            .collect();
        numbered.sort();
        Membership {
            members: numbered,
            witnesses: witnesses(members),
            campaigns,
        }
    }

    /// The membership as a table: member account id, member number, campaign number, and
    /// whether the member is one of its campaign's witnesses.
    fn batch(&self) -> Result<RecordBatch, DataFusionError> {
        let schema = Schema::new(vec![
            Field::new(MEMBER, DataType::Utf8, false),
            Field::new(MEMBER_ID, DataType::UInt32, false),
            Field::new(CAMPAIGN, DataType::UInt32, false),
            Field::new(WITNESS, DataType::Boolean, false),
        ]);
        let accounts: StringArray = self.members.iter().map(|(a, _)| Some(a.as_str())).collect();
        let numbers: UInt32Array = (0..self.members.len() as u32).map(Some).collect();
        let campaigns: UInt32Array = self.members.iter().map(|(_, c)| Some(*c)).collect();
        let witness: BooleanArray = self
            .members
            .iter()
            .map(|(a, _)| Some(self.witnesses.contains(a.as_str())))
            .collect();
        Ok(RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(accounts),
                Arc::new(numbers),
                Arc::new(campaigns),
                Arc::new(witness),
            ],
        )?)
    }
}

/// The [`WITNESSES`] members of each campaign with the smallest hashes of their ids: a sample
/// that does not depend on how ids were assigned (in order of sign-up, say).
fn witnesses(members: &HashMap<String, String>) -> HashSet<&str> {
    let mut by_campaign: HashMap<&str, Vec<(u64, &str)>> = HashMap::new();
    for (account, campaign) in members {
        by_campaign
            .entry(campaign)
            .or_default()
            .push((xxh3_64(account.as_bytes()), account));
    }
    by_campaign
        .into_values()
        .flat_map(|mut accounts| {
            accounts.sort_unstable();
            accounts.truncate(WITNESSES);
            accounts.into_iter().map(|(_, account)| account)
        })
        .collect()
}

/// Adds the plan's rows (in rank order) to the campaigns' evidence.
fn read_rows(
    batch: &RecordBatch,
    campaign_ids: &[&str],
    distinct_values: &HashMap<(u32, String), u64>,
    campaigns: &mut BTreeMap<String, CampaignEvidence>,
) -> Result<(), EngineError> {
    let campaign = counts(batch, CAMPAIGN)?;
    let kind = strings(batch, KIND)?;
    let code = counts(batch, CODE)?;
    let label = strings(batch, LABEL)?;
    let accounts = counts(batch, ACCOUNTS)?;
    let exchanges = counts(batch, EXCHANGES)?;
    let examples = column(batch, EXAMPLES)?
        .as_list_opt::<i32>()
        .ok_or_else(|| exec_datafusion_err!("the examples are not a list"))?;
    for row in 0..batch.num_rows() {
        let number = count_at(&campaign, row) as u32;
        let evidence = campaigns
            .entry(campaign_ids[number as usize].to_owned())
            .or_default();
        let (accounts, exchanges) = (count_at(&accounts, row), count_at(&exchanges, row));
        let kind = kind.value(row);
        let label = label.is_valid(row).then(|| label.value(row));
        let value = value_text(kind, count_at(&code, row), label);
        let distinct = distinct_values
            .get(&(number, kind.to_owned()))
            .copied()
            .unwrap_or_default();
        if kind == TEMPLATE {
            evidence.distinct_templates = distinct;
            evidence.templates.push(SharedTemplate {
                frame: value,
                accounts,
                exchanges,
                examples: examples
                    .value(row)
                    .as_string::<i32>()
                    .iter()
                    .flatten()
                    .map(str::to_owned)
                    .collect(),
            });
            continue;
        }
        let kind = evidence::infrastructure()
            .map(|k| k.name())
            .find(|name| *name == kind)
            .ok_or_else(|| exec_datafusion_err!("evidence of an unknown kind {kind}"))?;
        let values = evidence.infrastructure.entry(kind.to_owned()).or_default();
        values.distinct = distinct;
        values.top.push(SharedValue {
            value,
            accounts,
            exchanges,
        });
    }
    Ok(())
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, DataFusionError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| exec_datafusion_err!("the evidence plan has no column {name}"))
}

/// A string column, whatever string type the plan gave it.
fn strings(batch: &RecordBatch, name: &str) -> Result<StringArray, DataFusionError> {
    Ok(cast(column(batch, name)?, &DataType::Utf8)?
        .as_string::<i32>()
        .clone())
}

/// A count column as unsigned integers, whatever integer type the plan gave it.
fn counts(batch: &RecordBatch, name: &str) -> Result<ArrayRef, DataFusionError> {
    Ok(cast(column(batch, name)?, &DataType::UInt64)?)
}

fn count_at(array: &ArrayRef, row: usize) -> u64 {
    array.as_primitive::<UInt64Type>().value(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_campaign_has_at_most_its_witnesses_and_small_ones_all_their_members() {
        let members: HashMap<String, String> = (0..WITNESSES + 700)
            .map(|i| (format!("big-{i}"), "c-0001".to_owned()))
            .chain((0..10).map(|i| (format!("small-{i}"), "c-0002".to_owned())))
            .collect();
        let membership = Membership::new(&members);
        let chosen = &membership.witnesses;
        let of = |campaign: &str| {
            chosen
                .iter()
                .filter(|account| members[**account] == campaign)
                .count()
        };
        assert_eq!(of("c-0001"), WITNESSES);
        assert_eq!(of("c-0002"), 10);
        let batch = membership.batch().unwrap();
        let flags = batch.column_by_name(WITNESS).unwrap().as_boolean();
        assert_eq!(flags.true_count(), WITNESSES + 10);
        assert_eq!(membership.campaigns, ["c-0001", "c-0002"]);
    }
}
