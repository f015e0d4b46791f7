//! What the detection bar asserts at CI scale, shared by the tests that check it on `scan` and
//! on the live service.

/// Campaigns smaller than this are too small to assert a recall on at this scale (one missed
/// account of three is 67%).
pub const MIN_CAMPAIGN_ACCOUNTS: usize = 10;

/// Personas that look automated and must not be flagged.
pub const HARD_NEGATIVES: [&str; 6] = [
    "eval-harness",
    "enterprise-batch",
    "coding-agent",
    "university-class",
    "reseller",
    "health-check",
];
