use crate::signal::Lcg;
use ivr_media::jitter::{JitterBuffer, JitterConfig, Playout, PushOutcome};
use ivr_media::rtp::RtpPacket;
use proptest::prelude::*;

/// A packet on its way: sequence number, RTP timestamp, SSRC, arrival time.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    seq: u16,
    timestamp: u32,
    ssrc: u32,
    arrival_ms: u64,
}

/// The payload carries the sequence number so that played frames can be checked.
fn payload(seq: u16) -> [u8; 160] {
    let mut bytes = [0xFFu8; 160];
    bytes[..2].copy_from_slice(&seq.to_be_bytes());
    bytes
}

fn push(buffer: &mut JitterBuffer, packet: &InFlight) -> PushOutcome {
    let payload = payload(packet.seq);
    buffer.push(
        &RtpPacket {
            ssrc: packet.ssrc,
            seq: packet.seq,
            timestamp: packet.timestamp,
            payload_type: 0,
            marker: false,
            payload: &payload,
        },
        packet.arrival_ms,
    )
}

/// `count` packets from `first_seq`, sent every `interval_ms` (20 when the far end's clock
/// agrees with ours), each delayed by `delay(n)`.
fn stream(
    count: usize,
    first_seq: u16,
    interval_ms: f64,
    mut delay: impl FnMut(usize) -> u64,
) -> Vec<InFlight> {
    (0..count)
        .map(|n| InFlight {
            seq: first_seq.wrapping_add(n as u16),
            timestamp: 1000u32.wrapping_add(160 * n as u32),
            ssrc: 0xABCD,
            arrival_ms: (n as f64 * interval_ms) as u64 + delay(n),
        })
        .collect()
}

/// Plays the packets through a buffer: pushes each when it arrives, pops every 20 ms until
/// `until_ms`. Returns what each pop gave.
fn run(buffer: &mut JitterBuffer, packets: &[InFlight], until_ms: u64) -> Vec<Playout> {
    let mut by_arrival = packets.to_vec();
    by_arrival.sort_by_key(|p| p.arrival_ms);
    let mut arrivals = by_arrival.iter().peekable();
    let mut playouts = Vec::new();
    // Our tick is offset from the far end's, as it would be.
    let mut now = 7;
    while now <= until_ms {
        while let Some(packet) = arrivals.next_if(|p| p.arrival_ms <= now) {
            push(buffer, packet);
        }
        playouts.push(buffer.pop(now));
        now += 20;
    }
    playouts
}

fn played_seqs(playouts: &[Playout]) -> Vec<u16> {
    playouts
        .iter()
        .filter_map(|p| match p {
            Playout::Frame(frame) => {
                assert_eq!(
                    frame.payload[..2],
                    frame.seq.to_be_bytes(),
                    "payload mixed up"
                );
                Some(frame.seq)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_clean_stream_plays_every_frame_in_order() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let packets = stream(100, 500, 20.0, |_| 30);
    let playouts = run(&mut buffer, &packets, 2200);
    assert_eq!(played_seqs(&playouts), (500..600).collect::<Vec<u16>>());
    let stats = buffer.stats();
    assert_eq!((stats.lost, stats.late, stats.duplicates), (0, 0, 0));
    // Silence before the first frame is the initial delay, no more.
    let leading = playouts
        .iter()
        .take_while(|p| **p == Playout::Empty)
        .count();
    assert!(leading <= 4, "{leading} empty slots before the first frame");
}

#[test]
fn reordered_packets_play_in_order() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    // Every other pair swapped by a 25 ms extra delay on the first of the pair.
    let packets = stream(100, 0, 20.0, |n| if n % 4 == 0 { 55 } else { 30 });
    let playouts = run(&mut buffer, &packets, 2400);
    assert_eq!(played_seqs(&playouts), (0..100).collect::<Vec<u16>>());
    assert_eq!(buffer.stats().lost, 0);
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let mut packets = stream(50, 0, 20.0, |_| 30);
    let copies: Vec<InFlight> = packets.iter().step_by(5).copied().collect();
    packets.extend(copies);
    let playouts = run(&mut buffer, &packets, 1400);
    assert_eq!(played_seqs(&playouts), (0..50).collect::<Vec<u16>>());
    assert_eq!(buffer.stats().duplicates, 10);
}

#[test]
fn a_lost_packet_leaves_one_lost_slot() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let packets: Vec<InFlight> = stream(50, 0, 20.0, |_| 30)
        .into_iter()
        .filter(|p| p.seq != 20)
        .collect();
    let playouts = run(&mut buffer, &packets, 1400);
    let seqs = played_seqs(&playouts);
    assert_eq!(seqs.len(), 49);
    assert!(!seqs.contains(&20));
    let first = playouts
        .iter()
        .position(|p| matches!(p, Playout::Frame(_)))
        .unwrap();
    assert_eq!(playouts[first + 20], Playout::Lost);
    assert_eq!(buffer.stats().lost, 1);
}

#[test]
fn a_packet_after_its_slot_is_late() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let packets = stream(50, 0, 20.0, |n| if n == 20 { 500 } else { 30 });
    let playouts = run(&mut buffer, &packets, 1400);
    assert!(!played_seqs(&playouts).contains(&20));
    let stats = buffer.stats();
    assert_eq!((stats.late, stats.lost), (1, 1));
}

