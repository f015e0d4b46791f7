//! Where requests come from: countries and their time zones, client addresses (homes,
//! phones, shared infrastructure, proxies) and client software (user agent and TLS
//! fingerprint).
//!
//! The ASN table carries no country, so each ASN is attributed to one country by a fixed hash
//! weighted by the country's share of traffic; all addresses of an ASN then agree, and an
//! account's home addresses come from ASNs of its own country where the table has any.

use std::fmt::Write;

use rand::Rng;
use xxhash_rust::xxh3::xxh3_64;

use crate::corpus::{Browser, NetKind, RangeTable};
use crate::rng::{SimRng, unit};

/// A country with the UTC offset of its main population centre (daylight saving ignored)
/// and its share of API traffic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Country {
    pub(crate) code: &'static str,
    pub(crate) utc_offset_min: i32,
    weight: f64,
}

const fn country(code: &'static str, hours: f64, weight: f64) -> Country {
    Country {
        code,
        utc_offset_min: (hours * 60.0) as i32,
        weight,
    }
}

/// Countries users connect from, with rough shares of API traffic.
pub(crate) const COUNTRIES: &[Country] = &[
    country("US", -6.0, 0.26),
    country("IN", 5.5, 0.09),
    country("GB", 0.0, 0.05),
    country("DE", 1.0, 0.05),
    country("BR", -3.0, 0.05),
    country("FR", 1.0, 0.04),
    country("JP", 9.0, 0.04),
    country("CA", -5.0, 0.04),
    country("KR", 9.0, 0.03),
    country("ID", 7.0, 0.03),
    country("MX", -6.0, 0.03),
    country("AU", 10.0, 0.03),
    country("SG", 8.0, 0.02),
    country("ES", 1.0, 0.02),
    country("IT", 1.0, 0.02),
    country("NL", 1.0, 0.02),
    country("PL", 1.0, 0.02),
    country("TR", 3.0, 0.02),
    country("VN", 7.0, 0.02),
    country("PH", 8.0, 0.02),
    country("NG", 1.0, 0.02),
    country("CN", 8.0, 0.02),
    country("HK", 8.0, 0.02),
    country("SE", 1.0, 0.01),
    country("IL", 2.0, 0.01),
    country("AR", -3.0, 0.01),
    country("ZA", 2.0, 0.01),
];

/// Index into [`COUNTRIES`] of the country whose cumulative share covers `u` in `[0, 1)`.
fn country_at(u: f64) -> u8 {
    let total: f64 = COUNTRIES.iter().map(|c| c.weight).sum();
    let mut at = u * total;
    for (i, c) in COUNTRIES.iter().enumerate() {
        if at < c.weight {
            return i as u8;
        }
        at -= c.weight;
    }
    (COUNTRIES.len() - 1) as u8
}

/// The country an ASN is attributed to: fixed for the ASN, independent of the run seed.
pub(crate) fn country_of_asn(asn: u32) -> u8 {
    country_at(unit(xxh3_64(&asn.to_le_bytes())))
}

/// A country drawn by traffic share.
pub(crate) fn sample_country(rng: &mut SimRng) -> u8 {
    country_at(rng.random())
}

/// Index of a country by its code (for operators based in one place).
pub(crate) fn country_index(code: &str) -> u8 {
    COUNTRIES
        .iter()
        .position(|c| c.code == code)
        .expect("known country") as u8
}

/// A client address as the edge sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addr {
    pub(crate) ip: u32,
    pub(crate) asn: u32,
    pub(crate) country: u8,
}

/// Addresses one household or phone holds at a time.
const HOME_ADDRS: usize = 2;

/// How an account's requests are addressed, carried from day to day.
#[derive(Debug, Clone)]
pub(crate) enum NetMode {
    /// A household and a phone: addresses that change now and then (`churn` per day).
    Home {
        addrs: [Addr; HOME_ADDRS],
        kind: NetKind,
        churn: f64,
    },
    /// Shared infrastructure (an org's servers, a campus NAT, an operator's proxies), by
    /// index into the population's sites.
    Site(u32),
    /// A sticky residential proxy session: a fresh residential address every day.
    Sticky(Addr),
    /// A residential proxy rotating to a new address on every request.
    Rotating,
}

impl NetMode {
    /// A home connection of `kind` in `country`.
    pub(crate) fn home(
        kind: NetKind,
        country: u8,
        tables: &RangeTable,
        rng: &mut SimRng,
    ) -> NetMode {
        let churn = match kind {
            NetKind::Mobile => 0.3,
            _ => 0.04,
        };
        NetMode::Home {
            addrs: [
                tables.sample(kind, country, rng),
                tables.sample(NetKind::Mobile, country, rng),
            ],
            kind,
            churn,
        }
    }

    /// Day-to-day address changes: DHCP leases for homes, new proxy sessions.
    pub(crate) fn new_day(&mut self, tables: &RangeTable, country: u8, rng: &mut SimRng) {
        match self {
            NetMode::Home { addrs, kind, churn } => {
                if rng.random_bool(*churn) {
                    addrs[0] = tables.sample(*kind, country, rng);
                }
                if rng.random_bool(0.3) {
                    addrs[1] = tables.sample(NetKind::Mobile, country, rng);
                }
            }
            NetMode::Sticky(addr) => *addr = tables.sample(NetKind::Residential, u8::MAX, rng),
            NetMode::Site(_) | NetMode::Rotating => {}
        }
    }

