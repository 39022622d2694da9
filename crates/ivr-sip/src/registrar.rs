//! The registrar agents' phones REGISTER with (RFC 3261 section 10), sans-IO: digest
//! authentication against each account's HA1, bindings with expiry, and a per-address rate
//! limit so a flood of REGISTERs costs little and locks out no one else.
//!
//! An observer on the path must not be able to re-register an agent to its own address (and
//! take the agent's calls) with what it saw: each nonce's count (`nc`, RFC 2617 section
//! 3.2.2) must grow, so a REGISTER sent again word for word is refused; the digest's `uri` must
//! be the request's own; and digests without `qop` (RFC 2069, no count) are refused unless
//! the configuration allows old phones.

use crate::digest::{self, Nonces};
use crate::rate_limit::SourceRateLimit;
use std::collections::HashMap;
use std::net::IpAddr;

/// Bindings are kept at most this long; phones asking for more get this.
pub const MAX_EXPIRES_S: u32 = 3600;
/// Shorter requests get 423 Interval Too Brief (section 10.2.8).
pub const MIN_EXPIRES_S: u32 = 60;
/// REGISTERs one address may send in a burst, and per second after it.
const BURST: f64 = 20.0;
const PER_SECOND: f64 = 5.0;
/// Addresses with a rate-limit bucket of their own; past this (a flood from many addresses),
/// new addresses share one bucket, so the table stays bounded.
const MAX_BUCKETS: usize = 10_000;
/// Nonces whose count is remembered; past this, the oldest are forgotten (their phones get a
/// fresh challenge).
const MAX_NONCES: usize = 10_000;

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
    /// The transport's source address of the request.
    pub source: IpAddr,
    /// The Request-URI, which the digest's `uri` must name.
    pub request_uri: &'a str,
    /// The To user: the account.
    pub user: &'a str,
    /// The Contact header's value (`<sip:...>;expires=N`), if any.
    pub contact: Option<&'a str>,
    /// The Expires header's value, if any.
    pub expires: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub now_s: u64,
}

pub struct Registrar {
    realm: String,
    nonces: Nonces,
    /// Account -> HA1.
    accounts: HashMap<String, String>,
    bindings: HashMap<String, Binding>,
    rate: SourceRateLimit,
    /// Nonce -> (highest count accepted, when first used, s).
    counts: HashMap<String, (u32, u64)>,
    /// Accept digests without `qop` (no nonce count, so no replay check).
    allow_without_qop: bool,
}

impl Registrar {
    pub fn new(realm: &str, accounts: HashMap<String, String>, secret: [u8; 32]) -> Registrar {
        Registrar {
            realm: realm.to_string(),
            nonces: Nonces::new(secret),
            accounts,
            bindings: HashMap::new(),
            rate: SourceRateLimit::new(BURST, PER_SECOND, MAX_BUCKETS),
            counts: HashMap::new(),
            allow_without_qop: false,
        }
    }

    /// Accepts digests without `qop` from phones too old to send one; such a REGISTER can be
    /// replayed within the nonce's lifetime.
    pub fn allow_digest_without_qop(mut self, allow: bool) -> Registrar {
        self.allow_without_qop = allow;
        self
    }

    /// `now_ms` keeps the rate limit smooth within a second.
    pub fn register(&mut self, request: &RegisterRequest<'_>, now_ms: u64) -> RegisterAnswer {
        if !self.take_token(request.source, now_ms) {
            return RegisterAnswer::SlowDown;
        }
        let Some(creds) = request.authorization.and_then(digest::parse_authorization) else {
            return self.challenge(request.now_s, false);
        };
        if !self.nonces.is_fresh(&creds.nonce, request.now_s) {
            return self.challenge(request.now_s, true);
        }
        let known = self
            .accounts
            .get(request.user)
            .filter(|_| creds.username == request.user && creds.realm == self.realm);
        let Some(ha1) = known else {
            return RegisterAnswer::Forbidden;
        };
        if creds.qop.is_none() && !self.allow_without_qop {
            return RegisterAnswer::Forbidden;
        }
        if !same_uri(&creds.uri, request.request_uri) {
            return RegisterAnswer::Forbidden;
        }
        if !digest::verify(&creds, "REGISTER", ha1) {
            return RegisterAnswer::Forbidden;
        }
        // Counted only once the answer is right, so guesses cannot use up a phone's counts.
        if creds.qop.is_some() && !self.count_is_new(&creds, request.now_s) {
            return self.challenge(request.now_s, true);
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

    fn challenge(&self, now_s: u64, stale: bool) -> RegisterAnswer {
        RegisterAnswer::Challenge(digest::challenge(
            &self.realm,
            &self.nonces.issue(now_s),
            stale,
        ))
    }

    /// Whether the credentials' nonce count is higher than any this nonce was used with.
    fn count_is_new(&mut self, creds: &digest::Credentials, now_s: u64) -> bool {
        let Some(nc) = creds
            .nc
            .as_deref()
            .and_then(|nc| u32::from_str_radix(nc, 16).ok())
        else {
            return false;
        };
        if !self.counts.contains_key(&creds.nonce) && self.counts.len() >= MAX_NONCES {
            self.counts.retain(|_, (_, first_s)| {
                now_s.saturating_sub(*first_s) <= digest::NONCE_LIFETIME_S
            });
            if self.counts.len() >= MAX_NONCES {
                return false;
            }
        }
        let (last, _) = self.counts.entry(creds.nonce.clone()).or_insert((0, now_s));
        if nc <= *last {
            return false;
        }
        *last = nc;
        true
    }

    /// Addresses with their own rate-limit bucket (bounded).
    pub fn tracked_sources(&self) -> usize {
        self.rate.tracked()
    }

    fn take_token(&mut self, source: IpAddr, now_ms: u64) -> bool {
        self.rate.take(source, now_ms)
    }
}

/// Whether the digest's `uri` names the Request-URI: the same scheme, user, host and port
/// (5060 when not given), whatever the case of the scheme and host.
fn same_uri(digest_uri: &str, request_uri: &str) -> bool {
    fn parts(uri: &str) -> Option<(String, String, String, u16)> {
        let uri = uri.trim().trim_start_matches('<').trim_end_matches('>');
        let (scheme, rest) = uri.split_once(':')?;
        let address = rest.split([';', '?']).next()?;
        let (user, host_port) = match address.rsplit_once('@') {
            Some((user, host_port)) => (user.to_string(), host_port),
            None => (String::new(), address),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
                (host, port.parse().ok()?)
            }
            _ => (host_port, 5060),
        };
        Some((
            scheme.to_ascii_lowercase(),
            user,
            host.to_ascii_lowercase(),
            port,
        ))
    }
    match (parts(digest_uri), parts(request_uri)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
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
