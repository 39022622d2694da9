//! Who may use the admin HTTP, decided from a request's headers alone. Everything except
//! `/healthz`, `/metrics` and the supervisor page's own files (which hold no data: the page
//! asks for the rest with the token) needs the bearer token when one is configured. Whatever the
//! token, a request must name the admin address itself as its Host (an IP address or
//! `localhost`, at the admin's port: a DNS name pointed at 127.0.0.1 by a web page, DNS
//! rebinding, is refused), and a browser's cross-site request (an `Origin` other than the
//! admin's own) is refused, so a web page open on the same machine cannot mark callbacks done.

/// The headers that decide, as received.
pub struct AccessRequest<'a> {
    pub path: &'a str,
    pub host: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub authorization: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 401: no token, or the wrong one.
    Unauthorized,
    /// 403: a foreign Host or Origin.
    Forbidden(&'static str),
}

/// Paths a monitoring system reads without the token, and the supervisor page's files.
const OPEN_PATHS: [&str; 5] = [
    "/healthz",
    "/metrics",
    "/",
    "/supervisor.js",
    "/supervisor.css",
];

pub fn check(request: &AccessRequest, token: Option<&str>, port: u16) -> Result<(), Refusal> {
    let Some(host) = request.host.filter(|h| is_own_host(h, port)) else {
        return Err(Refusal::Forbidden(
            "the Host header must be the admin's own address",
        ));
    };
    if let Some(origin) = request.origin
        && !same_origin(origin, host)
    {
        return Err(Refusal::Forbidden("cross-site requests are refused"));
    }
    match token {
        Some(token) if !OPEN_PATHS.contains(&request.path) => {
            let offered = request
                .authorization
                .and_then(|a| a.trim().strip_prefix("Bearer "))
                .map(str::trim);
            match offered {
                Some(offered) if same_secret(offered, token) => Ok(()),
                _ => Err(Refusal::Unauthorized),
            }
        }
        _ => Ok(()),
    }
}

/// An IP address or `localhost`, with the admin's port if a port is given.
fn is_own_host(host: &str, port: u16) -> bool {
    let host = host.trim();
    let (name, given_port) = match host.rsplit_once(':') {
        // `[::1]:9090`, or `127.0.0.1:9090`; a bare IPv6 address has colons but no brackets.
        Some((name, p)) if !name.contains(':') || name.ends_with(']') => (name, Some(p)),
        _ => (host, None),
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let is_address =
        name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok();
    is_address && given_port.is_none_or(|p| p.parse() == Ok(port))
}

fn same_origin(origin: &str, host: &str) -> bool {
    origin
        .trim()
        .strip_prefix("http://")
        .is_some_and(|rest| rest.trim_end_matches('/').eq_ignore_ascii_case(host.trim()))
}

/// Compares in time that does not depend on where the two first differ.
fn same_secret(offered: &str, token: &str) -> bool {
    let (a, b) = (offered.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(path: &'a str, host: &'a str) -> AccessRequest<'a> {
        AccessRequest {
            path,
            host: Some(host),
            origin: None,
            authorization: None,
        }
    }

    #[test]
    fn only_the_admins_own_address_is_a_host() {
        for host in [
            "127.0.0.1",
            "127.0.0.1:9090",
            "localhost:9090",
            "[::1]:9090",
            "::1",
            "10.0.0.5:9090",
        ] {
            assert_eq!(
                check(&request("/calls", host), None, 9090),
                Ok(()),
                "{host}"
            );
        }
        for host in [
            "evil.example:9090",
            "evil.example",
            "127.0.0.1:8080",
            "127.0.0.1.nip.io:9090",
        ] {
            assert!(
                matches!(
                    check(&request("/calls", host), None, 9090),
                    Err(Refusal::Forbidden(_))
                ),
                "{host}"
            );
        }
        let no_host = AccessRequest {
            host: None,
            ..request("/calls", "")
        };
        assert!(check(&no_host, None, 9090).is_err());
    }

    #[test]
    fn a_foreign_origin_is_refused() {
        let mut post = request("/callbacks/1/done", "127.0.0.1:9090");
        post.origin = Some("http://evil.example");
        assert!(matches!(
            check(&post, None, 9090),
            Err(Refusal::Forbidden(_))
        ));
        post.origin = Some("http://127.0.0.1:9090");
        assert_eq!(check(&post, None, 9090), Ok(()));
    }

    #[test]
    fn the_token_guards_all_but_health_and_metrics() {
        let token = Some("s3cret-token");
        assert_eq!(
            check(&request("/healthz", "127.0.0.1"), token, 9090),
            Ok(())
        );
        assert_eq!(
            check(&request("/metrics", "127.0.0.1"), token, 9090),
            Ok(())
        );
        assert_eq!(check(&request("/", "127.0.0.1"), token, 9090), Ok(()));
        let mut calls = request("/calls", "127.0.0.1");
        assert_eq!(check(&calls, token, 9090), Err(Refusal::Unauthorized));
        calls.authorization = Some("Bearer s3cret-tokeN");
        assert_eq!(check(&calls, token, 9090), Err(Refusal::Unauthorized));
        calls.authorization = Some("Bearer s3cret-token");
        assert_eq!(check(&calls, token, 9090), Ok(()));
    }
}
