#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `ivr serve` called by baresip (Debian `baresip-core`, installed by `make test`), a real
//! softphone, on loopback: a WAV file is its microphone, and it records what it hears. Every
//! baresip quits by itself (`-t`) and is killed when dropped; every wait is bounded.

mod serve_support;

use serve_support::baresip::{Baresip, mic, padded_mic, silent_mic, tone, tone_windows};
use serve_support::*;
use std::time::{Duration, Instant};

fn dial_uri(engine: &Engine) -> String {
    format!("sip:8003755283@127.0.0.1:{}", engine.port)
}

#[test]
fn baresip_asks_for_an_agent_at_10_eastern_and_follows_the_transfer() {
    // The agent: a SIPp callee the caller's phone is transferred to.
    let agent_port = free_port();
    let mut agent = sipp_callee("agent_uas.xml", agent_port, 90);
    let agents = format!("sip:agents-en@127.0.0.1:{agent_port}");
    let config = engine_config(
        "baresip-transfer",
        &format!("queues:\n  agents-en: {{ refer_to: \"{agents}\" }}\n"),
    );
    let records = records_file("baresip-transfer");
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--at",
        "2026-12-01T10:00:00-05:00",
        "--records",
        records.to_str().unwrap(),
    ]);
    // The caller asks for a representative 12.9 s into the call, then stays silent.
    let mic = padded_mic("en-agent-representative.wav", 60);
    let caller = Baresip::caller("transfer", &mic, Some(&dial_uri(&engine)), 70);

    // The engine hangs up on the caller once the agent answered (NOTIFY 200).
    let record = &call_records_within(&records, 1, 60)[0];
    assert_eq!(
        record["ended_by"],
        "transferred",
        "{record}\n{}",
        caller.log()
    );
    assert_eq!(record["transfer"]["refer_to"], agents.as_str());
    assert_eq!(record["transfer"]["result"], "connected");
    assert_eq!(record["caller"], "caller", "{record}");
    let events = record["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "intent" && e["name"] == "agent"),
        "{record}"
    );
    // The caller heard the greeting and "please hold while I connect you", sample for sample.
    let heard = caller.heard();
    assert!(
        heard_prompt_samples(&heard, "en-US/welcome.wav"),
        "no greeting"
    );
    assert!(
        heard_prompt_samples(&heard, "en-US/connecting.wav"),
        "no connecting"
    );
    // The agent got the call from the caller's phone; ending it ends the agent's scenario.
    caller.command("hangup", "");
    drop(caller);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = agent.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the agent never got its BYE");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "the agent's side of the transfer failed");
}

#[test]
fn baresip_keys_by_rfc_4733_lead_the_flow_to_its_end() {
    let records = records_file("baresip-keys");
    let engine = engine(&["--flow", KEYS_FLOW, "--records", records.to_str().unwrap()]);
    let mut caller = Baresip::caller("keys", &silent_mic(30), Some(&dial_uri(&engine)), 20);
    std::thread::sleep(Duration::from_millis(2500));
    caller.command("sndcode", "1");
    let record = &call_records_within(&records, 1, 15)[0];
    assert_eq!(record["ended_by"], "engine", "{record}\n{}", caller.log());
    assert_eq!(
        record["states"],
        serde_json::json!(["menu", "confirm", "done"])
    );
    let events = record["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "dtmf" && e["digits"] == "1"),
        "{record}"
    );
    caller.wait(20);
}

#[test]
fn baresip_gives_up_while_it_rings() {
    let records = records_file("baresip-cancel");
    let engine = engine(&[
        "--flow",
        KEYS_FLOW,
        "--answer-after-ms",
        "8000",
        "--records",
        records.to_str().unwrap(),
    ]);
    let caller = Baresip::caller("cancel", &silent_mic(30), Some(&dial_uri(&engine)), 20);
    // Hang up once the engine has the INVITE (it rings for 8 s): on a loaded machine baresip
    // may take seconds to start, and a hangup before its INVITE cancels nothing.
    let deadline = Instant::now() + Duration::from_secs(10);
    while admin_get(&engine, "/calls").1.trim() == "[]" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    caller.command("hangup", "");
    let record = &call_records_within(&records, 1, 10)[0];
    assert_eq!(
        record["ended_by"],
        "caller_cancelled",
        "{record}\n{}",
        caller.log()
    );
    assert!(record["answer"].is_null());
}

