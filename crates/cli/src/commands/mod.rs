//! One module per subcommand, and the options they share.

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod demo;
pub mod evaluate;
pub mod indicators;
pub mod ingest;
pub mod options;
pub mod replay;
pub mod report;
pub mod scan;
pub mod serve;
pub mod simulate;
