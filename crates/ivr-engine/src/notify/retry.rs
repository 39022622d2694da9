//! When a failed delivery is tried again: soon at first, then less often, and after
//! `MAX_ATTEMPTS` the message is marked failed (kept, and shown on `/outbox`, never dropped).

use std::time::Duration;

pub const MAX_ATTEMPTS: u32 = 10;
const FIRST_DELAY: Duration = Duration::from_secs(5);
const LONGEST_DELAY: Duration = Duration::from_secs(600);

/// The wait before the next try after `attempts` failed ones; None when it is time to give up.
pub fn delay_after(attempts: u32) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doubled = FIRST_DELAY.saturating_mul(1u32 << attempts.saturating_sub(1).min(16));
    Some(doubled.min(LONGEST_DELAY))
}

/// How a delivery failed: worth trying again (the server is down, busy, or timed out), or
/// not (the provider refused this message; trying again would be refused again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    Transient(String),
    Permanent(String),
}

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliveryError::Transient(e) => write!(f, "{e} (will retry)"),
            DeliveryError::Permanent(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_then_gives_up() {
        assert_eq!(delay_after(1), Some(Duration::from_secs(5)));
        assert_eq!(delay_after(2), Some(Duration::from_secs(10)));
        assert_eq!(delay_after(4), Some(Duration::from_secs(40)));
        assert_eq!(delay_after(8), Some(LONGEST_DELAY));
        assert_eq!(delay_after(MAX_ATTEMPTS - 1), Some(LONGEST_DELAY));
        assert_eq!(delay_after(MAX_ATTEMPTS), None);
    }
}
