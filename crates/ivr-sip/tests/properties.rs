#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Properties of the decisions made on what a SIP peer sends (the same functions the fuzz
//! targets in crates/ivr-fuzz drive): any text is refused or read, never a panic; what the
//! engine writes reads back the same.

use std::collections::HashMap;
use std::net::IpAddr;

use ivr_sip::caller_id::identify;
use ivr_sip::digest::{self, parse_authorization};
use ivr_sip::dtmf_relay::key_from_info;
use ivr_sip::refer_progress::from_notify;
use ivr_sip::registrar::{
    MAX_EXPIRES_S, MIN_EXPIRES_S, RegisterAnswer, RegisterRequest, Registrar,
};
use ivr_sip::sdp::{LocalMedia, agreed, answer, parse};
use ivr_sip::trunks::Network;
use proptest::prelude::*;

const KEYS: &str = "0123456789*#ABCD";
const NOW_S: u64 = 1_800_000_000;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(200)
}

/// Header-ish text: printable ASCII with the separators the parsers split on, and a little
/// of anything else.
fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ -~]{0,80}",
        1 => "[,;=<>:@\" a-zA-Z0-9.\\-]{0,80}",
        1 => "\\PC{0,40}",
    ]
}

/// A token safe inside a quoted digest parameter (no quote, comma or space).
fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._+\\-]{1,20}"
}

fn local() -> LocalMedia {
    LocalMedia {
        address: IpAddr::from([192, 0, 2, 10]),
        rtp_port: 20000,
        session_id: 42,
        session_version: 1,
    }
}

fn answered_authorization(user: &str, nonce: &str, uri: &str, nc: u32) -> String {
    let ha1 = digest::ha1(user, "ivr", "secret");
    let ha2 = digest::md5_hex(&format!("REGISTER:{uri}"));
    let response = digest::md5_hex(&format!("{ha1}:{nonce}:{nc:08x}:c0ffee:auth:{ha2}"));
    format!(
        r#"Digest username="{user}", realm="ivr", nonce="{nonce}", uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc={nc:08x}, cnonce="c0ffee""#
    )
}

fn nonce_of(answer: &RegisterAnswer) -> String {
    let RegisterAnswer::Challenge(challenge) = answer else {
        panic!("expected a challenge, got {answer:?}");
    };
    let (_, after) = challenge.split_once("nonce=\"").unwrap();
    after.split_once('"').unwrap().0.to_string()
}

fn session_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("c=IN IP4 198.51.100.7".to_string()),
        1 => Just("c=IN IP6 2001:db8::7".to_string()),
        1 => Just("c=IN IP4 0.0.0.0".to_string()),
        1 => "a=(sendrecv|sendonly|recvonly|inactive)",
        1 => "[bikuzt]=[ -~]{0,30}",
    ]
}

fn media_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "m=audio [1-9][0-9]{0,4} RTP/AVP( (0|8|9|18|96|101|[0-9]{1,3})){1,5}",
        1 => "m=(audio|video|AUDIO|text) [0-9]{1,5}(/2)? (RTP/AVP|RTP/SAVP|udp)( [0-9a-z]{1,3}){0,5}",
    ]
}

