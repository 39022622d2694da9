use ivr_media::rtp::{Datagram, RtpError, RtpPacket, RtpSender, classify};
use proptest::prelude::*;

/// A hand-built RTP header: version 2, no padding, extension or CSRCs.
fn rtp_bytes(payload_type: u8, marker: bool, seq: u16, timestamp: u32, ssrc: u32) -> Vec<u8> {
    let mut bytes = vec![0x80, payload_type | if marker { 0x80 } else { 0 }];
    bytes.extend_from_slice(&seq.to_be_bytes());
    bytes.extend_from_slice(&timestamp.to_be_bytes());
    bytes.extend_from_slice(&ssrc.to_be_bytes());
    bytes
}

fn expect_rtp(datagram: &[u8]) -> RtpPacket<'_> {
    match classify(datagram) {
        Ok(Datagram::Rtp(packet)) => packet,
        other => panic!("expected RTP, got {other:?}"),
    }
}

#[test]
fn reads_the_header_fields() {
    let mut bytes = rtp_bytes(0, true, 0xBEEF, 0xDEAD_BEEF, 0x1234_5678);
    bytes.extend_from_slice(&[0xFF; 160]);
    let packet = expect_rtp(&bytes);
    assert_eq!(
        packet,
        RtpPacket {
            ssrc: 0x1234_5678,
            seq: 0xBEEF,
            timestamp: 0xDEAD_BEEF,
            payload_type: 0,
            marker: true,
            payload: &[0xFF; 160],
        }
    );
}

#[test]
fn skips_csrcs_extension_and_padding() {
    let mut bytes = rtp_bytes(8, false, 1, 2, 3);
    bytes[0] = 0x80 | 0x20 | 0x10 | 2; // padding, extension, two CSRCs
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // CSRCs
    bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0]); // one-word extension
    bytes.extend_from_slice(&[1, 2, 3, 4, 5]); // payload
    bytes.extend_from_slice(&[0, 0, 3]); // three bytes of padding, the last its count
    let packet = expect_rtp(&bytes);
    assert_eq!(packet.payload_type, 8);
    assert_eq!(packet.payload, &[1, 2, 3, 4, 5]);
}

#[test]
fn rtcp_is_split_off_by_packet_type_before_rtp_parsing() {
    for packet_type in 200..=204u8 {
        // RTCP's common header: V=2, count, packet type, length; then the sender's SSRC.
        let bytes = [0x81, packet_type, 0, 1, 0, 0, 0, 7];
        assert_eq!(
            classify(&bytes),
            Ok(Datagram::Rtcp(&bytes)),
            "type {packet_type}"
        );
    }
    // RTP payload types around the reserved range are still RTP.
    for payload_type in [0u8, 8, 13, 63, 96, 101, 127] {
        let bytes = rtp_bytes(payload_type, true, 1, 1, 1);
        assert!(
            matches!(classify(&bytes), Ok(Datagram::Rtp(_))),
            "type {payload_type}"
        );
    }
}

#[test]
fn refuses_what_is_not_rtp() {
    // A STUN binding request begins with 0x00 0x01.
    let stun = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
    assert_eq!(
        classify(&stun),
        Err(RtpError::NotVersion2 { first_byte: 0x00 })
    );
    assert!(matches!(
        classify(&[]),
        Err(RtpError::TooShort { len: 0, .. })
    ));
    assert!(matches!(
        classify(&[0x80, 0x00, 0x00]),
        Err(RtpError::TooShort { len: 3, .. })
    ));
    // Fifteen CSRCs announced, none present.
    let mut truncated = rtp_bytes(0, false, 1, 1, 1);
    truncated[0] |= 0x0F;
    assert!(matches!(
        classify(&truncated),
        Err(RtpError::Malformed { .. })
    ));
    // Padding longer than the packet.
    let mut padded = rtp_bytes(0, false, 1, 1, 1);
    padded[0] |= 0x20;
    padded.push(200);
    assert!(matches!(classify(&padded), Err(RtpError::Malformed { .. })));
    // Messages say what to do.
    let message = classify(&stun).unwrap_err().to_string();
    assert!(message.contains("STUN"), "{message}");
}

#[test]
fn sender_builds_packets_that_read_back() {
    let mut sender = RtpSender::new(0xCAFE, 100, 5000);
    let mut buffer = [0u8; 1500];
    let len = sender
        .build_into(0, true, &[0xFF; 160], 160, &mut buffer)
        .unwrap();
    assert_eq!(len, 12 + 160);
    let packet = expect_rtp(&buffer[..len]);
    assert_eq!(
        (packet.ssrc, packet.seq, packet.timestamp, packet.marker),
        (0xCAFE, 100, 5000, true)
    );
    assert_eq!(packet.payload, &[0xFF; 160]);
    assert_eq!((sender.next_seq(), sender.timestamp()), (101, 5160));
}

#[test]
fn sequence_and_timestamp_wrap_around() {
    let mut sender = RtpSender::new(1, 65534, u32::MAX - 159);
    let mut buffer = [0u8; 200];
    let mut seen = Vec::new();
    for _ in 0..3 {
        let len = sender
            .build_into(0, false, &[0; 160], 160, &mut buffer)
            .unwrap();
        let packet = expect_rtp(&buffer[..len]);
        seen.push((packet.seq, packet.timestamp));
    }
    assert_eq!(seen, [(65534, u32::MAX - 159), (65535, 0), (0, 160)]);
}

#[test]
fn event_packets_keep_their_timestamp_and_spend_sequence_numbers() {
    let mut sender = RtpSender::new(1, 10, 8000);
    let mut buffer = [0u8; 64];
    for _ in 0..3 {
        let len = sender
            .build_at(8000, 101, false, &[1, 0, 0, 0], &mut buffer)
            .unwrap();
        assert_eq!(expect_rtp(&buffer[..len]).timestamp, 8000);
    }
    assert_eq!((sender.next_seq(), sender.timestamp()), (13, 8000));
    sender.advance_timestamp(480);
    assert_eq!(sender.timestamp(), 8480);
}

#[test]
fn a_packet_that_cannot_be_built_spends_no_sequence_number() {
    let mut sender = RtpSender::new(1, 10, 0);
    let mut buffer = [0u8; 200];
    assert!(matches!(
        sender.build_into(128, false, &[0; 160], 160, &mut buffer),
        Err(RtpError::Build { .. })
    ));
    let mut small = [0u8; 20];
    assert!(
        sender
            .build_into(0, false, &[0; 160], 160, &mut small)
            .is_err()
    );
    assert_eq!(sender.next_seq(), 10);
}

proptest! {
    #[test]
    fn any_datagram_is_classified_without_panicking(
        bytes in proptest::collection::vec(any::<u8>(), 0..300)
    ) {
        let _ = classify(&bytes);
    }

    #[test]
    fn any_rtp_shaped_datagram_is_classified_without_panicking(
        first in 0x80u8..0xC0,
        rest in proptest::collection::vec(any::<u8>(), 0..300)
    ) {
        let mut bytes = vec![first];
        bytes.extend(rest);
        if let Ok(Datagram::Rtp(packet)) = classify(&bytes) {
            prop_assert!(packet.payload.len() <= bytes.len() - 12);
        }
    }
}
