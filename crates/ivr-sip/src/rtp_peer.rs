//! Where a call's RTP goes and which packets belong to it: symmetric RTP and the no-RTP
//! timeout, sans-IO (the IO layer passes each datagram's source and the time).
//!
//! Callers behind NAT advertise a private address in their SDP that cannot be reached; their
//! packets arrive from the NAT's public address. So the engine sends to where the caller's
//! packets come from once they arrive ("latching"), and ignores packets from anywhere else.
//! A packet from exactly the signalled address always wins the latch, so a stranger that
//! sends first cannot hijack a call whose caller is reachable as signalled; once latched, only
//! a new offer (re-INVITE) moves the stream.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Whether a datagram belongs to the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// From the caller: decode it.
    Caller,
    /// From somewhere else: drop it (and count it).
    Stranger,
}

#[derive(Debug, Clone)]
pub struct RtpPeer {
    signalled: Option<SocketAddr>,
    latched: Option<SocketAddr>,
    /// Since when silence counts toward the timeout: the last packet, the answer, or the
    /// moment the caller started sending again after hold.
    quiet_since: Instant,
    /// The caller's SDP says it sends (sendrecv/sendonly): only then is silence a fault.
    expect_media: bool,
    timeout: Duration,
    strangers: u64,
}

impl RtpPeer {
    /// A call answered at `now` whose offer asked for media at `signalled` (None on hold).
    pub fn new(
        signalled: Option<SocketAddr>,
        expect_media: bool,
        timeout: Duration,
        now: Instant,
    ) -> RtpPeer {
        RtpPeer {
            signalled,
            latched: None,
            quiet_since: now,
            expect_media,
            timeout,
            strangers: 0,
        }
    }

    /// Classifies a datagram that arrived from `from` at `now`.
    pub fn on_datagram(&mut self, from: SocketAddr, now: Instant) -> Source {
        let accepted = match self.latched {
            Some(latched) if latched == from => true,
            _ if self.signalled == Some(from) => {
                self.latched = Some(from);
                true
            }
            None => {
                self.latched = Some(from);
                true
            }
            Some(_) => false,
        };
        if accepted {
            self.quiet_since = now;
            Source::Caller
        } else {
            self.strangers += 1;
            Source::Stranger
        }
    }

    /// Where to send the engine's audio: where the caller's packets come from, else where its
    /// SDP asked; None on hold.
    pub fn send_to(&self) -> Option<SocketAddr> {
        self.signalled
            .map(|signalled| self.latched.unwrap_or(signalled))
    }

    /// A new offer in the dialog (re-INVITE): a new address restarts the latch, and hold or
    /// resume changes whether silence is a fault.
    pub fn renegotiated(
        &mut self,
        signalled: Option<SocketAddr>,
        expect_media: bool,
        now: Instant,
    ) {
        if signalled != self.signalled {
            self.latched = None;
        }
        self.signalled = signalled;
        if expect_media && !self.expect_media {
            self.quiet_since = now;
        }
        self.expect_media = expect_media;
    }

    /// When the call is to be hung up for lack of RTP, if nothing arrives before then.
    pub fn deadline(&self) -> Option<Instant> {
        self.expect_media.then(|| self.quiet_since + self.timeout)
    }

    pub fn timed_out(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|d| now >= d)
    }

    /// Datagrams dropped because they came from elsewhere.
    pub fn strangers(&self) -> u64 {
        self.strangers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap_or_else(|_| unreachable!("test address"))
    }

    const TIMEOUT: Duration = Duration::from_secs(30);

    #[test]
    fn latches_onto_a_caller_behind_nat() {
        let t0 = Instant::now();
        let mut peer = RtpPeer::new(Some(addr("10.0.0.5:4000")), true, TIMEOUT, t0);
        assert_eq!(peer.send_to(), Some(addr("10.0.0.5:4000")));
        assert_eq!(
            peer.on_datagram(addr("127.0.0.1:31000"), t0),
            Source::Caller
        );
        assert_eq!(peer.send_to(), Some(addr("127.0.0.1:31000")));
        assert_eq!(
            peer.on_datagram(addr("127.0.0.1:31002"), t0),
            Source::Stranger
        );
        assert_eq!(peer.strangers(), 1);
    }

    #[test]
    fn the_signalled_address_cannot_be_hijacked() {
        let t0 = Instant::now();
        let caller = addr("127.0.0.1:4000");
        let mut peer = RtpPeer::new(Some(caller), true, TIMEOUT, t0);
        assert_eq!(peer.on_datagram(addr("127.0.0.1:6666"), t0), Source::Caller);
        assert_eq!(peer.on_datagram(caller, t0), Source::Caller);
        assert_eq!(peer.send_to(), Some(caller));
        for _ in 0..1000 {
            assert_eq!(
                peer.on_datagram(addr("127.0.0.1:6666"), t0),
                Source::Stranger
            );
        }
        assert_eq!(peer.send_to(), Some(caller));
    }

    #[test]
    fn silence_times_out_only_when_media_is_expected() {
        let t0 = Instant::now();
        let caller = addr("127.0.0.1:4000");
        let mut peer = RtpPeer::new(Some(caller), true, TIMEOUT, t0);
        let t1 = t0 + Duration::from_secs(20);
        peer.on_datagram(caller, t1);
        assert!(!peer.timed_out(t1 + Duration::from_secs(29)));
        assert!(peer.timed_out(t1 + TIMEOUT));
        // Strangers do not keep the call alive.
        let t2 = t1 + Duration::from_secs(25);
        peer.on_datagram(addr("127.0.0.1:6666"), t2);
        assert_eq!(peer.deadline(), Some(t1 + TIMEOUT));
        // On hold the caller sends nothing, and that is fine.
        peer.renegotiated(None, false, t2);
        assert_eq!(peer.deadline(), None);
        assert_eq!(peer.send_to(), None);
        let t3 = t2 + Duration::from_secs(600);
        peer.renegotiated(Some(caller), true, t3);
        assert_eq!(peer.deadline(), Some(t3 + TIMEOUT));
    }

    #[test]
    fn a_new_offer_moves_the_stream() {
        let t0 = Instant::now();
        let mut peer = RtpPeer::new(Some(addr("127.0.0.1:4000")), true, TIMEOUT, t0);
        peer.on_datagram(addr("127.0.0.1:4000"), t0);
        peer.renegotiated(Some(addr("127.0.0.1:5000")), true, t0);
        assert_eq!(peer.send_to(), Some(addr("127.0.0.1:5000")));
        assert_eq!(peer.on_datagram(addr("127.0.0.1:5000"), t0), Source::Caller);
        assert_eq!(
            peer.on_datagram(addr("127.0.0.1:4000"), t0),
            Source::Stranger
        );
    }
}
