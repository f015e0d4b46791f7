//! Detection over finished account summaries: population, evidence, groups, scores, decisions.
//!
//! This is the one place where the pieces meet, and every driver calls it: the batch engine
//! after its aggregation, the replay at each re-scoring, the live server in the background.
//! It is a pure function of the summaries and the policy.

use crate::account::AccountSummary;
use crate::attribute::{Attribution, DetectionGroups, attribute, evidence_keys, instrument_kin};
use crate::cluster::{
    Edge, Group, GroupParams, KeyIndex, LinkParams, LockstepParams, groups_of_strong,
    lockstep_pairs, strong_edges,
};
use crate::merge::Mergeable;
use crate::policy::{Decision, Policy};
use crate::score::{Assessment, group_evidence, has_fresh_identity, score};
use crate::signals::{MIN_EVENTS_TO_JUDGE, Population, Signal};
use crate::signup::{CrowdedDays, SignupBurst, SignupTimes};
use hydrascope_events::EpochMillis;

/// Accounts that both gates let in and that score at least this much leave the reference
/// population when it is refined (the policy's default monitoring level).
pub const SUSPECT_SCORE: f64 = 0.5;
/// Age at first use from which an account counts as established: the first grouping measures
/// key popularity among established accounts only, since an operator opens its accounts
/// shortly before using them and, when they outnumber the honest accounts, its own pools and
/// templates would otherwise count as popular and link nothing.
pub const ESTABLISHED_AGE_DAYS: f64 = 30.0;
/// Most refinements of the reference population; it usually settles after two.
pub const MAX_REFINEMENTS: usize = 4;

/// The outcome for one account.
#[derive(Debug, Clone)]
pub struct AccountOutcome {
    pub assessment: Assessment,
    /// Index into [`Detection::groups`]: the campaign a suspect account is attributed to, or
    /// the coordinated group of an account that is not suspect.
    pub group: Option<usize>,
    /// Evidence the group lent the account, or its kin ([`AccountOutcome::kin`]).
    pub group_evidence: f64,
    /// When the account's evidence was lent by the flagged accounts that pay with one of its
    /// payment instruments, not by its group: how many they are.
    pub kin: usize,
    pub score: f64,
    pub decision: Decision,
    /// Whether the account is in the reference population (presumed honest) that every
    /// account's signals were measured against.
    pub in_reference: bool,
}

/// The outcome of detection over a population of accounts.
#[derive(Debug, Clone)]
pub struct Detection {
    /// In the order of the summaries given.
    pub accounts: Vec<AccountOutcome>,
    /// Campaigns of suspect accounts and coordinated groups of the others
    /// (`attribute.rs`).
    pub groups: Vec<Group>,
    /// Per group (same order): the sign-up burst its members were opened in, if any.
    pub bursts: Vec<Option<SignupBurst>>,
    /// Judged accounts in the reference population the signals were measured against.
    pub reference_accounts: usize,
}

impl Detection {
    /// The campaigns: each group that flagged accounts were attributed to, with those
    /// accounts (indices into [`Detection::accounts`], ascending). The batch scan's
    /// `campaigns.json` and the live service list the same campaigns with these members.
    pub fn campaigns(&self) -> impl Iterator<Item = (usize, Vec<u32>)> + '_ {
        self.groups.iter().enumerate().filter_map(|(g, group)| {
            let members: Vec<u32> = group
                .members
                .iter()
                .copied()
                .filter(|&m| {
                    let outcome = &self.accounts[m as usize];
                    outcome.decision.flagged && outcome.group == Some(g)
                })
                .collect();
            (!members.is_empty()).then_some((g, members))
        })
    }
}

