#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A public number, reached by anyone: caller ID only a trusted trunk vouches for, caps on the
//! texts callers can have sent, per-source call limits, and no audio aimed at an address that
//! never sent any. Real SIPp callers (from 127.0.0.1 and 127.0.0.2), a real HTTP receiver as
//! the SMS provider, real UDP sockets as the "third party".

mod serve_support;

use serve_support::baresip::{Baresip, silent_mic};
use serve_support::messaging::SmsReceiver;
use serve_support::*;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

const LINK_FLOW: &str = "crates/ivr/tests/flows/link.yaml";

/// An engine configuration texting through `sms_url`, trusting `trunks`, plus `more` YAML.
fn config(name: &str, sms_url: &str, trunks: &str, more: &str) -> std::path::PathBuf {
    engine_config(
        name,
        &format!("sms: {{ url: \"{sms_url}\" }}\nsip: {{ trunks: {trunks} }}\n{more}"),
    )
}

/// A caller from `from_user` (with an extra `identity` header line) that presses 1 by SIP
/// INFO on the link flow and waits for the engine's BYE.
fn call_pressing_1(engine: &Engine, from_user: &str, identity: &str, local_ip: &str) {
    let (ok, out) = run_sipp_with(
        engine.port,
        "call_info_from.xml",
        &[
            ("rtp_port", "40002".into()),
            ("pause_ms", "800".into()),
            ("key", "1".into()),
            ("from_user", from_user.into()),
            ("identity", identity.into()),
        ],
        &SippRun {
            local_ip,
            timeout_s: 25,
            ..SippRun::default()
        },
    );
    assert!(ok, "the call did not end with the engine's BYE:\n{out}");
}

fn link_engine(config: &std::path::Path, records: &std::path::Path) -> Engine {
    engine(&[
        "--config",
        config.to_str().unwrap(),
        "--flow",
        LINK_FLOW,
        "--records",
        records.to_str().unwrap(),
    ])
}

