//! The registrar agents' phones REGISTER with (RFC 3261 section 10), sans-IO: digest
//! authentication against each account's HA1, bindings with expiry, and a per-address rate
//! limit so a flood of REGISTERs costs little and locks out no one else.

use crate::digest::{self, Nonces};
use std::collections::HashMap;
use std::net::IpAddr;

/// Bindings are kept at most this long; phones asking for more get this.
pub const MAX_EXPIRES_S: u32 = 3600;
/// Shorter requests get 423 Interval Too Brief (section 10.2.8).
pub const MIN_EXPIRES_S: u32 = 60;
/// REGISTERs one address may send in a burst, and per second after it.
const BURST: f64 = 20.0;
const PER_SECOND: f64 = 5.0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The URI to send INVITEs to.
    pub contact: String,
    pub expires_at_s: u64,
}

/// What to answer a REGISTER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterAnswer {
    /// 401 with this `WWW-Authenticate`.
    Challenge(String),
    /// 200: the binding now in force, and for how long.
    Registered { contact: String, expires_s: u32 },
    /// 200: the phone removed its binding (expires 0).
    Unregistered,
    /// 403: wrong credentials, or no such account (not told apart).
    Forbidden,
    /// 423 with `Min-Expires`.
    IntervalTooBrief,
    /// 400: no usable Contact.
    BadRequest,
    /// 503 with Retry-After: this address sends too many.
    SlowDown,
}

pub struct RegisterRequest<'a> {
    pub source: IpAddr,
    /// The To user: the account.
    pub user: &'a str,
    /// The Contact header's value (`<sip:...>;expires=N`), if any.
    pub contact: Option<&'a str>,
    /// The Expires header's value, if any.
    pub expires: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub now_s: u64,
}

struct Bucket {
    tokens: f64,
    at_s: f64,
}

pub struct Registrar {
    realm: String,
    nonces: Nonces,
    /// Account -> HA1.
    accounts: HashMap<String, String>,
    bindings: HashMap<String, Binding>,
    buckets: HashMap<IpAddr, Bucket>,
}

impl Registrar {
    pub fn new(realm: &str, accounts: HashMap<String, String>, secret: [u8; 32]) -> Registrar {
        Registrar {
            realm: realm.to_string(),
            nonces: Nonces::new(secret),
            accounts,
            bindings: HashMap::new(),
            buckets: HashMap::new(),
        }
    }

    /// `now_ms` keeps the rate limit smooth within a second.
    pub fn register(&mut self, request: &RegisterRequest<'_>, now_ms: u64) -> RegisterAnswer {
        if !self.take_token(request.source, now_ms) {
            return RegisterAnswer::SlowDown;
        }
        let fresh_challenge = |stale| {
            RegisterAnswer::Challenge(digest::challenge(
                &self.realm,
                &self.nonces.issue(request.now_s),
                stale,
            ))
        };
        let Some(creds) = request.authorization.and_then(digest::parse_authorization) else {
            return fresh_challenge(false);
        };
        if !self.nonces.is_fresh(&creds.nonce, request.now_s) {
            return fresh_challenge(true);
        }
        let known = self
            .accounts
            .get(request.user)
            .filter(|_| creds.username == request.user && creds.realm == self.realm);
        let Some(ha1) = known else {
            return RegisterAnswer::Forbidden;
        };
        if !digest::verify(&creds, "REGISTER", ha1) {
            return RegisterAnswer::Forbidden;
        }
        let Some(contact_value) = request.contact else {
            return RegisterAnswer::BadRequest;
        };
        if contact_value.trim() == "*" {
            self.bindings.remove(request.user);
            return RegisterAnswer::Unregistered;
        }
        let Some(uri) = contact_uri(contact_value) else {
            return RegisterAnswer::BadRequest;
        };
        let asked = contact_param(contact_value, "expires")
            .or(request.expires)
            .and_then(|e| e.trim().parse::<u32>().ok())
            .unwrap_or(MAX_EXPIRES_S);
        if asked == 0 {
            self.bindings.remove(request.user);
            return RegisterAnswer::Unregistered;
        }
        if asked < MIN_EXPIRES_S {
            return RegisterAnswer::IntervalTooBrief;
        }
        let expires_s = asked.min(MAX_EXPIRES_S);
        self.bindings.insert(
            request.user.to_string(),
            Binding {
                contact: uri.clone(),
                expires_at_s: request.now_s + u64::from(expires_s),
            },
        );
        RegisterAnswer::Registered {
            contact: uri,
            expires_s,
        }
    }

    /// The account's current binding, if it has not expired.
    pub fn binding(&self, user: &str, now_s: u64) -> Option<&Binding> {
        self.bindings.get(user).filter(|b| b.expires_at_s > now_s)
    }

    /// Every account with a live binding.
    pub fn registered(&self, now_s: u64) -> Vec<(String, Binding)> {
        let mut live: Vec<(String, Binding)> = self
            .bindings
            .iter()
            .filter(|(_, b)| b.expires_at_s > now_s)
            .map(|(u, b)| (u.clone(), b.clone()))
            .collect();
        live.sort_by(|a, b| a.0.cmp(&b.0));
        live
    }

    fn take_token(&mut self, source: IpAddr, now_ms: u64) -> bool {
        let now = now_ms as f64 / 1000.0;
        // Forget quiet addresses so a spoofed-source flood cannot grow the map for ever.
        if self.buckets.len() > 10_000 {
            self.buckets
                .retain(|_, b| now - b.at_s < BURST / PER_SECOND);
        }
        let bucket = self.buckets.entry(source).or_insert(Bucket {
            tokens: BURST,
            at_s: now,
        });
        bucket.tokens = (bucket.tokens + (now - bucket.at_s).max(0.0) * PER_SECOND).min(BURST);
        bucket.at_s = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The URI of a Contact value: inside `<...>`, else up to the first `;`.
fn contact_uri(value: &str) -> Option<String> {
    let value = value.trim();
    let uri = match value.find('<') {
        Some(start) => {
            let end = value[start..].find('>')? + start;
            &value[start + 1..end]
        }
        None => value.split(';').next().unwrap_or_default(),
    };
    let uri = uri.trim();
    (uri.starts_with("sip:") || uri.starts_with("sips:")).then(|| uri.to_string())
}

/// A header parameter of a Contact value (after the `>` of a name-addr).
fn contact_param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let params = match value.rfind('>') {
        Some(end) => &value[end + 1..],
        None => value.split_once(';').map_or("", |(_, p)| p),
    };
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

#[cfg(test)]
mod tests;