/// Runs detection over `(account id, summary)` pairs.
///
/// Signals are measured against a **reference population of presumed-honest accounts**, not
/// against everyone: at the scale of the 2026 campaigns, tens of thousands of one operator's
/// accounts would otherwise define what is normal, and their own behaviour would look
/// ordinary. The first round measures against the accounts outside every coordinated group;
/// each later round against the accounts the previous round did not find suspect (both gates
/// open, score at least [`SUSPECT_SCORE`]), until the reference no longer changes. Grouped
/// honest accounts — a team's coding agents, a reseller's customers — come back after the
/// first round because their established identities keep them out of suspicion, while a
/// campaign, measured once against a reference without itself, stays out. Only accounts that
/// show harvesting *and* a fresh identity leave it, so the honest heavy users stay in the
/// reference and keep each other ordinary. Behaviour is measured among the reference's
/// established accounts only ([`reference_population`]): a campaign's accounts that a round
/// missed come back into the reference, and must not make the rest look ordinary.
///
/// Grouping runs twice, with keys weighed by their popularity among established accounts:
/// first all of them, then those of the reference the first pass settled on, so that a large
/// campaign's own templates and pools — popular only because the campaign is large — bind it
/// together ([`KeyIndex::build_against`]).
///
/// Once the scores are settled, the flagged accounts are attributed to campaigns
/// (`attribute.rs`): [`Detection::groups`] are those campaigns and the unflagged rest of
/// each coordinated group, not the groups the scores were lent from.
pub fn detect(summaries: &[(String, AccountSummary)], policy: &Policy) -> Detection {
    let lockstep = lockstep_edges(summaries);
    let everyone = vec![true; summaries.len()];
    let established: Vec<bool> = summaries.iter().map(|(_, s)| is_established(s)).collect();
    let crowded = crowded_days(summaries, &established);
    let first = Grouping::of(summaries, &established, &lockstep);
    let (reference, _) = first.settle_reference(summaries, &everyone, &crowded);
    let established_reference: Vec<bool> = reference
        .iter()
        .zip(&established)
        .map(|(r, e)| *r && *e)
        .collect();
    let grouping = Grouping::of(summaries, &established_reference, &lockstep);
    let (reference, mut round) = grouping.settle_reference(summaries, &reference, &crowded);
    let flagged: Vec<bool> = summaries
        .iter()
        .zip(&round)
        .map(|((account_id, summary), scored)| {
            policy.flags(account_id, org_of(summary), scored.score)
        })
        .collect();
    let flagged = lend_to_kin(summaries, policy, &mut round, flagged);
    let Attribution { groups, group_of } = attribute(
        summaries,
        &flagged,
        &lockstep,
        DetectionGroups {
            groups: &grouping.groups,
            strong: &grouping.strong,
            index: &grouping.index,
        },
    );
    let bursts = signup_bursts(summaries, &groups);
    let reference_accounts = summaries
        .iter()
        .zip(&reference)
        .filter(|((_, s), r)| **r && s.events >= MIN_EVENTS_TO_JUDGE)
        .count();
    let accounts = summaries
        .iter()
        .zip(round)
        .zip(group_of)
        .zip(reference)
        .map(|((((account_id, summary), scored), group), in_reference)| {
            let decision =
                policy.decide(account_id, org_of(summary), scored.score, group.is_some());
            AccountOutcome {
                assessment: scored.assessment,
                group,
                group_evidence: scored.group_evidence,
                kin: scored.kin,
                score: scored.score,
                decision,
                in_reference,
            }
        })
        .collect();
    Detection {
        accounts,
        groups,
        bursts,
        reference_accounts,
    }
}

/// Groups found under one weighting of keys, with the pooled traffic of each group that has
/// members too small to be judged alone.
struct Grouping {
    groups: Vec<Group>,
    /// Per account: its group's index.
    group_of: Vec<Option<usize>>,
    /// Per group (same order): its members' merged summaries, when some member is too small
    /// to be judged alone ([`Assessment::of_pool`]). Built once: only their assessment
    /// depends on the reference.
    pools: Vec<Option<AccountSummary>>,
    /// The strong edges and the keys the groups were found with, to describe parts of them.
    strong: Vec<Edge>,
    index: KeyIndex,
}

