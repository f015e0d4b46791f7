//! Why the service could not start or do what it was asked.

use std::path::PathBuf;

use hydrascope_core::policy::PolicyError;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration {}: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error(
        "no bearer token: set {} or list tokens under [tokens] in the configuration",
        crate::config::TOKEN_VARIABLE
    )]
    NoToken,
    #[error("policy {}: {source}", path.display())]
    Policy {
        path: PathBuf,
        #[source]
        source: PolicyError,
    },
    #[error("the store in {}: {message}", path.display())]
    Store { path: PathBuf, message: String },
    #[error("the detector has stopped")]
    DetectorStopped,
    #[error("a task of the service failed: {0}")]
    Task(String),
    #[error("the evidence pass over the stored events: {0}")]
    Evidence(#[from] hydrascope_engine::EngineError),
}

impl ServeError {
    /// A store error, with the data directory it concerns.
    pub(crate) fn store(path: &std::path::Path, error: impl std::fmt::Display) -> ServeError {
        ServeError::Store {
            path: path.to_owned(),
            message: error.to_string(),
        }
    }
}
