//! Evasion knobs: how hard a campaign tries to look like ordinary traffic.
//!
//! Every campaign has defaults modelled on what was reported about it
//! ([`crate::Scenario`] documents them); [`KnobOverrides`] replaces any of them for every
//! campaign of a run, which is how a detector is stress-tested against evasions the reports
//! did not describe.

use crate::names::named_enum;

named_enum! {
    /// Where campaign requests appear to come from.
    pub enum Proxy as "proxy" {
        /// Rented servers: a few hosting ASNs, addresses shared by many accounts. Cheap and
        /// the easiest to spot.
        Datacenter => "datacenter",
        /// A residential proxy service with sticky sessions: each account looks like a home
        /// connection, with a fresh residential address every day.
        Residential => "residential",
        /// A residential proxy rotating to a new address on every request, so that addresses
        /// link nothing.
        Rotating => "rotating",
    }
}

named_enum! {
    /// How a campaign schedules its accounts' requests.
    pub enum Timing as "timing" {
        /// A load balancer cycling through the accounts: each account sends at a fixed
        /// period around the clock, the accounts staggered in lockstep.
        RoundRobin => "round-robin",
        /// Waves: the operator launches jobs a few times a day and every account fires at
        /// once, then goes quiet.
        Bursty => "bursty",
        /// Imitation of people: sessions in the operator's daytime, quiet nights, some days
        /// off, irregular gaps.
        Human => "human",
    }
}

named_enum! {
    /// How a campaign pays for its accounts.
    pub enum Payment as "payment" {
        /// A handful of cards behind all accounts (about one per sixty accounts).
        Shared => "shared",
        /// A pool of instruments reused across accounts (about one per six accounts).
        Pooled => "pooled",
        /// One instrument per account (prepaid or stolen cards), linking nothing.
        Unique => "unique",
    }
}

named_enum! {
    /// Presets that set several knobs at once.
    pub enum Evasion as "evasion" {
        /// Every evasion at once: see [`KnobOverrides::hardest`].
        Hardest => "hardest",
    }
}

impl Evasion {
    /// The knob settings of the preset.
    pub fn overrides(self) -> KnobOverrides {
        match self {
            Evasion::Hardest => KnobOverrides::hardest(),
        }
    }
}

/// The evasion settings of one campaign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knobs {
    /// Paraphrasing strength in 0..=1: 0 sends the operator's templates literally with only
    /// the task slot filled; 1 words every prompt independently from large phrase pools, with
    /// reordering and random framing, and never the operator's own system prompt: half the
    /// conversations have none, the others one of 36 generic ones that honest apps use too
    /// ("You are a helpful assistant. Be accurate."). The task content still comes from the
    /// task queue. In between, each part of a prompt is paraphrased with this probability.
    pub paraphrase: f64,
    /// Where requests appear to come from.
    pub proxy: Proxy,
    /// How requests are scheduled.
    pub timing: Timing,
    /// How accounts are paid for.
    pub payment: Payment,
    /// Share (0..=1) of the campaign's accounts opened through a legitimate reseller: they
    /// carry the reseller's org, tier, servers, payment instrument and client software.
    pub reseller_share: f64,
    /// Share (0..=1) of the campaign's conversations that are benign-looking filler (real
    /// chat prompts) sent to dilute the capability focus.
    pub filler: f64,
}

/// Replacements for any knob, applied to every campaign of a run; `None` keeps the
/// campaign's default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KnobOverrides {
    pub paraphrase: Option<f64>,
    pub proxy: Option<Proxy>,
    pub timing: Option<Timing>,
    pub payment: Option<Payment>,
    pub reseller_share: Option<f64>,
    pub filler: Option<f64>,
}

impl KnobOverrides {
    /// All evasions at once: full paraphrasing, rotating residential proxies, human-like
    /// timing, one payment instrument per account, half the accounts through a reseller and
    /// 30% filler.
    pub fn hardest() -> KnobOverrides {
        KnobOverrides {
            paraphrase: Some(1.0),
            proxy: Some(Proxy::Rotating),
            timing: Some(Timing::Human),
            payment: Some(Payment::Unique),
            reseller_share: Some(0.5),
            filler: Some(0.3),
        }
    }

    /// Checks that every share given lies in 0..=1.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let shares = [
            ("paraphrase", self.paraphrase),
            ("reseller share", self.reseller_share),
            ("filler", self.filler),
        ];
        for (name, value) in shares {
            if let Some(v) = value
                && !(0.0..=1.0).contains(&v)
            {
                return Err(format!("{name} must lie in 0..=1, got {v}"));
            }
        }
        Ok(())
    }
}

impl Knobs {
    /// These knobs with the overrides applied.
    pub fn overridden(self, overrides: &KnobOverrides) -> Knobs {
        Knobs {
            paraphrase: overrides.paraphrase.unwrap_or(self.paraphrase),
            proxy: overrides.proxy.unwrap_or(self.proxy),
            timing: overrides.timing.unwrap_or(self.timing),
            payment: overrides.payment.unwrap_or(self.payment),
            reseller_share: overrides.reseller_share.unwrap_or(self.reseller_share),
            filler: overrides.filler.unwrap_or(self.filler),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knob_names_parse_as_the_cli_spells_them() {
        assert_eq!("round-robin".parse::<Timing>().unwrap(), Timing::RoundRobin);
        assert_eq!("Rotating".parse::<Proxy>().unwrap(), Proxy::Rotating);
        assert_eq!("pooled".parse::<Payment>().unwrap(), Payment::Pooled);
        assert_eq!(
            "hardest".parse::<Evasion>().unwrap().overrides(),
            KnobOverrides::hardest()
        );
        let err = "tor".parse::<Proxy>().unwrap_err();
        assert!(
            err.to_string()
                .contains("datacenter, residential, rotating")
        );
    }

    #[test]
    fn shares_outside_the_unit_interval_are_refused() {
        let bad = KnobOverrides {
            filler: Some(1.5),
            ..KnobOverrides::default()
        };
        assert!(bad.validate().unwrap_err().contains("filler"));
        assert!(KnobOverrides::hardest().validate().is_ok());
    }
}
