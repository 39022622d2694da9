//! Per-20-ms-frame cost of the media path: what one call spends on every frame it sends or
//! receives. Divide 20 ms by a figure for the calls one core could carry on that step alone.

use divan::{Bencher, black_box};
use ivr_media::frame::FRAME_SAMPLES;
use ivr_media::g711::Codec;
use ivr_media::jitter::{JitterBuffer, JitterConfig};
use ivr_media::resample::{Resampler, to_f32_16k};
use ivr_media::rtp::{RtpPacket, RtpSender, classify};
use ivr_media::telephone_event::{DtmfReceiver, DtmfSender};

fn main() {
    divan::main();
}

/// One frame of speech-like audio: a 440 Hz tone with a little of everything.
fn frame() -> Vec<i16> {
    (0..FRAME_SAMPLES)
        .map(|n| {
            let t = n as f64 / 8000.0;
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin() + 300.0 * (n % 7) as f64)
                as i16
        })
        .collect()
}

/// G.711: encode a frame we send and decode a frame we receive.
#[divan::bench(args = [Codec::Pcmu, Codec::Pcma], name = "g711_encode_decode_frame", sample_size = 64)]
fn g711_encode_decode(bencher: Bencher, codec: Codec) {
    let samples = frame();
    let mut codes = Vec::with_capacity(FRAME_SAMPLES);
    let mut decoded = Vec::with_capacity(FRAME_SAMPLES);
    bencher.bench_local(|| {
        codes.clear();
        decoded.clear();
        codec.encode(black_box(&samples), &mut codes);
        codec.decode(black_box(&codes), &mut decoded);
        black_box(decoded.len())
    });
}

/// RTP: classify a received datagram and build the one we send.
#[divan::bench(sample_size = 256)]
fn rtp_classify_and_build_frame(bencher: Bencher) {
    let mut sender = RtpSender::new(0x1234, 1, 0);
    let payload = [0xD5u8; FRAME_SAMPLES];
    let mut received = [0u8; 200];
    let len = sender
        .build_into(0, false, &payload, 160, &mut received)
        .unwrap_or_default();
    let mut out = [0u8; 200];
    bencher.bench_local(|| {
        let datagram = classify(black_box(&received[..len]));
        let built = sender.build_into(0, false, &payload, 160, &mut out);
        black_box((datagram.is_ok(), built.is_ok()))
    });
}

/// Jitter buffer in steady state: one packet in, one frame out, per 20 ms. `reordered` swaps
/// every other pair of packets on the way.
#[divan::bench(args = [false, true], name = "jitter_push_pop_frame", sample_size = 256)]
fn jitter_push_pop(bencher: Bencher, reordered: bool) {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let payload = [0xFFu8; FRAME_SAMPLES];
    let mut n: u64 = 0;
    bencher.bench_local(|| {
        // With reordering, packets n and n+1 of each pair arrive as n+1, n.
        let index = if reordered { n ^ 1 } else { n };
        let packet = RtpPacket {
            ssrc: 7,
            seq: index as u16,
            timestamp: (index * 160) as u32,
            payload_type: 0,
            marker: false,
            payload: &payload,
        };
        let now = n * 20 + 30;
        buffer.push(black_box(&packet), now);
        let playout = buffer.pop(now);
        n += 1;
        black_box(playout)
    });
}

/// Streaming 8 kHz to 16 kHz, one frame at a time, as the recognizer is fed.
#[divan::bench(name = "resample_8k_to_16k_frame", sample_size = 16)]
fn resample_frame(bencher: Bencher) {
    let samples = frame();
    let Ok(mut resampler) = Resampler::new(8000, 16_000) else {
        return;
    };
    bencher.bench_local(|| black_box(resampler.process_f32(black_box(&samples))));
}

/// Whole-utterance conversion for Whisper: 3 s of 8 kHz audio (150 frames).
#[divan::bench(name = "resample_to_f32_16k_3s_utterance")]
fn resample_utterance(bencher: Bencher) {
    let utterance: Vec<i16> = std::iter::repeat_n(frame(), 150).flatten().collect();
    bencher.bench(|| black_box(to_f32_16k(black_box(&utterance))));
}

/// DTMF: decode and account one telephone-event packet (at most one per 20 ms frame).
#[divan::bench(name = "dtmf_decode_packet", sample_size = 256)]
fn dtmf_decode(bencher: Bencher) {
    let packets = DtmfSender::new().packets('5', 200, 0).unwrap_or_default();
    if packets.is_empty() {
        return;
    }
    let mut receiver = DtmfReceiver::new();
    let mut n: usize = 0;
    bencher.bench_local(|| {
        // Each press gets a new timestamp and sequence numbers, as consecutive presses do.
        let press = (n / packets.len()) as u32;
        let packet = packets[n % packets.len()];
        let timestamp = press.wrapping_mul(4000);
        let seq = n as u16;
        let at = u64::from(press) * 500 + u64::from(packet.send_at_ms);
        n += 1;
        black_box(receiver.feed(timestamp, seq, black_box(&packet.payload), at))
    });
}
