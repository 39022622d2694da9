use ivr_media::telephone_event::{
    DtmfKey, DtmfPacket, DtmfReceiver, DtmfSender, TelephoneEvent, TelephoneEventError,
    event_to_key, key_to_event,
};
use proptest::prelude::*;

const KEYS: &str = "0123456789*#ABCD";

/// One packet as the receiver sees it: RTP timestamp, sequence number, payload, arrival.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    timestamp: u32,
    seq: u16,
    payload: [u8; 4],
    at_ms: u64,
}

/// The packets of one key press sent from `start_ms`, numbered from `first_seq`.
fn press(
    key: char,
    duration_ms: u32,
    timestamp: u32,
    first_seq: u16,
    start_ms: u64,
) -> Vec<Arrival> {
    DtmfSender::new()
        .packets(key, duration_ms, timestamp)
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, p): (usize, &DtmfPacket)| Arrival {
            timestamp: p.timestamp,
            seq: first_seq.wrapping_add(i as u16),
            payload: p.payload,
            at_ms: start_ms + u64::from(p.send_at_ms),
        })
        .collect()
}

fn feed_all(receiver: &mut DtmfReceiver, arrivals: &[Arrival]) -> Vec<DtmfKey> {
    arrivals
        .iter()
        .flat_map(|a| {
            receiver
                .feed(a.timestamp, a.seq, &a.payload, a.at_ms)
                .unwrap()
        })
        .collect()
}

fn key(key: char, duration_ms: u32) -> DtmfKey {
    DtmfKey { key, duration_ms }
}

#[test]
fn payload_encodes_as_rfc_4733_lays_it_out() {
    let event = TelephoneEvent {
        event: 5,
        end: true,
        volume: 10,
        duration: 800,
    };
    assert_eq!(event.encode(), [5, 0x8A, 0x03, 0x20]);
    assert_eq!(TelephoneEvent::decode(&[5, 0x8A, 0x03, 0x20]), Ok(event));
    // The reserved bit is ignored on receipt.
    assert_eq!(TelephoneEvent::decode(&[5, 0xCA, 0x03, 0x20]), Ok(event));
    assert_eq!(
        TelephoneEvent::decode(&[5, 0x8A, 0x03]),
        Err(TelephoneEventError::TooShort { len: 3 })
    );
}

#[test]
fn all_sixteen_keys_map_both_ways() {
    for (code, k) in KEYS.chars().enumerate() {
        assert_eq!(key_to_event(k), Some(code as u8));
        assert_eq!(event_to_key(code as u8), Some(k));
    }
    assert_eq!(key_to_event('a'), Some(12));
    assert_eq!(key_to_event('x'), None);
    assert_eq!(event_to_key(16), None);
}

#[test]
fn sender_paces_start_continuations_and_three_end_packets() {
    let packets = DtmfSender::new().packets('5', 160, 1000).unwrap();
    let summary: Vec<(u32, bool, bool, u16)> = packets
        .iter()
        .map(|p| {
            let e = TelephoneEvent::decode(&p.payload).unwrap();
            assert_eq!((p.timestamp, e.event), (1000, 5));
            (p.send_at_ms, p.marker, e.end, e.duration)
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, true, false, 0),
            (50, false, false, 400),
            (100, false, false, 800),
            (150, false, false, 1200),
            (160, false, true, 1280),
            (210, false, true, 1280),
            (260, false, true, 1280),
        ]
    );
}

#[test]
fn sender_refuses_what_it_cannot_send() {
    let sender = DtmfSender::new();
    assert_eq!(
        sender.packets('x', 100, 0),
        Err(TelephoneEventError::UnknownKey { key: 'x' })
    );
    assert!(matches!(
        sender.packets('1', 0, 0),
        Err(TelephoneEventError::OutOfRange { .. })
    ));
    assert!(matches!(
        sender.packets('1', 9000, 0),
        Err(TelephoneEventError::OutOfRange { .. })
    ));
    assert!(sender.with_volume(64).is_err());
}

#[test]
fn one_press_is_one_key_with_its_duration() {
    let mut receiver = DtmfReceiver::new();
    let keys = feed_all(&mut receiver, &press('7', 120, 8000, 10, 0));
    assert_eq!(keys, [key('7', 120)]);
    assert!(!receiver.is_receiving());
}

