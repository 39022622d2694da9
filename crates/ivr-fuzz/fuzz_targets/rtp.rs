//! Datagrams on a call's RTP port: each classified (RTP or RTCP), RTP packets pushed into the
//! jitter buffer and their payloads fed to the RFC 4733 receiver, as the media loop does,
//! with the clock advanced and frames popped between them.
//!
//! Input: one byte choosing the jitter buffer's settings, then records of
//! `[length, milliseconds since the last, pops, datagram (length bytes)]`. The whole input is
//! classified as one datagram first.
#![no_main]

use ivr_media::{Datagram, DtmfReceiver, JitterBuffer, JitterConfig, Playout, classify};
use libfuzzer_sys::fuzz_target;

fn check_key(key: char) {
    assert!(
        key.is_ascii_digit() || matches!(key, '*' | '#' | 'A'..='D'),
        "{key:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    if let Ok(Datagram::Rtp(packet)) = classify(data) {
        assert!(packet.payload.len() + 12 <= data.len());
        assert!(packet.payload_type < 128);
    }
    let Some((&settings, mut rest)) = data.split_first() else {
        return;
    };
    let config = if settings & 1 == 0 {
        JitterConfig::default()
    } else {
        JitterConfig {
            min_delay_ms: u32::from(settings >> 4) * 20,
            max_delay_ms: u32::from(settings >> 1) * 10,
            max_packets: usize::from(settings % 16),
            max_payload_bytes: 160,
        }
    };
    let mut jitter = JitterBuffer::new(config);
    let config = jitter.config();
    let mut dtmf = DtmfReceiver::new();
    let mut now_ms = 0u64;
    while let [len, step, pops, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (datagram, after) = tail.split_at(len);
        rest = after;
        now_ms += u64::from(*step);
        if let Ok(Datagram::Rtp(packet)) = classify(datagram) {
            jitter.push(&packet, now_ms);
            if let Ok(keys) = dtmf.feed(packet.timestamp, packet.seq, packet.payload, now_ms) {
                for key in keys {
                    check_key(key.key);
                }
            }
        }
        for _ in 0..pops % 8 {
            now_ms += 20;
            if let Playout::Frame(frame) = jitter.pop(now_ms) {
                assert!(frame.payload.len() <= config.max_payload_bytes);
            }
        }
        if let Some(key) = dtmf.poll(now_ms) {
            check_key(key.key);
        }
        let stats = jitter.stats();
        assert!(stats.queued <= config.max_packets, "{stats:?}");
    }
});
