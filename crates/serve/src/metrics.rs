//! The service's metrics, in the Prometheus text format at `GET /metrics`.

use std::sync::atomic::AtomicU64;

use hydrascope_events::Action;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabel {
    decision: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

/// Every metric, registered once.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub events_accepted: Counter,
    pub events_duplicate: Counter,
    rejected: Family<ReasonLabel, Counter>,
    checks: Family<DecisionLabel, Counter>,
    pub check_seconds: Histogram,
    pub rescores: Counter,
    pub rescore_seconds: Gauge<f64, AtomicU64>,
    pub accounts: Gauge,
    pub flagged: Gauge,
    pub campaigns: Gauge,
    pub campaign_keys: Gauge,
    pub broker_failures: Counter,
    pub broker_redelivered: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut metrics = Metrics {
            registry: Registry::with_prefix("hydrascope"),
            events_accepted: Counter::default(),
            events_duplicate: Counter::default(),
            rejected: Family::default(),
            checks: Family::default(),
            // 1 µs to about 0.5 s: a check is answered in microseconds.
            check_seconds: Histogram::new(exponential_buckets(1e-6, 2.0, 20)),
            rescores: Counter::default(),
            rescore_seconds: Gauge::default(),
            accounts: Gauge::default(),
            flagged: Gauge::default(),
            campaigns: Gauge::default(),
            campaign_keys: Gauge::default(),
            broker_failures: Counter::default(),
            broker_redelivered: Counter::default(),
        };
        let registry = &mut metrics.registry;
        registry.register(
            "events_accepted",
            "Events stored",
            metrics.events_accepted.clone(),
        );
        registry.register(
            "events_duplicate",
            "Events whose request id was stored before",
            metrics.events_duplicate.clone(),
        );
        registry.register(
            "events_rejected",
            "Records quarantined, by reason",
            metrics.rejected.clone(),
        );
        registry.register(
            "checks",
            "Checks answered, by decision",
            metrics.checks.clone(),
        );
        registry.register(
            "check_duration_seconds",
            "Time to answer a check inside the service",
            metrics.check_seconds.clone(),
        );
        registry.register(
            "rescores",
            "Re-scores of every account",
            metrics.rescores.clone(),
        );
        registry.register(
            "rescore_duration_seconds",
            "Duration of the last re-score",
            metrics.rescore_seconds.clone(),
        );
        registry.register("accounts", "Accounts tracked", metrics.accounts.clone());
        registry.register(
            "flagged_accounts",
            "Accounts flagged",
            metrics.flagged.clone(),
        );
        registry.register("campaigns", "Campaigns detected", metrics.campaigns.clone());
        registry.register(
            "campaign_keys",
            "Keys that recognise a known campaign's new accounts",
            metrics.campaign_keys.clone(),
        );
        registry.register(
            "broker_failures",
            "Times broker ingest failed and started again",
            metrics.broker_failures.clone(),
        );
        registry.register(
            "broker_redelivered",
            "Broker messages delivered again after they were stored, not counted twice",
            metrics.broker_redelivered.clone(),
        );
        metrics
    }
}

impl Metrics {
    /// Counts a quarantined record.
    pub fn rejected(&self, reason: &str) {
        self.rejected
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts a check answered with `decision`.
    pub fn checked(&self, decision: Action) {
        self.checks
            .get_or_create(&DecisionLabel {
                decision: decision.name(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_appear_in_the_exposition() {
        let metrics = Metrics::default();
        metrics.events_accepted.inc_by(3);
        metrics.rejected("missing_field:ts");
        metrics.checked(Action::Block);
        metrics.check_seconds.observe(0.0002);
        let text = metrics.render();
        assert!(
            text.contains("hydrascope_events_accepted_total 3"),
            "{text}"
        );
        assert!(
            text.contains("hydrascope_events_rejected_total{reason=\"missing_field:ts\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("hydrascope_checks_total{decision=\"block\"} 1"),
            "{text}"
        );
        assert!(text.contains("hydrascope_check_duration_seconds_count 1"));
        assert!(text.ends_with("# EOF\n"));
    }
}
