//! How requests sent to an officer are estimated: the date a caller is told to expect
//! contact by.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationSettings {
    /// Days until an officer contacts the caller, said while the history is too short.
    pub estimate_days: u32,
    /// Requests closed in this many past days make the history.
    pub history_days: u32,
    /// How many closed requests the history needs before it, not `estimate_days`, decides.
    pub history_min_requests: u32,
    /// The share of past requests closed within the estimate, percent: 90 means nine in ten
    /// callers were contacted by the date they were told.
    pub history_percentile: u32,
}

impl Default for EscalationSettings {
    fn default() -> Self {
        EscalationSettings {
            estimate_days: 10,
            history_days: 90,
            history_min_requests: 20,
            history_percentile: 90,
        }
    }
}

impl EscalationSettings {
    pub fn check(&self) -> Result<(), String> {
        if self.estimate_days == 0 || self.history_days == 0 {
            return Err(
                "escalation: `estimate_days` and `history_days` must be at least 1".to_string(),
            );
        }
        if !(1..=100).contains(&self.history_percentile) {
            return Err("escalation: `history_percentile` is a percentage, 1 to 100".to_string());
        }
        Ok(())
    }
}