#[test]
fn baresip_hangs_up_in_the_middle_of_the_greeting() {
    let records = records_file("baresip-hangup");
    let engine = engine(&["--records", records.to_str().unwrap()]);
    let mut caller = Baresip::caller("hangup", &silent_mic(30), Some(&dial_uri(&engine)), 4);
    caller.wait(15);
    let record = &call_records_within(&records, 1, 10)[0];
    assert_eq!(record["ended_by"], "caller", "{record}\n{}", caller.log());
    assert_eq!(record["states"], serde_json::json!(["greeting"]));
    // It heard the call until it hung up (its recording holds the greeting so far).
    let heard = caller.heard();
    assert!(heard.len() > 8000 * 2, "{} samples heard", heard.len());
    let (status, _) = admin_get(&engine, "/healthz");
    assert_eq!(status, 200);
}

/// An engine with one agent account, maria (password s3cret, realm ivr), Spanish.
fn engine_with_an_agent() -> Engine {
    engine_with_an_agent_and(&["--flow", KEYS_FLOW])
}

fn engine_with_an_agent_and(extra: &[&str]) -> Engine {
    let config = engine_config(
        &format!("maria-{}", free_port()),
        &agents_yaml(&[("maria", "[es-US]")]),
    );
    let mut args = vec!["--config", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    engine(&args)
}

fn agent_account(engine: &Engine) -> String {
    format!(
        "<sip:maria@127.0.0.1:{}>;auth_pass=s3cret;regint=600;answermode=auto",
        engine.port
    )
}

fn agents(engine: &Engine) -> serde_json::Value {
    let (status, body) = admin_get(engine, "/agents");
    assert_eq!(status, 200);
    serde_json::from_str(&body).unwrap()
}

/// Waits up to 10 s for the agent's state on `/agents` to be `state`.
fn wait_for_agent_state(engine: &Engine, state: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = agents(engine);
        if list[0]["state"] == state || Instant::now() > deadline {
            return list;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_agent_phone_registers_with_digest_and_a_wrong_password_does_not() {
    let engine = engine_with_an_agent();
    assert_eq!(agents(&engine)[0]["state"], "offline");

    let wrong = Baresip::agent(
        "wrong-password",
        &silent_mic(30),
        &format!(
            "<sip:maria@127.0.0.1:{}>;auth_pass=guess;regint=600;answermode=auto",
            engine.port
        ),
        6,
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(agents(&engine)[0]["state"], "offline", "{}", wrong.log());
    drop(wrong);

    let phone = Baresip::agent(
        "agent",
        &silent_mic(30),
        &format!(
            "<sip:maria@127.0.0.1:{}>;auth_pass=s3cret;regint=600;answermode=auto",
            engine.port
        ),
        20,
    );
    let list = wait_for_agent_state(&engine, "available");
    assert_eq!(list[0]["state"], "available", "{list}\n{}", phone.log());
    assert_eq!(list[0]["languages"], serde_json::json!(["es-US"]));
    assert!(
        list[0]["contact"]
            .as_str()
            .is_some_and(|c| c.starts_with("sip:maria") && c.contains("@127.0.0.1:")),
        "{list}"
    );
}

#[test]
fn a_register_flood_is_slowed_and_the_engine_keeps_answering() {
    let engine = engine_with_an_agent();
    // 300 REGISTERs at once from one address (127.0.0.2; loopback is all of 127/8).
    let flood = std::net::UdpSocket::bind("127.0.0.2:0").unwrap();
    flood
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let port = flood.local_addr().unwrap().port();
    for i in 0..300 {
        let message = format!(
            "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.2:{port};branch=z9hG4bK-flood-{i}\r\n\
             From: <sip:maria@127.0.0.1>;tag=f{i}\r\nTo: <sip:maria@127.0.0.1>\r\n\
             Call-ID: flood-{i}@127.0.0.2\r\nCSeq: 1 REGISTER\r\n\
             Contact: <sip:maria@127.0.0.2:{port}>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        );
        flood
            .send_to(message.as_bytes(), ("127.0.0.1", engine.port))
            .unwrap();
    }
    let mut challenged = 0;
    let mut slowed = 0;
    let mut buf = [0u8; 4096];
    while let Ok((n, _)) = flood.recv_from(&mut buf) {
        let text = String::from_utf8_lossy(&buf[..n]);
        if text.starts_with("SIP/2.0 401") {
            challenged += 1;
        } else if text.starts_with("SIP/2.0 503") {
            slowed += 1;
        }
    }
    // A burst of 20 is let through (challenged), plus 5 a second while the flood lasts; the
    // rest is told to come back later. (Answers the socket's buffer dropped are not counted:
    // on a loaded machine they can be many.)
    assert!(
        challenged <= 40 && slowed >= 3 * challenged,
        "{challenged} challenged, {slowed} slowed down, of 300"
    );
    // Others are served meanwhile: OPTIONS, and a real phone registering.
    let (ok, out) = run_sipp(engine.port, "options.xml", &[], 5);
    assert!(ok, "{out}");
    let phone = Baresip::agent(
        "after-flood",
        &silent_mic(30),
        &format!(
            "<sip:maria@127.0.0.1:{}>;auth_pass=s3cret;regint=600;answermode=auto",
            engine.port
        ),
        15,
    );
    let list = wait_for_agent_state(&engine, "available");
    assert_eq!(list[0]["state"], "available", "{list}\n{}", phone.log());
}

#[test]
fn a_spanish_caller_at_10_is_bridged_to_a_spanish_agent_and_both_hear_each_other() {
    let records = records_file("bridged");
    let engine = engine_with_an_agent_and(&[
        "--at",
        "2026-12-01T10:00:00-05:00",
        "--records",
        records.to_str().unwrap(),
    ]);
    // The agent's voice is a 1 kHz tone; the caller asks for an agent in Spanish, then (from
    // 5 s after that) hums at 440 Hz.
    let agent = Baresip::agent(
        "maria",
        &mic("agent-1k", &tone(1000.0, 90)),
        &agent_account(&engine),
        80,
    );
    let list = wait_for_agent_state(&engine, "available");
    assert_eq!(list[0]["state"], "available", "{list}\n{}", agent.log());
    let mut voice = ivr_media::read_wav(repo().join("fixtures/es-agente.wav")).unwrap();
    voice.extend(std::iter::repeat_n(0, 8000 * 5));
    voice.extend(tone(440.0, 60));
    let mut caller = Baresip::caller(
        "es-caller",
        &mic("caller-es", &voice),
        Some(&dial_uri(&engine)),
        55,
    );
    caller.wait(70);
    let record = &call_records_within(&records, 1, 10)[0];
    assert_eq!(record["ended_by"], "caller", "{record}\n{}", caller.log());
    assert_eq!(
        record["transfer"],
        serde_json::json!({"queue": "agents-es", "agent": "maria", "result": "connected"}),
        "{record}"
    );
    assert_eq!(record["language"], "es-US");
    // Both heard each other: the caller the agent's tone, the agent the caller's hum.
    let caller_heard = tone_windows(&caller.heard(), 1000.0);
    let agent_heard = tone_windows(&agent.heard(), 440.0);
    assert!(
        caller_heard >= 20,
        "the caller heard the agent in {caller_heard} windows"
    );
    assert!(
        agent_heard >= 20,
        "the agent heard the caller in {agent_heard} windows"
    );
    // Neither heard the other's tone before the bridge: the caller never hears 440 Hz back.
    assert_eq!(tone_windows(&caller.heard(), 440.0), 0);
    let list = agents(&engine);
    assert_eq!(list[0]["state"], "wrap_up", "{list}");
}

#[test]
fn an_agent_who_does_not_answer_is_skipped_for_the_next() {
    // Two Spanish agents: maria's phone rings but nobody picks up; lucia's answers.
    let dir = std::env::temp_dir().join(format!("ivr-baresip-next-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = engine_config(
        "next-agent",
        &(agents_yaml(&[("maria", "[es-US]"), ("lucia", "[es]")]) + "ring_timeout_s: 3\n"),
    );
    let records = records_file("next-agent");
    let log_path = dir.join("engine.log");
    let engine = engine_logging_to(
        &[
            "--config",
            config.to_str().unwrap(),
            "--flow",
            "crates/ivr/tests/flows/queue.yaml",
            "--records",
            records.to_str().unwrap(),
        ],
        std::fs::File::create(&log_path).unwrap(),
    );
    let account = |name: &str, answer: &str| {
        format!(
            "<sip:{name}@127.0.0.1:{}>;auth_pass=s3cret;regint=600;answermode={answer}",
            engine.port
        )
    };
    let _maria = Baresip::agent(
        "maria-away",
        &silent_mic(60),
        &account("maria", "manual"),
        40,
    );
    let _lucia = Baresip::agent("lucia", &silent_mic(60), &account("lucia", "auto"), 40);
    let deadline = Instant::now() + Duration::from_secs(10);
    while agents(&engine)
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["state"] != "available")
    {
        assert!(Instant::now() < deadline, "{}", agents(&engine));
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_rtp, rtp_port) = caller_rtp();
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "8000".into())],
        20,
    );
    assert!(ok, "{out}");
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["transfer"],
        serde_json::json!({"queue": "agents-es", "agent": "lucia", "result": "connected"}),
        "{record}"
    );
    let list = agents(&engine);
    let state = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .map(|a| a["state"].clone())
    };
    assert_eq!(state("maria"), Some("available".into()), "{list}");
    assert_eq!(state("lucia"), Some("wrap_up".into()), "{list}");
    // Maria, idle as long, came first in line and rang out.
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("did not take the call") && l.contains("maria")),
        "{log}"
    );
}