#[test]
fn sequence_numbers_wrap() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let packets = stream(40, 65_520, 20.0, |n| if n % 3 == 0 { 50 } else { 30 });
    let playouts = run(&mut buffer, &packets, 1200);
    let expected: Vec<u16> = (0..40u16).map(|n| 65_520u16.wrapping_add(n)).collect();
    assert_eq!(played_seqs(&playouts), expected);
}

#[test]
fn a_new_ssrc_restarts_the_buffer() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let mut packets = stream(30, 100, 20.0, |_| 30);
    let mut second = stream(30, 9000, 20.0, |_| 30);
    for p in &mut second {
        p.ssrc = 0x9999;
        p.arrival_ms += 600;
    }
    packets.extend(second);
    let playouts = run(&mut buffer, &packets, 1600);
    let seqs = played_seqs(&playouts);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(&seqs[seqs.len() - 30..], (9000..9030).collect::<Vec<u16>>());
    assert_eq!(buffer.stats().resets, 1);
}

#[test]
fn a_confirmed_sequence_jump_restarts_the_buffer() {
    let mut buffer = JitterBuffer::new(JitterConfig::default());
    let mut packets = stream(30, 100, 20.0, |_| 30);
    let mut jumped = stream(30, 40_000, 20.0, |_| 630);
    for p in &mut jumped {
        p.timestamp = p.timestamp.wrapping_add(77_777);
    }
    packets.extend(jumped);
    let playouts = run(&mut buffer, &packets, 1800);
    let seqs = played_seqs(&playouts);
    // The first packet after the jump is held back until the second confirms it.
    assert_eq!(
        &seqs[seqs.len() - 29..],
        (40_001..40_030).collect::<Vec<u16>>()
    );
    let stats = buffer.stats();
    assert_eq!((stats.resets, stats.discarded), (1, 1));
}

/// Clock drift: the far end sends every `interval_ms` by our clock. Over ten minutes the
/// delay must stay within bounds, by dropping or stretching frames.
fn drift(interval_ms: f64) -> (JitterBuffer, Vec<Playout>) {
    let config = JitterConfig::default();
    let mut buffer = JitterBuffer::new(config);
    let count = (600_000.0 / interval_ms) as usize;
    let mut rng = Lcg(7);
    let packets = stream(count, 0, interval_ms, |_| 20 + u64::from(rng.below(15)));
    let playouts = run(&mut buffer, &packets, 600_000);
    let stats = buffer.stats();
    assert!(
        stats.current_delay_ms <= config.max_delay_ms,
        "delay grew to {} ms",
        stats.current_delay_ms
    );
    (buffer, playouts)
}

#[test]
fn a_fast_far_end_clock_does_not_grow_the_delay() {
    // 0.5 % fast: 3 s of extra audio in ten minutes.
    let (buffer, playouts) = drift(20.0 / 1.005);
    let stats = buffer.stats();
    assert!(stats.dropped >= 100, "{stats:?}");
    assert!(
        stats.current_delay_ms <= stats.target_delay_ms + 60,
        "{stats:?}"
    );
    let seqs = played_seqs(&playouts);
    assert!(seqs.windows(2).all(|w| w[1].wrapping_sub(w[0]) < 100));
}

#[test]
fn a_slow_far_end_clock_does_not_drain_the_buffer() {
    // 0.5 % slow: 3 s of audio missing in ten minutes.
    let (buffer, playouts) = drift(20.0 * 1.005);
    let stats = buffer.stats();
    assert!(stats.inserted + stats.underruns >= 100, "{stats:?}");
    // Draining shows as underruns; stretching in advance keeps them rare.
    assert!(stats.underruns <= 3, "{stats:?}");
    assert_eq!(stats.lost, 0, "{stats:?}");
    let frames = played_seqs(&playouts).len();
    assert!(frames >= 29_800, "only {frames} frames played");
}

