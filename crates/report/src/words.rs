//! Evidence in words a non-engineer reads: kinds of infrastructure, capabilities, counts.

use hydrascope_events::Campaign;

use crate::charts::{percent, thousands};

/// A kind of evidence (its name in `campaigns.json`: infrastructure, templates, sign-up days,
/// timing) in words, singular and plural.
pub fn kind_words(kind: &str) -> (&str, &str) {
    match kind {
        "ip" => ("address", "addresses"),
        "network" => ("network", "networks"),
        "asn" => ("autonomous system", "autonomous systems"),
        "user_agent" => ("user agent", "user agents"),
        "client_fp" => ("client fingerprint", "client fingerprints"),
        "payment_fp" => ("payment instrument", "payment instruments"),
        "system_prompt" => ("system prompt", "system prompts"),
        "org" => ("organisation", "organisations"),
        "template_band" => ("prompt template", "prompt templates"),
        "signup_day" => ("sign-up day", "sign-up days"),
        "lockstep" => ("synchronised timing", "synchronised timing"),
        other => (other, other),
    }
}

/// `count` and the word for that many, from its singular and plural.
pub fn counted(count: u64, (one, many): (&str, &str)) -> String {
    format!(
        "{} {}",
        thousands(count),
        if count == 1 { one } else { many }
    )
}

/// A name from the data (`multi_step_reasoning`, `payment_fp`) as words.
pub fn spaced(name: &str) -> String {
    name.replace('_', " ")
}

/// Items joined as a sentence does: "a", "a and b", "a, b and c".
pub fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The capabilities a campaign asked for most, with their shares: "agentic tool use (51%)".
pub fn top_capabilities(campaign: &Campaign, n: usize) -> Vec<String> {
    campaign
        .capability_mix
        .iter()
        .take(n)
        .map(|(name, share)| format!("{} ({})", spaced(name), percent(*share)))
        .collect()
}

/// How sure the detection is of a campaign, from the mean score of its accounts.
pub fn confidence(mean_score: f64) -> &'static str {
    if mean_score >= 0.9 {
        "high"
    } else if mean_score >= 0.8 {
        "medium"
    } else {
        "low"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_counts_read_as_sentences() {
        assert_eq!(listed(&[]), "");
        assert_eq!(listed(&["a".into()]), "a");
        assert_eq!(listed(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(counted(1, kind_words("ip")), "1 address");
        assert_eq!(counted(48_539, kind_words("ip")), "48,539 addresses");
        assert_eq!(spaced("multi_step_reasoning"), "multi step reasoning");
    }
}
