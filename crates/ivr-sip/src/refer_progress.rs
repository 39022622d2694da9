//! How a blind transfer is going, from the NOTIFYs the caller's phone sends about our REFER
//! (RFC 3515): each carries the status line of the new call as `message/sipfrag`.

/// One report on the referred call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferProgress {
    /// The new call's status: 100 trying, 180 ringing, 200 answered, 486 busy...
    pub status: u16,
    /// The phone will send no more reports (`Subscription-State: terminated`).
    pub finished: bool,
}

impl ReferProgress {
    /// The new call was answered: the transfer worked.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The new call failed: the caller is still with us.
    pub fn failed(&self) -> bool {
        self.status >= 300
    }
}

/// Reads a NOTIFY's `Event` and `Subscription-State` values and its body; None when it is not
/// about a REFER or its body holds no status line.
pub fn from_notify(event: &str, subscription_state: &str, body: &str) -> Option<ReferProgress> {
    let package = event.split(';').next().unwrap_or_default().trim();
    if !package.eq_ignore_ascii_case("refer") {
        return None;
    }
    let status_line = body
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("SIP/2.0"))?;
    let status: u16 = status_line.split_whitespace().nth(1)?.parse().ok()?;
    if !(100..700).contains(&status) {
        return None;
    }
    let state = subscription_state
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    Some(ReferProgress {
        status,
        finished: state.eq_ignore_ascii_case("terminated"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_status_of_the_referred_call() {
        let trying = ReferProgress {
            status: 100,
            finished: false,
        };
        assert_eq!(
            from_notify("refer", "active;expires=60", "SIP/2.0 100 Trying\r\n"),
            Some(trying)
        );
        assert!(!trying.succeeded() && !trying.failed());
        let answered = from_notify(
            "refer;id=2",
            "terminated;reason=noresource",
            "SIP/2.0 200 OK",
        );
        assert!(answered.is_some_and(|p| p.finished && p.succeeded()));
        let busy = from_notify("Refer", "terminated", "SIP/2.0 486 Busy Here\r\n");
        assert!(busy.is_some_and(|p| p.failed()));
    }

    #[test]
    fn other_events_and_bodies_are_not_progress() {
        assert_eq!(from_notify("dialog", "active", "SIP/2.0 200 OK"), None);
        assert_eq!(from_notify("refer", "active", ""), None);
        assert_eq!(from_notify("refer", "active", "SIP/2.0 abc"), None);
        assert_eq!(from_notify("refer", "active", "SIP/2.0 999 Odd"), None);
    }
}
