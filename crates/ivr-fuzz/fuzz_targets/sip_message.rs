//! A datagram on the SIP port: rsipstack's parser (what its UDP and TCP transports call), then
//! the headers and bodies the engine reads from a request fed to the ivr-sip decisions, the
//! way `ivr-sip-server` does: caller ID, INFO keys, REFER progress NOTIFYs, digest
//! credentials and the registrar.
#![no_main]

use std::collections::HashMap;

use ivr_sip::registrar::{
    MAX_EXPIRES_S, MIN_EXPIRES_S, RegisterAnswer, RegisterRequest, Registrar,
};
use libfuzzer_sys::fuzz_target;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Request, SipMessage};

fn header<'a>(request: &'a Request, pick: impl Fn(&'a Header) -> Option<&'a str>) -> &'a str {
    request.headers.iter().find_map(pick).unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Ok(message) = SipMessage::try_from(data) else {
        return;
    };
    let _ = message.start_line();
    let SipMessage::Request(request) = message else {
        return;
    };
    let body = String::from_utf8_lossy(&request.body);

    // INVITE: who is calling.
    let from_user = request
        .from_header()
        .ok()
        .and_then(|f| f.uri().ok())
        .and_then(|u| u.user().map(str::to_string));
    let asserted = request.headers.iter().find_map(|h| match h {
        Header::PAssertedIdentity(a) => Some(a.value()),
        _ => None,
    });
    let privacy = request.headers.iter().find_map(|h| match h {
        Header::Privacy(p) => Some(p.value()),
        _ => None,
    });
    for from_trunk in [false, true] {
        let caller =
            ivr_sip::caller_id::identify(from_user.as_deref(), asserted, privacy, from_trunk);
        assert!(!caller.verified || from_trunk);
        assert!(!caller.verified || caller.number.is_some());
    }
    let _ = request.uri.user();

    // INFO: a key.
    let content_type = header(&request, |h| match h {
        Header::ContentType(c) => Some(c.value()),
        _ => None,
    });
    if let Some(key) = ivr_sip::dtmf_relay::key_from_info(content_type, &body) {
        assert!(key.is_ascii_digit() || matches!(key, '*' | '#' | 'A'..='D'));
    }

    // NOTIFY: a transfer's progress.
    let event = header(&request, |h| match h {
        Header::Event(e) => Some(e.value()),
        _ => None,
    });
    let state = header(&request, |h| match h {
        Header::SubscriptionState(s) => Some(s.value()),
        _ => None,
    });
    if let Some(progress) = ivr_sip::refer_progress::from_notify(event, state, &body) {
        assert!(!(progress.succeeded() && progress.failed()));
    }

    // REGISTER: credentials and the registrar's answer.
    let authorization = header(&request, |h| match h {
        Header::Authorization(a) => Some(a.value()),
        _ => None,
    });
    if let Some(creds) = ivr_sip::digest::parse_authorization(authorization) {
        let ha1 = ivr_sip::digest::ha1(&creds.username, &creds.realm, "secret");
        let _ = ivr_sip::digest::verify(&creds, request.method.to_string().as_str(), &ha1);
    }
    let user = request
        .to_header()
        .ok()
        .and_then(|t| t.uri().ok())
        .and_then(|u| u.user().map(str::to_string))
        .unwrap_or_default();
    let contact = header(&request, |h| match h {
        Header::Contact(c) => Some(c.value()),
        _ => None,
    });
    let expires = header(&request, |h| match h {
        Header::Expires(e) => Some(e.value()),
        _ => None,
    });
    let via = header(&request, |h| match h {
        Header::Via(v) => Some(v.value()),
        _ => None,
    });
    let request_uri = request.uri.to_string();
    let accounts = HashMap::from([
        (user.clone(), ivr_sip::digest::ha1(&user, "ivr", "secret")),
        (
            "alice".to_string(),
            ivr_sip::digest::ha1("alice", "ivr", "secret"),
        ),
    ]);
    let now_s = 1_800_000_000;
    for allow_without_qop in [false, true] {
        let mut registrar = Registrar::new("ivr", accounts.clone(), [7; 32])
            .allow_digest_without_qop(allow_without_qop);
        let register = RegisterRequest {
            source: ivr_sip::via::source(via),
            request_uri: &request_uri,
            user: &user,
            contact: (!contact.is_empty()).then_some(contact),
            expires: (!expires.is_empty()).then_some(expires),
            authorization: (!authorization.is_empty()).then_some(authorization),
            now_s,
        };
        // Twice: the second sees the first's nonce count.
        let _ = registrar.register(&register, now_s * 1000);
        let _ = registrar.register(&register, now_s * 1000 + 1);
        // A phone that knows the password: answer the challenge properly, so the registrar
        // goes on to the request's Contact and Expires (a fuzzer cannot guess an MD5 answer).
        let Some(nonce) = challenge_nonce(registrar.register(
            &RegisterRequest {
                authorization: None,
                ..register
            },
            now_s * 1000 + 2,
        )) else {
            continue;
        };
        let answered = answer_challenge(&user, &nonce, &request_uri);
        let proper = RegisterRequest {
            authorization: Some(&answered),
            ..register
        };
        let answer = registrar.register(&proper, now_s * 1000 + 3);
        if let RegisterAnswer::Registered { contact, expires_s } = &answer {
            assert!((MIN_EXPIRES_S..=MAX_EXPIRES_S).contains(expires_s));
            assert_eq!(
                registrar.binding(&user, now_s).map(|b| &b.contact),
                Some(contact)
            );
        }
        // The same REGISTER again is a replay: never accepted.
        assert!(!matches!(
            registrar.register(&proper, now_s * 1000 + 4),
            RegisterAnswer::Registered { .. } | RegisterAnswer::Unregistered
        ));
        let _ = registrar.registered(now_s);
    }
});

fn challenge_nonce(answer: RegisterAnswer) -> Option<String> {
    let RegisterAnswer::Challenge(challenge) = answer else {
        return None;
    };
    let (_, after) = challenge.split_once("nonce=\"")?;
    Some(after.split_once('"')?.0.to_string())
}

/// An `Authorization` value with the right answer for the password "secret".
fn answer_challenge(user: &str, nonce: &str, uri: &str) -> String {
    let ha1 = ivr_sip::digest::ha1(user, "ivr", "secret");
    let ha2 = ivr_sip::digest::md5_hex(&format!("REGISTER:{uri}"));
    let response = ivr_sip::digest::md5_hex(&format!("{ha1}:{nonce}:00000001:0a4f113b:auth:{ha2}"));
    format!(
        r#"Digest username="{user}", realm="ivr", nonce="{nonce}", uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b""#
    )
}
