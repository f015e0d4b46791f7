//! What stops a scan.

use datafusion::error::DataFusionError;
use hydrascope_io::IoError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("query engine: {0}")]
    DataFusion(#[from] DataFusionError),
    #[error("reading the input: {0}")]
    Input(String),
}
