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

/// What a phone answers to `challenge` with `password`.
fn answer(challenge: &str, user: &str, password: &str) -> String {
    let nonce = challenge
        .split("nonce=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default();
    let uri = "sip:127.0.0.1";
    let ha1 = digest::ha1(user, REALM, password);
    let ha2 = md5_hex(&format!("REGISTER:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:00000001:abc:auth:{ha2}"));
    format!(
        r#"Digest username="{user}", realm="{REALM}", nonce="{nonce}", uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc""#
    )
}

fn request<'a>(user: &'a str, auth: Option<&'a str>, contact: &'a str) -> RegisterRequest<'a> {
    RegisterRequest {
        source: source(),
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
    // Expires 0 removes it.
    let gone = "<sip:maria@127.0.0.1:5090>;expires=0";
    assert_eq!(
        r.register(&request("maria", Some(&auth), gone), 2),
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
    let forged = right.replace(challenge.split('"').nth(3).unwrap_or("x"), "3e8-0000");
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
    let auth = answer(&challenge, "maria", "s3cret");
    assert_eq!(
        r.register(&request("maria", Some(&auth), "<sip:m@h>;expires=10"), 1),
        RegisterAnswer::IntervalTooBrief
    );
    assert_eq!(
        r.register(&request("maria", Some(&auth), "<mailto:m@h>"), 2),
        RegisterAnswer::BadRequest
    );
    assert!(matches!(
        r.register(&request("maria", Some(&auth), "sip:m@h;expires=99999"), 3),
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