#[test]
fn a_caller_waiting_for_a_busy_agent_hears_the_wait_and_leaves_a_callback() {
    let config = engine_config(
        "busy",
        &(agents_yaml(&[("maria", "[es-US]")]) + "announce_every_s: 5\n"),
    );
    let records = records_file("busy-agent");
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--flow",
        "crates/ivr/tests/flows/queue.yaml",
        "--records",
        records.to_str().unwrap(),
    ]);
    let _maria = Baresip::agent("maria-busy", &silent_mic(60), &agent_account(&engine), 50);
    wait_for_agent_state(&engine, "available");
    // Caller A gets Maria and keeps her 25 s.
    let first = call_in_background(
        engine.port,
        "call.xml",
        vec![("hold_ms", "25000".into())],
        40,
    );
    let list = wait_for_agent_state(&engine, "busy");
    assert_eq!(list[0]["state"], "busy", "{list}");
    // Caller B waits, hears where it stands, presses star, then 1 for a callback.
    let second = call_in_background(
        engine.port,
        "call_two_keys.xml",
        vec![
            ("pause_ms", "9000".into()),
            ("key", "*".into()),
            ("pause2_ms", "2500".into()),
            ("key2", "1".into()),
        ],
        30,
    );
    std::thread::sleep(Duration::from_secs(5));
    let (_, queues) = admin_get(&engine, "/queues");
    let queues: serde_json::Value = serde_json::from_str(&queues).unwrap();
    assert_eq!(queues[0]["queue"], "agents-es", "{queues}");
    assert_eq!(queues[0]["waiting"], 1, "{queues}");
    assert!(
        queues[0]["longest_wait_s"]
            .as_u64()
            .is_some_and(|s| (2..=6).contains(&s)),
        "{queues}"
    );
    let (ok, out) = second.join().unwrap();
    assert!(ok, "{out}");
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["states"],
        serde_json::json!([
            "hello",
            "to_agents",
            "offer_callback",
            "record_callback",
            "recorded",
            "done"
        ]),
        "{record}"
    );
    let announcements: Vec<&str> = record["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "announcement")
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert!(announcements.len() >= 2, "{record}");
    assert!(
        announcements[0].starts_with(
            "Usted es la próxima persona en la fila. El tiempo de espera estimado es de unos tres minutos."
        ),
        "{announcements:?}"
    );
    assert_eq!(
        record["transfer"]["result"],
        "the caller asked for a callback instead"
    );
    let (_, callbacks) = admin_get(&engine, "/callbacks");
    assert!(callbacks.contains("+12025550143"), "{callbacks}");
    let (ok, out) = first.join().unwrap();
    assert!(ok, "caller A: {out}");
    let records = call_records(&records, 2);
    assert_eq!(records[1]["transfer"]["agent"], "maria", "{}", records[1]);
}

