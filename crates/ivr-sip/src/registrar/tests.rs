use super::*;
use crate::digest::md5_hex;

const REALM: &str = "ivr";

fn registrar() -> Registrar {
    let accounts = HashMap::from([("maria".to_string(), digest::ha1("maria", REALM, "s3cret"))]);
    Registrar::new(REALM, accounts, [1; 32])
}

fn source() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

/// What a phone answers to `challenge` with `password`, the first time it uses the nonce.
fn answer(challenge: &str, user: &str, password: &str) -> String {
    answer_with(challenge, user, password, 1, "sip:127.0.0.1")
}

/// The same with the `nc`-th use of the nonce, for `uri`.
fn answer_with(challenge: &str, user: &str, password: &str, nc: u32, uri: &str) -> String {
    let nonce = challenge
        .split("nonce=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default();
    let ha1 = digest::ha1(user, REALM, password);
    let ha2 = md5_hex(&format!("REGISTER:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:{nc:08x}:abc:auth:{ha2}"));
    format!(
        r#"Digest username="{user}", realm="{REALM}", nonce="{nonce}", uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc={nc:08x}, cnonce="abc""#
    )
}

fn request<'a>(user: &'a str, auth: Option<&'a str>, contact: &'a str) -> RegisterRequest<'a> {
    RegisterRequest {
        source: source(),
        request_uri: "sip:127.0.0.1:5060",
        user,
        contact: Some(contact),
        expires: None,
        authorization: auth,
        now_s: 1000,
    }
}

fn challenge_of(answer: RegisterAnswer) -> String {
    match answer {
        RegisterAnswer::Challenge(c) => c,
        other => panic!("expected a challenge, got {other:?}"),
    }
}

#[test]
fn a_phone_with_the_right_password_registers_and_expires() {
    let mut r = registrar();
    let contact = "<sip:maria@127.0.0.1:5090;transport=udp>;expires=120";
    let challenge = challenge_of(r.register(&request("maria", None, contact), 0));
    let auth = answer(&challenge, "maria", "s3cret");
    assert_eq!(
        r.register(&request("maria", Some(&auth), contact), 1),
        RegisterAnswer::Registered {
            contact: "sip:maria@127.0.0.1:5090;transport=udp".into(),
            expires_s: 120
        }
    );
    assert!(r.binding("maria", 1119).is_some());
    assert!(r.binding("maria", 1120).is_none());
    assert_eq!(r.registered(1000).len(), 1);
    // Expires 0 removes it (the phone's second use of the nonce).
    let gone = "<sip:maria@127.0.0.1:5090>;expires=0";
    let again = answer_with(&challenge, "maria", "s3cret", 2, "sip:127.0.0.1");
    assert_eq!(
        r.register(&request("maria", Some(&again), gone), 2),
        RegisterAnswer::Unregistered
    );
    assert!(r.binding("maria", 1000).is_none());
}

#[test]
fn wrong_passwords_unknown_accounts_and_forged_nonces_are_refused() {
    let mut r = registrar();
    let contact = "<sip:maria@127.0.0.1:5090>";
    let challenge = challenge_of(r.register(&request("maria", None, contact), 0));
    let wrong = answer(&challenge, "maria", "guess");
    assert_eq!(
        r.register(&request("maria", Some(&wrong), contact), 1),
        RegisterAnswer::Forbidden
    );
    let stranger = answer(&challenge, "eve", "s3cret");
    assert_eq!(
        r.register(&request("eve", Some(&stranger), contact), 2),
        RegisterAnswer::Forbidden
    );
    // Someone else's answer replayed for another account.
    let right = answer(&challenge, "maria", "s3cret");
    assert_eq!(
        r.register(&request("bob", Some(&right), contact), 3),
        RegisterAnswer::Forbidden
    );
    let forged = right.replace(challenge.split('"').nth(3).unwrap_or("x"), "3e8-0-0000");
    assert!(matches!(
        r.register(&request("maria", Some(&forged), contact), 4),
        RegisterAnswer::Challenge(c) if c.contains("stale=true")
    ));
    assert!(r.registered(1000).is_empty());
}

#[test]
fn odd_contacts_and_short_intervals() {
    let mut r = registrar();
    let challenge = challenge_of(r.register(&request("maria", None, "<sip:m@h>"), 0));
    let auth = |nc| answer_with(&challenge, "maria", "s3cret", nc, "sip:127.0.0.1");
    assert_eq!(
        r.register(&request("maria", Some(&auth(1)), "<sip:m@h>;expires=10"), 1),
        RegisterAnswer::IntervalTooBrief
    );
    assert_eq!(
        r.register(&request("maria", Some(&auth(2)), "<mailto:m@h>"), 2),
        RegisterAnswer::BadRequest
    );
    assert!(matches!(
        r.register(
            &request("maria", Some(&auth(3)), "sip:m@h;expires=99999"),
            3
        ),
        RegisterAnswer::Registered {
            expires_s: MAX_EXPIRES_S,
            ..
        }
    ));
}

