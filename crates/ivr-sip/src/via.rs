//! Where a request came from, by its top Via: the `received` the transport layer adds when the
//! packet's source differs from what the sender wrote (RFC 3261 section 18.2.1), else the
//! sent-by host.

use std::net::IpAddr;

/// The top Via header's value -> the sender's address (0.0.0.0 when it names none).
pub fn source(via: &str) -> IpAddr {
    let received = via
        .split(';')
        .find_map(|p| p.trim().strip_prefix("received="));
    let sent_by = via
        .split_whitespace()
        .nth(1)
        .and_then(|h| h.split(';').next())
        .map(|h| h.rsplit_once(':').map_or(h, |(host, _)| host));
    received
        .or(sent_by)
        .and_then(|ip| ip.trim_matches(['[', ']']).parse().ok())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_wins_over_sent_by() {
        assert_eq!(
            source("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=192.0.2.7"),
            IpAddr::from([192, 0, 2, 7])
        );
        assert_eq!(
            source("SIP/2.0/TCP 198.51.100.2:5099;branch=z9hG4bK1"),
            IpAddr::from([198, 51, 100, 2])
        );
        assert_eq!(source("garbage"), IpAddr::from([0, 0, 0, 0]));
    }
}