impl Grouping {
    /// Groups `summaries` with key popularity measured among the `reference` accounts.
    fn of(summaries: &[(String, AccountSummary)], reference: &[bool], lockstep: &[Edge]) -> Self {
        let accounts = u32::try_from(summaries.len()).expect("fewer than 4 billion accounts");
        let params = GroupParams::default();
        let index = KeyIndex::build_against(
            accounts,
            evidence_keys(summaries),
            reference,
            &LinkParams::default(),
        );
        let strong = strong_edges(accounts, [index.pairs(), lockstep.to_vec()], &params);
        let groups = groups_of_strong(accounts, &strong, Some(&index), &params);
        tracing::debug!(
            keys = ?index.stats(),
            strong = strong.len(),
            groups = groups.len(),
            grouped = groups.iter().map(|g| g.members.len()).sum::<usize>(),
            "grouping"
        );
        let mut group_of = vec![None; summaries.len()];
        for (g, group) in groups.iter().enumerate() {
            for &member in &group.members {
                group_of[member as usize] = Some(g);
            }
        }
        let pools = groups.iter().map(|group| pool(summaries, group)).collect();
        Grouping {
            groups,
            group_of,
            pools,
            strong,
            index,
        }
    }

    /// Refines the reference from `start` less the grouped accounts until it no longer
    /// changes; returns it with the last round's scores.
    fn settle_reference(
        &self,
        summaries: &[(String, AccountSummary)],
        start: &[bool],
        crowded: &CrowdedDays,
    ) -> (Vec<bool>, Vec<Scored>) {
        let mut reference: Vec<bool> = start
            .iter()
            .zip(&self.group_of)
            .map(|(&r, group)| r && group.is_none())
            .collect();
        let mut round = self.score_round(summaries, &reference, crowded);
        for _ in 1..MAX_REFINEMENTS {
            let refined: Vec<bool> = round.iter().map(|outcome| !outcome.is_suspect()).collect();
            if refined == reference {
                break;
            }
            reference = refined;
            round = self.score_round(summaries, &reference, crowded);
        }
        (reference, round)
    }

    /// Scores every account against the accounts marked in `reference`
    /// ([`reference_population`]).
    fn score_round(
        &self,
        summaries: &[(String, AccountSummary)],
        reference: &[bool],
        crowded: &CrowdedDays,
    ) -> Vec<Scored> {
        let population = reference_population(summaries, reference, crowded);
        let pooled: Vec<Option<Assessment>> = self
            .pools
            .iter()
            .map(|pool| pool.as_ref().map(|p| Assessment::of_pool(p, &population)))
            .collect();
        let assessments: Vec<Assessment> = summaries
            .iter()
            .zip(&self.group_of)
            .map(
                |((_, summary), group)| match group.and_then(|g| pooled[g].as_ref()) {
                    Some(pool)
                        if summary.events < MIN_EVENTS_TO_JUDGE
                            && has_fresh_identity(summary, &population) =>
                    {
                        pool.clone()
                    }
                    _ => Assessment::of(summary, &population),
                },
            )
            .collect();
        let lent: Vec<f64> = self
            .groups
            .iter()
            .map(|group| {
                let gated_in = group
                    .members
                    .iter()
                    .filter(|&&m| assessments[m as usize].is_gated_in())
                    .count();
                group_evidence(gated_in)
            })
            .collect();
        assessments
            .into_iter()
            .zip(&self.group_of)
            .map(|(assessment, group)| {
                let group_evidence = match group {
                    Some(g) if assessment.is_gated_in() => lent[*g],
                    _ => 0.0,
                };
                Scored {
                    score: score(assessment.individual, group_evidence),
                    assessment,
                    group_evidence,
                    kin: 0,
                }
            })
            .collect()
    }
}

