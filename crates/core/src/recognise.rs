//! Recognising a known campaign's new accounts on their first requests.
//!
//! A banned operator opens replacement accounts. Their own evidence takes days of traffic to
//! build up, but they come from the same infrastructure: the operator's proxy exits, its
//! cards, its client build and its prompt templates. The keys a campaign **owns** — held by at
//! least two of its flagged accounts and nearly only by flagged accounts, as attribution
//! defines them ([`crate::attribute`]) — are its fingerprint, and one request that carries
//! them names the campaign before the account has a history.
//!
//! A match is a lead, not a verdict: an honest person can be behind a residential address an
//! operator's proxy pool also exits through. What a match weighs is the caller's policy
//! ([`Recognition::is_strong`] says when it is more than one coincidence).

use std::collections::HashMap;

use hydrascope_events::Event;

use crate::account::AccountSummary;
use crate::attribute::{evidence_keys, owned_keys};
use crate::cluster::{EvidenceKey, EvidenceKind};
use crate::content::PromptSketch;
use crate::detect::Detection;
use crate::keys::{KeyKind, LinkKey};
use hydrascope_events::campaign::PartnerCampaign;

/// The keys every detected campaign owns.
#[derive(Debug, Clone, Default)]
pub struct CampaignKeys {
    /// Key → index of the campaign in [`Detection::groups`]. A key two campaigns own is
    /// nobody's fingerprint and is left out.
    owner: HashMap<EvidenceKey, usize>,
}

/// What a request shares with one known campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognition {
    /// Index of the campaign in the [`Detection::groups`] the keys were taken from.
    pub campaign: usize,
    /// The kinds of the campaign's keys the request carries, in a stable order.
    pub kinds: Vec<EvidenceKind>,
}

impl Recognition {
    /// Whether the match is more than one coincidence: the campaign's payment instrument (no
    /// one shares a card by chance), or keys of at least two independent families (an address
    /// and its network are one fact, an address and a client build are two).
    pub fn is_strong(&self) -> bool {
        let mut families: Vec<usize> = self.kinds.iter().map(|k| k.family_index()).collect();
        families.sort_unstable();
        families.dedup();
        families.len() >= 2 || self.kinds.contains(&EvidenceKind::Link(KeyKind::PaymentFp))
    }
}

impl CampaignKeys {
    /// The keys the flagged accounts of `detection` own, each with the campaign its holders
    /// were attributed to. `summaries` are the ones `detection` was computed from.
    pub fn of(summaries: &[(String, AccountSummary)], detection: &Detection) -> CampaignKeys {
        let flagged: Vec<bool> = detection
            .accounts
            .iter()
            .map(|o| o.decision.flagged)
            .collect();
        let mut owner: HashMap<EvidenceKey, Option<usize>> = HashMap::new();
        for (account, key) in owned_keys(evidence_keys(summaries), &flagged) {
            let Some(campaign) = detection.accounts[account as usize].group else {
                continue;
            };
            owner
                .entry(key)
                .and_modify(|o| {
                    if *o != Some(campaign) {
                        *o = None;
                    }
                })
                .or_insert(Some(campaign));
        }
        CampaignKeys {
            owner: owner
                .into_iter()
                .filter_map(|(key, campaign)| Some((key, campaign?)))
                .collect(),
        }
    }

    /// Number of keys known.
    pub fn len(&self) -> usize {
        self.owner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }

    /// The campaigns whose keys one request carries, the campaign with the most kinds first.
    pub fn recognise(&self, request: &RequestKeys) -> Vec<Recognition> {
        found_in(&self.owner, request.0.iter().copied())
    }
}

/// The keys one request carries, computed once whichever campaigns it is matched against.
#[derive(Debug, Clone)]
pub struct RequestKeys(Vec<EvidenceKey>);

impl RequestKeys {
    /// The keys of `event`, its templates' from `sketch` when it has one.
    pub fn of(event: &Event, sketch: Option<&PromptSketch>) -> RequestKeys {
        let mut request = AccountSummary::default();
        request.observe(event, sketch);
        let summaries = [(event.account_id.clone(), request)];
        RequestKeys(evidence_keys(&summaries).map(|(_, key)| key).collect())
    }
}

/// The keys partners attributed to their campaigns: imported indicators
/// (`hydrascope indicators import`). A request that carries them is recognised as a
/// campaign's exactly as one carrying a detected campaign's keys is.
#[derive(Debug, Clone, Default)]
pub struct PartnerKeys {
    /// Key → index of the campaign in `names`.
    owner: HashMap<EvidenceKey, usize>,
    names: Vec<String>,
}

impl PartnerKeys {
    /// The keys of partners' campaigns. Indicators of a kind hydrascope does not link by are
    /// left out; [`PartnerKeys::len`] says how many were kept.
    pub fn of(campaigns: &[PartnerCampaign]) -> PartnerKeys {
        let mut keys = PartnerKeys::default();
        for campaign in campaigns {
            let index = keys.names.len();
            keys.names.push(campaign.name.clone());
            for indicator in &campaign.indicators {
                if let Some(kind) = KeyKind::from_name(&indicator.kind) {
                    let key = EvidenceKey::from(LinkKey::new(kind, &indicator.value));
                    keys.owner.insert(key, index);
                }
            }
        }
        keys
    }

    /// Number of keys known.
    pub fn len(&self) -> usize {
        self.owner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }

    /// The name of a campaign of [`Recognition::campaign`].
    pub fn name(&self, campaign: usize) -> &str {
        &self.names[campaign]
    }

