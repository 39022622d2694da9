//! One side of a call through the engine, sans-IO: a caller's phone or an agent's. Which
//! datagrams are its RTP, the jitter buffer and telephone-events in, G.711 packets out every
//! 20 ms, and the engine's half of its SDP, from which a re-INVITE (hold, resume, another
//! codec or address) is answered. The socket stays with the IO layer.

use ivr_media::frame::FRAME_SAMPLES;
use ivr_media::{Codec, Datagram, DtmfReceiver, JitterBuffer, JitterConfig, Playout, RtpSender};
use ivr_sip::rtp_peer::{RtpPeer, RtpPolicy, Source};
use ivr_sip::sdp::{self, AudioCodec, LocalMedia, Negotiated, SdpError};
use std::net::SocketAddr;
use std::time::Instant;

/// The largest datagram taken: RTP for 20 ms of G.711 is 172 bytes; anything far bigger is
/// not ours and is dropped whole.
pub const MAX_DATAGRAM: usize = 1500;

/// How a re-INVITE is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReofferAnswer {
    /// 200 OK with this SDP.
    Accept(String),
    /// Refused with this status; the session stays as it was.
    Reject(u16),
}

pub struct Leg {
    codec: Codec,
    payload_type: u8,
    telephone_event: Option<u8>,
    sends: bool,
    peer: RtpPeer,
    jitter: JitterBuffer,
    dtmf: DtmfReceiver,
    sender: RtpSender,
    started: Instant,
    /// The engine's side of the session, and its description as last sent.
    local: LocalMedia,
    description: String,
    encoded: Vec<u8>,
    packet: [u8; MAX_DATAGRAM],
    decoded: Vec<i16>,
}

impl Leg {
    /// A leg whose session was agreed (`negotiated`) at `now` on the engine's `local` media,
    /// described to the phone as `description`. `random` seeds the RTP stream's SSRC,
    /// sequence and timestamp, which must be unpredictable (RFC 3550 section 5.1).
    pub fn new(
        local: LocalMedia,
        description: String,
        negotiated: &Negotiated,
        rtp: RtpPolicy,
        now: Instant,
        random: u64,
    ) -> Leg {
        let ssrc = random as u32;
        let peer = RtpPeer::new(negotiated.remote, negotiated.direction.receives(), rtp, now);
        Leg {
            codec: codec_of(negotiated),
            payload_type: negotiated.payload_type,
            telephone_event: negotiated.telephone_event,
            sends: negotiated.direction.sends(),
            peer,
            jitter: JitterBuffer::new(JitterConfig::default()),
            dtmf: DtmfReceiver::new(),
            sender: RtpSender::new(ssrc, (random >> 32) as u16, (random >> 16) as u32),
            started: now,
            local,
            description,
            encoded: Vec::with_capacity(FRAME_SAMPLES),
            packet: [0; MAX_DATAGRAM],
            decoded: Vec::with_capacity(FRAME_SAMPLES),
        }
    }

    /// The phone has sent nothing for the RTP timeout while its SDP says it sends.
    pub fn timed_out(&self, now: Instant) -> bool {
        self.peer.timed_out(now)
    }

    /// Packets lost and late so far (the jitter buffer's count).
    pub fn lost_and_late(&self) -> (u64, u64) {
        let stats = self.jitter.stats();
        (stats.lost, stats.late)
    }