/// The population every account is measured against: behaviour among the *established*
/// accounts of the reference, age among all of them. A campaign's fresh accounts that a round
/// has not yet found suspect come back into the reference; when they outnumber the honest
/// accounts they made harvesting look ordinary, and nothing was flagged. Established accounts
/// cannot be a campaign's fresh ones, so they alone say what behaviour is normal. Age cannot
/// be measured among them (none is new), so newness is measured among everyone presumed
/// honest, new users included: against established accounts alone every honest new user
/// would be as new as an operator's, and a new coding agent's first week would be flagged.
/// Accounts opened on crowded days ([`CrowdedDays`]) are left out of the newness judgement: a
/// large campaign's accounts not yet found would otherwise make its newness the ordinary one.
fn reference_population(
    summaries: &[(String, AccountSummary)],
    reference: &[bool],
    crowded: &CrowdedDays,
) -> Population {
    let presumed_honest = || {
        summaries
            .iter()
            .zip(reference)
            .filter(|(_, r)| **r)
            .map(|((_, s), _)| s)
    };
    let not_in_a_crowd =
        presumed_honest().filter(|s| !created(s).is_some_and(|c| crowded.contains(c)));
    Population::of(presumed_honest().filter(|s| is_established(s)))
        .with_signal_from(Signal::Newness, &Population::of(not_in_a_crowd))
}

/// The days on which far more accounts were opened than the established accounts' rate.
fn crowded_days(summaries: &[(String, AccountSummary)], established: &[bool]) -> CrowdedDays {
    let all = summaries.iter().filter_map(|(_, s)| created(s));
    let of_established = summaries
        .iter()
        .zip(established)
        .filter(|(_, e)| **e)
        .filter_map(|((_, s), _)| created(s));
    CrowdedDays::of(all, of_established)
}

/// One account's evidence and score in one round of reference refinement.
struct Scored {
    assessment: Assessment,
    group_evidence: f64,
    /// See [`AccountOutcome::kin`].
    kin: usize,
    score: f64,
}

/// Recognises the operator's accounts that its cards give away: an account not flagged whose
/// own evidence opens both gates, and that pays with an instrument the flagged accounts own
/// ([`instrument_kin`]), is lent the evidence of those flagged holders as a group lends its
/// members' ([`group_evidence`]), when that is more than its group lent it. Returns the
/// accounts flagged then.
///
/// A campaign behind rotating residential proxies shares little else that is rare, so its
/// card-mates stay out of every group: at full scale, 1,616 of qwen's 25,000 accounts had
/// fresh identities and harvesting content, no group, and scores of 0.78–0.80; lent their
/// card-mates' evidence, 832 are left (`docs/detection.md`). The gates keep the lending to
/// accounts that show harvesting and a fresh identity themselves, as within a group.
fn lend_to_kin(
    summaries: &[(String, AccountSummary)],
    policy: &Policy,
    round: &mut [Scored],
    flagged: Vec<bool>,
) -> Vec<bool> {
    let kin = instrument_kin(summaries, &flagged);
    summaries
        .iter()
        .zip(round.iter_mut())
        .zip(kin)
        .zip(flagged)
        .map(|((((account_id, summary), scored), kin), flagged)| {
            let lent = group_evidence(kin);
            if flagged || !scored.assessment.is_gated_in() || lent <= scored.group_evidence {
                return flagged;
            }
            scored.group_evidence = lent;
            scored.kin = kin;
            scored.score = score(scored.assessment.individual, lent);
            policy.flags(account_id, org_of(summary), scored.score)
        })
        .collect()
}

impl Scored {
    fn is_suspect(&self) -> bool {
        self.assessment.is_gated_in() && self.score >= SUSPECT_SCORE
    }
}

/// A group's members' merged summaries, when some member is too small to be judged alone.
fn pool(summaries: &[(String, AccountSummary)], group: &Group) -> Option<AccountSummary> {
    let member = |m: &u32| &summaries[*m as usize].1;
    if group
        .members
        .iter()
        .all(|m| member(m).events >= MIN_EVENTS_TO_JUDGE)
    {
        return None;
    }
    let mut pool = AccountSummary::default();
    for m in &group.members {
        pool.merge(member(m).clone());
    }
    Some(pool)
}

