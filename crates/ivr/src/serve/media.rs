//! One call's RTP: the socket, which packets are the caller's, the jitter buffer and
//! telephone-events in; G.711 frames out, every 20 ms.

use ivr_media::frame::FRAME_SAMPLES;
use ivr_media::{Codec, Datagram, DtmfReceiver, JitterBuffer, JitterConfig, Playout, RtpSender};
use ivr_sip::rtp_peer::{RtpPeer, Source};
use ivr_sip::sdp::{AudioCodec, Negotiated};
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::UdpSocket;

/// The largest datagram read: RTP for 20 ms of G.711 is 172 bytes; anything far bigger is
/// not ours and is dropped whole.
pub const MAX_DATAGRAM: usize = 1500;

pub struct MediaLeg {
    pub socket: UdpSocket,
    codec: Codec,
    payload_type: u8,
    telephone_event: Option<u8>,
    sends: bool,
    pub peer: RtpPeer,
    jitter: JitterBuffer,
    dtmf: DtmfReceiver,
    sender: RtpSender,
    started: Instant,
    encoded: Vec<u8>,
    packet: [u8; MAX_DATAGRAM],
    decoded: Vec<i16>,
}

impl MediaLeg {
    pub fn new(
        socket: UdpSocket,
        negotiated: &Negotiated,
        peer: RtpPeer,
        now: Instant,
    ) -> MediaLeg {
        let ssrc = random_u32();
        MediaLeg {
            socket,
            codec: codec_of(negotiated),
            payload_type: negotiated.payload_type,
            telephone_event: negotiated.telephone_event,
            sends: negotiated.direction.sends(),
            peer,
            jitter: JitterBuffer::new(JitterConfig::default()),
            dtmf: DtmfReceiver::new(),
            sender: RtpSender::new(ssrc, (ssrc >> 16) as u16, random_u32()),
            started: now,
            encoded: Vec::with_capacity(FRAME_SAMPLES),
            packet: [0; MAX_DATAGRAM],
            decoded: Vec::with_capacity(FRAME_SAMPLES),
        }
    }

    /// A re-INVITE's agreement: codec, payload types, direction and address may all change;
    /// the RTP stream (SSRC, sequence, timestamps) goes on (RFC 3264 section 8).
    pub fn renegotiate(&mut self, negotiated: &Negotiated, now: Instant) {
        self.codec = codec_of(negotiated);
        self.payload_type = negotiated.payload_type;
        self.telephone_event = negotiated.telephone_event;
        self.sends = negotiated.direction.sends();
        self.peer
            .renegotiated(negotiated.remote, negotiated.direction.receives(), now);
    }

    /// Caller packets lost and late so far (the jitter buffer's count).
    pub fn lost_and_late(&self) -> (u64, u64) {
        let stats = self.jitter.stats();
        (stats.lost, stats.late)
    }

    fn ms(&self, now: Instant) -> u64 {
        u64::try_from(now.duration_since(self.started).as_millis()).unwrap_or(u64::MAX)
    }

    /// Takes one datagram; returns the keys it completes.
    pub fn receive(&mut self, datagram: &[u8], from: SocketAddr, now: Instant) -> Vec<char> {
        if self.peer.on_datagram(from, now) == Source::Stranger {
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

    /// The caller's audio for the 20 ms slot starting now (silence when nothing is there),
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

    /// Sends the engine's 20 ms frame to the caller (or only moves the clock on, on hold).
    pub async fn send(&mut self, samples: &[i16]) {
        let Some(to) = self.peer.send_to().filter(|_| self.sends) else {
            self.sender.advance_timestamp(samples.len() as u32);
            return;
        };
        self.encoded.clear();
        self.codec.encode(samples, &mut self.encoded);
        match self.sender.build_into(
            self.payload_type,
            false,
            &self.encoded,
            samples.len() as u32,
            &mut self.packet,
        ) {
            Ok(len) => {
                if let Err(e) = self.socket.send_to(&self.packet[..len], to).await {
                    tracing::debug!("RTP to {to}: {e}");
                }
            }
            Err(e) => tracing::warn!("building RTP: {e}"),
        }
    }
}

fn codec_of(negotiated: &Negotiated) -> Codec {
    match negotiated.codec {
        AudioCodec::Pcmu => Codec::Pcmu,
        AudioCodec::Pcma => Codec::Pcma,
    }
}

/// A value no other call of this process or a previous run is likely to pick (SSRCs and
/// initial sequence numbers should be random, RFC 3550 section 5.1).
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish() as u32
}
