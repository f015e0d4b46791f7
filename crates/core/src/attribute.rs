//! Attribution: which operator's campaign each flagged account serves.
//!
//! The groups detection works with answer "which accounts act together", and that is what
//! the scores need: a member of a coordinated group borrows its group's evidence. They are
//! not yet campaigns. A group can mix one operator's accounts with honest ones, and two
//! operators' accounts with each other: accounts an operator runs through a reseller share
//! the reseller's addresses, organisation and card with its honest customers. And one
//! operator's campaign comes out as several groups, one per team of workers.
//!
//! Attribution therefore starts again from the flagged accounts alone, with the keys they **own** —
//! held by at least two flagged accounts and nearly only by them ([`OWNED_SHARE`]). A reseller's
//! address, held mostly by its honest customers, is not the operator's and links nothing;
//! the proxy pool, cards, templates and sign-up days of a campaign are. Dense groups of
//! flagged accounts over those keys (and lockstep), linked by edges that carry some
//! infrastructure, are the operator's *cells*; cells that share
//! operator infrastructure are one campaign ([`crate::cluster::campaigns`]).
//!
//! The attributed groups are the campaigns, and for every detection group its members that
//! are not flagged, when enough remain (a university class, an evaluation harness: honest,
//! coordinated and worth naming). Every account is in at most one of them.

use crate::account::AccountSummary;
use crate::activity::ActivityBins;
use crate::cluster::{
    Edge, EvidenceKey, EvidenceKind, Group, GroupParams, KeyIndex, LinkParams,
    MIN_SHARED_INFRASTRUCTURE, dense_sets, describe_groups, join_cells, number_groups,
    strong_edges,
};
use crate::keys::KeyKind;

/// Share of a key's holders that must be flagged for the key to be theirs: nearly all, so
/// that a small reseller whose few honest customers are outnumbered by an operator's
/// accounts is still not the operator's infrastructure.
pub const OWNED_SHARE: f64 = 0.8;

/// Keys held by more of the accounts that are not flagged than this are no operator's,
/// however many flagged accounts hold them too: infrastructure that several others use is
/// someone else's that the operator uses as well — a reseller, a cloud's network, a common
/// SDK — and joins different operators through it. The count is absolute, not a share of the
/// others: a reseller's customers grow with the population, and at scale 0.3 (6,000 honest
/// accounts) three resellers with 26 to 29 honest customers each, outnumbered 17 to 1 by two
/// operators' accounts, passed a floor of 0.5% and merged both operators into one campaign
/// (adjusted Rand index 0.06; 0.81 with this bound). A few honest holders of an operator's
/// proxy address or card are coincidence and are tolerated.
pub const OTHERS_POPULAR_FLOOR: usize = 10;

/// The attributed groups and each account's place in them.
pub(crate) struct Attribution {
    /// Campaigns and the honest remainders of detection groups, in canonical order.
    pub(crate) groups: Vec<Group>,
    /// Per account: its index into `groups`.
    pub(crate) group_of: Vec<Option<usize>>,
}

/// How detection grouped the accounts: its groups, with the strong edges and the keys they
/// were found with.
pub(crate) struct DetectionGroups<'a> {
    pub(crate) groups: &'a [Group],
    pub(crate) strong: &'a [Edge],
    pub(crate) index: &'a KeyIndex,
}

/// Attributes the `flagged` accounts of `summaries` to campaigns (see the module
/// documentation). `lockstep` are the lockstep edges among all accounts.
pub(crate) fn attribute(
    summaries: &[(String, AccountSummary)],
    flagged: &[bool],
    lockstep: &[Edge],
    detection: DetectionGroups<'_>,
) -> Attribution {
    let accounts = u32::try_from(summaries.len()).expect("fewer than 4 billion accounts");
    let params = GroupParams::default();
    let owned = owned_keys(evidence_keys(summaries), flagged);
    let others: Vec<bool> = flagged.iter().map(|s| !s).collect();
    let index = KeyIndex::build_against(
        accounts,
        owned.iter().copied(),
        &others,
        &LinkParams::default(),
    );
    let timing: Vec<Edge> = lockstep
        .iter()
        .filter(|e| flagged[e.a as usize] && flagged[e.b as usize])
        .copied()
        .collect();
    let strong: Vec<Edge> = strong_edges(accounts, [index.pairs(), timing.clone()], &params)
        .into_iter()
        .filter(|edge| edge.kinds.iter().any(EvidenceKind::is_infrastructure))
        .collect();
    let cells = dense_sets(accounts, &strong, &params);
    let infrastructure = owned
        .iter()
        .filter(|(_, key)| key.kind.is_infrastructure())
        .copied();
    let activity: Vec<&ActivityBins> = summaries.iter().map(|(_, s)| &s.activity).collect();
    let campaigns = join_cells(
        accounts,
        &cells,
        infrastructure,
        &timing,
        &activity,
        flagged,
        MIN_SHARED_INFRASTRUCTURE,
    );
    let mut groups = describe_groups(accounts, campaigns, &strong, Some(&index), &params);
    let remainders: Vec<Vec<u32>> = detection
        .groups
        .iter()
        .map(|group| {
            group
                .members
                .iter()
                .copied()
                .filter(|&m| !flagged[m as usize])
                .collect::<Vec<u32>>()
        })
        .filter(|members| members.len() >= params.min_size)
        .collect();
    groups.extend(describe_groups(
        accounts,
        remainders,
        detection.strong,
        Some(detection.index),
        &params,
    ));
    number_groups(&mut groups);
    let mut group_of = vec![None; summaries.len()];
    for (g, group) in groups.iter().enumerate() {
        for &member in &group.members {
            group_of[member as usize] = Some(g);
        }
    }
    Attribution { groups, group_of }
}

