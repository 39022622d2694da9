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

/// A web address as far as its host: paths and queries can carry keys and callers' data.
pub fn url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let hidden = rest.len() > authority.len();
    format!("{scheme}://{host}{}", if hidden { "/..." } else { "" })
}

/// Fields of a call log event that carry what the caller said, keyed or will be sent.
const PERSONAL_FIELDS: &[&str] = &["text", "digits", "value", "to", "understood_as"];

/// A call log event (the `ivr chat --json` schema) for the log: what the caller said, keyed
/// or gets sent, and the words of prompts (which may repeat it), reduced to hints.
pub fn event(event: &serde_json::Value) -> serde_json::Value {
    let mut event = event.clone();
    if let Some(fields) = event.as_object_mut() {
        for name in PERSONAL_FIELDS {
            if let Some(value) = fields.get_mut(*name) {
                *value = serde_json::Value::String(match (*name, value.as_str()) {
                    ("to", Some(to)) => recipient(to),
                    (_, Some(text)) => said(text),
                    _ => "[hidden]".to_string(),
                });
            }
        }
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_their_host_only() {
        assert_eq!(
            url("https://user:pw@sms.example:8443/send?key=SECRET"),
            "https://sms.example:8443/..."
        );
        assert_eq!(url("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(url("nonsense"), "(not a URL)");
    }

    #[test]
    fn events_lose_what_the_caller_said_and_keeps_the_rest() {
        let recognized = serde_json::json!({
            "t_ms": 10, "type": "recognized", "text": "my receipt is IOE0912345678",
            "confidence": 0.9, "understood_as": {"text": "x"}
        });
        let shown = event(&recognized).to_string();
        assert!(!shown.contains("IOE"), "{shown}");
        assert!(shown.contains("\"confidence\":0.9"), "{shown}");
        let notify = serde_json::json!({"type": "notify", "channel": "sms", "to": "+12025550143"});
        assert_eq!(event(&notify)["to"], "+1202*****43");
        let keys = serde_json::json!({"type": "dtmf", "digits": "1234"});
        assert_eq!(event(&keys)["digits"], "[4 chars]");
    }

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
