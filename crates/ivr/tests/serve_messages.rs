#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Text messages, emails and callbacks from live calls, against real servers on loopback: an
//! HTTP receiver as the SMS provider's webhook, aiosmtpd as the SMTP server, SQLite on disk.

mod serve_support;

use serve_support::messaging::{SmsReceiver, SmtpServer, mails};
use serve_support::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LINK_FLOW: &str = "crates/ivr/tests/flows/link.yaml";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ivr-messages-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An engine configuration sending texts to `sms_url` and mail to 127.0.0.1:`smtp_port`.
fn config(dir: &Path, sms_url: &str, smtp_port: u16) -> PathBuf {
    let path = dir.join("ivr.yaml");
    std::fs::write(
        &path,
        format!(
            "sms:\n  url: \"{sms_url}\"\n  from: \"+18003755283\"\n  \
             authorization_env: IVR_TEST_SMS_TOKEN\n\
             email:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: plain\n  \
             from: \"USCIS Contact Center <noreply@uscis.example>\"\n  timeout_s: 3\n"
        ),
    )
    .unwrap();
    path
}

const TOKEN: (&str, &str) = ("IVR_TEST_SMS_TOKEN", "Bearer test-token");

/// A call that presses 1 (SIP INFO) after `pause_ms` and waits for the engine's BYE.
fn call_pressing_1(engine: &Engine, pause_ms: u64) {
    call_pressing(engine, "1", pause_ms, 25);
}

#[test]
fn a_caller_who_accepts_a_link_gets_it_by_text_and_by_email_and_a_callback_is_recorded() {
    let dir = temp_dir("accepts");
    let sms = SmsReceiver::start(&[]);
    let smtp = SmtpServer::start(dir.join("mail"), free_port());
    let config = config(&dir, &sms.url, smtp.port);
    let records = records_file("messages");
    let engine = engine_with(
        &[
            "--config",
            config.to_str().unwrap(),
            "--flow",
            LINK_FLOW,
            "--records",
            records.to_str().unwrap(),
        ],
        &[TOKEN],
        std::process::Stdio::null(),
    );
    call_pressing_1(&engine, 1500);
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["states"],
        serde_json::json!([
            "offer",
            "send_text",
            "send_email",
            "record_callback",
            "recorded",
            "done"
        ]),
        "{record}"
    );

    let texts = sms.wait_for(1, 10);
    assert_eq!(texts.len(), 1, "{texts:?}");
    let text = &texts[0];
    assert_eq!(text.body["to"], "+12025550143");
    assert_eq!(text.body["from"], "+18003755283");
    assert_eq!(
        text.body["body"],
        "USCIS: here is the link you asked for: https://uscis.gov/forms"
    );
    assert_eq!(text.authorization.as_deref(), Some("Bearer test-token"));
    assert!(
        text.idempotency_key
            .as_deref()
            .is_some_and(|k| k.starts_with("ivr-outbox-"))
    );

    let mail = mails(&smtp.maildir, 1, 10);
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(
        mail[0].contains("To: maria.lopez@example.com"),
        "{}",
        mail[0]
    );
    assert!(
        mail[0].contains("Subject: The USCIS link you asked for"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("https://uscis.gov/forms"), "{}", mail[0]);
    assert!(mail[0].contains("Message-ID: <ivr-outbox-"), "{}", mail[0]);

    // The callback is on the admin page until an agent marks it done.
    let (status, body) = admin_get(&engine, "/callbacks");
    assert_eq!(status, 200);
    let callbacks: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(callbacks[0]["number"], "+12025550143", "{callbacks}");
    assert_eq!(callbacks[0]["queue"], "agents-en");
    let id = callbacks[0]["id"].as_i64().unwrap();
    assert_eq!(admin_post(&engine, &format!("/callbacks/{id}/done")).0, 200);
    assert_eq!(admin_post(&engine, &format!("/callbacks/{id}/done")).0, 409);
    assert_eq!(admin_get(&engine, "/callbacks").1.trim(), "[]");
    let (_, sent) = admin_get(&engine, "/outbox?state=sent");
    let sent: serde_json::Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(sent.as_array().map(Vec::len), Some(2), "{sent}");
}

