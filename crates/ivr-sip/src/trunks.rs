//! The carriers' addresses the engine believes: calls from a trunk carry a caller ID the
//! carrier vouches for (P-Asserted-Identity, RFC 3325) and are exempt from the per-source call
//! limits (one trunk carries many callers). Everyone else on the internet can put any number
//! in From.

use std::net::IpAddr;

/// An address block, `203.0.113.0/24` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address carried in IPv6 (`::ffff:192.0.2.1`, a dual-stack socket's view) is that
/// IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Network, String> {
        let bad = || format!("`{text}` is not an address or a block like 203.0.113.0/24");
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let address = canonical(address);
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(bad)?,
            None => bits,
        };
        Ok(Network { address, prefix })
    }
}

/// The trusted carriers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trunks {
    networks: Vec<Network>,
}

impl Trunks {
    pub fn new(networks: Vec<Network>) -> Trunks {
        Trunks { networks }
    }

    /// This machine only: a proxy or a test caller on loopback, which nobody off the machine
    /// can be.
    pub fn loopback() -> Trunks {
        Trunks::new(vec![
            Network {
                address: IpAddr::from([127, 0, 0, 0]),
                prefix: 8,
            },
            Network {
                address: IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
                prefix: 128,
            },
        ])
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| unreachable!("test address"))
    }

    #[test]
    fn blocks_and_single_addresses() {
        let trunks = Trunks::new(
            ["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"]
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect(),
        );
        for inside in [
            "203.0.113.1",
            "203.0.113.255",
            "198.51.100.7",
            "2001:db8::5",
            "::ffff:203.0.113.9",
        ] {
            assert!(trunks.contains(ip(inside)), "{inside}");
        }
        for outside in ["203.0.114.1", "198.51.100.8", "2001:db9::1", "127.0.0.1"] {
            assert!(!trunks.contains(ip(outside)), "{outside}");
        }
        assert!(Trunks::loopback().contains(ip("127.0.0.2")));
        assert!(Trunks::loopback().contains(ip("::1")));
        assert!(!Trunks::loopback().contains(ip("10.0.0.1")));
        assert!(Trunks::default().networks.is_empty());
    }

    #[test]
    fn the_whole_internet_and_bad_blocks() {
        let all: Network = "0.0.0.0/0"
            .parse()
            .unwrap_or_else(|e: String| panic!("{e}"));
        assert!(all.contains(ip("192.0.2.1")));
        for bad in [
            "",
            "203.0.113.0/33",
            "example.org",
            "10.0.0.0/",
            "::/129",
            "10.0.0.0/x",
        ] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
    }
}