/// Every account's evidence keys, as `(account, key)`: its link keys and the LSH band keys
/// of its template frames.
pub(crate) fn evidence_keys(
    summaries: &[(String, AccountSummary)],
) -> impl Iterator<Item = (u32, EvidenceKey)> + '_ {
    summaries.iter().enumerate().flat_map(|(i, (_, summary))| {
        let links = summary.link_keys().map(|(key, _)| EvidenceKey::from(key));
        let templates = summary
            .frame_bands
            .entries()
            .iter()
            .map(|(hash, _)| EvidenceKey {
                kind: EvidenceKind::TemplateBand,
                hash: *hash,
            });
        links.chain(templates).map(move |key| (i as u32, key))
    })
}

/// The flagged accounts' incidences of the keys they own: keys of a kind that belongs to one
/// operator ([`EvidenceKind::specific_to_operators`]), held by at least two flagged accounts that
/// are at least [`OWNED_SHARE`] of the holders, and not popular among the others
/// ([`OTHERS_POPULAR_FLOOR`]).
pub(crate) fn owned_keys(
    keys: impl Iterator<Item = (u32, EvidenceKey)>,
    flagged: &[bool],
) -> Vec<(u32, EvidenceKey)> {
    let incidences = operator_incidences(keys);
    let mut owned = Vec::new();
    for (holders, _) in owned_holders(&incidences, flagged) {
        owned.extend(
            holders
                .iter()
                .filter(|(_, a)| flagged[*a as usize])
                .map(|&(key, account)| (account, key)),
        );
    }
    owned
}

/// Per account: how many flagged accounts it shares a payment instrument with that the
/// flagged accounts own (see [`owned_keys`]), the most over its instruments; 0 for flagged
/// accounts and for accounts without such an instrument.
///
/// An operator pays for its accounts from a few cards or a payment pool, and a card that
/// nearly only flagged accounts pay with is the operator's: an account it also pays for,
/// missed by its own evidence, is most likely one more of the operator's accounts.
/// Instruments alone are used, not addresses or clients: honest people share a café's
/// network or a common client with an operator's accounts by chance, but not a card.
pub(crate) fn instrument_kin(
    summaries: &[(String, AccountSummary)],
    flagged: &[bool],
) -> Vec<usize> {
    let payments = summaries.iter().enumerate().flat_map(|(i, (_, summary))| {
        summary
            .link_keys()
            .filter(|(key, _)| key.kind == KeyKind::PaymentFp)
            .map(move |(key, _)| (i as u32, EvidenceKey::from(key)))
    });
    let incidences = operator_incidences(payments);
    let mut kin = vec![0; summaries.len()];
    for (holders, flagged_holders) in owned_holders(&incidences, flagged) {
        for (_, account) in holders.iter().filter(|(_, a)| !flagged[*a as usize]) {
            let kin = &mut kin[*account as usize];
            *kin = (*kin).max(flagged_holders);
        }
    }
    kin
}

/// `(key, account)` incidences of the keys of kinds that belong to one operator, sorted and
/// distinct.
fn operator_incidences(keys: impl Iterator<Item = (u32, EvidenceKey)>) -> Vec<(EvidenceKey, u32)> {
    let mut incidences: Vec<(EvidenceKey, u32)> = keys
        .filter(|(_, key)| key.kind.specific_to_operators())
        .map(|(account, key)| (key, account))
        .collect();
    incidences.sort_unstable();
    incidences.dedup();
    incidences
}