#[test]
fn the_shipped_flow_texts_the_forms_link_to_a_caller_who_says_yes() {
    // A caller (fixture en-forms: "where can I download a form", then "sure") on the shipped
    // flow at 10:00 Eastern, calling from +12025550143.
    let dir = temp_dir("shipped");
    let sms = SmsReceiver::start(&[]);
    let config = config(&dir, &sms.url, free_port());
    let records = records_file("shipped-sms");
    let engine = engine_with(
        &[
            "--config",
            config.to_str().unwrap(),
            "--at",
            "2026-12-01T10:00:00-05:00",
            "--records",
            records.to_str().unwrap(),
        ],
        &[TOKEN],
        std::process::Stdio::null(),
    );
    let (rtp, rtp_port) = caller_rtp();
    let caller = stream_fixture(rtp, "en-forms.wav", 12);
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "44000".into())],
        60,
    );
    assert!(ok, "the call failed:\n{out}");
    caller.join().unwrap();
    let texts = sms.wait_for(1, 10);
    assert_eq!(
        texts.len(),
        1,
        "no text message: {}",
        std::fs::read_to_string(&records).unwrap_or_default()
    );
    assert_eq!(texts[0].body["to"], "+12025550143");
    assert!(
        texts[0].body["body"]
            .as_str()
            .unwrap()
            .contains("https://uscis.gov/forms"),
        "{:?}",
        texts[0]
    );
    let record = &call_records(&records, 1)[0];
    let events = record["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "notify" && e["channel"] == "sms"),
        "{record}"
    );
}

#[test]
fn a_bad_address_is_refused_and_a_server_that_is_down_is_retried() {
    let dir = temp_dir("retry");
    // The SMS provider fails once (503), then takes the message; SMTP is down at first.
    let sms = SmsReceiver::start(&[503]);
    let smtp_port = free_port();
    let config = config(&dir, &sms.url, smtp_port);
    let records = records_file("retry");
    let engine = engine_with(
        &[
            "--config",
            config.to_str().unwrap(),
            "--flow",
            LINK_FLOW,
            "--records",
            records.to_str().unwrap(),
        ],
        &[TOKEN],
        std::process::Stdio::null(),
    );
    call_pressing_1(&engine, 1500);
    // Queued both: the caller was told; delivery is the outbox's business.
    let record = &call_records(&records, 1)[0];
    assert_eq!(record["states"][2], "send_email", "{record}");
    let texts = sms.wait_for(1, 15);
    assert_eq!(texts.len(), 1, "the text was not retried after the 503");
    let (_, pending) = admin_get(&engine, "/outbox");
    let pending: serde_json::Value = serde_json::from_str(&pending).unwrap();
    assert_eq!(pending[0]["channel"], "email", "{pending}");
    assert!(
        pending[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("SMTP")),
        "{pending}"
    );
    // The mail server comes up: the next retry (5 s, then 10 s) delivers it, once.
    let smtp = SmtpServer::start(dir.join("mail"), smtp_port);
    assert_eq!(
        mails(&smtp.maildir, 1, 25).len(),
        1,
        "the email was not retried"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(mails(&smtp.maildir, 2, 0).len(), 1, "sent twice");
    assert_eq!(sms.wait_for(2, 0).len(), 1, "text sent twice");

    // A flow whose email address is no address: refused before queueing (its failure state).
    let flow = dir.join("link-bad-email.yaml");
    let text = std::fs::read_to_string(repo().join(LINK_FLOW)).unwrap();
    std::fs::write(
        &flow,
        text.replace("maria.lopez@example.com", "maria@@example"),
    )
    .unwrap();
    let records = records_file("bad-email");
    let engine = engine_with(
        &[
            "--config",
            config.to_str().unwrap(),
            "--flow",
            flow.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
            "--database",
            dir.join("bad.db").to_str().unwrap(),
        ],
        &[TOKEN],
        std::process::Stdio::null(),
    );
    call_pressing_1(&engine, 1500);
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["states"],
        serde_json::json!([
            "offer",
            "send_text",
            "send_email",
            "email_failed",
            "record_callback",
            "recorded",
            "done"
        ]),
        "{record}"
    );
}