/// Per group: the sign-up burst its members were opened in, if any, against the sign-up
/// times of every account.
fn signup_bursts(
    summaries: &[(String, AccountSummary)],
    groups: &[Group],
) -> Vec<Option<SignupBurst>> {
    let signups = SignupTimes::of(summaries.iter().map(|(_, s)| created(s)));
    groups
        .iter()
        .map(|group| {
            let members: Vec<_> = group
                .members
                .iter()
                .map(|&m| created(&summaries[m as usize].1))
                .collect();
            signups.burst(&members)
        })
        .collect()
}

/// Whether an account was at least [`ESTABLISHED_AGE_DAYS`] old when first seen, or its
/// sign-up time is unknown.
fn is_established(summary: &AccountSummary) -> bool {
    summary
        .age_at_first_use_days()
        .is_none_or(|age| age >= ESTABLISHED_AGE_DAYS)
}

fn org_of(summary: &AccountSummary) -> Option<&str> {
    summary.org.as_ref().map(|o| o.value.as_str())
}

fn created(summary: &AccountSummary) -> Option<EpochMillis> {
    summary.created.as_ref().map(|c| c.value)
}

/// Edges between accounts active in lockstep; they do not depend on the reference.
fn lockstep_edges(summaries: &[(String, AccountSummary)]) -> Vec<Edge> {
    let bins: Vec<_> = summaries.iter().map(|(_, s)| &s.activity).collect();
    lockstep_pairs(&bins, &LockstepParams::default())
        .iter()
        .map(|pair| pair.edge())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_traffic::{DAY, HOUR, T0, account, chatter, harvest, sock};

    #[test]
    fn a_large_campaign_is_measured_against_the_honest_accounts_not_against_itself() {
        let mut summaries: Vec<(String, AccountSummary)> = (0..300)
            .map(|i| (format!("chat-{i:03}"), chatter(i)))
            .collect();
        // Established heavy users with the same kind of traffic: old accounts, own cards.
        summaries.extend((0..20).map(|i| {
            let summary = account(
                T0 - 400 * DAY,
                &format!("203.0.113.{i}"),
                &format!("team-card-{i}"),
                harvest(10_000 * (i + 1), 300),
            );
            (format!("heavy-{i:02}"), summary)
        }));
        // A campaign of sixty fresh accounts, a fifth of the population, on one proxy pool
        // and two cards.
        summaries.extend((0..60).map(|i| sock(i, 8, 2, 300)));
        let detection = detect(&summaries, &Policy::default());
        let outcomes = |prefix: &'static str| {
            summaries
                .iter()
                .zip(&detection.accounts)
                .filter(move |((id, _), _)| id.starts_with(prefix))
                .map(|(_, outcome)| outcome)
        };
        assert!(outcomes("sock").all(|o| o.decision.flagged && !o.in_reference));
        assert!(outcomes("sock").all(|o| o.group.is_some()));
        assert!(outcomes("heavy").all(|o| !o.decision.flagged && o.in_reference));
        assert!(outcomes("chat").all(|o| !o.decision.flagged && o.in_reference));
        assert_eq!(detection.reference_accounts, 320);
    }

    /// A reference that a campaign's missed accounts came back into, outnumbering the honest
    /// ones: two hundred chatters, opened one a day over years, then three hundred fresh
    /// harvesters, opened within five hours of one day.
    fn outnumbered_reference() -> Vec<(String, AccountSummary)> {
        (0..200)
            .map(|i| (format!("chat-{i:03}"), chatter(i)))
            .chain((0..300).map(|i| sock(i, 200, 300, 100)))
            .collect()
    }

    #[test]
    fn fresh_accounts_in_the_reference_do_not_define_normal_behaviour() {
        let summaries = outnumbered_reference();
        let everyone = vec![true; summaries.len()];
        let population = reference_population(&summaries, &everyone, &CrowdedDays::default());
        let sock = &summaries[200].1;
        let percentile =
            |signal: Signal| population.percentile(signal, signal.measure(sock).unwrap());
        // Behaviour against the chatters alone: the harvester is above every one of them.
        assert_eq!(percentile(Signal::ReasoningElicitation), 1.0);
        assert_eq!(percentile(Signal::DailyVolume), 1.0);
        // Age against everyone: being new is what most of this reference is, not a tail.
        assert!(percentile(Signal::Newness) < 0.9);
    }

    #[test]
    fn a_campaigns_sign_up_batch_does_not_make_being_new_ordinary() {
        let summaries = outnumbered_reference();
        let established: Vec<bool> = summaries.iter().map(|(_, s)| is_established(s)).collect();
        let crowded = crowded_days(&summaries, &established);
        let everyone = vec![true; summaries.len()];
        let population = reference_population(&summaries, &everyone, &crowded);
        let sock = &summaries[200].1;
        let newness = Signal::Newness.measure(sock).unwrap();
        assert_eq!(population.percentile(Signal::Newness, newness), 1.0);
    }

    #[test]
    fn a_campaign_that_outnumbers_the_honest_accounts_is_still_found() {
        let mut summaries: Vec<(String, AccountSummary)> = (0..200)
            .map(|i| (format!("chat-{i:03}"), chatter(i)))
            .collect();
        // Three hundred fresh accounts on four proxy addresses and four cards: each key is
        // held by a seventh of everyone, "popular" if popularity counted the campaign itself.
        summaries.extend((0..300).map(|i| sock(i, 4, 4, 100)));
        let detection = detect(&summaries, &Policy::default());
        let flagged = |prefix: &str| {
            summaries
                .iter()
                .zip(&detection.accounts)
                .filter(|((id, _), o)| id.starts_with(prefix) && o.decision.flagged)
                .count()
        };
        assert_eq!((flagged("sock"), flagged("chat")), (300, 0));
    }

    /// An account opened at `created` on `card` that asks, in the evenings like the chatters,
    /// for the proofs of thirty different lemmas: one content signal, a modest one, and a
    /// template of its own.
    fn prover(id: &str, created: i64, card: &str) -> (String, AccountSummary) {
        let summary = account(
            created,
            "203.0.113.200",
            card,
            (0..30).map(|k| {
                let ts = T0 + (k / 5) * 2 * DAY + (18 + k % 5) * HOUR;
                (
                    ts,
                    format!("Prove lemma {k} of chapter {} from the axioms.", k % 9),
                )
            }),
        );
        (id.to_owned(), summary)
    }

    #[test]
    fn a_fresh_harvester_paying_with_the_campaigns_card_is_recognised_by_it() {
        let fresh = T0 - 2 * DAY;
        let mut summaries: Vec<(String, AccountSummary)> = (0..300)
            .map(|i| (format!("chat-{i:03}"), chatter(i)))
            .collect();
        summaries.extend((0..60).map(|i| sock(i, 8, 2, 300)));
        summaries.push(prover("kin", fresh, "pool-card-0"));
        summaries.push(prover("stranger", fresh, "card-of-its-own"));
        summaries.push(prover("old-customer", T0 - 900 * DAY, "pool-card-1"));
        let detection = detect(&summaries, &Policy::default());
        let outcome = |id: &str| {
            let at = summaries.iter().position(|(a, _)| a == id).unwrap();
            &detection.accounts[at]
        };
        assert!(outcome("sock-000").decision.flagged);
        assert!(outcome("kin").decision.flagged && outcome("kin").kin == 30);
        assert!(!outcome("stranger").decision.flagged && outcome("stranger").kin == 0);
        assert!(
            !outcome("old-customer").decision.flagged,
            "no fresh identity"
        );
    }
}
