#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Properties of the media parsers that read what a caller's side sends (the same functions
//! the fuzz targets in crates/ivr-fuzz drive): any datagram or file is refused or read, never a
//! panic; what the engine's own senders write reads back the same.

use ivr_media::g711::{self, Codec};
use ivr_media::telephone_event::TelephoneEvent;
use ivr_media::{
    Datagram, DtmfReceiver, DtmfSender, JitterBuffer, JitterConfig, Playout, RtpSender, classify,
    read_wav, read_wav_bytes, write_wav,
};
use proptest::prelude::*;

const KEYS: &str = "0123456789*#ABCD";

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(200)
}

fn built(sender: &mut RtpSender, timestamp: u32, pt: u8, marker: bool, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 12 + payload.len()];
    let len = sender
        .build_at(timestamp, pt, marker, payload, &mut out)
        .unwrap();
    out.truncate(len);
    out
}

/// A small valid WAV to mutate.
fn wav_bytes(samples: &[i16], rate: u32, channels: u16) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut out = b"RIFF".to_vec();
    out.extend((36 + data.len() as u32).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(channels.to_le_bytes());
    out.extend(rate.to_le_bytes());
    out.extend((rate * 2 * u32::from(channels)).to_le_bytes());
    out.extend((2 * channels).to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(b"data");
    out.extend((data.len() as u32).to_le_bytes());
    out.extend(data);
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_datagram_and_every_prefix_of_a_packet_is_classified(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        ssrc in any::<u32>(),
        payload in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = classify(&bytes);
        let packet = built(&mut RtpSender::new(ssrc, 1, 2), 3, 0, false, &payload);
        for end in 0..packet.len() {
            if let Ok(Datagram::Rtp(rtp)) = classify(&packet[..end]) {
                prop_assert!(rtp.payload.len() + 12 <= end);
            }
        }
    }

    /// A packet the engine's sender builds reads back with the same header fields and payload,
    /// and consecutive packets count up.
    #[test]
    fn rtp_packets_read_back(
        ssrc in any::<u32>(),
        seq in any::<u16>(),
        timestamp in any::<u32>(),
        pt in 0u8..128,
        marker in any::<bool>(),
        payload in proptest::collection::vec(any::<u8>(), 0..320),
    ) {
        // RTCP takes payload types 64-95 with the marker bit (its packet types 192-223).
        prop_assume!(!(64..=95).contains(&pt));
        let mut sender = RtpSender::new(ssrc, seq, timestamp);
        for i in 0..3u16 {
            let mut out = vec![0u8; 12 + payload.len()];
            let len = sender.build_into(pt, marker, &payload, 160, &mut out).unwrap();
            let Ok(Datagram::Rtp(packet)) = classify(&out[..len]) else {
                return Err(TestCaseError::fail(format!("not RTP: {:?}", &out[..len])));
            };
            prop_assert_eq!(packet.ssrc, ssrc);
            prop_assert_eq!(packet.seq, seq.wrapping_add(i));
            prop_assert_eq!(packet.timestamp, timestamp.wrapping_add(160 * u32::from(i)));
            prop_assert_eq!(packet.payload_type, pt);
            prop_assert_eq!(packet.marker, marker);
            prop_assert_eq!(packet.payload, &payload[..]);
        }
    }

    /// G.711: decoding then encoding gives the code back (but for mu-law's negative zero), and
    /// encoding loses at most the quantization step of the segment.
    #[test]
    fn g711_round_trips(samples in proptest::collection::vec(any::<i16>(), 0..400)) {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let codes: Vec<u8> = (0..=255).collect();
            let mut decoded = Vec::new();
            codec.decode(&codes, &mut decoded);
            let mut again = Vec::new();
            codec.encode(&decoded, &mut again);
            for (code, back) in codes.iter().zip(&again) {
                let same = code == back || (codec == Codec::Pcmu && *code == 0x7F && *back == 0xFF);
                prop_assert!(same, "{:?}: {:#04x} -> {:#04x}", codec, code, back);
            }
            let mut encoded = Vec::new();
            codec.encode(&samples, &mut encoded);
            prop_assert_eq!(encoded.len(), samples.len());
            let mut out = Vec::new();
            codec.decode(&encoded, &mut out);
            for (&sample, &heard) in samples.iter().zip(&out) {
                let error = (i32::from(sample) - i32::from(heard)).abs();
                // Segments double in size; the step is at most 1/16 of the magnitude (plus the
                // finest step near zero, and the clipping at the top of each law).
                let allowed = (i32::from(sample).abs() / 16).max(16) + 1100;
                prop_assert!(error <= allowed, "{:?}: {} -> {}", codec, sample, heard);
            }
        }
        prop_assert_eq!(g711::ulaw_encode(0), 0xFF);
    }

    /// A key the engine sends (RFC 4733 packets from DtmfSender in RTP from RtpSender) is heard
    /// as the same key, once, by DtmfReceiver, whatever the start of the stream.
    #[test]
    fn sent_keys_are_received(
        indexes in proptest::collection::vec(0usize..16, 1..6),
        duration_ms in 40u32..2000,
        ssrc in any::<u32>(),
        seq in any::<u16>(),
        timestamp in any::<u32>(),
        pt in 96u8..128,
    ) {
        let dtmf = DtmfSender::new();
        let mut rtp = RtpSender::new(ssrc, seq, timestamp);
        let mut receiver = DtmfReceiver::new();
        let mut heard = Vec::new();
        let mut now_ms = 0u64;
        let mut event_timestamp = timestamp;
        for &index in &indexes {
            let key = KEYS.chars().nth(index).unwrap();
            let start = now_ms;
            for packet in dtmf.packets(key, duration_ms, event_timestamp).unwrap() {
                let bytes = built(&mut rtp, packet.timestamp, pt, packet.marker, &packet.payload);
                let Ok(Datagram::Rtp(read)) = classify(&bytes) else {
                    return Err(TestCaseError::fail("not RTP"));
                };
                now_ms = start + u64::from(packet.send_at_ms);
                let keys = receiver.feed(read.timestamp, read.seq, read.payload, now_ms).unwrap();
                heard.extend(keys.into_iter().map(|k| k.key));
            }
            heard.extend(receiver.poll(now_ms + 1000).map(|k| k.key));
            now_ms += 1000;
            event_timestamp = event_timestamp.wrapping_add(8 * (duration_ms + 1000));
        }
        let sent: String = indexes.iter().map(|&i| KEYS.chars().nth(i).unwrap()).collect();
        prop_assert_eq!(heard.into_iter().collect::<String>(), sent);
    }

    #[test]
    fn any_event_payload_is_refused_or_a_key(
        packets in proptest::collection::vec(
            (any::<u32>(), any::<u16>(), proptest::collection::vec(any::<u8>(), 0..8), 0u64..2000),
            0..40,
        ),
    ) {
        let mut receiver = DtmfReceiver::new();
        let mut now_ms = 0u64;
        for (timestamp, seq, payload, step) in packets {
            now_ms += step;
            if let Ok(event) = TelephoneEvent::decode(&payload) {
                prop_assert_eq!(TelephoneEvent::decode(&event.encode()), Ok(event));
            }
            if let Ok(keys) = receiver.feed(timestamp, seq, &payload, now_ms) {
                for key in keys {
                    prop_assert!(KEYS.contains(key.key));
                }
            }
            if let Some(key) = receiver.poll(now_ms) {
                prop_assert!(KEYS.contains(key.key));
            }
        }
    }

    /// Any arrival of any packets: the buffer stays within its cap and plays only what was
    /// pushed.
    #[test]
    fn the_jitter_buffer_takes_any_packets(
        packets in proptest::collection::vec(
            (0u32..3, any::<u16>(), any::<u32>(), 0u8..128, proptest::collection::vec(any::<u8>(), 0..40), 0u64..80, 0u8..4),
            0..120,
        ),
        min_delay_ms in 0u32..200,
        max_delay_ms in 0u32..600,
        max_packets in 0usize..40,
    ) {
        let mut buffer = JitterBuffer::new(JitterConfig {
            min_delay_ms,
            max_delay_ms,
            max_packets,
            max_payload_bytes: 32,
        });
        let cap = buffer.config().max_packets;
        let mut pushed = std::collections::HashSet::new();
        let mut now_ms = 0u64;
        for (ssrc, seq, timestamp, pt, payload, step, pops) in packets {
            now_ms += step;
            let bytes = built(&mut RtpSender::new(ssrc, seq, 0), timestamp, pt, false, &payload);
            if let Ok(Datagram::Rtp(packet)) = classify(&bytes) {
                buffer.push(&packet, now_ms);
                pushed.insert((seq, timestamp, payload.clone()));
            }
            for _ in 0..pops {
                now_ms += 20;
                if let Playout::Frame(frame) = buffer.pop(now_ms) {
                    prop_assert!(frame.payload.len() <= 32);
                    prop_assert!(pushed.contains(&(frame.seq, frame.timestamp, frame.payload)));
                }
            }
            prop_assert!(buffer.stats().queued <= cap);
        }
    }

    #[test]
    fn any_bytes_are_a_wav_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = read_wav_bytes(&bytes);
    }

    #[test]
    fn a_damaged_wav_is_read_or_refused(
        samples in proptest::collection::vec(any::<i16>(), 0..200),
        rate in prop_oneof![Just(8000u32), Just(16000), Just(44100), Just(7), Just(96_000)],
        channels in 1u16..4,
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = wav_bytes(&samples, rate, channels);
        for (at, value) in damage {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = read_wav_bytes(&bytes);
        let end = cut.index(bytes.len() + 1);
        let _ = read_wav_bytes(&bytes[..end]);
    }

    /// 8 kHz mono, what prompts are rendered as, reads back sample for sample.
    #[test]
    fn an_8k_wav_reads_back(samples in proptest::collection::vec(any::<i16>(), 1..800)) {
        let dir = std::env::temp_dir().join(format!("ivr-media-properties-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.wav", samples.len()));
        write_wav(&path, &samples, 8000).unwrap();
        let from_file = read_wav(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).ok();
        prop_assert_eq!(&from_file, &samples);
        prop_assert_eq!(read_wav_bytes(&bytes).unwrap(), samples);
    }
}
