#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Requests sent to an Immigration Services Officer, against real parts on loopback: the
//! engine with SQLite on disk, aiosmtpd as the SMTP server the confirmations reach (parsed
//! back with Python's email package, as a mail client would), SIPp as the caller, and the
//! admin over real HTTP with its token.

mod serve_support;

use serve_support::messaging::{SmtpServer, mails};
use serve_support::*;
use std::path::{Path, PathBuf};

const TOKEN: &str = "supervisor-token-7f3a";
const AUTH: &str = "Authorization: Bearer supervisor-token-7f3a";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ivr-escalate-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Mail to 127.0.0.1:`smtp_port`, the admin token, and `escalation` settings.
fn config(dir: &Path, smtp_port: u16, escalation: &str) -> PathBuf {
    let path = dir.join("ivr.yaml");
    std::fs::write(
        &path,
        format!(
            "email:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: plain\n  \
             from: \"USCIS Contact Center <noreply@uscis.example>\"\n  timeout_s: 3\n\
             admin:\n  token: \"{TOKEN}\"\n{escalation}"
        ),
    )
    .unwrap();
    path
}

/// A mail's subject, recipient and text body, decoded as a mail client decodes them
/// (RFC 2047 headers, quoted-printable or base64 bodies).
fn decoded(raw: &str) -> (String, String, String) {
    let script = "import sys, email, email.policy\n\
                  m = email.message_from_string(sys.stdin.read(), policy=email.policy.default)\n\
                  print(m['subject']); print(m['to']); print(m.get_body(('plain',)).get_content(), end='')";
    let mut child = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.splitn(3, '\n');
    (
        lines.next().unwrap_or_default().to_string(),
        lines.next().unwrap_or_default().to_string(),
        lines.next().unwrap_or_default().to_string(),
    )
}

/// The date `days` from today in New York (the shipped flow's zone), as each language writes
/// it (the writing itself is pinned by ivr-flow's own tests).
fn expected_date(days: i64) -> (String, String) {
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let date = jiff::Timestamp::now()
        .to_zoned_datetime(zone)
        .date()
        .checked_add(jiff::Span::new().days(days))
        .unwrap();
    (
        ivr_flow::text::written_date(date, "en-US"),
        ivr_flow::text::written_date(date, "es-US"),
    )
}

fn mail_to(mail: &[String], to: &str) -> (String, String) {
    mail.iter()
        .map(|m| decoded(m))
        .find(|(_, recipient, _)| recipient == to)
        .map(|(subject, _, body)| (subject, body))
        .unwrap_or_else(|| panic!("no mail to {to}: {mail:?}"))
}

