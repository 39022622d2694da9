//! The caller's number from an INVITE, or none when it is withheld: a From user such as
//! `anonymous` (RFC 3323 section 4.1.1.3) or words carriers use for a blocked number, or a
//! `Privacy: id` / `Privacy: user` header asking that the identity not be used.
//!
//! Whether to believe the number: From is whatever the sender wrote. Only a trusted trunk's
//! word counts (RFC 3325): its P-Asserted-Identity, else its From.

const WITHHELD_USERS: &[&str] = &[
    "anonymous",
    "unknown",
    "restricted",
    "unavailable",
    "private",
    "withheld",
];

/// `from_user` is the From URI's user part; `privacy` the Privacy header's value, if any.
pub fn caller_number(from_user: Option<&str>, privacy: Option<&str>) -> Option<String> {
    let hidden = privacy.is_some_and(|p| {
        p.split(';')
            .map(str::trim)
            .any(|v| v.eq_ignore_ascii_case("id") || v.eq_ignore_ascii_case("user"))
    });
    let user = from_user?.trim();
    if hidden || user.is_empty() || WITHHELD_USERS.iter().any(|w| user.eq_ignore_ascii_case(w)) {
        return None;
    }
    Some(user.to_string())
}

/// The caller's number and whether a trusted carrier vouches for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerId {
    pub number: Option<String>,
    pub verified: bool,
}

/// `asserted` is the P-Asserted-Identity header's value, if any; `from_trunk` whether the
/// INVITE came from a trusted trunk. An asserted identity from anywhere else is ignored: a
/// sender that may write From may write that too.
pub fn identify(
    from_user: Option<&str>,
    asserted: Option<&str>,
    privacy: Option<&str>,
    from_trunk: bool,
) -> CallerId {
    let asserted_user = asserted.filter(|_| from_trunk).and_then(asserted_user);
    let number = caller_number(asserted_user.as_deref().or(from_user), privacy);
    CallerId {
        verified: from_trunk && number.is_some(),
        number,
    }
}

/// The user part of a P-Asserted-Identity: its first `sip:`, `sips:` or `tel:` URI's user
/// (a header may carry one of each, comma-separated).
fn asserted_user(value: &str) -> Option<String> {
    value.split(',').find_map(|identity| {
        let uri = match (identity.find('<'), identity.find('>')) {
            (Some(open), Some(close)) if open < close => &identity[open + 1..close],
            _ => identity.trim(),
        };
        let (scheme, rest) = uri.split_once(':')?;
        let user = match scheme.trim().to_ascii_lowercase().as_str() {
            "sip" | "sips" => rest.split_once('@')?.0,
            "tel" => rest,
            _ => return None,
        };
        let user = user.split(';').next()?.trim();
        (!user.is_empty()).then(|| user.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_withheld_ones() {
        assert_eq!(
            caller_number(Some("+12025550143"), None).as_deref(),
            Some("+12025550143")
        );
        assert_eq!(caller_number(Some("Anonymous"), None), None);
        assert_eq!(caller_number(Some("restricted"), None), None);
        assert_eq!(caller_number(Some(""), None), None);
        assert_eq!(caller_number(None, None), None);
        assert_eq!(caller_number(Some("+12025550143"), Some("id")), None);
        assert_eq!(
            caller_number(Some("+12025550143"), Some("header; user")),
            None
        );
        assert!(caller_number(Some("+12025550143"), Some("none")).is_some());
    }

    #[test]
    fn only_a_trunk_vouches_for_a_number() {
        let spoofed = identify(Some("+12025550143"), None, None, false);
        assert_eq!(spoofed.number.as_deref(), Some("+12025550143"));
        assert!(!spoofed.verified);
        // An asserted identity from a stranger is just more of what the sender wrote.
        let stranger = identify(
            Some("+12025550143"),
            Some("<sip:+13035550199@evil.example>"),
            None,
            false,
        );
        assert_eq!(stranger.number.as_deref(), Some("+12025550143"));
        assert!(!stranger.verified);
        let trunk = identify(
            Some("anonymous"),
            Some("\"Maria\" <sip:+13035550199@carrier.example;user=phone>, <tel:+13035550199>"),
            None,
            true,
        );
        assert_eq!(trunk.number.as_deref(), Some("+13035550199"));
        assert!(trunk.verified);
        let tel = identify(None, Some("<tel:+13035550199;cpc=ordinary>"), None, true);
        assert_eq!(tel.number.as_deref(), Some("+13035550199"));
        let from_only = identify(Some("+12025550143"), None, None, true);
        assert!(from_only.verified);
        // Privacy is honoured even for a vouched-for number.
        let private = identify(None, Some("<tel:+13035550199>"), Some("id"), true);
        assert_eq!(
            private,
            CallerId {
                number: None,
                verified: false
            }
        );
    }
}