#[test]
fn duplicates_are_reported_once() {
    let mut receiver = DtmfReceiver::new();
    let packets = press('#', 100, 8000, 10, 0);
    let doubled: Vec<Arrival> = packets.iter().flat_map(|&p| [p, p]).collect();
    assert_eq!(feed_all(&mut receiver, &doubled), [key('#', 100)]);
}

#[test]
fn reordered_continuations_keep_the_longest_duration() {
    let mut receiver = DtmfReceiver::new();
    let mut packets = press('3', 300, 8000, 10, 0);
    packets[1..6].reverse();
    assert_eq!(feed_all(&mut receiver, &packets), [key('3', 300)]);
}

#[test]
fn a_lost_start_packet_is_not_noticed() {
    let mut receiver = DtmfReceiver::new();
    let packets = press('9', 200, 8000, 10, 0);
    assert_eq!(feed_all(&mut receiver, &packets[1..]), [key('9', 200)]);
}

#[test]
fn only_an_end_packet_is_enough() {
    let mut receiver = DtmfReceiver::new();
    let packets = press('A', 200, 8000, 10, 0);
    let last = packets.len() - 1;
    assert_eq!(feed_all(&mut receiver, &packets[last..]), [key('A', 200)]);
}

#[test]
fn all_end_packets_lost_times_out() {
    let mut receiver = DtmfReceiver::new();
    let packets = press('1', 200, 8000, 10, 0);
    let continuations: Vec<Arrival> = packets
        .iter()
        .copied()
        .take_while(|p| !TelephoneEvent::decode(&p.payload).unwrap().end)
        .collect();
    let last_at = continuations.last().unwrap().at_ms;
    assert!(feed_all(&mut receiver, &continuations).is_empty());
    assert_eq!(receiver.poll(last_at + 799), None);
    assert_eq!(receiver.poll(last_at + 800), Some(key('1', 150)));
    assert_eq!(receiver.poll(last_at + 5000), None);
    // End packets arriving after the timeout are about an event already reported.
    let ends = &packets[continuations.len()..];
    assert!(feed_all(&mut receiver, ends).is_empty());
}

#[test]
fn a_new_event_reveals_the_lost_end_of_the_previous_one() {
    let mut receiver = DtmfReceiver::new();
    let first = press('4', 150, 8000, 10, 0);
    let second = press('5', 100, 8000 + 4000, 30, 500);
    let mut arrivals: Vec<Arrival> = first.iter().copied().take(3).collect();
    arrivals.extend(&second);
    assert_eq!(
        feed_all(&mut receiver, &arrivals),
        [key('4', 100), key('5', 100)]
    );
}

#[test]
fn the_same_key_twice_is_two_keys() {
    let mut receiver = DtmfReceiver::new();
    let mut arrivals = press('0', 100, 8000, 10, 0);
    arrivals.extend(press('0', 100, 8000 + 2400, 20, 300));
    assert_eq!(
        feed_all(&mut receiver, &arrivals),
        [key('0', 100), key('0', 100)]
    );
}

#[test]
fn stragglers_of_an_earlier_event_are_ignored() {
    let mut receiver = DtmfReceiver::new();
    let first = press('6', 100, 8000, 10, 0);
    let second = press('8', 100, 9600, 20, 200);
    let mut arrivals = first.clone();
    arrivals.push(second[0]);
    arrivals.push(first[1]);
    arrivals.extend(&second[1..]);
    assert_eq!(
        feed_all(&mut receiver, &arrivals),
        [key('6', 100), key('8', 100)]
    );
}

#[test]
fn timestamps_wrap_between_events() {
    let mut receiver = DtmfReceiver::new();
    let mut arrivals = press('2', 100, u32::MAX - 100, 65530, 0);
    arrivals.extend(press('3', 100, 3000, 65535, 400));
    assert_eq!(
        feed_all(&mut receiver, &arrivals),
        [key('2', 100), key('3', 100)]
    );
}

