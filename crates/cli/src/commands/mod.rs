//! One module per subcommand.

pub mod demo;
pub mod evaluate;
pub mod ingest;
pub mod scan;
pub mod simulate;
