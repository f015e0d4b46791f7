//! Detection over finished account summaries: population, evidence, groups, scores, decisions.
//!
//! This is the one place where the pieces meet, and every driver calls it: the batch engine
//! after its aggregation, the replay at each re-scoring, the live server in the background.
//! It is a pure function of the summaries and the policy.

use crate::account::AccountSummary;
use crate::cluster::{
    EvidenceKey, EvidenceKind, Group, GroupParams, KeyIndex, LinkParams, LockstepParams,
    find_groups, lockstep_pairs, merge_edges,
};
use crate::policy::{Decision, Policy};
use crate::score::{Assessment, group_evidence, score};
use crate::signals::Population;

/// The outcome for one account.
#[derive(Debug, Clone)]
pub struct AccountOutcome {
    pub assessment: Assessment,
    /// Index into [`Detection::groups`].
    pub group: Option<usize>,
    /// Evidence the group lent the account.
    pub group_evidence: f64,
    pub score: f64,
    pub decision: Decision,
}

/// The outcome of detection over a population of accounts.
#[derive(Debug, Clone)]
pub struct Detection {
    /// In the order of the summaries given.
    pub accounts: Vec<AccountOutcome>,
    pub groups: Vec<Group>,
}

/// Runs detection over `(account id, summary)` pairs.
pub fn detect(summaries: &[(String, AccountSummary)], policy: &Policy) -> Detection {
    let population = Population::of(summaries.iter().map(|(_, s)| s));
    let assessments: Vec<Assessment> = summaries
        .iter()
        .map(|(_, summary)| Assessment::of(summary, &population))
        .collect();
    let groups = group_accounts(summaries);
    let mut group_of = vec![None; summaries.len()];
    let mut lent = vec![0.0; groups.len()];
    for (g, group) in groups.iter().enumerate() {
        let with_content = group
            .members
            .iter()
            .filter(|&&m| assessments[m as usize].has_content_evidence)
            .count();
        lent[g] = group_evidence(group.members.len(), with_content);
        for &member in &group.members {
            group_of[member as usize] = Some(g);
        }
    }
    let accounts = summaries
        .iter()
        .zip(assessments)
        .zip(group_of)
        .map(|(((account_id, summary), assessment), group)| {
            let group_evidence = group.map_or(0.0, |g| lent[g]);
            let score = score(assessment.individual, group_evidence);
            let org = summary.org.as_ref().map(|o| o.value.as_str());
            let decision = policy.decide(account_id, org, score, group.is_some());
            AccountOutcome {
                assessment,
                group,
                group_evidence,
                score,
                decision,
            }
        })
        .collect();
    Detection { accounts, groups }
}

/// Coordinated groups from shared link keys, shared template bands and lockstep.
fn group_accounts(summaries: &[(String, AccountSummary)]) -> Vec<Group> {
    let accounts = u32::try_from(summaries.len()).expect("fewer than 4 billion accounts");
    let keys = summaries.iter().enumerate().flat_map(|(i, (_, summary))| {
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
    });
    let index = KeyIndex::build(accounts, keys, &LinkParams::default());
    let bins: Vec<_> = summaries.iter().map(|(_, s)| &s.activity).collect();
    let lockstep = lockstep_pairs(&bins, &LockstepParams::default())
        .iter()
        .map(|pair| pair.edge())
        .collect();
    let edges = merge_edges([index.pairs(), lockstep]);
    find_groups(accounts, &edges, Some(&index), &GroupParams::default())
}
