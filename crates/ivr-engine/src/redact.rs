//! Personal data as logs show it: enough to tell two callers apart while reading a log, not
//! enough to call, mail or identify anyone. The call record and the database (the audited
//! stores) keep the full values; logs get these.

/// A phone number with its middle hidden: `+1202*****43`.
pub fn number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
    if digits < 7 {
        return "*".repeat(chars.len().min(16));
    }
    let keep_head = usize::from(chars.first() == Some(&'+')) + 4;
    let keep_tail = 2;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_head || i + keep_tail >= chars.len() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// An email address with its mailbox hidden: `m***@gmail.com`.
pub fn email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// What a caller said or keyed, as its length only.
pub fn said(text: &str) -> String {
    format!("[{} chars]", text.chars().count())
}

/// A number, address or anything else a message may go to.
pub fn recipient(recipient: &str) -> String {
    if recipient.contains('@') {
        email(recipient)
    } else {
        number(recipient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_addresses_keep_only_a_hint() {
        assert_eq!(number("+12025550143"), "+1202*****43");
        assert_eq!(number("2025550143"), "2025****43");
        assert_eq!(number("0143"), "****");
        assert_eq!(email("maria.lopez@gmail.com"), "m***@gmail.com");
        assert_eq!(recipient("maria.lopez@gmail.com"), "m***@gmail.com");
        assert_eq!(recipient("+12025550143"), "+1202*****43");
        assert_eq!(said("IOE0912345678"), "[13 chars]");
        assert!(!number("+525512345678").contains("234567"));
    }
}
