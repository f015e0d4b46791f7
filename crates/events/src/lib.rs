//! The traffic-event contract of hydrascope.
//!
//! One [`Event`] is one API exchange. Outside data reaches hydrascope in the contract of
//! `spec/events.md` (documented in `docs/events.md`), so this crate is the single place where
//! its rules live: field names ([`Field`]), timestamp forms ([`time`]), validation
//! ([`EventBuilder`]) and the reasons a record is quarantined ([`Rejection`]). It has no I/O:
//! readers of files, HTTP and brokers all hand their raw values to it, which is what keeps
//! their verdicts on the same record identical. The records of evaluation live here too:
//! ground truth ([`TruthRecord`]) and what a scan concludes per account ([`Verdict`]) and per
//! campaign ([`Campaign`]).

pub mod campaign;
pub mod event;
pub mod field;
pub mod format;
pub mod rejection;
pub mod time;
pub mod truth;
pub mod validate;
pub mod verdict;

pub use campaign::Campaign;
pub use event::{Event, Thinking, Tools};
pub use field::Field;
pub use rejection::Rejection;
pub use time::EpochMillis;
pub use truth::TruthRecord;
pub use validate::{EventBuilder, RawValue, event_from_json, event_from_json_line};
pub use verdict::{Action, SignalValue, Verdict};
