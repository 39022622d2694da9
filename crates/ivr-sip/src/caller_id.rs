//! The caller's number from an INVITE, or none when it is withheld: a From user such as
//! `anonymous` (RFC 3323 section 4.1.1.3) or words carriers use for a blocked number, or a
//! `Privacy: id` / `Privacy: user` header asking that the identity not be used.

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
}
