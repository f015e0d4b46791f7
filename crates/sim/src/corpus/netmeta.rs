//! Network metadata: IPv4 ranges with their ASN, classified into the kinds of network an
//! account connects from, and weighted browser user agents.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::path::Path;

use rand::Rng;
use serde::Deserialize;

use super::{malformed, read_text};
use crate::error::SimError;
use crate::network::{Addr, COUNTRIES, country_of_asn};
use crate::rng::SimRng;

/// Largest weight one range gets when sampling by size (a /16). A few legacy /8 blocks would
/// otherwise draw most "home" addresses from a handful of networks.
const MAX_RANGE_WEIGHT: u64 = 1 << 16;

/// What kind of network a range belongs to, which decides who connects from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetKind {
    /// Consumer broadband.
    Residential,
    /// Mobile carriers (carrier-grade NAT, frequent address changes).
    Mobile,
    /// Hosting, cloud and VPN providers.
    Hosting,
    /// Universities and schools.
    Campus,
}

impl NetKind {
    const ALL: [NetKind; 4] = [
        NetKind::Residential,
        NetKind::Mobile,
        NetKind::Hosting,
        NetKind::Campus,
    ];

    /// Classifies a range by its ASN (listed as hosting or VPN) and its network name.
    fn classify(asn: u32, org: &str, hosting: &HashSet<u32>) -> NetKind {
        const HOSTING: &[&str] = &[
            "hosting",
            "cloud",
            "data center",
            "datacenter",
            "server",
            "amazon",
            "google",
            "microsoft",
            "akamai",
            "hetzner",
            "ovh",
            "digitalocean",
            "linode",
            "vultr",
            "oracle",
            "alibaba",
            "tencent",
            "colo",
            "vps",
        ];
        const CAMPUS: &[&str] = &["universit", "college", "school", "academ", "education"];
        const MOBILE: &[&str] = &["mobile", "wireless", "cellular", "lte", "movil"];
        let org = org.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| org.contains(w));
        if hosting.contains(&asn) || has(HOSTING) {
            NetKind::Hosting
        } else if has(CAMPUS) {
            NetKind::Campus
        } else if has(MOBILE) {
            NetKind::Mobile
        } else {
            NetKind::Residential
        }
    }
}

/// A range of consecutive IPv4 addresses of one ASN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) start: u32,
    pub(crate) size: u32,
    pub(crate) asn: u32,
}

impl Range {
    /// The address `offset` places into the range (below its size).
    pub(crate) fn addr(&self, offset: u32) -> Addr {
        debug_assert!(offset < self.size.max(1));
        Addr {
            ip: self.start.wrapping_add(offset),
            asn: self.asn,
            country: country_of_asn(self.asn),
        }
    }
}

/// Buckets of the guide table that narrows each weighted draw to a few ranges: a draw
/// over a third of a million ranges would otherwise cost a cache miss per bisection step,
/// and rotating proxies draw once per request.
const GUIDE_BUCKETS: u64 = 4_096;

/// Ranges of one kind and country, sampled in proportion to (capped) size.
#[derive(Debug, Clone, Default)]
struct Pool {
    ranges: Vec<Range>,
    cumulative: Vec<u64>,
    total: u64,
    /// `guide[b]`: the first range whose cumulative weight exceeds the start of bucket `b`.
    guide: Vec<u32>,
}

impl Pool {
    fn push(&mut self, range: Range) {
        self.total += (range.size as u64).min(MAX_RANGE_WEIGHT);
        self.ranges.push(range);
        self.cumulative.push(self.total);
    }

    /// Builds the guide table once all ranges are in.
    fn index(&mut self) {
        self.guide = (0..=GUIDE_BUCKETS)
            .map(|b| {
                let at = (self.total as u128 * b as u128 / GUIDE_BUCKETS as u128) as u64;
                self.cumulative.partition_point(|&c| c <= at) as u32
            })
            .collect();
    }