#[test]
fn sigkill_right_after_the_callback_is_recorded_loses_nothing_and_repeats_nothing() {
    let dir = temp_dir("sigkill");
    let sms = SmsReceiver::start(&[]);
    let smtp_port = free_port();
    let config = config(&dir, &sms.url, smtp_port);
    // Both engines, before and after the kill, on one database.
    let database = dir.join("ivr.db");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--flow",
        LINK_FLOW,
        "--database",
        database.to_str().unwrap(),
    ];
    let log_path = dir.join("engine.log");
    let mut engine = engine_with(&args, &[TOKEN], std::fs::File::create(&log_path).unwrap());
    let call = call_in_background(
        engine.port,
        "call_info.xml",
        vec![("pause_ms", "1500".into()), ("key", "1".into())],
        15,
    );
    // "Your callback is recorded." starts playing: the engine dies.
    kill_when_logged(
        &mut engine,
        &log_path,
        r#""type":"prompt","id":"recorded""#,
        15,
    );
    let _ = call.join();

    // The mail server is up now; a new engine on the same database sends what was pending.
    let smtp = SmtpServer::start(dir.join("mail"), smtp_port);
    let engine = engine_with(&args, &[TOKEN], std::process::Stdio::null());
    let (_, callbacks) = admin_get(&engine, "/callbacks");
    let callbacks: serde_json::Value = serde_json::from_str(&callbacks).unwrap();
    assert_eq!(callbacks.as_array().map(Vec::len), Some(1), "{callbacks}");
    assert_eq!(callbacks[0]["number"], "+12025550143");
    assert_eq!(
        mails(&smtp.maildir, 1, 15).len(),
        1,
        "the pending email was lost"
    );
    assert_eq!(sms.wait_for(1, 5).len(), 1, "the text was lost");
    // Nothing goes twice, however long we wait for a repeat.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(mails(&smtp.maildir, 2, 0).len(), 1, "an email went twice");
    assert_eq!(sms.wait_for(2, 0).len(), 1, "a text went twice");
}

#[test]
fn a_spanish_caller_at_21_leaves_a_callback_that_survives_sigkill() {
    // The shipped flow at 21:00 Eastern (agents closed): a caller asks for an agent in Spanish
    // (fixture es-agente), hears the hours, is offered a callback and presses 1; the engine
    // is killed the moment it says the callback is recorded.
    let dir = temp_dir("closed-callback");
    let database = dir.join("ivr.db");
    let log_path = dir.join("engine.log");
    let args = [
        "--at",
        "2026-12-01T21:00:00-05:00",
        "--database",
        database.to_str().unwrap(),
    ];
    let mut engine = engine_with(&args, &[], std::fs::File::create(&log_path).unwrap());
    let (rtp, rtp_port) = caller_rtp();
    let (keys, pressed) = std::sync::mpsc::channel();
    let caller = stream_fixture_with_keys(rtp, "es-agente.wav", 60, Some(pressed));
    let port = engine.port;
    let call = std::thread::spawn(move || {
        run_sipp(
            port,
            "call.xml",
            &[("rtp_port", rtp_port), ("hold_ms", "70000".into())],
            90,
        )
    });
    let deadline = Instant::now() + Duration::from_secs(80);
    let mut offered = false;
    loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if !offered && log.contains(r#""type":"listen","state":"offer_callback""#) {
            keys.send(1).unwrap();
            offered = true;
        }
        if log.contains(r#""type":"prompt","id":"callback_recorded""#) {
            assert!(log.contains(r#""lang":"es-US""#), "{log}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no callback was recorded:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    kill_now(&mut engine);
    drop(caller);
    drop(call);

    let engine = engine_with(&args, &[], std::process::Stdio::null());
    let (_, callbacks) = admin_get(&engine, "/callbacks");
    let callbacks: serde_json::Value = serde_json::from_str(&callbacks).unwrap();
    assert_eq!(callbacks.as_array().map(Vec::len), Some(1), "{callbacks}");
    assert_eq!(callbacks[0]["number"], "+12025550143");
    assert_eq!(callbacks[0]["queue"], "agents-es");
    assert_eq!(callbacks[0]["lang"], "es-US");
}
