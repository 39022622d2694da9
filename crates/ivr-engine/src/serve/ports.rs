//! RTP ports for calls, from the configured range: an even port per call (RTP convention,
//! RFC 3550 section 11, leaving the odd one above for RTCP), handed out round-robin so a port
//! a call just released is not reused at once (late packets of the old call would land in
//! the new one).

use crate::config::serving::PortRange;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::net::UdpSocket;

pub struct RtpPorts {
    range: PortRange,
    next: AtomicU32,
}

impl RtpPorts {
    pub fn new(range: PortRange) -> RtpPorts {
        RtpPorts {
            range,
            next: AtomicU32::new(0),
        }
    }

    fn even_ports(&self) -> u32 {
        let first = u32::from(self.range.first.next_multiple_of(2));
        (u32::from(self.range.last) + 1)
            .saturating_sub(first)
            .div_ceil(2)
    }

    /// Binds the next free even port of the range; None when every one is taken.
    pub async fn bind(&self, ip: IpAddr) -> Option<UdpSocket> {
        let count = self.even_ports();
        let first = u32::from(self.range.first.next_multiple_of(2));
        for _ in 0..count {
            let slot = self.next.fetch_add(1, Ordering::Relaxed) % count;
            let Ok(port) = u16::try_from(first + 2 * slot) else {
                continue;
            };
            if let Ok(socket) = UdpSocket::bind(SocketAddr::new(ip, port)).await {
                return Some(socket);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn even_ports_in_turn_and_none_when_all_are_taken() {
        // Four ports: 2 even ones. Other tests may hold ports here too, so find a free pair.
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").ok();
        let base = probe
            .and_then(|s| s.local_addr().ok())
            .map_or(40000, |a| a.port() & !1);
        let range = PortRange {
            first: base.max(1024),
            last: base.max(1024) + 3,
        };
        let ports = RtpPorts::new(range);
        let ip = IpAddr::from([127, 0, 0, 1]);
        let mut held = Vec::new();
        while let Some(socket) = ports.bind(ip).await {
            let port = socket.local_addr().map(|a| a.port()).unwrap_or(1);
            assert_eq!(port % 2, 0);
            assert!((range.first..=range.last).contains(&port));
            held.push(socket);
            assert!(held.len() <= 2);
        }
        drop(held);
    }
}
