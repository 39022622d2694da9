//! Where a message may go: a phone number a text message can reach, an email address a mail
//! server will take. Checked before a message is queued, so a caller told "sent" was not told
//! so about an address that can never work.

/// A phone number in E.164 form (`+12025550143`), from what a caller or a caller ID gives:
/// spaces, dashes, dots and parentheses are dropped; ten digits are a North American number.
pub fn phone_number(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(format!("`{text}` is not a phone number")),
        }
    }
    let e164 = match (plus, digits.len()) {
        (false, 10) => format!("+1{digits}"),
        (false, 11) if digits.starts_with('1') => format!("+{digits}"),
        (true, 8..=15) if !digits.starts_with('0') => format!("+{digits}"),
        _ => return Err(format!("`{text}` is not a phone number")),
    };
    // North American numbers: area code and exchange never start with 0 or 1.
    if let Some(national) = e164.strip_prefix("+1")
        && national.len() == 10
        && (national.starts_with(['0', '1']) || national[3..].starts_with(['0', '1']))
    {
        return Err(format!("`{text}` is not a North American phone number"));
    }
    Ok(e164)
}

/// An email address as mail servers take it (the RFC 5321 limits, dot-atom local part).
pub fn email_address(text: &str) -> Result<String, String> {
    let address = text.trim();
    let bad = |why: &str| Err(format!("`{text}` is not an email address: {why}"));
    if address.len() > 254 {
        return bad("longer than 254 characters");
    }
    let Some((local, domain)) = address.split_once('@') else {
        return bad("no @");
    };
    if local.is_empty() || local.len() > 64 {
        return bad("the part before @ must be 1 to 64 characters");
    }
    let local_ok = local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    if !local_ok || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return bad("the part before @ has characters mail does not allow");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return bad("the domain needs a dot");
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return bad("the domain is not a host name");
        }
    }
    let tld = labels.last().copied().unwrap_or_default();
    if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return bad("the domain does not end in a top-level domain");
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        for (given, e164) in [
            ("+12025550143", "+12025550143"),
            ("(202) 555-0143", "+12025550143"),
            ("1 202 555 0143", "+12025550143"),
            ("202.555.0143", "+12025550143"),
            ("+52 55 1234 5678", "+525512345678"),
        ] {
            assert_eq!(phone_number(given), Ok(e164.to_string()), "{given}");
        }
        for bad in [
            "",
            "anonymous",
            "555-0143",
            "+0123456789",
            "1234567890",
            "2021550143",
            "+1202555014x",
            "+1234567890123456",
        ] {
            assert!(phone_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_addresses() {
        for (given, kept) in [
            ("maria.lopez@gmail.com", "maria.lopez@gmail.com"),
            (" juan.perez+uscis@Yahoo.COM ", "juan.perez+uscis@yahoo.com"),
            ("a@b.co", "a@b.co"),
        ] {
            assert_eq!(email_address(given), Ok(kept.to_string()), "{given}");
        }
        for bad in [
            "",
            "maria",
            "maria@",
            "@gmail.com",
            "maria@gmail",
            "maria@@gmail.com",
            "maria lopez@gmail.com",
            ".maria@gmail.com",
            "maria..lopez@gmail.com",
            "maria@-gmail.com",
            "maria@gmail.c0m",
            "maria@gmail..com",
            "maria<x>@gmail.com",
        ] {
            assert!(email_address(bad).is_err(), "{bad}");
        }
        assert!(email_address(&format!("{}@x.com", "a".repeat(65))).is_err());
    }
}