/// The holders of each key the flagged accounts own, from sorted `incidences`, with how many
/// of them are flagged.
fn owned_holders<'i>(
    incidences: &'i [(EvidenceKey, u32)],
    flagged: &'i [bool],
) -> impl Iterator<Item = (&'i [(EvidenceKey, u32)], usize)> {
    incidences
        .chunk_by(|x, y| x.0 == y.0)
        .map(|holders| {
            let flagged_holders = holders.iter().filter(|(_, a)| flagged[*a as usize]).count();
            (holders, flagged_holders)
        })
        .filter(|&(holders, flagged_holders)| {
            let other_holders = holders.len() - flagged_holders;
            flagged_holders >= 2
                && flagged_holders as f64 >= OWNED_SHARE * holders.len() as f64
                && other_holders <= OTHERS_POPULAR_FLOOR
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyKind, LinkKey};

    fn user_agent(value: &str) -> EvidenceKey {
        LinkKey::new(KeyKind::UserAgent, value).into()
    }

    fn holders(key: EvidenceKey, accounts: std::ops::Range<u32>) -> Vec<(u32, EvidenceKey)> {
        accounts.map(|a| (a, key)).collect()
    }

    #[test]
    fn a_key_common_among_the_others_is_no_operators_however_many_flagged_hold_it() {
        // 600 flagged accounts (0..600) outnumber 400 others (600..1000).
        let flagged: Vec<bool> = (0..1000).map(|a| a < 600).collect();
        let sdk = user_agent("common-sdk/1.0");
        let operator = user_agent("operator-scraper/0.1");
        // The SDK: 500 flagged and 20 others (96% flagged, but one in twenty of the others).
        // The operator's client: 100 flagged and 2 others.
        let keys = [
            holders(sdk, 0..500),
            holders(sdk, 600..620),
            holders(operator, 500..600),
            holders(operator, 620..622),
        ]
        .concat();
        let owned = owned_keys(keys.into_iter(), &flagged);
        assert!(owned.iter().all(|(_, key)| *key == operator));
        assert_eq!(owned.len(), 100);
    }

    /// An account that paid once with `card`, from `ip`.
    fn paying(card: &str, ip: &str) -> (String, AccountSummary) {
        let mut event = hydrascope_events::Event::new(crate::test_traffic::T0, "a");
        event.payment_fp = Some(card.to_owned());
        event.ip = Some(ip.parse().unwrap());
        let summary = crate::test_traffic::summary_of(&event, [(event.ts, "hi".to_owned())]);
        (format!("acct_{card}_{ip}"), summary)
    }

    #[test]
    fn an_account_paying_with_the_flagged_accounts_card_is_their_kin() {
        // 0..5 flagged and 5 not, all on the operator's card; 6, 7 flagged and 8..11 not on
        // a family's card; 12..15 flagged on their own cards, sharing an address with 16.
        let mut summaries: Vec<_> = (0..6)
            .map(|i| paying("op", &format!("10.0.0.{i}")))
            .collect();
        summaries.extend((0..6).map(|i| paying("family", &format!("10.0.1.{i}"))));
        summaries.extend((0..5).map(|i| paying(&format!("own{i}"), "10.0.2.1")));
        let flagged: Vec<bool> = (0..17)
            .map(|a| a < 5 || a == 6 || a == 7 || (12..16).contains(&a))
            .collect();
        let kin = instrument_kin(&summaries, &flagged);
        assert_eq!(
            kin[5], 5,
            "the operator's card: 5 of its 6 holders are flagged"
        );
        assert!(
            kin[8..12].iter().all(|&k| k == 0),
            "2 of 6 flagged: the family's card"
        );
        assert_eq!(
            kin[16], 0,
            "an address shared with flagged accounts is no card"
        );
        assert!(
            kin[..5].iter().all(|&k| k == 0),
            "flagged accounts are nobody's kin"
        );
    }

    #[test]
    fn a_resellers_gateway_is_no_operators_however_large_the_population() {
        // Two operators (0..300 and 300..600) go through a reseller's gateway that 20 of
        // 10,000 others, its honest customers, use too: 97% of its holders are flagged, and
        // 20 is 0.2% of the others, but it is still the reseller's.
        let flagged: Vec<bool> = (0..10_600).map(|a| a < 600).collect();
        let reseller = user_agent("reseller-gateway/2.0");
        let keys = [holders(reseller, 0..600), holders(reseller, 600..620)].concat();
        assert!(owned_keys(keys.into_iter(), &flagged).is_empty());
    }
}