fn media_attribute() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("c=IN IP4 203.0.113.9".to_string()),
        3 => "a=rtpmap:(0|8|96|101|[0-9]{1,3}) (PCMU|PCMA|pcma|telephone-event|opus|G722)/(8000|16000|48000)(/[12])?",
        1 => "a=fmtp:[0-9]{1,3} [ -~]{0,20}",
        1 => "a=ptime:[0-9]{1,3}",
        1 => "a=(sendrecv|sendonly|recvonly|inactive)",
        1 => "a=[a-z]{1,8}(:[ -~]{0,20})?",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn caller_id_of_any_headers(
        from_user in proptest::option::of(header_text()),
        asserted in proptest::option::of(header_text()),
        privacy in proptest::option::of(header_text()),
        from_trunk in any::<bool>(),
    ) {
        let caller = identify(from_user.as_deref(), asserted.as_deref(), privacy.as_deref(), from_trunk);
        // Only a trunk's word makes a number verified, and an untrusted sender's
        // P-Asserted-Identity changes nothing.
        prop_assert_eq!(caller.verified, from_trunk && caller.number.is_some());
        if !from_trunk {
            prop_assert_eq!(
                caller.clone(),
                identify(from_user.as_deref(), None, privacy.as_deref(), false)
            );
        }
        if let Some(number) = &caller.number {
            prop_assert!(!number.trim().is_empty());
            prop_assert!(!number.eq_ignore_ascii_case("anonymous"));
        }
    }

    #[test]
    fn info_bodies_give_a_key_or_nothing(content_type in header_text(), body in header_text()) {
        for content_type in [content_type.as_str(), "application/dtmf-relay", "application/dtmf"] {
            if let Some(key) = key_from_info(content_type, &body) {
                prop_assert!(KEYS.contains(key), "{key:?}");
            }
        }
    }

    #[test]
    fn every_key_reads_back_from_both_info_formats(
        index in 0usize..16,
        lower in any::<bool>(),
        duration in 1u32..5000,
    ) {
        let key = KEYS.chars().nth(index).unwrap();
        let written = if lower { key.to_ascii_lowercase() } else { key };
        let relay = format!("Signal={written}\r\nDuration={duration}\r\n");
        prop_assert_eq!(key_from_info("application/dtmf-relay", &relay), Some(key));
        prop_assert_eq!(key_from_info("application/dtmf", &format!("{written}\r\n")), Some(key));
    }

    #[test]
    fn notify_bodies_give_progress_or_nothing(
        event in header_text(),
        state in header_text(),
        body in header_text(),
    ) {
        for event in [event.as_str(), "refer"] {
            if let Some(progress) = from_notify(event, &state, &body) {
                prop_assert!((100..700).contains(&progress.status));
                prop_assert!(!(progress.succeeded() && progress.failed()));
            }
        }
    }

    #[test]
    fn every_status_line_reads_back(status in 100u16..700, terminated in any::<bool>(), id in 0u32..100) {
        let state = if terminated { "terminated;reason=noresource" } else { "active;expires=60" };
        let body = format!("SIP/2.0 {status} Whatever\r\n");
        let progress = from_notify(&format!("refer;id={id}"), state, &body).unwrap();
        prop_assert_eq!(progress.status, status);
        prop_assert_eq!(progress.finished, terminated);
    }

    #[test]
    fn authorization_of_any_text(value in header_text()) {
        for value in [value.clone(), format!("Digest {value}")] {
            if let Some(creds) = parse_authorization(&value) {
                prop_assert_eq!(creds.response.len(), 32);
                prop_assert!(!creds.username.is_empty() && !creds.nonce.is_empty());
                let _ = digest::verify(&creds, "REGISTER", &digest::ha1("a", "b", "c"));
            }
        }
    }

    #[test]
    fn credentials_read_back_and_verify(
        user in token(),
        nonce in token(),
        uri in "sips?:[a-z0-9.]{1,20}(:[0-9]{1,5})?",
        nc in 1u32..u32::MAX,
        password in "[ -~]{0,20}",
        wrong in "[ -~]{0,20}",
    ) {
        let header = answered_authorization(&user, &nonce, &uri, nc);
        let creds = parse_authorization(&header).unwrap();
        prop_assert_eq!(&creds.username, &user);
        prop_assert_eq!(&creds.nonce, &nonce);
        prop_assert_eq!(&creds.uri, &uri);
        prop_assert_eq!(creds.nc.clone(), Some(format!("{nc:08x}")));
        prop_assert!(digest::verify(&creds, "REGISTER", &digest::ha1(&user, "ivr", "secret")));
        prop_assert!(!digest::verify(&creds, "INVITE", &digest::ha1(&user, "ivr", "secret")));
        prop_assert_eq!(
            digest::verify(&creds, "REGISTER", &digest::ha1(&user, "ivr", &password)),
            password == "secret"
        );
        prop_assert_eq!(
            digest::verify(&creds, "REGISTER", &digest::ha1(&user, "ivr", &wrong)),
            wrong == "secret"
        );
    }

    #[test]
    fn the_registrar_answers_any_request(
        user in header_text(),
        request_uri in header_text(),
        contact in proptest::option::of(header_text()),
        expires in proptest::option::of(header_text()),
        authorization in proptest::option::of(header_text()),
        allow_without_qop in any::<bool>(),
    ) {
        let accounts = HashMap::from([(user.clone(), digest::ha1(&user, "ivr", "secret"))]);
        let mut registrar =
            Registrar::new("ivr", accounts, [1; 32]).allow_digest_without_qop(allow_without_qop);
        let request = RegisterRequest {
            source: IpAddr::from([198, 51, 100, 7]),
            request_uri: &request_uri,
            user: &user,
            contact: contact.as_deref(),
            expires: expires.as_deref(),
            authorization: authorization.as_deref(),
            now_s: NOW_S,
        };
        // Without the password nothing is bound.
        let answer = registrar.register(&request, NOW_S * 1000);
        prop_assert!(!matches!(answer, RegisterAnswer::Registered { .. }), "{answer:?}");
        prop_assert!(registrar.registered(NOW_S).is_empty());
    }

    #[test]
    fn a_phone_with_the_password_registers_once_per_count(
        user in token(),
        host in "[a-z]{1,10}\\.example",
        port in 1024u16..65535,
        asked in proptest::option::of(0u32..10_000),
        in_header in any::<bool>(),
    ) {
        let accounts = HashMap::from([(user.clone(), digest::ha1(&user, "ivr", "secret"))]);
        let mut registrar = Registrar::new("ivr", accounts, [2; 32]);
        let request_uri = "sip:192.0.2.10:5060";
        let uri = format!("sip:{user}@{host}:{port}");
        let contact = match (asked, in_header) {
            (Some(s), false) => format!("<{uri}>;expires={s}"),
            _ => format!("<{uri}>"),
        };
        let expires = asked.filter(|_| in_header).map(|s| s.to_string());
        let mut request = RegisterRequest {
            source: IpAddr::from([198, 51, 100, 8]),
            request_uri,
            user: &user,
            contact: Some(&contact),
            expires: expires.as_deref(),
            authorization: None,
            now_s: NOW_S,
        };
        let nonce = nonce_of(&registrar.register(&request, NOW_S * 1000));
        let authorization = answered_authorization(&user, &nonce, request_uri, 1);
        request.authorization = Some(&authorization);
        let answer = registrar.register(&request, NOW_S * 1000 + 1);
        match asked {
            Some(0) => prop_assert_eq!(answer, RegisterAnswer::Unregistered),
            Some(s) if s < MIN_EXPIRES_S => prop_assert_eq!(answer, RegisterAnswer::IntervalTooBrief),
            _ => {
                let expires_s = asked.unwrap_or(MAX_EXPIRES_S).min(MAX_EXPIRES_S);
                prop_assert_eq!(answer, RegisterAnswer::Registered { contact: uri.clone(), expires_s });
                prop_assert_eq!(registrar.binding(&user, NOW_S).map(|b| b.contact.clone()), Some(uri));
            }
        }
        // The same REGISTER again (an observer's replay) is challenged, never obeyed.
        let replay = registrar.register(&request, NOW_S * 1000 + 2);
        prop_assert!(matches!(replay, RegisterAnswer::Challenge(_)), "{replay:?}");
    }

    #[test]
    fn sdp_of_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(offer) = parse(&String::from_utf8_lossy(&bytes)) {
            let _ = answer(&offer, &local());
        }
    }

    /// Whatever offer the engine answers, its answer parses back to itself, keeps one stream
    /// per offered stream, and read as an answer agrees to the same codec.
    #[test]
    fn every_answer_parses_back_to_itself(
        session in proptest::collection::vec(session_line(), 0..4),
        media in proptest::collection::vec(
            (media_line(), proptest::collection::vec(media_attribute(), 0..6)),
            1..4,
        ),
        ipv6 in any::<bool>(),
    ) {
        let mut text = String::from("v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nt=0 0\r\n");
        for line in session {
            text.push_str(&line);
            text.push_str("\r\n");
        }
        for (m, attributes) in media {
            text.push_str(&m);
            text.push_str("\r\n");
            for line in attributes {
                text.push_str(&line);
                text.push_str("\r\n");
            }
        }
        let Ok(offer) = parse(&text) else { return Ok(()); };
        let mut local = local();
        if ipv6 {
            local.address = "2001:db8::10".parse().unwrap();
        }
        let Ok((description, negotiated)) = answer(&offer, &local) else { return Ok(()); };
        prop_assert_eq!(description.media.len(), offer.media.len());
        let written = description.to_string();
        let reparsed = parse(&written);
        prop_assert_eq!(reparsed, Ok(description.clone()), "{}", written);
        let read = agreed(&description, &local).map(|n| (n.codec, n.payload_type));
        prop_assert_eq!(read, Ok((negotiated.codec, negotiated.payload_type)));
    }

    #[test]
    fn trunk_blocks_of_any_text(text in header_text(), ip in any::<[u8; 4]>()) {
        if let Ok(network) = text.parse::<Network>() {
            let _ = network.contains(IpAddr::from(ip));
        }
    }

    #[test]
    fn a_block_contains_its_own_address(ip in any::<[u8; 4]>(), prefix in 0u8..=32) {
        let address = IpAddr::from(ip);
        let network: Network = format!("{address}/{prefix}").parse().unwrap();
        prop_assert!(network.contains(address));
        // And the same address as a dual-stack socket reports it.
        let mapped = IpAddr::V6(std::net::Ipv4Addr::from(ip).to_ipv6_mapped());
        prop_assert!(network.contains(mapped));
    }
}
