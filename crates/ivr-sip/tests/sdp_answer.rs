#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Offer/answer as callers' phones and trunks exercise it.

use ivr_sip::sdp::{AudioCodec, Direction, LocalMedia, SdpError, answer, parse};
use proptest::prelude::*;

fn local() -> LocalMedia {
    LocalMedia {
        address: "127.0.0.1".parse().unwrap(),
        rtp_port: 20000,
        session_id: 42,
        session_version: 1,
    }
}

fn offer(media: &str) -> String {
    format!("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n{media}")
}

fn answered(media: &str) -> (String, ivr_sip::sdp::Negotiated) {
    let sdp = parse(&offer(media)).unwrap();
    let (description, negotiated) = answer(&sdp, &local()).unwrap();
    (description.to_string(), negotiated)
}

#[test]
fn a_softphone_offer_gets_pcmu_and_its_telephone_event_type() {
    let (text, n) = answered(
        "m=audio 10002 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n",
    );
    assert_eq!(n.codec, AudioCodec::Pcmu);
    assert_eq!(n.payload_type, 0);
    assert_eq!(n.telephone_event, Some(101));
    assert_eq!(n.remote, Some("127.0.0.1:10002".parse().unwrap()));
    assert_eq!(n.direction, Direction::SendRecv);
    assert_eq!(
        text,
        "v=0\r\no=ivr 42 1 IN IP4 127.0.0.1\r\ns=ivr\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 20000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
    );
}

#[test]
fn the_offerers_preference_order_wins() {
    let (_, n) = answered("m=audio 4000 RTP/AVP 8 0\r\n");
    assert_eq!((n.codec, n.payload_type), (AudioCodec::Pcma, 8));
    assert_eq!(n.telephone_event, None);
}

#[test]
fn any_dynamic_payload_type_is_honoured() {
    let (text, n) = answered(
        "m=audio 4000 RTP/AVP 96 97 98\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:97 pcmu/8000\r\n\
         a=rtpmap:98 TELEPHONE-EVENT/8000\r\n",
    );
    assert_eq!(
        (n.codec, n.payload_type, n.telephone_event),
        (AudioCodec::Pcmu, 97, Some(98))
    );
    assert!(text.contains("m=audio 20000 RTP/AVP 97 98\r\n"), "{text}");
}

#[test]
fn wideband_telephone_events_do_not_go_with_g711() {
    let (_, n) = answered("m=audio 4000 RTP/AVP 0 100\r\na=rtpmap:100 telephone-event/16000\r\n");
    assert_eq!(n.telephone_event, None);
}

#[test]
fn nothing_usable_is_not_acceptable() {
    for media in [
        "m=audio 4000 RTP/AVP 18 96\r\na=rtpmap:18 G729/8000\r\na=rtpmap:96 opus/48000/2\r\n",
        "m=audio 4000 RTP/SAVP 0 8\r\n",
        "m=audio 0 RTP/AVP 0 8\r\n",
        "m=video 4002 RTP/AVP 0\r\n",
        "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/16000\r\n",
        "",
    ] {
        let sdp = parse(&offer(media)).unwrap();
        match answer(&sdp, &local()) {
            Err(SdpError::NotAcceptable(_)) => {}
            other => panic!("{media:?} gave {other:?}"),
        }
    }
}

#[test]
fn other_streams_are_declined_in_place() {
    let (text, _) = answered(
        "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 4000 RTP/AVP 0\r\n\
         m=audio 4002 RTP/AVP 8\r\n",
    );
    let back = parse(&text).unwrap();
    assert_eq!(back.media.len(), 3, "one m= line per offered one: {text}");
    assert_eq!(
        (back.media[0].kind.as_str(), back.media[0].port),
        ("video", 0)
    );
    assert_eq!(back.media[1].port, 20000);
    assert_eq!(back.media[2].port, 0);
}

