//! Who may use the admin HTTP (`crates/ivr/src/serve/admin_access.rs`, the binary crate's, so
//! included by path): arbitrary Host, Origin, Authorization and path values.
//!
//! Input: `path \n host \n origin \n authorization \n token`, with a line of exactly `-` meaning
//! the header is absent; the first two bytes are the admin's port.
#![no_main]

#[path = "../../ivr/src/serve/admin_access.rs"]
#[allow(dead_code)]
mod admin_access;

use admin_access::{AccessRequest, Refusal, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [high, low, rest @ ..] = data else {
        return;
    };
    let port = u16::from_be_bytes([*high, *low]);
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let mut next = || lines.next().filter(|l| *l != "-");
    let (path, host, origin, authorization, token) =
        (next().unwrap_or("/"), next(), next(), next(), next());
    let request = AccessRequest {
        path,
        host,
        origin,
        authorization,
    };
    let decision = check(&request, token, port);
    match decision {
        Ok(()) => {
            // Allowed: it named a Host, and held the token unless the path is an open one.
            assert!(host.is_some());
            if let Some(token) = token
                && path != "/healthz"
                && path != "/metrics"
            {
                let offered = authorization
                    .and_then(|a| a.trim().strip_prefix("Bearer "))
                    .map(str::trim);
                assert_eq!(offered, Some(token));
            }
        }
        Err(Refusal::Unauthorized) => assert!(token.is_some()),
        Err(Refusal::Forbidden(_)) => {}
    }
    // Without the token nothing changes for a request whose Host and Origin pass.
    let open = check(&request, None, port);
    assert!(open.is_ok() || matches!(open, Err(Refusal::Forbidden(_))));
    if decision.is_ok() {
        assert_eq!(open, Ok(()));
    }
});