    /// The partners' campaigns whose keys an account's summary holds, in the samples of keys
    /// it keeps (exact for an account with up to 32 values of a kind), most kinds first.
    pub fn matches(&self, summary: &AccountSummary) -> Vec<Recognition> {
        found_in(
            &self.owner,
            summary.link_keys().map(|(key, _)| EvidenceKey::from(key)),
        )
    }

    /// For each partner campaign, how many of `members` (indices into `summaries`) hold one
    /// of its keys, in the samples of keys their summaries keep (exact for an account with
    /// up to 32 values of a kind). Campaigns no member matches are absent.
    pub fn accounts_matching(
        &self,
        summaries: &[(String, AccountSummary)],
        members: &[String],
    ) -> Vec<(String, usize)> {
        let position: HashMap<&str, usize> = summaries
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i))
            .collect();
        let mut counts = vec![0usize; self.names.len()];
        for member in members {
            let Some(&at) = position.get(member.as_str()) else {
                continue;
            };
            for recognition in self.matches(&summaries[at].1) {
                counts[recognition.campaign] += 1;
            }
        }
        self.names
            .iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|(name, count)| (name.clone(), count))
            .collect()
    }

    /// The partners' campaigns whose keys one request carries, the most kinds first.
    pub fn recognise(&self, request: &RequestKeys) -> Vec<Recognition> {
        found_in(&self.owner, request.0.iter().copied())
    }
}

/// The campaigns of `owner` whose keys are among `keys`, the campaign with the most kinds
/// first.
fn found_in(
    owner: &HashMap<EvidenceKey, usize>,
    keys: impl IntoIterator<Item = EvidenceKey>,
) -> Vec<Recognition> {
    let mut by_campaign: HashMap<usize, Vec<EvidenceKind>> = HashMap::new();
    for key in keys {
        if let Some(&campaign) = owner.get(&key) {
            by_campaign.entry(campaign).or_default().push(key.kind);
        }
    }
    let mut recognitions: Vec<Recognition> = by_campaign
        .into_iter()
        .map(|(campaign, mut kinds)| {
            kinds.sort_unstable();
            kinds.dedup();
            Recognition { campaign, kinds }
        })
        .collect();
    recognitions.sort_by(|a, b| {
        b.kinds
            .len()
            .cmp(&a.kinds.len())
            .then(a.campaign.cmp(&b.campaign))
    });
    recognitions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::detect;
    use crate::policy::Policy;
    use crate::test_traffic::{DAY, T0, chatter, sock};

    /// Three hundred chatters and a campaign of sixty accounts on eight proxy addresses and
    /// two cards.
    fn campaign() -> (Vec<(String, AccountSummary)>, Detection) {
        let mut summaries: Vec<(String, AccountSummary)> = (0..300)
            .map(|i| (format!("chat-{i:03}"), chatter(i)))
            .collect();
        summaries.extend((0..60).map(|i| sock(i, 8, 2, 300)));
        let detection = detect(&summaries, &Policy::default());
        (summaries, detection)
    }

    fn first_request(ip: &str, card: &str) -> Event {
        let mut event = Event::new(T0 + 30 * DAY, "newcomer");
        event.ip = Some(ip.parse().unwrap());
        event.payment_fp = Some(card.to_owned());
        event
    }

    #[test]
    fn a_new_account_on_the_campaigns_card_is_recognised_on_its_first_request() {
        let (summaries, detection) = campaign();
        let keys = CampaignKeys::of(&summaries, &detection);
        let found = keys.recognise(&RequestKeys::of(
            &first_request("192.0.2.3", "pool-card-1"),
            None,
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        let members = &detection.groups[found[0].campaign].members;
        assert!(
            members
                .iter()
                .all(|&m| summaries[m as usize].0.starts_with("sock"))
        );
        assert!(found[0].is_strong());
        assert!(
            found[0]
                .kinds
                .contains(&EvidenceKind::Link(KeyKind::PaymentFp))
        );
    }

    #[test]
    fn one_shared_address_is_a_weak_lead_and_an_honest_accounts_keys_are_none() {
        let (summaries, detection) = campaign();
        let keys = CampaignKeys::of(&summaries, &detection);
        let found = keys.recognise(&RequestKeys::of(
            &first_request("192.0.2.3", "card-of-its-own"),
            None,
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            !found[0].is_strong(),
            "an address and its network are one fact"
        );
        // A chatter's own address and card belong to no campaign.
        let found = keys.recognise(&RequestKeys::of(
            &first_request("198.51.0.7", "card-7"),
            None,
        ));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_partners_card_and_client_recognise_a_request_and_one_address_only_weakly() {
        use hydrascope_events::campaign::{PartnerCampaign, PartnerIndicator};
        let indicator = |kind: &str, value: &str| PartnerIndicator {
            kind: kind.into(),
            value: value.into(),
        };
        let keys = PartnerKeys::of(&[PartnerCampaign {
            name: "partner-c-0001".into(),
            source: "bundle.json".into(),
            indicators: vec![
                indicator("payment_fp", "card-77"),
                indicator("ip", "203.0.113.9"),
                indicator("no_such_kind", "x"),
            ],
        }]);
        assert_eq!(keys.len(), 2);
        let mut request = Event::new(T0, "acct_new");
        request.payment_fp = Some("card-77".into());
        let found = keys.recognise(&RequestKeys::of(&request, None));
        assert_eq!(keys.name(found[0].campaign), "partner-c-0001");
        assert!(found[0].is_strong());
        let mut request = Event::new(T0, "acct_other");
        request.ip = Some("203.0.113.9".parse().unwrap());
        let found = keys.recognise(&RequestKeys::of(&request, None));
        assert!(!found[0].is_strong());
        assert!(
            keys.recognise(&RequestKeys::of(&Event::new(T0, "acct_plain"), None))
                .is_empty()
        );
    }
}
