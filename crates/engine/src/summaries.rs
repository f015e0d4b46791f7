//! Per-account summaries as a DataFusion plan over the `events` table.
//!
//! ```text
//! events ─► hs_prompt_sketch(prompt, system_prompt, tools, thinking, prompt_sketch)
//!        ─► GROUP BY account_id: hs_account_summary(ts, …, prompt, sketch)
//!        ─► ORDER BY account_id
//! ```
//!
//! DataFusion aggregates each partition of the input on its own, then merges the partial
//! summaries per account; the result is the summary a loop over each account's events would
//! build, whatever the partitioning.

use std::collections::BTreeSet;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::exec_datafusion_err;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::prelude::{Expr, SessionContext, col};
use futures::StreamExt;
use hydrascope_core::AccountSummary;

use crate::error::EngineError;
use crate::functions::{account, decode_summary, sketch};
use crate::input::EVENTS_TABLE;

/// Name of the account column in the plan's output.
pub const ACCOUNT_ID: &str = "account_id";
/// Name of the summary column (the state encoding of [`crate::functions::encode_summary`]).
pub const SUMMARY: &str = "summary";

/// The aggregate expression `hs_account_summary(ts, …, prompt, hs_prompt_sketch(…))` over the
/// event columns, for any grouping. The session needs
/// [`register_functions`](crate::register_functions).
pub fn account_summary_expr(ctx: &SessionContext) -> Result<Expr, EngineError> {
    let sketch_args = sketch::COLUMNS.iter().map(|name| col(*name)).collect();
    let sketch = ctx.udf(sketch::NAME)?.call(sketch_args);
    let summary_args = account::COLUMNS
        .iter()
        .map(|name| col(*name))
        .chain([sketch])
        .collect();
    Ok(ctx.udaf(account::NAME)?.call(summary_args))
}

/// The plan of [`account_summaries`] before it runs: one row per account, `account_id` and
/// its encoded `summary`, sorted by account.
pub async fn account_summary_frame(ctx: &SessionContext) -> Result<DataFrame, EngineError> {
    let summary = account_summary_expr(ctx)?;
    Ok(ctx
        .table(EVENTS_TABLE)
        .await?
        .aggregate(vec![col(ACCOUNT_ID)], vec![summary.alias(SUMMARY)])?
        .sort(vec![col(ACCOUNT_ID).sort(true, false)])?)
}

/// Every account's summary, sorted by account id.
pub async fn account_summaries(
    ctx: &SessionContext,
) -> Result<Vec<(String, AccountSummary)>, EngineError> {
    let batches = account_summary_frame(ctx).await?.collect().await?;
    let mut summaries = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    let mut encoded_bytes = 0;
    for batch in &batches {
        let ids = cast(batch.column(0), &DataType::Utf8).map_err(DataFusionError::from)?;
        let ids = ids.as_string::<i32>();
        let states = batch
            .column(1)
            .as_binary_opt::<i32>()
            .ok_or_else(|| exec_datafusion_err!("summaries are not Binary"))?;
        for row in 0..batch.num_rows() {
            encoded_bytes += states.value(row).len();
            summaries.push((
                ids.value(row).to_owned(),
                decode_summary(states.value(row))?,
            ));
        }
    }
    // What detection starts from, whichever process computed it: the figure that bounds
    // a cluster's client (docs/cluster.md).
    tracing::info!(
        accounts = summaries.len(),
        encoded_bytes,
        "account summaries collected"
    );
    Ok(summaries)
}

/// Decodes every column the summary plan reads and drops the batches; returns the rows read.
///
/// This is the "parse limit": what [`account_summaries`] would cost if the summaries
/// themselves were free. Benchmarks divide the plan's throughput by this one to tell the
/// cost of the detection core from the cost of reading the input.
pub async fn read_summary_columns(ctx: &SessionContext) -> Result<usize, EngineError> {
    // A column both functions take (the prompt) is read once, as the plan reads it.
    let columns: BTreeSet<&str> = std::iter::once(ACCOUNT_ID)
        .chain(account::COLUMNS)
        .chain(sketch::COLUMNS)
        .collect();
    let mut stream = ctx
        .table(EVENTS_TABLE)
        .await?
        .select(columns.into_iter().map(col).collect::<Vec<_>>())?
        .execute_stream()
        .await?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        rows += batch?.num_rows();
    }
    Ok(rows)
}