#[test]
fn an_agent_escalates_from_the_admin_and_the_caller_is_emailed_in_their_language() {
    let dir = temp_dir("admin");
    let smtp = SmtpServer::start(dir.join("mail"), free_port());
    // One closed request is history enough here, so the third estimate comes from it.
    let config = config(
        &dir,
        smtp.port,
        "escalation:\n  estimate_days: 10\n  history_min_requests: 1\n",
    );
    let engine = engine_with(
        &["--config", config.to_str().unwrap()],
        &[],
        std::process::Stdio::null(),
    );

    // Without the token: refused, nothing recorded.
    let english = r#"{"email": "Ana.Smith@Example.com", "lang": "en-US",
        "topic": "Green card never arrived after approval", "agent": "agent1"}"#;
    assert_eq!(
        admin_post_json(&engine, "/escalations", english, &[]).0,
        401
    );

    let (status, body) = admin_post_json(&engine, "/escalations", english, &[AUTH]);
    assert_eq!(status, 201, "{body}");
    let first: serde_json::Value = serde_json::from_str(&body).unwrap();
    // The domain is case-insensitive and lowered; the mailbox part is the owner's to spell.
    assert_eq!(first["email"], "Ana.Smith@example.com");
    assert_eq!(first["requested_by"], "agent agent1");
    assert_eq!(first["estimate_days"], 10);
    assert!(
        first["estimate_basis"]
            .as_str()
            .unwrap()
            .starts_with("configured"),
        "{first}"
    );
    let spanish = r#"{"email": "jose@example.org", "lang": "es-US",
        "topic": "Mi permiso de trabajo está atrasado", "agent": "agente2"}"#;
    let (status, body) = admin_post_json(&engine, "/escalations", spanish, &[AUTH]);
    assert_eq!(status, 201, "{body}");
    let second: serde_json::Value = serde_json::from_str(&body).unwrap();

    let mail = mails(&smtp.maildir, 2, 15);
    assert_eq!(mail.len(), 2, "{mail:?}");
    let (en_date, es_date) = expected_date(10);
    let (subject, text) = mail_to(&mail, "Ana.Smith@example.com");
    let id = first["id"].as_i64().unwrap();
    assert_eq!(
        subject,
        format!("USCIS: your request {id} was sent to an Immigration Services Officer")
    );
    assert!(text.contains(&format!("Request number: {id}\n")), "{text}");
    assert!(
        text.contains(&format!(
            "we will contact you by {en_date} (within 10 days)"
        )),
        "{text}"
    );
    let (subject, text) = mail_to(&mail, "jose@example.org");
    let id2 = second["id"].as_i64().unwrap();
    assert_eq!(
        subject,
        format!("USCIS: su solicitud {id2} fue enviada a un Oficial de Servicios de Inmigración")
    );
    assert!(
        text.contains(&format!("Número de solicitud: {id2}\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "le contactaremos antes del {es_date} (en un plazo de 10 días)"
        )),
        "{text}"
    );

    // Listed until an officer closes it; closed once.
    let (_, listed) =
        admin_request_with(&engine, "GET", "/escalations", &["Host: 127.0.0.1", AUTH]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let close = format!("/escalations/{id}/close");
    let (status, body) = admin_post_json(&engine, &close, r#"{"by": "officer 7"}"#, &[AUTH]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"closed_by\": \"officer 7\""), "{body}");
    assert_eq!(admin_post_json(&engine, &close, "", &[AUTH]).0, 409);
    let (_, listed) =
        admin_request_with(&engine, "GET", "/escalations", &["Host: 127.0.0.1", AUTH]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

    // Closed within the day: the history now says one day, and says it is history.
    let (status, body) = admin_post_json(&engine, "/escalations", spanish, &[AUTH]);
    assert_eq!(status, 201, "{body}");
    let third: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(third["estimate_days"], 1, "{third}");
    assert!(
        third["estimate_basis"]
            .as_str()
            .unwrap()
            .starts_with("history: 90% of the 1 requests"),
        "{third}"
    );

    // Bad input gets a reason, and records nothing.
    let cases = [
        (
            r#"{"email": "x@example.com", "lang": "fr-FR", "topic": "t"}"#,
            422,
            "fr-FR",
        ),
        (
            r#"{"email": "not an address", "lang": "en-US", "topic": "t"}"#,
            422,
            "email",
        ),
        (
            r#"{"email": "x@example.com", "lang": "en-US"}"#,
            400,
            "topic",
        ),
        (
            r#"{"email": "x@example.com", "lang": "en-US", "topic": "t", "priority": 1}"#,
            400,
            "priority",
        ),
        ("not json", 400, "JSON"),
    ];
    for (json, status, says) in cases {
        let (got, body) = admin_post_json(&engine, "/escalations", json, &[AUTH]);
        assert_eq!(got, status, "{json}: {body}");
        assert!(body.contains(says), "{json}: {body}");
    }
    let (_, all) = admin_request_with(
        &engine,
        "GET",
        "/escalations?all=1",
        &["Host: 127.0.0.1", AUTH],
    );
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(3), "{all}");
}

#[test]
fn a_flows_escalate_state_records_the_request_and_emails_the_confirmation() {
    let dir = temp_dir("flow");
    let smtp = SmtpServer::start(dir.join("mail"), free_port());
    let config = config(&dir, smtp.port, "");
    let records = records_file("escalations");
    let engine = engine_with(
        &[
            "--config",
            config.to_str().unwrap(),
            "--flow",
            "crates/ivr/tests/flows/escalate.yaml",
            "--records",
            records.to_str().unwrap(),
        ],
        &[],
        std::process::Stdio::null(),
    );
    call_pressing(&engine, "1", 1500, 25);
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["states"],
        serde_json::json!(["offer", "escalate", "recorded", "done"]),
        "{record}"
    );
    let mail = mails(&smtp.maildir, 1, 15);
    assert_eq!(mail.len(), 1, "{mail:?}");
    let (subject, text) = mail_to(&mail, "maria.lopez@example.com");
    let (_, listed) =
        admin_request_with(&engine, "GET", "/escalations", &["Host: 127.0.0.1", AUTH]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let request = &listed[0];
    let id = request["id"].as_i64().unwrap();
    assert_eq!(
        subject,
        format!("La solicitud {id} fue enviada a un oficial")
    );
    let (_, es_date) = expected_date(10);
    assert_eq!(
        text.trim_end(),
        format!(
            "Su solicitud: mi tarjeta verde nunca llegó. Le contactaremos antes del {es_date} (10 días)."
        )
    );
    assert_eq!(request["requested_by"], "flow");
    assert_eq!(request["caller"], "+12025550143");
    assert_eq!(request["lang"], "es-US");
    assert_eq!(request["topic"], "mi tarjeta verde nunca llegó");
    assert_eq!(request["call_id"], record["call_id"]);
}
