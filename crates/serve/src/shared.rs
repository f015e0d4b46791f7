//! What the HTTP handlers and the detector share: the published snapshot, the overrides and
//! the metrics. Reads never wait: the snapshot and the overrides are swapped in whole.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use hydrascope_core::recognise::PartnerKeys;

use crate::metrics::Metrics;
use crate::snapshot::Snapshot;
use crate::store::Override;

#[derive(Default)]
pub struct Shared {
    pub snapshot: ArcSwap<Snapshot>,
    pub overrides: ArcSwap<HashMap<String, Override>>,
    /// Partners' campaigns, from the indicators file; replaced whole on reload.
    pub partners: ArcSwap<PartnerKeys>,
    pub metrics: Metrics,
}

impl Shared {
    /// Shared state with the overrides already stored.
    pub fn new(overrides: Vec<(String, Override)>) -> Arc<Shared> {
        let shared = Shared::default();
        shared
            .overrides
            .store(Arc::new(overrides.into_iter().collect()));
        Arc::new(shared)
    }
}