#[test]
fn an_agent_at_a_fixed_address_takes_queue_calls_without_registering() {
    // A desk phone (SIPp answering and echoing audio) listed by its address.
    let desk_port = free_port();
    let mut desk = sipp_callee("agent_uas.xml", desk_port, 30);
    let config = engine_config(
        "desk",
        &format!(
            "agents:\n  desk: {{ uri: \"sip:desk@127.0.0.1:{desk_port}\", languages: [es] }}\n"
        ),
    );
    let records = records_file("desk");
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--flow",
        "crates/ivr/tests/flows/queue.yaml",
        "--records",
        records.to_str().unwrap(),
    ]);
    assert_eq!(agents(&engine)[0]["state"], "available");
    let (_rtp, rtp_port) = caller_rtp();
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "4000".into())],
        20,
    );
    assert!(ok, "{out}");
    let record = &call_records(&records, 1)[0];
    assert_eq!(record["transfer"]["agent"], "desk", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    // The caller's hangup reached the desk phone as a BYE: its scenario ends well.
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = desk.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the desk phone got no BYE");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success());
}

/// A REGISTER for maria from `socket`, with this Contact, CSeq and Authorization (if any);
/// the status of the answer and its `WWW-Authenticate` nonce, if any.
fn register_raw(
    engine: &Engine,
    socket: &std::net::UdpSocket,
    contact: &str,
    cseq: u32,
    authorization: Option<&str>,
) -> (u16, Option<String>) {
    let port = socket.local_addr().unwrap().port();
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let message = format!(
        "REGISTER sip:127.0.0.1:{engine_port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-replay-{cseq}\r\n\
         From: <sip:maria@127.0.0.1>;tag=r{cseq}\r\nTo: <sip:maria@127.0.0.1>\r\n\
         Call-ID: replay@127.0.0.1\r\nCSeq: {cseq} REGISTER\r\n\
         Contact: {contact}\r\n{auth}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        engine_port = engine.port
    );
    socket
        .send_to(message.as_bytes(), ("127.0.0.1", engine.port))
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let nonce = text
        .split("nonce=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_string);
    (status, nonce)
}

#[test]
fn a_register_seen_on_the_path_cannot_take_the_agents_calls() {
    use ivr_sip::digest::{ha1, md5_hex};
    let engine = engine_with_an_agent();
    let phone = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    phone
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let contact = format!(
        "<sip:maria@127.0.0.1:{}>",
        phone.local_addr().unwrap().port()
    );
    let (status, nonce) = register_raw(&engine, &phone, &contact, 1, None);
    assert_eq!(status, 401);
    let nonce = nonce.unwrap();
    let uri = format!("sip:127.0.0.1:{}", engine.port);
    let digest = |nc: u32, uri: &str| {
        let ha2 = md5_hex(&format!("REGISTER:{uri}"));
        let response = md5_hex(&format!(
            "{}:{nonce}:{nc:08x}:c0ffee:auth:{ha2}",
            ha1("maria", "ivr", "s3cret")
        ));
        format!(
            r#"Digest username="maria", realm="ivr", nonce="{nonce}", uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc={nc:08x}, cnonce="c0ffee""#
        )
    };
    let seen = digest(1, &uri);
    assert_eq!(
        register_raw(&engine, &phone, &contact, 2, Some(&seen)).0,
        200
    );
    // Someone who saw that REGISTER sends it again, from elsewhere, with their own Contact.
    let thief = std::net::UdpSocket::bind("127.0.0.3:0").unwrap();
    thief
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let theirs = format!(
        "<sip:maria@127.0.0.3:{}>",
        thief.local_addr().unwrap().port()
    );
    assert_eq!(
        register_raw(&engine, &thief, &theirs, 3, Some(&seen)).0,
        401
    );
    // Nor does a digest made for another Request-URI pass.
    let other = digest(2, "sip:elsewhere.example");
    assert_eq!(
        register_raw(&engine, &thief, &theirs, 4, Some(&other)).0,
        403
    );
    let maria = &agents(&engine)[0];
    assert_eq!(
        maria["contact"],
        contact.trim_matches(['<', '>']),
        "{maria}"
    );
    // The phone's own refresh (the next count) is taken.
    let refresh = digest(2, &uri);
    assert_eq!(
        register_raw(&engine, &phone, &contact, 5, Some(&refresh)).0,
        200
    );
}