#[test]
fn a_restarted_stream_is_not_mistaken_for_stragglers() {
    let mut receiver = DtmfReceiver::new();
    let mut arrivals = press('2', 100, 1_000_000, 40_000, 0);
    // The far end restarts: an earlier timestamp, far-off sequence numbers.
    arrivals.extend(press('3', 100, 900_000, 7, 400));
    assert_eq!(
        feed_all(&mut receiver, &arrivals),
        [key('2', 100), key('3', 100)]
    );
}

#[test]
fn a_long_press_split_into_segments_is_one_key() {
    let mut receiver = DtmfReceiver::new();
    let segment = |duration: u16, end: bool| {
        TelephoneEvent {
            event: 11,
            end,
            volume: 10,
            duration,
        }
        .encode()
    };
    let mut keys = Vec::new();
    keys.extend(receiver.feed(100, 1, &segment(0, false), 0).unwrap());
    keys.extend(
        receiver
            .feed(100, 2, &segment(40_000, false), 5000)
            .unwrap(),
    );
    keys.extend(
        receiver
            .feed(100, 3, &segment(u16::MAX, false), 8190)
            .unwrap(),
    );
    let next = 100 + u32::from(u16::MAX);
    keys.extend(receiver.feed(next, 4, &segment(400, false), 8240).unwrap());
    keys.extend(receiver.feed(next, 5, &segment(800, true), 8290).unwrap());
    keys.extend(receiver.feed(next, 6, &segment(800, true), 8340).unwrap());
    assert_eq!(keys, [key('#', (65_535 + 800) / 8)]);
}

#[test]
fn events_that_are_not_keys_are_refused() {
    let mut receiver = DtmfReceiver::new();
    let flash = TelephoneEvent {
        event: 16,
        end: false,
        volume: 10,
        duration: 0,
    };
    assert_eq!(
        receiver.feed(0, 0, &flash.encode(), 0),
        Err(TelephoneEventError::NotDtmf { event: 16 })
    );
    assert_eq!(
        receiver.feed(0, 0, &[1, 2], 0),
        Err(TelephoneEventError::TooShort { len: 2 })
    );
}

proptest! {
    /// Whatever is lost (short of a whole event), duplicated or reordered within an event,
    /// every key comes out exactly once and in order.
    #[test]
    fn each_press_is_reported_exactly_once(
        presses in proptest::collection::vec((0usize..16, 40u32..400), 1..8),
        fates in proptest::collection::vec(0u8..10, 200),
        swaps in proptest::collection::vec(0usize..20, 200),
    ) {
        let mut receiver = DtmfReceiver::new();
        let mut start_ms = 0u64;
        let mut timestamp = 4_000_000_000u32;
        let mut seq = 65_000u16;
        let mut fate = fates.iter().cycle();
        let mut swap = swaps.iter().cycle();
        let mut keys = Vec::new();
        for &(code, duration) in &presses {
            let k = KEYS.chars().nth(code).unwrap();
            let packets = press(k, duration, timestamp, seq, start_ms);
            // 0: lost, 1: duplicated, otherwise delivered once.
            let mut delivered: Vec<Arrival> = Vec::new();
            for packet in &packets {
                match fate.next().copied().unwrap_or(2) {
                    0 => {}
                    1 => delivered.extend([*packet, *packet]),
                    _ => delivered.push(*packet),
                }
            }
            if delivered.is_empty() {
                delivered.push(packets[packets.len() / 2]);
            }
            for i in 0..delivered.len() {
                let j = swap.next().copied().unwrap_or(0) % delivered.len();
                delivered.swap(i, j);
            }
            keys.extend(feed_all(&mut receiver, &delivered));
            let end_ms = delivered.iter().map(|a| a.at_ms).max().unwrap_or(start_ms);
            start_ms = end_ms + 100;
            keys.extend(receiver.poll(start_ms + 800));
            start_ms += 900;
            timestamp = timestamp.wrapping_add((start_ms as u32) * 8);
            seq = seq.wrapping_add(packets.len() as u16 + 40);
        }
        let expected: String = presses.iter().map(|&(c, _)| KEYS.chars().nth(c).unwrap()).collect();
        let got: String = keys.iter().map(|k| k.key).collect();
        prop_assert_eq!(got, expected);
        for (k, &(_, duration)) in keys.iter().zip(&presses) {
            prop_assert!(k.duration_ms <= duration);
        }
    }
}
