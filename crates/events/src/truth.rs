//! Ground truth, written by the simulator and by outside evaluation data: one record per
//! account saying which campaign (if any) it serves and which kind of user it simulates.
//! Detection never reads it; only evaluation joins it with verdicts.

use serde::{Deserialize, Serialize};

/// One line of a ground-truth file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthRecord {
    pub account_id: String,
    /// The campaign the account serves; `None` for benign accounts.
    pub campaign: Option<String>,
    /// What kind of user the account simulates (`hydra-worker`, `eval-harness`, …).
    pub persona: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benign_accounts_serialise_campaign_as_null() {
        let record = TruthRecord {
            account_id: "acct_11aa".into(),
            campaign: None,
            persona: "eval-harness".into(),
        };
        let line = serde_json::to_string(&record).unwrap();
        assert_eq!(
            line,
            r#"{"account_id":"acct_11aa","campaign":null,"persona":"eval-harness"}"#
        );
        assert_eq!(serde_json::from_str::<TruthRecord>(&line).unwrap(), record);
    }
}
