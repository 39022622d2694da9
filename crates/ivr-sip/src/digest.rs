//! HTTP digest authentication as SIP uses it (RFC 3261 section 22, RFC 2617 with
//! `qop=auth`, MD5): the challenge the engine sends, and checking a phone's answer against
//! the account's HA1 (`MD5(user:realm:password)`, what the configuration stores instead of the
//! password). Nonces carry their own time and a keyed hash, so the engine keeps no state per
//! challenge and refuses stale or forged ones.

use md5::{Digest, Md5};
use sha2::Sha256;

/// How long a nonce is good for.
pub const NONCE_LIFETIME_S: u64 = 300;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn md5_hex(text: &str) -> String {
    hex(&Md5::digest(text.as_bytes()))
}

/// HA1 for an account: what the configuration keeps.
pub fn ha1(user: &str, realm: &str, password: &str) -> String {
    md5_hex(&format!("{user}:{realm}:{password}"))
}

/// Issues and checks nonces with a secret of this process. Each challenge gets a nonce of its
/// own (a serial number beside the time), so two phones challenged in the same second never
/// share one, and a nonce's count (`nc`) is one phone's.
pub struct Nonces {
    secret: [u8; 32],
    serial: std::sync::atomic::AtomicU64,
}

impl Nonces {
    pub fn new(secret: [u8; 32]) -> Nonces {
        Nonces {
            secret,
            serial: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn tag(&self, issued_s: u64, serial: u64) -> String {
        let mut hash = Sha256::new();
        hash.update(self.secret);
        hash.update(issued_s.to_be_bytes());
        hash.update(serial.to_be_bytes());
        hex(&hash.finalize()[..12])
    }

    pub fn issue(&self, now_s: u64) -> String {
        let serial = self
            .serial
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{now_s:x}-{serial:x}-{}", self.tag(now_s, serial))
    }

    /// Made by us, and not older than `NONCE_LIFETIME_S`.
    pub fn is_fresh(&self, nonce: &str, now_s: u64) -> bool {
        let mut parts = nonce.splitn(3, '-');
        let (Some(issued), Some(serial), Some(tag)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let (Ok(issued_s), Ok(serial)) = (
            u64::from_str_radix(issued, 16),
            u64::from_str_radix(serial, 16),
        ) else {
            return false;
        };
        tag == self.tag(issued_s, serial)
            && issued_s <= now_s
            && now_s - issued_s <= NONCE_LIFETIME_S
    }
}

/// The `WWW-Authenticate` value for a challenge.
pub fn challenge(realm: &str, nonce: &str, stale: bool) -> String {
    let stale = if stale { ", stale=true" } else { "" };
    format!(r#"Digest realm="{realm}", nonce="{nonce}", algorithm=MD5, qop="auth"{stale}"#)
}

/// The fields of an `Authorization: Digest ...` value.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Option<String>,
    pub qop: Option<String>,
    pub nc: Option<String>,
    pub cnonce: Option<String>,
}

/// Parses `Digest k=v, k="v", ...`; None when it is not digest or a required field is missing.
pub fn parse_authorization(value: &str) -> Option<Credentials> {
    let rest = value.trim();
    let (scheme, params) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let mut creds = Credentials::default();
    for (key, val) in params_of(params) {
        match key.to_ascii_lowercase().as_str() {
            "username" => creds.username = val,
            "realm" => creds.realm = val,
            "nonce" => creds.nonce = val,
            "uri" => creds.uri = val,
            "response" => creds.response = val,
            "algorithm" => creds.algorithm = Some(val),
            "qop" => creds.qop = Some(val),
            "nc" => creds.nc = Some(val),
            "cnonce" => creds.cnonce = Some(val),
            _ => {}
        }
    }
    let complete = !creds.username.is_empty()
        && !creds.nonce.is_empty()
        && !creds.uri.is_empty()
        && creds.response.len() == 32;
    complete.then_some(creds)
}

/// `k=v` pairs separated by commas, values optionally quoted (commas inside quotes kept).
fn params_of(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (quoted[..end].to_string(), &quoted[end + 1..]),
                None => (quoted.to_string(), ""),
            }
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        pairs.push((key, value));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    pairs
}

/// Whether `creds` prove knowledge of the password behind `ha1` for `method`.
pub fn verify(creds: &Credentials, method: &str, ha1: &str) -> bool {
    if creds
        .algorithm
        .as_deref()
        .is_some_and(|a| !a.eq_ignore_ascii_case("md5"))
    {
        return false;
    }
    let ha2 = md5_hex(&format!("{method}:{}", creds.uri));
    let expected = match (&creds.qop, &creds.nc, &creds.cnonce) {
        (Some(qop), Some(nc), Some(cnonce)) if qop.eq_ignore_ascii_case("auth") => {
            md5_hex(&format!("{ha1}:{}:{nc}:{cnonce}:{qop}:{ha2}", creds.nonce))
        }
        (None, _, _) => md5_hex(&format!("{ha1}:{}:{ha2}", creds.nonce)),
        _ => return false,
    };
    // Constant time: the comparison does not say how much of a guess was right.
    let given = creds.response.to_ascii_lowercase();
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_2617_example() {
        // RFC 2617 section 3.5 (its method is GET).
        let header = r#"Digest username="Mufasa", realm="testrealm@host.com",
            nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth,
            nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1",
            opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let creds = parse_authorization(header).unwrap_or_default();
        assert_eq!(creds.username, "Mufasa");
        assert_eq!(creds.cnonce.as_deref(), Some("0a4f113b"));
        let ha1 = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        assert!(verify(&creds, "GET", &ha1));
        assert!(!verify(&creds, "REGISTER", &ha1));
        assert!(!verify(
            &creds,
            "GET",
            &super::ha1("Mufasa", "testrealm@host.com", "x")
        ));
    }

    #[test]
    fn nonces_expire_and_cannot_be_forged() {
        let nonces = Nonces::new([7; 32]);
        let nonce = nonces.issue(1000);
        assert!(nonces.is_fresh(&nonce, 1000));
        assert!(nonces.is_fresh(&nonce, 1000 + NONCE_LIFETIME_S));
        assert!(!nonces.is_fresh(&nonce, 1001 + NONCE_LIFETIME_S));
        assert!(!nonces.is_fresh(&nonce, 999));
        assert!(!Nonces::new([8; 32]).is_fresh(&nonce, 1000));
        assert_ne!(
            nonces.issue(1000),
            nonce,
            "two challenges in one second share a nonce"
        );
        assert!(!nonces.is_fresh("3e8-0-00", 1000));
        assert!(!nonces.is_fresh("3e8-00", 1000));
        assert!(!nonces.is_fresh("garbage", 1000));
    }

    #[test]
    fn other_schemes_and_incomplete_answers_are_not_credentials() {
        assert_eq!(parse_authorization("Basic dXNlcjpwYXNz"), None);
        assert_eq!(
            parse_authorization(r#"Digest username="a", nonce="n""#),
            None
        );
        assert_eq!(parse_authorization(""), None);
    }
}
