//! Why a simulation could not run or stopped.

use std::convert::Infallible;
use std::path::PathBuf;

/// A failure of the simulator. `E` is the error type of the caller's `emit` callback, so that
/// a failing writer stops the run and its error comes back unchanged; loading a corpus cannot
/// fail that way, hence the default `Infallible`.
#[derive(Debug, thiserror::Error)]
pub enum SimError<E = Infallible> {
    /// A corpus file could not be read.
    #[error("cannot read corpus file {path}: {source}")]
    CorpusIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A corpus file was read but its content is not what the corpus README describes.
    #[error("corpus file {path} is malformed: {reason}")]
    CorpusFormat { path: PathBuf, reason: String },
    /// The configuration asks for something the simulator cannot do (a share outside 0..1,
    /// a non-positive scale).
    #[error("invalid simulation setting: {0}")]
    Config(String),
    /// The `emit` callback failed; the run stopped at that event.
    #[error("emitting an event failed: {0}")]
    Emit(#[source] E),
}

impl SimError {
    /// Re-types a corpus or configuration error for a run whose callback fails with `E`.
    pub fn widen<E>(self) -> SimError<E> {
        match self {
            SimError::CorpusIo { path, source } => SimError::CorpusIo { path, source },
            SimError::CorpusFormat { path, reason } => SimError::CorpusFormat { path, reason },
            SimError::Config(reason) => SimError::Config(reason),
            SimError::Emit(never) => match never {},
        }
    }
}