    fn ms(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.started).as_millis()).unwrap_or(u64::MAX)
    }

    /// Takes one datagram; returns the keys it completes.
    pub fn receive(&mut self, datagram: &[u8], from: SocketAddr, now: Instant) -> Vec<char> {
        if datagram.len() > MAX_DATAGRAM || self.peer.on_datagram(from, now) == Source::Stranger {
            return Vec::new();
        }
        let Ok(Datagram::Rtp(packet)) = ivr_media::classify(datagram) else {
            return Vec::new();
        };
        let now_ms = self.ms(now);
        if Some(packet.payload_type) == self.telephone_event {
            return self
                .dtmf
                .feed(packet.timestamp, packet.seq, packet.payload, now_ms)
                .map(|keys| keys.into_iter().map(|k| k.key).collect())
                .unwrap_or_default();
        }
        if packet.payload_type == self.payload_type {
            self.jitter.push(&packet, now_ms);
        }
        Vec::new()
    }

    /// The phone's audio for the 20 ms slot starting now (silence when nothing is there),
    /// and any key whose end packets were lost.
    pub fn next_frame(&mut self, now: Instant) -> ([i16; FRAME_SAMPLES], Option<char>) {
        let now_ms = self.ms(now);
        let mut frame = [0i16; FRAME_SAMPLES];
        if let Playout::Frame(f) = self.jitter.pop(now_ms) {
            self.decoded.clear();
            self.codec.decode(&f.payload, &mut self.decoded);
            let n = self.decoded.len().min(FRAME_SAMPLES);
            frame[..n].copy_from_slice(&self.decoded[..n]);
        }
        let key = self.dtmf.poll(now_ms).map(|k| k.key);
        (frame, key)
    }

    /// The RTP packet carrying `samples` to the phone and where it goes; None when the phone
    /// does not take media now (hold, or no address yet): the stream's clock moves on anyway.
    pub fn packet_for(&mut self, samples: &[i16]) -> Option<(SocketAddr, &[u8])> {
        let Some(to) = self.peer.send_to().filter(|_| self.sends) else {
            self.sender.advance_timestamp(samples.len() as u32);
            return None;
        };
        self.encoded.clear();
        self.codec.encode(samples, &mut self.encoded);
        let built = self.sender.build_into(
            self.payload_type,
            false,
            &self.encoded,
            samples.len() as u32,
            &mut self.packet,
        );
        match built {
            Ok(len) => Some((to, &self.packet[..len])),
            Err(e) => {
                tracing::warn!("building RTP: {e}");
                None
            }
        }
    }

    /// Answers a re-INVITE's SDP (empty for an offerless refresh): a new offer gets a new
    /// answer and the media follows it; the RTP stream (SSRC, sequence, timestamps) goes on
    /// (RFC 3264 section 8). An offer the engine cannot take is refused and nothing changes.
    pub fn answer_reoffer(&mut self, offer: &[u8], now: Instant) -> ReofferAnswer {
        if offer.is_empty() {
            // The answer comes in the ACK, which the dialog layer keeps; media stays as is.
            return ReofferAnswer::Accept(self.description.clone());
        }
        let offer = match sdp::parse(&String::from_utf8_lossy(offer)) {
            Ok(offer) => offer,
            Err(e) => {
                tracing::info!("re-INVITE with bad SDP: {e}");
                return ReofferAnswer::Reject(400);
            }
        };
        let next = LocalMedia {
            session_version: self.local.session_version + 1,
            ..self.local.clone()
        };
        match sdp::answer(&offer, &next) {
            Ok((answer, negotiated)) => {
                self.local = next;
                self.description = answer.to_string();
                self.renegotiate(&negotiated, now);
                tracing::info!(
                    codec = ?negotiated.codec,
                    direction = ?negotiated.direction,
                    "re-INVITE: media renegotiated"
                );
                ReofferAnswer::Accept(self.description.clone())
            }
            Err(e) => {
                tracing::info!("re-INVITE refused: {e}");
                ReofferAnswer::Reject(match e {
                    SdpError::NotAcceptable(_) => 488,
                    _ => 400,
                })
            }
        }
    }

    fn renegotiate(&mut self, negotiated: &Negotiated, now: Instant) {
        self.codec = codec_of(negotiated);
        self.payload_type = negotiated.payload_type;
        self.telephone_event = negotiated.telephone_event;
        self.sends = negotiated.direction.sends();
        self.peer
            .renegotiated(negotiated.remote, negotiated.direction.receives(), now);
    }
}

fn codec_of(negotiated: &Negotiated) -> Codec {
    match negotiated.codec {
        AudioCodec::Pcmu => Codec::Pcmu,
        AudioCodec::Pcma => Codec::Pcma,
    }
}

/// A value no other call of this process or a previous run is likely to pick, for
/// [`Leg::new`]'s `random` (the IO layer's to call: it reads the OS's hash keys and the time).
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
