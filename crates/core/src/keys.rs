//! Link keys: the values two accounts of one operator tend to share.
//!
//! An operator who opens thousands of accounts reuses what is expensive to vary: servers and
//! proxies (addresses, networks, autonomous systems), the client software (user agent, TLS
//! fingerprint), payment instruments, and the system prompt of its harvesting pipeline. Each
//! such value is a *link key*; accounts that share rare keys are candidates for one campaign.
//!
//! Honest accounts share keys too — everyone on a big ISP shares its AS, millions share a
//! browser's user agent, an enterprise's accounts share its payment instrument and egress
//! addresses. Keys are therefore never links by themselves: the clustering weighs each key by
//! how many accounts share it (a key shared by half the population links nothing), and keys
//! are hashed so that raw values (addresses, payment hashes) need not travel with the links.

use std::net::IpAddr;

use hydrascope_events::Event;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What kind of value a link key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum KeyKind {
    /// One client address.
    Ip,
    /// The address's network: an IPv4 /24 or an IPv6 /48, which one operator's servers or one
    /// proxy exit pool typically share.
    Network,
    /// The autonomous system.
    Asn,
    /// The exact HTTP User-Agent string.
    UserAgent,
    /// The TLS / HTTP2 client fingerprint.
    ClientFp,
    /// The payment instrument.
    PaymentFp,
    /// The system prompt, whitespace-normalised.
    SystemPrompt,
    /// The declared organisation.
    Org,
    /// The UTC day the account was opened: an operator opens its accounts in batches, while
    /// an honest population's sign-ups spread over years. Derived from the account's sign-up
    /// time, not from an event field ([`signup_day_key`]).
    SignupDay,
}

impl KeyKind {
    /// Every kind, in output order.
    pub const ALL: [KeyKind; 9] = [
        KeyKind::Ip,
        KeyKind::Network,
        KeyKind::Asn,
        KeyKind::UserAgent,
        KeyKind::ClientFp,
        KeyKind::PaymentFp,
        KeyKind::SystemPrompt,
        KeyKind::Org,
        KeyKind::SignupDay,
    ];

    /// The kind of a [`KeyKind::name`].
    pub fn from_name(name: &str) -> Option<KeyKind> {
        KeyKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Stable snake-case name for evidence and reports.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Ip => "ip",
            KeyKind::Network => "network",
            KeyKind::Asn => "asn",
            KeyKind::UserAgent => "user_agent",
            KeyKind::ClientFp => "client_fp",
            KeyKind::PaymentFp => "payment_fp",
            KeyKind::SystemPrompt => "system_prompt",
            KeyKind::Org => "org",
            KeyKind::SignupDay => "signup_day",
        }
    }

    /// Seed of the kind's hash, so equal text under two kinds gives unrelated keys. Part of
    /// the versioned key spec: changing it breaks keys exchanged with partners.
    fn seed(self) -> u64 {
        0x6879_6472_6100_0000 | self as u64
    }
}

/// One link key: a kind and the hash of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LinkKey {
    pub kind: KeyKind,
    pub hash: u64,
}

impl LinkKey {
    /// The key of a kind for a value's text.
    pub fn new(kind: KeyKind, value: &str) -> Self {
        LinkKey {
            kind,
            hash: xxh3_64_with_seed(value.as_bytes(), kind.seed()),
        }
    }
}

/// The link keys an event carries, at most one per kind.
pub fn link_keys(event: &Event) -> impl Iterator<Item = LinkKey> + '_ {
    let texts = [
        (KeyKind::UserAgent, event.user_agent.as_deref()),
        (KeyKind::ClientFp, event.client_fp.as_deref()),
        (KeyKind::PaymentFp, event.payment_fp.as_deref()),
        (KeyKind::Org, event.org_id.as_deref()),
    ];
    let network = event.ip.map(|ip| {
        [
            LinkKey::new(KeyKind::Ip, &ip.to_string()),
            LinkKey::new(KeyKind::Network, &network_of(ip)),
        ]
    });
    let asn = event
        .asn
        .map(|asn| LinkKey::new(KeyKind::Asn, &asn.to_string()));
    let system = event.system_prompt.as_deref().map(system_prompt_key);
    texts
        .into_iter()
        .filter_map(|(kind, text)| text.map(|t| LinkKey::new(kind, t)))
        .chain(network.into_iter().flatten())
        .chain(asn)
        .chain(system)
}

/// How a system prompt digest starts: `xxh3:` and the 16 hex digits of its link key's hash.
const DIGEST_PREFIX: &str = "xxh3:";

