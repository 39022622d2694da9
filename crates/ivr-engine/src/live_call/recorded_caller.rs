//! A caller's phone played from a recording, sans-IO: its SDP offer, then for each 20 ms slot
//! the RTP it sends: the recording in PCMU (silence after it ends), and keys as RFC 4733
//! events at their times, with the audio muted while a key is sent, as phones do. What
//! `ivr replay` feeds a live call's controller, so a replayed call takes the live path
//! from the first RTP packet on.

use ivr_media::frame::FRAME_SAMPLES;
use ivr_media::{Codec, DtmfSender, RtpSender};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// Where the recorded phone's packets come from (nothing is sent there: no socket).
pub const RECORDED_CALLER: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 40000));
const PCMU: u8 = 0;
const TELEPHONE_EVENT: u8 = 101;
/// How long each key is held.
const KEY_MS: u64 = 100;

pub struct RecordedCaller {
    audio: Vec<i16>,
    /// (call ms, key), in time order.
    keys: VecDeque<(u64, char)>,
    rtp: RtpSender,
    /// Event packets not yet sent: (call ms due, packet).
    events: VecDeque<(u64, Vec<u8>)>,
    muted_until_ms: u64,
    encoded: Vec<u8>,
}

impl RecordedCaller {
    /// A phone that plays `audio` (8 kHz) from the answer on and presses `keys` at their
    /// times (ms from the answer).
    pub fn new(audio: Vec<i16>, mut keys: Vec<(u64, char)>) -> RecordedCaller {
        keys.sort_by_key(|(at, _)| *at);
        RecordedCaller {
            audio,
            keys: keys.into(),
            rtp: RtpSender::new(0x5eed_ca11, 1, 0),
            events: VecDeque::new(),
            muted_until_ms: 0,
            encoded: Vec::with_capacity(FRAME_SAMPLES),
        }
    }

    /// The phone's offer: PCMU and telephone-event, at [`RECORDED_CALLER`].
    pub fn offer() -> String {
        format!(
            "v=0\r\no=replay 1 1 IN IP4 127.0.0.1\r\ns=replay\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {} RTP/AVP {PCMU} {TELEPHONE_EVENT}\r\na=rtpmap:{PCMU} PCMU/8000\r\n\
             a=rtpmap:{TELEPHONE_EVENT} telephone-event/8000\r\na=fmtp:{TELEPHONE_EVENT} 0-16\r\n\
             a=sendrecv\r\n",
            RECORDED_CALLER.port()
        )
    }

    /// The datagrams the phone sends in the 20 ms slot that starts `call_ms` after the answer.
    pub fn datagrams(&mut self, call_ms: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some((_, key)) = self.keys.front().copied().filter(|(at, _)| *at <= call_ms) {
            self.keys.pop_front();
            self.press(key, call_ms);
        }
        while self.events.front().is_some_and(|(due, _)| *due <= call_ms) {
            out.extend(self.events.pop_front().map(|(_, packet)| packet));
        }
        let start = usize::try_from(call_ms / 20).unwrap_or(usize::MAX) * FRAME_SAMPLES;
        let frame = self
            .audio
            .get(start..start.saturating_add(FRAME_SAMPLES))
            .unwrap_or(&[0; FRAME_SAMPLES]);
        if call_ms < self.muted_until_ms {
            self.rtp.advance_timestamp(FRAME_SAMPLES as u32);
            return out;
        }
        self.encoded.clear();
        Codec::Pcmu.encode(frame, &mut self.encoded);
        let mut packet = [0u8; 12 + FRAME_SAMPLES];
        let built = self.rtp.build_into(
            PCMU,
            false,
            &self.encoded,
            FRAME_SAMPLES as u32,
            &mut packet,
        );
        if let Ok(len) = built {
            out.push(packet[..len].to_vec());
        }
        out
    }

    /// Queues a key's event packets from `call_ms` on, and mutes the audio meanwhile.
    fn press(&mut self, key: char, call_ms: u64) {
        let Ok(packets) = DtmfSender::new().packets(key, KEY_MS as u32, self.rtp.timestamp())
        else {
            return;
        };
        for event in packets {
            let mut packet = [0u8; 16];
            let built = self.rtp.build_at(
                event.timestamp,
                TELEPHONE_EVENT,
                event.marker,
                &event.payload,
                &mut packet,
            );
            if let Ok(len) = built {
                let due = call_ms + u64::from(event.send_at_ms);
                self.events.push_back((due, packet[..len].to_vec()));
            }
        }
        self.muted_until_ms = call_ms + KEY_MS;
    }
}