#[test]
fn a_flood_from_one_address_is_slowed_and_others_are_not() {
    let mut r = registrar();
    let answers: Vec<RegisterAnswer> = (0..100)
        .map(|i| r.register(&request("maria", None, "<sip:m@h>"), i))
        .collect();
    let slowed = answers
        .iter()
        .filter(|a| **a == RegisterAnswer::SlowDown)
        .count();
    assert!((75..=80).contains(&slowed), "{slowed} of 100 slowed");
    let mut other = request("maria", None, "<sip:m@h>");
    other.source = IpAddr::from([127, 0, 0, 2]);
    assert!(matches!(
        r.register(&other, 100),
        RegisterAnswer::Challenge(_)
    ));
    // A second later the first address may try again.
    assert!(matches!(
        r.register(&request("maria", None, "<sip:m@h>"), 1100),
        RegisterAnswer::Challenge(_)
    ));
}

#[test]
fn a_register_seen_on_the_path_cannot_be_sent_again() {
    let mut r = registrar();
    let contact = "<sip:maria@127.0.0.1:5090>";
    let challenge = challenge_of(r.register(&request("maria", None, contact), 0));
    let auth = answer(&challenge, "maria", "s3cret");
    assert!(matches!(
        r.register(&request("maria", Some(&auth), contact), 1),
        RegisterAnswer::Registered { .. }
    ));
    // The observer sends the same REGISTER with its own Contact: the count did not grow.
    let thief = "<sip:maria@198.51.100.7:5060>";
    assert!(matches!(
        r.register(&request("maria", Some(&auth), thief), 2),
        RegisterAnswer::Challenge(c) if c.contains("stale=true")
    ));
    assert_eq!(
        r.binding("maria", 1000).map(|b| b.contact.as_str()),
        Some("sip:maria@127.0.0.1:5090")
    );
    // The phone's own refresh, next count, goes through.
    let refresh = answer_with(&challenge, "maria", "s3cret", 2, "sip:127.0.0.1");
    assert!(matches!(
        r.register(&request("maria", Some(&refresh), contact), 3),
        RegisterAnswer::Registered { .. }
    ));
}

#[test]
fn a_digest_for_another_uri_or_without_qop_is_refused() {
    let mut r = registrar();
    let contact = "<sip:maria@127.0.0.1:5090>";
    let challenge = challenge_of(r.register(&request("maria", None, contact), 0));
    let elsewhere = answer_with(&challenge, "maria", "s3cret", 1, "sip:other.example");
    assert_eq!(
        r.register(&request("maria", Some(&elsewhere), contact), 1),
        RegisterAnswer::Forbidden
    );
    // The Request-URI's port may be left out when it is 5060, and case does not matter.
    let same = answer_with(&challenge, "maria", "s3cret", 2, "SIP:127.0.0.1:5060");
    assert!(matches!(
        r.register(&request("maria", Some(&same), contact), 2),
        RegisterAnswer::Registered { .. }
    ));
    // RFC 2069 style: no qop, no count.
    let nonce = challenge
        .split("nonce=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default();
    let ha1 = digest::ha1("maria", REALM, "s3cret");
    let ha2 = md5_hex("REGISTER:sip:127.0.0.1");
    let response = md5_hex(&format!("{ha1}:{nonce}:{ha2}"));
    let old = format!(
        r#"Digest username="maria", realm="{REALM}", nonce="{nonce}", uri="sip:127.0.0.1", response="{response}""#
    );
    assert_eq!(
        r.register(&request("maria", Some(&old), contact), 3),
        RegisterAnswer::Forbidden
    );
    let mut lenient = registrar().allow_digest_without_qop(true);
    assert!(matches!(
        lenient.register(&request("maria", Some(&old), contact), 4),
        RegisterAnswer::Registered { .. }
    ));
}

#[test]
fn a_flood_from_many_addresses_keeps_the_table_bounded() {
    let mut r = registrar();
    for i in 0..30_000u32 {
        let mut flood = request("maria", None, "<sip:m@h>");
        flood.source = IpAddr::from(i.wrapping_add(0x0a00_0000).to_be_bytes());
        r.register(&flood, 5_000);
    }
    assert!(
        r.tracked_sources() <= MAX_BUCKETS,
        "{}",
        r.tracked_sources()
    );
    // An address already known keeps its own bucket.
    assert!(matches!(
        r.register(&request("maria", None, "<sip:m@h>"), 5_000),
        RegisterAnswer::Challenge(_) | RegisterAnswer::SlowDown
    ));
}