    /// A range, drawn in proportion to its (capped) size.
    fn sample_range(&self, rng: &mut SimRng) -> Option<Range> {
        if self.total == 0 {
            return None;
        }
        let at = rng.random_range(0..self.total);
        let bucket = (at as u128 * GUIDE_BUCKETS as u128 / self.total as u128) as usize;
        let low = self.guide[bucket] as usize;
        let high = (self.guide[bucket + 1] as usize + 1).min(self.ranges.len());
        let found = low + self.cumulative[low..high].partition_point(|&c| c <= at);
        Some(self.ranges[found])
    }
}

/// Every range, grouped by network kind and by the country its ASN is attributed to.
#[derive(Debug, Clone)]
pub(crate) struct RangeTable {
    /// `pools[kind][country]`, with one extra country slot holding every range of the kind.
    pools: Vec<Vec<Pool>>,
}

impl RangeTable {
    /// Builds the table from `(first, last, asn, kind)` ranges.
    pub(crate) fn new(ranges: impl IntoIterator<Item = (u32, u32, u32, NetKind)>) -> RangeTable {
        let any = COUNTRIES.len();
        let mut pools: Vec<Vec<Pool>> = NetKind::ALL
            .iter()
            .map(|_| (0..=any).map(|_| Pool::default()).collect())
            .collect();
        for (first, last, asn, kind) in ranges {
            if last < first {
                continue;
            }
            let range = Range {
                start: first,
                size: (last - first).saturating_add(1),
                asn,
            };
            let by_country = &mut pools[kind as usize];
            by_country[country_of_asn(asn) as usize].push(range);
            by_country[any].push(range);
        }
        pools.iter_mut().flatten().for_each(Pool::index);
        assert!(
            pools[NetKind::Residential as usize][any].total > 0,
            "a range table needs residential ranges"
        );
        RangeTable { pools }
    }

    /// An address of `kind`, in `country` where the table has such ranges, else anywhere;
    /// residential if there is no range of that kind at all.
    pub(crate) fn sample(&self, kind: NetKind, country: u8, rng: &mut SimRng) -> Addr {
        let range = self.sample_range(kind, country, rng);
        range.addr(rng.random_range(0..range.size.max(1)))
    }

    /// A range of `kind` drawn by size, chosen among ranges as [`RangeTable::sample`] is.
    pub(crate) fn sample_range(&self, kind: NetKind, country: u8, rng: &mut SimRng) -> Range {
        let any = COUNTRIES.len();
        let pools = &self.pools[kind as usize];
        pools[(country as usize).min(any)]
            .sample_range(rng)
            .or_else(|| pools[any].sample_range(rng))
            .or_else(|| self.pools[NetKind::Residential as usize][any].sample_range(rng))
            .expect("residential ranges exist")
    }
}

/// Loads `netmeta/asn_ipv4.csv.gz` and classifies each range with the hosting and VPN lists.
pub(super) fn load_ranges(dir: &Path) -> Result<RangeTable, SimError> {
    let net = dir.join("netmeta");
    let mut hosting = HashSet::new();
    for list in [
        "datacenter_asns.txt",
        "vpn_asns.txt",
        "hosting_asns_bad_asn_list.csv",
    ] {
        hosting.extend(parse_asn_list(&read_text(&net.join(list))?));
    }
    let path = net.join("asn_ipv4.csv.gz");
    let text = read_text(&path)?;
    let mut ranges = Vec::with_capacity(420_000);
    for line in text.lines().skip(1) {
        let Some((first, last, asn, org)) = parse_range(line) else {
            continue;
        };
        ranges.push((first, last, asn, NetKind::classify(asn, org, &hosting)));
    }
    if ranges.is_empty() {
        return Err(malformed(&path, "no ranges"));
    }
    Ok(RangeTable::new(ranges))
}

