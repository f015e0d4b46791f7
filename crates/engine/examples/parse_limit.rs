//! The parse limit of a scan: DataFusion merely decoding the columns the summary plan reads,
//! with nothing computed from them. `bench/scan.sh` divides the throughput of `hydrascope
//! scan` by this one to tell the cost of detection from the cost of reading the input.
//!
//! ```sh
//! cargo run --release -p hydrascope-engine --example parse_limit -- DATASET
//! ```

use std::path::PathBuf;
use std::time::Instant;

use datafusion::prelude::SessionContext;
use hydrascope_engine::{read_summary_columns, register_events};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: parse_limit INPUT")?
        .into();
    // Only raw input writes a quarantine; canonical Parquet was checked when ingested.
    let quarantine = tempfile::tempdir()?;
    let started = Instant::now();
    let ctx = SessionContext::new();
    register_events(&ctx, &input, &quarantine.path().join("quarantine.jsonl"))?;
    let rows = read_summary_columns(&ctx).await?;
    println!("rows={rows} seconds={:.3}", started.elapsed().as_secs_f64());
    Ok(())
}
