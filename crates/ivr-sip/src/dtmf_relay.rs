//! Keys sent in SIP INFO requests, the out-of-band DTMF of older PBXs and gateways:
//! `application/dtmf-relay` (`Signal=5` / `Duration=160`) and `application/dtmf` (`5`).

/// The key in an INFO body of `content_type`, None if the type is not a DTMF one or the body
/// names no key. Digits, `*`, `#`, `A`-`D`; some gateways send `10` for `*` and `11` for `#`.
pub fn key_from_info(content_type: &str, body: &str) -> Option<char> {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/dtmf-relay" => body.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("signal")
                .then(|| key(value.trim()))
                .flatten()
        }),
        "application/dtmf" => key(body.trim()),
        _ => None,
    }
}

fn key(value: &str) -> Option<char> {
    match value {
        "10" => return Some('*'),
        "11" => return Some('#'),
        _ => {}
    }
    let mut chars = value.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    let c = c.to_ascii_uppercase();
    (c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::key_from_info;

    #[test]
    fn reads_dtmf_relay_bodies() {
        let relay = "application/dtmf-relay";
        assert_eq!(
            key_from_info(relay, "Signal=5\r\nDuration=160\r\n"),
            Some('5')
        );
        assert_eq!(key_from_info(relay, "signal = #\nduration=100"), Some('#'));
        assert_eq!(
            key_from_info("Application/DTMF-Relay; x=y", "Signal=*"),
            Some('*')
        );
        assert_eq!(key_from_info(relay, "Signal=10"), Some('*'));
        assert_eq!(key_from_info(relay, "Signal=11"), Some('#'));
        assert_eq!(key_from_info(relay, "Signal=d"), Some('D'));
    }

    #[test]
    fn reads_plain_dtmf_bodies() {
        assert_eq!(key_from_info("application/dtmf", "7\r\n"), Some('7'));
    }

    #[test]
    fn refuses_what_is_not_a_key() {
        let relay = "application/dtmf-relay";
        assert_eq!(key_from_info(relay, "Duration=160"), None);
        assert_eq!(key_from_info(relay, "Signal=12"), None);
        assert_eq!(key_from_info(relay, "Signal=E"), None);
        assert_eq!(key_from_info(relay, "Signal="), None);
        assert_eq!(key_from_info(relay, ""), None);
        assert_eq!(
            key_from_info("application/media_control+xml", "Signal=5"),
            None
        );
        assert_eq!(key_from_info("text/plain", "5"), None);
    }
}