#[test]
fn the_target_delay_follows_the_jitter() {
    let mut calm = JitterBuffer::new(JitterConfig::default());
    run(&mut calm, &stream(500, 0, 20.0, |_| 30), 10_400);
    let mut rng = Lcg(42);
    let mut rough = JitterBuffer::new(JitterConfig::default());
    let packets = stream(500, 0, 20.0, |_| 30 + u64::from(rng.below(120)));
    let playouts = run(&mut rough, &packets, 10_600);
    let (calm, rough_stats) = (calm.stats(), rough.stats());
    assert_eq!(calm.target_delay_ms, 40, "{calm:?}");
    assert!(rough_stats.jitter_ms > 20.0, "{rough_stats:?}");
    assert!(rough_stats.target_delay_ms >= 100, "{rough_stats:?}");
    // Once adapted, hardly anything arrives late.
    assert!(rough_stats.late <= 25, "{rough_stats:?}");
    let seqs = played_seqs(&playouts);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_burst_after_a_stall_is_cut_to_the_maximum_delay() {
    let config = JitterConfig::default();
    let mut buffer = JitterBuffer::new(config);
    // A 1.5 s network stall, then everything at once.
    let packets = stream(200, 0, 20.0, |n| {
        if (50..125).contains(&n) {
            2500 - 20 * n as u64
        } else {
            30
        }
    });
    run(&mut buffer, &packets, 4000);
    let stats = buffer.stats();
    assert!(stats.dropped > 0, "{stats:?}");
    assert!(stats.current_delay_ms <= config.max_delay_ms, "{stats:?}");
}

#[test]
fn memory_is_bounded_when_nobody_pops() {
    let config = JitterConfig::default();
    let mut buffer = JitterBuffer::new(config);
    for packet in stream(10_000, 0, 20.0, |_| 0) {
        push(&mut buffer, &packet);
    }
    let stats = buffer.stats();
    assert_eq!(stats.queued, config.max_packets);
    assert_eq!(stats.discarded, 10_000 - config.max_packets as u64);
    let oversized = [0u8; 2000];
    let outcome = buffer.push(
        &RtpPacket {
            ssrc: 0xABCD,
            seq: 10_000,
            timestamp: 0,
            payload_type: 0,
            marker: false,
            payload: &oversized,
        },
        0,
    );
    assert_eq!(outcome, PushOutcome::Discarded);
}

#[test]
fn configuration_is_tidied() {
    let tidy = JitterConfig {
        min_delay_ms: 30,
        max_delay_ms: 10,
        max_packets: 1,
        max_payload_bytes: 160,
    }
    .normalized();
    assert_eq!(
        (tidy.min_delay_ms, tidy.max_delay_ms, tidy.max_packets),
        (40, 40, 4)
    );
}

proptest! {
    /// Any arrival order, with copies, and any interleaving of pops: no panic, frames in
    /// sequence order, never more packets held than the cap.
    #[test]
    fn any_arrival_order_plays_in_sequence_within_the_cap(
        first_seq in any::<u16>(),
        delays in proptest::collection::vec(0u64..400, 1..300),
        copies in proptest::collection::vec(0usize..3, 300),
        pop_every in 1u64..60,
    ) {
        let config = JitterConfig { max_packets: 24, ..JitterConfig::default() };
        let mut buffer = JitterBuffer::new(config);
        let mut packets = stream(delays.len(), first_seq, 20.0, |n| delays[n]);
        let extra: Vec<InFlight> = packets
            .iter()
            .zip(&copies)
            .flat_map(|(p, &c)| std::iter::repeat_n(*p, c))
            .map(|mut p| { p.arrival_ms += 7; p })
            .collect();
        packets.extend(extra);
        packets.sort_by_key(|p| p.arrival_ms);
        let mut last: Option<u16> = None;
        let mut now = 0;
        let mut arrivals = packets.iter().peekable();
        while arrivals.peek().is_some() || buffer.stats().queued > 0 {
            while let Some(packet) = arrivals.next_if(|p| p.arrival_ms <= now) {
                push(&mut buffer, packet);
                prop_assert!(buffer.stats().queued <= buffer.config().max_packets);
            }
            if let Playout::Frame(frame) = buffer.pop(now) {
                if let Some(last) = last {
                    let step = frame.seq.wrapping_sub(last);
                    prop_assert!(step > 0 && step < 1000, "{} after {}", frame.seq, last);
                }
                last = Some(frame.seq);
            }
            now += pop_every;
            prop_assert!(now < 1_000_000);
        }
    }
}
