//! Where a call's RTP goes and which packets belong to it: symmetric RTP and the no-RTP
//! timeout, sans-IO (the IO layer passes each datagram's source and the time).
//!
//! Callers behind NAT advertise a private address in their SDP that cannot be reached; their
//! packets arrive from the NAT's public address. So the engine sends to where the caller's
//! packets come from once they arrive ("latching"), and ignores packets from anywhere else.
//! A packet from exactly the signalled address always wins the latch, so a stranger that
//! sends first cannot hijack a call whose caller is reachable as signalled; once latched, only
//! a new offer (re-INVITE) moves the stream.
//!
//! An SDP address is only the sender's word: anyone can name a third party's address and
//! have the engine stream prompts at it. So from an untrusted source nothing is sent until
//! a packet has come from the address media goes to, and a call whose phone never sends is
//! given up sooner than one that falls silent later.

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

/// How long silence may last, and whether the engine may speak first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPolicy {
    /// Silence after media has flowed (or after a resume) that ends the call.
    pub timeout: Duration,
    /// Silence from the answer until the first packet that ends the call.
    pub first_packet_timeout: Duration,
    /// Send nothing until a packet has come from where media would go.
    pub wait_for_first_packet: bool,
}

impl RtpPolicy {
    /// One timeout for all silence, and the engine speaks first (a trusted peer, a test).
    pub fn trusting(timeout: Duration) -> RtpPolicy {
        RtpPolicy {
            timeout,
            first_packet_timeout: timeout,
            wait_for_first_packet: false,
        }
    }
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
    policy: RtpPolicy,
    /// A packet of the call has arrived since the answer.
    heard: bool,
    strangers: u64,
}

impl RtpPeer {
    /// A call answered at `now` whose offer asked for media at `signalled` (None on hold).
    pub fn new(
        signalled: Option<SocketAddr>,
        expect_media: bool,
        policy: RtpPolicy,
        now: Instant,
    ) -> RtpPeer {
        RtpPeer {
            signalled,
            latched: None,
            quiet_since: now,
            expect_media,
            policy,
            heard: false,
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
            self.heard = true;
            Source::Caller
        } else {
            self.strangers += 1;
            Source::Stranger
        }
    }

    /// Where to send the engine's audio: where the caller's packets come from, else where its
    /// SDP asked; None on hold, and None before the first packet when the engine waits for it.
    pub fn send_to(&self) -> Option<SocketAddr> {
        let signalled = self.signalled?;
        match self.latched {
            Some(latched) => Some(latched),
            None if self.policy.wait_for_first_packet => None,
            None => Some(signalled),
        }
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
        let timeout = if self.heard {
            self.policy.timeout
        } else {
            self.policy.first_packet_timeout.min(self.policy.timeout)
        };
        self.expect_media.then(|| self.quiet_since + timeout)
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
    const TRUSTING: RtpPolicy = RtpPolicy {
        timeout: TIMEOUT,
        first_packet_timeout: TIMEOUT,
        wait_for_first_packet: false,
    };

    #[test]
    fn latches_onto_a_caller_behind_nat() {
        let t0 = Instant::now();
        let mut peer = RtpPeer::new(Some(addr("10.0.0.5:4000")), true, TRUSTING, t0);
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
        let mut peer = RtpPeer::new(Some(caller), true, TRUSTING, t0);
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
        let mut peer = RtpPeer::new(Some(caller), true, TRUSTING, t0);
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
        let mut peer = RtpPeer::new(Some(addr("127.0.0.1:4000")), true, TRUSTING, t0);
        peer.on_datagram(addr("127.0.0.1:4000"), t0);
        peer.renegotiated(Some(addr("127.0.0.1:5000")), true, t0);
        assert_eq!(peer.send_to(), Some(addr("127.0.0.1:5000")));
        assert_eq!(peer.on_datagram(addr("127.0.0.1:5000"), t0), Source::Caller);
        assert_eq!(
            peer.on_datagram(addr("127.0.0.1:4000"), t0),
            Source::Stranger
        );
    }

    #[test]
    fn nothing_goes_to_an_address_that_never_sent() {
        let t0 = Instant::now();
        let named = addr("192.0.2.80:4000");
        let wary = RtpPolicy {
            timeout: TIMEOUT,
            first_packet_timeout: Duration::from_secs(5),
            wait_for_first_packet: true,
        };
        let mut peer = RtpPeer::new(Some(named), true, wary, t0);
        assert_eq!(peer.send_to(), None);
        // A phone that never sends is given up after the first-packet timeout...
        assert_eq!(peer.deadline(), Some(t0 + Duration::from_secs(5)));
        let t1 = t0 + Duration::from_secs(2);
        peer.on_datagram(named, t1);
        assert_eq!(peer.send_to(), Some(named));
        // ...one that has spoken, after the in-call timeout.
        assert_eq!(peer.deadline(), Some(t1 + TIMEOUT));
        // A new address in a re-INVITE must speak before it is sent to.
        peer.renegotiated(Some(addr("192.0.2.81:4000")), true, t1);
        assert_eq!(peer.send_to(), None);
    }
}