/// Parses `first_ip,last_ip,asn,org` (org possibly quoted, with commas).
fn parse_range(line: &str) -> Option<(u32, u32, u32, &str)> {
    let mut cells = line.splitn(4, ',');
    let first: Ipv4Addr = cells.next()?.parse().ok()?;
    let last: Ipv4Addr = cells.next()?.parse().ok()?;
    let asn = cells.next()?.trim().parse().ok()?;
    let org = cells.next().unwrap_or("").trim_matches('"');
    Some((first.into(), last.into(), asn, org))
}

/// ASNs from a list whose lines start with `AS123` or `123,` (comments and headers ignored).
fn parse_asn_list(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("AS").unwrap_or(line);
        let digits: &str = &line[..line
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(line.len())];
        digits.parse().ok()
    })
}

/// The device class of a browser user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Device {
    Desktop,
    Mobile,
}

/// One browser user agent.
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    pub(crate) user_agent: Box<str>,
    pub(crate) device: Device,
}

/// Browser user agents with their share of real traffic.
#[derive(Debug, Clone)]
pub(crate) struct Browsers {
    browsers: Vec<Browser>,
    cumulative: Vec<f64>,
}

impl Browsers {
    pub(crate) fn new(weighted: Vec<(Browser, f64)>) -> Browsers {
        assert!(!weighted.is_empty());
        let mut total = 0.0;
        let (browsers, cumulative) = weighted
            .into_iter()
            .map(|(browser, weight)| {
                total += weight.max(0.0);
                (browser, total)
            })
            .unzip();
        Browsers {
            browsers,
            cumulative,
        }
    }

    /// A browser drawn by traffic share.
    pub(crate) fn sample(&self, rng: &mut SimRng) -> &Browser {
        let total = *self.cumulative.last().expect("non-empty");
        let at = rng.random::<f64>() * total;
        let index = self.cumulative.partition_point(|&c| c <= at);
        &self.browsers[index.min(self.browsers.len() - 1)]
    }
}

#[derive(Deserialize)]
struct BrowserRow {
    user_agent: String,
    weight: f64,
    device: String,
}

/// Loads `netmeta/browser_user_agents.jsonl`.
pub(super) fn load_browsers(dir: &Path) -> Result<Browsers, SimError> {
    let path = dir.join("netmeta/browser_user_agents.jsonl");
    let text = read_text(&path)?;
    let mut weighted = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: BrowserRow = serde_json::from_str(line)
            .map_err(|e| malformed(&path, format!("line {}: {e}", number + 1)))?;
        let device = match row.device.as_str() {
            "desktop" => Device::Desktop,
            _ => Device::Mobile,
        };
        let browser = Browser {
            user_agent: row.user_agent.into(),
            device,
        };
        weighted.push((browser, row.weight));
    }
    if weighted.is_empty() {
        return Err(malformed(&path, "no user agents"));
    }
    Ok(Browsers::new(weighted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_network_names_with_commas_parse() {
        let (first, last, asn, org) =
            parse_range(r#"1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc.""#).unwrap();
        assert_eq!((first, last, asn), (0x0100_0000, 0x0100_00ff, 13335));
        assert_eq!(org, "Cloudflare, Inc.");
    }

    #[test]
    fn asn_lists_in_both_formats_parse() {
        let asns: Vec<u32> =
            parse_asn_list("AS45090 # Tencent\nASN,Entity\n198375,\"INULOGIC\"\n").collect();
        assert_eq!(asns, vec![45090, 198375]);
    }

    #[test]
    fn cloud_names_count_as_hosting_even_off_the_lists() {
        let none = HashSet::new();
        assert_eq!(
            NetKind::classify(1, "Amazon.com, Inc.", &none),
            NetKind::Hosting
        );
        assert_eq!(
            NetKind::classify(2, "Stanford University", &none),
            NetKind::Campus
        );
        assert_eq!(NetKind::classify(3, "T-Mobile USA", &none), NetKind::Mobile);
        assert_eq!(
            NetKind::classify(4, "Comcast Cable", &none),
            NetKind::Residential
        );
    }
}