/// The link key of a system prompt: of its text with whitespace normalised, or the key a
/// [`system_prompt_digest`] stands for.
fn system_prompt_key(text: &str) -> LinkKey {
    let digested = text
        .strip_prefix(DIGEST_PREFIX)
        .filter(|hex| hex.len() == 16)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
    match digested {
        Some(hash) => LinkKey {
            kind: KeyKind::SystemPrompt,
            hash,
        },
        None => LinkKey::new(KeyKind::SystemPrompt, &normalise_whitespace(text)),
    }
}

/// What a store that keeps no prompt text keeps of a system prompt: a digest that gives the
/// same link key as the text, so accounts are linked by it exactly as by the text.
pub fn system_prompt_digest(text: &str) -> String {
    format!("{DIGEST_PREFIX}{:016x}", system_prompt_key(text).hash)
}

/// The sign-up-day key of an account opened at `created`.
pub fn signup_day_key(created: hydrascope_events::EpochMillis) -> LinkKey {
    let day = hydrascope_events::time::day_number(created);
    LinkKey::new(KeyKind::SignupDay, &day.to_string())
}

/// The /24 of an IPv4 address or the /48 of an IPv6 address, as text.
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// Text with every run of whitespace made one space, as system prompts are compared: the same
/// prompt pasted with other line breaks is the same prompt.
fn normalise_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        let mut event = Event::new(1_776_816_000_000, "acct");
        event.ip = Some("203.0.113.77".parse().unwrap());
        event.asn = Some(64_500);
        event.user_agent = Some("python-httpx/0.27.0".into());
        event.system_prompt = Some("You are  a grader.\n".into());
        event
    }

    #[test]
    fn an_event_yields_one_key_per_present_kind() {
        let kinds: Vec<KeyKind> = link_keys(&event()).map(|k| k.kind).collect();
        assert_eq!(
            kinds,
            [
                KeyKind::UserAgent,
                KeyKind::Ip,
                KeyKind::Network,
                KeyKind::Asn,
                KeyKind::SystemPrompt
            ]
        );
    }

    #[test]
    fn neighbours_share_a_network_but_not_an_address() {
        let mut neighbour = event();
        neighbour.ip = Some("203.0.113.9".parse().unwrap());
        let keys = |e: &Event| link_keys(e).collect::<Vec<_>>();
        let (a, b) = (keys(&event()), keys(&neighbour));
        let find = |keys: &[LinkKey], kind| *keys.iter().find(|k| k.kind == kind).unwrap();
        assert_eq!(find(&a, KeyKind::Network), find(&b, KeyKind::Network));
        assert_ne!(find(&a, KeyKind::Ip), find(&b, KeyKind::Ip));
    }

    #[test]
    fn a_system_prompt_digest_gives_the_key_of_its_text() {
        let text = "You are  a grader.\n";
        let digest = system_prompt_digest(text);
        assert!(digest.starts_with("xxh3:") && !digest.contains("grader"));
        assert_eq!(system_prompt_key(&digest), system_prompt_key(text));
        assert_eq!(system_prompt_digest(&digest), digest);
        // Only the exact digest form is read as one.
        assert_ne!(
            system_prompt_key("xxh3:123"),
            system_prompt_key(&digest).clone()
        );
    }

    #[test]
    fn system_prompts_that_differ_only_in_spacing_are_one_key() {
        let mut respaced = event();
        respaced.system_prompt = Some("You are a grader.".into());
        let system = |e: &Event| link_keys(e).find(|k| k.kind == KeyKind::SystemPrompt);
        assert_eq!(system(&event()), system(&respaced));
    }

    #[test]
    fn the_same_text_under_two_kinds_gives_different_keys() {
        assert_ne!(
            LinkKey::new(KeyKind::Org, "x").hash,
            LinkKey::new(KeyKind::PaymentFp, "x").hash
        );
    }

    #[test]
    fn accounts_opened_on_one_utc_day_share_a_sign_up_key() {
        let day = 20_561 * hydrascope_events::time::MILLIS_PER_DAY;
        let hour = 3_600_000;
        assert_eq!(signup_day_key(day + hour), signup_day_key(day + 23 * hour));
        assert_ne!(signup_day_key(day - hour), signup_day_key(day + hour));
        assert_eq!(signup_day_key(day).kind, KeyKind::SignupDay);
    }

    #[test]
    fn ipv6_addresses_group_by_slash_48() {
        assert_eq!(
            network_of("2001:db8:abcd:12::1".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
    }
}