#[test]
fn a_number_no_trunk_vouches_for_is_not_texted_or_called_back() {
    let sms = SmsReceiver::start(&[]);
    let records = records_file("unverified");
    // Only 192.0.2.0/24 is a trunk: the SIPp caller on loopback is anyone on the internet.
    let config = config("unverified", &sms.url, "[\"192.0.2.0/24\"]", "");
    let engine = link_engine(&config, &records);
    call_pressing_1(&engine, "+12025550143", "X-Test: none", "127.0.0.1");
    let record = &call_records_within(&records, 1, 10)[0];
    assert_eq!(record["caller"], "+12025550143");
    assert_eq!(record["caller_verified"], false, "{record}");
    let states = record["states"].as_array().unwrap();
    for failed in ["text_failed", "callback_failed"] {
        assert!(states.iter().any(|s| s == failed), "{record}");
    }
    assert!(
        sms.wait_for(1, 3).is_empty(),
        "a text went to a spoofable number"
    );
    let (_, callbacks) = admin_get(&engine, "/callbacks");
    assert_eq!(callbacks.trim(), "[]");
    let (_, metrics) = admin_get(&engine, "/metrics");
    assert!(
        metrics
            .contains("ivr_requests_refused_total{kind=\"sms\",reason=\"unverified_caller_id\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_trunks_asserted_identity_is_the_caller_and_is_texted() {
    let sms = SmsReceiver::start(&[]);
    let records = records_file("asserted");
    // Loopback is the trunk here (a proxy on this machine): its P-Asserted-Identity wins
    // over a From that says anonymous.
    let config = config("asserted", &sms.url, "[\"127.0.0.1\"]", "");
    let engine = link_engine(&config, &records);
    call_pressing_1(
        &engine,
        "anonymous",
        "P-Asserted-Identity: <sip:+13035550199@carrier.example;user=phone>",
        "127.0.0.1",
    );
    let record = &call_records_within(&records, 1, 10)[0];
    assert_eq!(record["caller"], "+13035550199", "{record}");
    assert_eq!(record["caller_verified"], true, "{record}");
    let texts = sms.wait_for(1, 10);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert_eq!(texts[0].body["to"], "+13035550199");
}

#[test]
fn one_source_cannot_pump_texts_to_many_numbers() {
    let sms = SmsReceiver::start(&[]);
    let records = records_file("pumping");
    // Even with caller ID believed (an operator's choice), one source gets 2 texts an hour.
    let config = config(
        "pumping",
        &sms.url,
        "[]",
        "message_limits: { unverified_caller_id: true, per_source_per_hour: 2 }\n",
    );
    let engine = link_engine(&config, &records);
    for n in 0..5 {
        call_pressing_1(
            &engine,
            &format!("+1303555{n:04}"),
            "X-Test: none",
            "127.0.0.1",
        );
    }
    call_records_within(&records, 5, 10);
    let texts = sms.wait_for(3, 5);
    assert_eq!(texts.len(), 2, "{texts:?}");
    let (_, metrics) = admin_get(&engine, "/metrics");
    assert!(
        metrics
            .contains("ivr_requests_refused_total{kind=\"sms\",reason=\"per_source_per_hour\"} 3"),
        "{metrics}"
    );
}

#[test]
fn silent_calls_from_one_source_cannot_take_every_slot_or_aim_audio_elsewhere() {
    let records = records_file("flood");
    // Nothing is a trunk; defaults otherwise: 20 calls, 4 per source, first packet in 5 s.
    let config = engine_config("flood", "sip: { trunks: [] }\n");
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--flow",
        KEYS_FLOW,
        "--records",
        records.to_str().unwrap(),
    ]);
    // The "third party" whose address the flood's SDP names.
    let victim = UdpSocket::bind("127.0.0.1:0").unwrap();
    let victim_port = victim.local_addr().unwrap().port();
    victim
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let port = engine.port;
    let flood = std::thread::spawn(move || {
        run_sipp_with(
            port,
            "silent_flood.xml",
            &[("rtp_port", victim_port.to_string())],
            &SippRun {
                calls: 40,
                rate: 40,
                timeout_s: 30,
                ..SippRun::default()
            },
        )
    });
    std::thread::sleep(Duration::from_millis(2000));
    // A caller from another address gets through while the flood holds its calls.
    let started = Instant::now();
    call_pressing_1(&engine, "+12025550143", "X-Test: none", "127.0.0.2");
    assert!(started.elapsed() < Duration::from_secs(20));
    let mut aimed = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut buf = [0u8; 2048];
    while Instant::now() < deadline {
        if victim.recv_from(&mut buf).is_ok() {
            aimed += 1;
        }
    }
    let (flood_ok, flood_out) = flood.join().unwrap();
    assert!(flood_ok, "{flood_out}");
    assert_eq!(
        aimed, 0,
        "prompt audio went to an address that never sent RTP"
    );
    let records = call_records_within(&records, 5, 15);
    let flood_calls: Vec<_> = records
        .iter()
        .filter(|r| r["caller"] == "+12025550199")
        .collect();
    assert_eq!(flood_calls.len(), 4, "{records:?}");
    for call in flood_calls {
        assert_eq!(call["ended_by"], "rtp_timeout", "{call}");
        let answered: jiff::Timestamp = call["answer"].as_str().unwrap().parse().unwrap();
        let ended: jiff::Timestamp = call["end"].as_str().unwrap().parse().unwrap();
        let held = ended.duration_since(answered).as_secs_f64();
        assert!(held < 10.0, "a silent call held its slot {held} s: {call}");
    }
    let (_, metrics) = admin_get(&engine, "/metrics");
    assert!(
        metrics.contains("ivr_calls_refused_total{reason=\"source_concurrency\"} 36"),
        "{metrics}"
    );
}

