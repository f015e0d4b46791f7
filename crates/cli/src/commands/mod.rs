//! One module per subcommand.

pub mod demo;
pub mod ingest;
pub mod simulate;