    /// The address of one request.
    pub(crate) fn pick(&self, sites: &[Vec<Addr>], tables: &RangeTable, rng: &mut SimRng) -> Addr {
        match self {
            // Most requests come from the main connection, some from the phone.
            NetMode::Home { addrs, .. } => addrs[usize::from(rng.random_bool(0.15))],
            NetMode::Site(site) => {
                let addrs = &sites[*site as usize];
                addrs[rng.random_range(0..addrs.len())]
            }
            NetMode::Sticky(addr) => *addr,
            NetMode::Rotating => tables.sample(NetKind::Residential, u8::MAX, rng),
        }
    }
}

/// API client libraries and tools, as they name themselves in the User-Agent header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sdk {
    AnthropicPython,
    AnthropicPythonOld,
    AnthropicTypescript,
    OpenAiPython,
    OpenAiNode,
    Httpx,
    Requests,
    Curl,
    GoHttp,
    LangChain,
    CodingAgentCli,
}

impl Sdk {
    /// Libraries a developer's script or an app's backend uses.
    pub(crate) const PROGRAMMATIC: &'static [Sdk] = &[
        Sdk::AnthropicPython,
        Sdk::AnthropicPythonOld,
        Sdk::AnthropicTypescript,
        Sdk::OpenAiPython,
        Sdk::OpenAiNode,
        Sdk::Httpx,
        Sdk::Requests,
        Sdk::GoHttp,
        Sdk::LangChain,
    ];

    pub(crate) fn user_agent(self) -> &'static str {
        match self {
            Sdk::AnthropicPython => "anthropic-sdk-python/0.49.0",
            Sdk::AnthropicPythonOld => "anthropic-sdk-python/0.39.0",
            Sdk::AnthropicTypescript => "anthropic-typescript/0.52.0",
            Sdk::OpenAiPython => "OpenAI/Python 1.58.1",
            Sdk::OpenAiNode => "openai-node/4.77.0",
            Sdk::Httpx => "python-httpx/0.27.0",
            Sdk::Requests => "python-requests/2.32.3",
            Sdk::Curl => "curl/8.5.0",
            Sdk::GoHttp => "Go-http-client/2.0",
            Sdk::LangChain => "langchain-anthropic/0.3.12 anthropic-sdk-python/0.49.0",
            Sdk::CodingAgentCli => "claude-cli/2.0.14 (external, cli)",
        }
    }

    /// The TLS stack underneath, which is what a client fingerprint actually identifies.
    fn tls_stack(self) -> &'static str {
        match self {
            Sdk::AnthropicPython
            | Sdk::AnthropicPythonOld
            | Sdk::OpenAiPython
            | Sdk::Httpx
            | Sdk::LangChain => "python-openssl-3/httpx",
            Sdk::Requests => "python-openssl-3/urllib3",
            Sdk::AnthropicTypescript | Sdk::OpenAiNode | Sdk::CodingAgentCli => "node-22",
            Sdk::Curl => "curl-openssl",
            Sdk::GoHttp => "go-crypto-tls",
        }
    }
}

/// The software an account sends from: its User-Agent and TLS fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClientSoftware {
    pub(crate) user_agent: String,
    pub(crate) client_fp: String,
}

impl ClientSoftware {
    pub(crate) fn sdk(sdk: Sdk) -> ClientSoftware {
        ClientSoftware {
            user_agent: sdk.user_agent().to_owned(),
            client_fp: ja4_like(sdk.tls_stack()),
        }
    }

    pub(crate) fn browser(browser: &Browser) -> ClientSoftware {
        ClientSoftware {
            user_agent: browser.user_agent.to_string(),
            client_fp: ja4_like(browser_stack(&browser.user_agent)),
        }
    }
}

/// The browser engine family of a user agent: browsers of one family share a TLS hello.
fn browser_stack(user_agent: &str) -> &'static str {
    const FAMILIES: &[(&str, &str)] = &[
        ("Firefox/", "gecko"),
        ("Edg/", "chromium-edge"),
        ("CriOS/", "webkit-ios"),
        ("iPhone", "webkit-ios"),
        ("iPad", "webkit-ios"),
        ("Chrome/", "chromium"),
        ("Safari/", "webkit"),
    ];
    FAMILIES
        .iter()
        .find(|(marker, _)| user_agent.contains(marker))
        .map_or("other", |(_, family)| family)
}

/// A JA4-shaped fingerprint (`t13d1516h2_8daaf6152771_b186095e22b6`) derived from a TLS
/// stack name: the same stack always yields the same string.
fn ja4_like(stack: &str) -> String {
    let h = xxh3_64(stack.as_bytes());
    let ciphers = 8 + h % 10;
    let extensions = 10 + (h >> 8) % 8;
    let mut fp = format!("t13d{ciphers:02}{extensions:02}h2_");
    let tail = xxhash_rust::xxh3::xxh3_128(stack.as_bytes());
    let _ = write!(
        fp,
        "{:012x}_{:012x}",
        tail >> 80,
        (tail >> 16) & 0xffff_ffff_ffff
    );
    fp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_software_shares_a_fingerprint() {
        let a = ClientSoftware::sdk(Sdk::Httpx);
        let b = ClientSoftware::sdk(Sdk::AnthropicPython);
        let c = ClientSoftware::sdk(Sdk::Curl);
        assert_eq!(a.client_fp, b.client_fp);
        assert_ne!(a.client_fp, c.client_fp);
        assert_eq!(
            a.client_fp.len(),
            "t13d1516h2_8daaf6152771_b186095e22b6".len()
        );
    }

    #[test]
    fn country_shares_sum_to_a_distribution() {
        assert_eq!(country_at(0.0), 0);
        assert_eq!(country_at(0.999_999) as usize, COUNTRIES.len() - 1);
    }
}