#[test]
fn direction_mirrors_the_offer() {
    for (attribute, expected) in [
        ("a=sendonly\r\n", Direction::RecvOnly),
        ("a=recvonly\r\n", Direction::SendOnly),
        ("a=inactive\r\n", Direction::Inactive),
        ("", Direction::SendRecv),
    ] {
        let (text, n) = answered(&format!("m=audio 4000 RTP/AVP 0\r\n{attribute}"));
        assert_eq!(n.direction, expected, "{attribute:?}");
        assert_eq!(parse(&text).unwrap().media[0].direction, Some(expected));
    }
    // Session-level direction applies to streams without their own.
    let sdp = parse(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=sendonly\r\n\
         m=audio 4000 RTP/AVP 0\r\n",
    )
    .unwrap();
    assert_eq!(
        answer(&sdp, &local()).unwrap().1.direction,
        Direction::RecvOnly
    );
}

#[test]
fn hold_by_unspecified_address_sends_nothing() {
    let sdp = parse(
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
         m=audio 4000 RTP/AVP 0\r\n",
    )
    .unwrap();
    let (_, n) = answer(&sdp, &local()).unwrap();
    assert_eq!(n.remote, None);
    assert_eq!(n.direction, Direction::RecvOnly);
}

#[test]
fn an_audio_stream_without_an_address_is_malformed() {
    let sdp =
        parse("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
            .unwrap();
    assert!(matches!(
        answer(&sdp, &local()),
        Err(SdpError::Malformed { .. })
    ));
}

#[test]
fn ipv6_offers_are_answered() {
    let sdp = parse(
        "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
    )
    .unwrap();
    let (_, n) = answer(&sdp, &local()).unwrap();
    assert_eq!(n.remote, Some("[::1]:4000".parse().unwrap()));
}

proptest! {
    #[test]
    fn parsing_anything_never_panics(text in "\\PC{0,400}") {
        let _ = parse(&text);
    }

    #[test]
    fn parsing_line_soup_never_panics(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("v=0".to_string()),
                Just("o=- 1 1 IN IP4 127.0.0.1".to_string()),
                "[vocmast]=[ -~]{0,40}",
                "a=(rtpmap|fmtp|ptime|sendonly):[ -~]{0,30}",
                "m=audio [0-9]{1,6} RTP/AVP( [0-9]{1,3}){0,5}",
            ],
            0..20,
        )
    ) {
        let text = lines.join("\r\n");
        if let Ok(sdp) = parse(&text) {
            let _ = answer(&sdp, &local());
        }
    }

    #[test]
    fn every_answer_reads_back_and_keeps_the_streams(
        formats in proptest::collection::vec(0u8..128, 1..8),
        maps in proptest::collection::vec(
            (96u8..128, prop_oneof![Just("PCMU"), Just("PCMA"), Just("telephone-event"), Just("opus")],
             prop_oneof![Just(8000u32), Just(16000), Just(48000)]),
            0..5,
        ),
        extra_video in any::<bool>(),
    ) {
        let mut media = String::new();
        if extra_video {
            media.push_str("m=video 5000 RTP/AVP 96\r\n");
        }
        let list: Vec<String> = formats.iter().map(u8::to_string).collect();
        media.push_str(&format!("m=audio 4000 RTP/AVP {}\r\n", list.join(" ")));
        for (pt, name, rate) in &maps {
            media.push_str(&format!("a=rtpmap:{pt} {name}/{rate}\r\n"));
        }
        let sdp = parse(&offer(&media)).unwrap();
        match answer(&sdp, &local()) {
            Ok((description, n)) => {
                let back = parse(&description.to_string()).unwrap();
                prop_assert_eq!(back.media.len(), sdp.media.len());
                prop_assert!(formats.contains(&n.payload_type));
                let audio = back.media.iter().find(|m| m.port != 0).unwrap();
                prop_assert_eq!(&audio.formats[0], &n.payload_type.to_string());
            }
            Err(SdpError::NotAcceptable(_)) => {
                // Then no format may be G.711: static 0/8 without another mapping, or a PCMU/PCMA rtpmap at 8000.
                let g711 = formats.iter().any(|pt| {
                    let mapped = maps.iter().find(|(p, _, _)| p == pt);
                    match mapped {
                        Some((_, name, rate)) => (*name == "PCMU" || *name == "PCMA") && *rate == 8000,
                        None => *pt == 0 || *pt == 8,
                    }
                });
                prop_assert!(!g711, "refused an offer with G.711: {}", media);
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}
