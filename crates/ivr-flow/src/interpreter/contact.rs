//! Checks of phone numbers and email addresses before a message or callback is requested, so
//! a caller is never told "sent" for an address that cannot work.

use crate::text::phone::phone_from_digits;

/// E.164 form of a phone number: North American 10/11-digit numbers get +1, numbers written
/// with + keep their country code.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("tel:").unwrap_or(raw);
    let plus = raw.starts_with('+');
    if raw
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-.()".contains(c)))
    {
        return None;
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    match (plus, digits.len()) {
        (false, 10 | 11) => phone_from_digits(&digits),
        (true, 11) if digits.starts_with('1') => phone_from_digits(&digits),
        (true, 8..=15) if !digits.starts_with('1') && !digits.starts_with('0') => {
            Some(format!("+{digits}"))
        }
        _ => None,
    }
}

pub fn is_valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(
            normalize_phone("8003755283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(
            normalize_phone("+1 (800) 375-5283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(
            normalize_phone("18003755283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(
            normalize_phone("+525512345678").as_deref(),
            Some("+525512345678")
        );
        assert_eq!(normalize_phone("0123456789"), None);
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("anonymous"), None);
        assert_eq!(normalize_phone(""), None);
    }

    #[test]
    fn emails() {
        assert!(is_valid_email("john.smith@gmail.com"));
        assert!(is_valid_email("a+b@sub.example.org"));
        assert!(!is_valid_email("john@localhost"));
        assert!(!is_valid_email("@example.com"));
        assert!(!is_valid_email("a..b@example.com"));
        assert!(!is_valid_email("a@exa mple.com"));
        assert!(!is_valid_email("a@example.c0m"));
    }
}