#[test]
fn a_real_softphone_from_an_untrusted_address_still_hears_the_greeting() {
    // The engine waits for the phone's first packet before it speaks; baresip sends at once,
    // so the caller hears the greeting as from a trunk.
    let records = records_file("untrusted-phone");
    let config = engine_config("untrusted-phone", "sip: { trunks: [] }\n");
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--records",
        records.to_str().unwrap(),
    ]);
    let dial = format!("sip:8003755283@127.0.0.1:{}", engine.port);
    let mut caller = Baresip::caller("untrusted", &silent_mic(20), Some(&dial), 12);
    caller.wait(20);
    let record = &call_records_within(&records, 1, 15)[0];
    assert_eq!(record["caller_verified"], false, "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}\n{}", caller.log());
    let heard = caller.heard();
    assert!(
        heard_prompt_samples(&heard, "en-US/welcome.wav"),
        "no greeting"
    );
}

#[test]
fn logs_errors_and_the_admin_carry_no_secret_and_no_callers_number() {
    // The provider's key is in its URL, as some providers want it; it refuses the message.
    let sms = SmsReceiver::start(&[400]);
    let url = format!("{}?key=SECRET-4711", sms.url);
    let records = records_file("no-secrets");
    let config = config("no-secrets", &url, "[\"127.0.0.1\"]", "");
    let log_path = std::env::temp_dir().join(format!("ivr-no-secrets-{}.log", std::process::id()));
    let engine = engine_logging_to(
        &[
            "--config",
            config.to_str().unwrap(),
            "--flow",
            LINK_FLOW,
            "--records",
            records.to_str().unwrap(),
        ],
        std::fs::File::create(&log_path).unwrap(),
    );
    call_pressing_1(&engine, "+12025550143", "X-Test: none", "127.0.0.1");
    // The call record, the audited store, keeps the number.
    let record = &call_records_within(&records, 1, 10)[0];
    assert_eq!(record["caller"], "+12025550143");
    let deadline = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let (_, body) = admin_get(&engine, "/outbox?state=failed");
        let failed: serde_json::Value = serde_json::from_str(&body).unwrap();
        if failed.as_array().is_some_and(|f| !f.is_empty()) || Instant::now() > deadline {
            break failed;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let error = failed[0]["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("answered 400"), "{failed}");
    assert!(!error.contains("SECRET"), "{error}");
    drop(engine);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("outbox"), "{log}");
    assert!(
        !log.contains("SECRET"),
        "the provider's key is in the log:\n{log}"
    );
    assert!(
        !log.contains("2025550143"),
        "the caller's number is in the log:\n{log}"
    );
}

#[test]
fn callers_that_drop_their_tcp_connection_after_the_invite_leave_no_open_files() {
    // Found by the soak: each such call used to keep one socket open for ever.
    let config = engine_config("tcp-reset", "sip: { trunks: [] }\n");
    let engine = engine(&["--config", config.to_str().unwrap(), "--flow", KEYS_FLOW]);
    let fd_dir = format!("/proc/{}/fd", engine.child.id());
    let open_files = || std::fs::read_dir(&fd_dir).unwrap().count();
    let before = open_files();
    for n in 0..3 {
        let invite = format!(
            "INVITE sip:8003755283@127.0.0.1:{port} SIP/2.0\r\n\
             Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-reset{n}\r\n\
             From: <sip:+12025550143@127.0.0.1>;tag=r{n}\r\n\
             To: <sip:8003755283@127.0.0.1:{port}>\r\n\
             Call-ID: reset-{n}@127.0.0.1\r\nCSeq: 1 INVITE\r\n\
             Contact: <sip:+12025550143@127.0.0.1:5099;transport=tcp>\r\nMax-Forwards: 70\r\n\
             Content-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{sdp}",
            port = engine.port,
            len = SDP.len(),
            sdp = SDP,
        );
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", engine.port)).unwrap();
        std::io::Write::write_all(&mut stream, invite.as_bytes()).unwrap();
        drop(stream);
        std::thread::sleep(Duration::from_millis(300));
    }
    // Each call is answered, never acknowledged, and given up; its transaction is bounded
    // (a minute past the ringing), so its socket is closed by then.
    let deadline = Instant::now() + Duration::from_secs(120);
    while open_files() > before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(1));
    }
    assert!(
        open_files() <= before,
        "{} open files before the calls, {} two minutes after",
        before,
        open_files()
    );
}

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                   m=audio 40000 RTP/AVP 0\r\na=sendrecv\r\n";
