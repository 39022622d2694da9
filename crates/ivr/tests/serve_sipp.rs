#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `ivr serve` against SIPp (Debian `sip-tester`, installed by `make test`), a real third-party
//! SIP peer, on loopback. Every SIPp run is bounded (`-m 1`, `-timeout`), and so is every wait.

mod serve_support;

use serve_support::*;
use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn options_calls_and_refusals() {
    let records = records_file("refusals");
    let engine = engine(&["--records", records.to_str().unwrap()]);

    // A call: the engine answers with PCMU and telephone-event, sends the greeting as RTP to
    // the offered port every 20 ms, and takes the caller's BYE in the middle of it.
    let (rtp, rtp_port) = caller_rtp();
    rtp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let listener = std::thread::spawn(move || {
        let mut packets = Vec::new();
        let mut buf = [0u8; 2048];
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            if let Ok((n, _)) = rtp.recv_from(&mut buf) {
                packets.push(buf[..n].to_vec());
            }
        }
        packets
    });
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "3000".into())],
        15,
    );
    assert!(ok, "the call failed:\n{out}");
    let packets = listener.join().unwrap();
    // 3 s of call at 50 packets a second; allow for answer and scheduling slack.
    assert!(packets.len() >= 100, "{} RTP packets", packets.len());
    assert!(
        packets
            .iter()
            .all(|p| p.len() == 12 + 160 && p[0] >> 6 == 2 && p[1] & 0x7f == 0)
    );
    let seqs: Vec<u16> = packets
        .iter()
        .map(|p| u16::from_be_bytes([p[2], p[3]]))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)),
        "sequence numbers step by one"
    );
    // The greeting is speech: mu-law codes far from silence (0xFF/0x7F) in most packets.
    let loud = packets
        .iter()
        .filter(|p| p[12..].iter().filter(|&&c| c & 0x7f < 0x60).count() > 20)
        .count();
    assert!(loud >= 50, "only {loud} packets carried sound");
    let record = &call_records(&records, 1)[0];
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["states"][0], "greeting", "{record}");

    // Nothing it can speak: 488.
    let (ok, out) = run_sipp(
        engine.port,
        "refused.xml",
        &[("status", "488".into()), ("codec", "18".into())],
        10,
    );
    assert!(ok, "G.729 only was not refused with 488:\n{out}");

    // Garbage, a truncated request and an oversized one do not stop it.
    let junk = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = format!("127.0.0.1:{}", engine.port);
    junk.send_to(&[0xff; 300], &target).unwrap();
    junk.send_to(
        b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP",
        &target,
    )
    .unwrap();
    let mut big = b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nX-Pad: ".to_vec();
    big.resize(60_000, b'a');
    junk.send_to(&big, &target).ok();
    let (ok, out) = run_sipp(engine.port, "options.xml", &[], 5);
    assert!(ok, "no 200 to OPTIONS after garbage:\n{out}");

    // The same over TCP: OPTIONS, and a call with its BYE.
    let (ok, out) = run_sipp_over("t1", engine.port, "options.xml", &[], 5);
    assert!(ok, "no 200 to OPTIONS over TCP:\n{out}");
    let (_rtp, rtp_port) = caller_rtp();
    let (ok, out) = run_sipp_over(
        "t1",
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "1000".into())],
        10,
    );
    assert!(ok, "a call over TCP failed:\n{out}");
}

#[test]
fn over_the_call_limit_is_503() {
    let engine = engine(&["--max-calls", "0"]);
    let (ok, out) = run_sipp(
        engine.port,
        "refused.xml",
        &[("status", "503".into()), ("codec", "0".into())],
        10,
    );
    assert!(ok, "no 503 over the limit:\n{out}");
}

/// Collects the engine's RTP on `socket` for `for_s` seconds from the engine's first packet;
/// half a second after that first packet (the engine is listening by then: its prompt is
/// short), sends it whatever `after_first` returns (once). Both clocks start at the first
/// packet, not at spawn, and the send does not wait for more packets: on a loaded CI machine
/// the engine and SIPp can take seconds to start, and the engine's packets may bunch up.
fn rtp_peer(
    socket: UdpSocket,
    for_s: u64,
    after_first: impl FnOnce() -> Vec<Vec<u8>> + Send + 'static,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 2048];
        let mut count = 0;
        let mut to_send = Some(after_first);
        let mut engine_at = None;
        // Until the first packet, wait as long as the slowest SIPp run (20 s) allows.
        let mut until = Instant::now() + Duration::from_secs(for_s + 20);
        let mut send_at = until;
        while Instant::now() < until {
            if let Ok((_, from)) = socket.recv_from(&mut buf) {
                count += 1;
                if engine_at.is_none() {
                    engine_at = Some(from);
                    until = Instant::now() + Duration::from_secs(for_s);
                    send_at = Instant::now() + Duration::from_millis(500);
                }
            }
            if let Some(to) = engine_at
                && Instant::now() >= send_at
                && let Some(make) = to_send.take()
            {
                for packet in make() {
                    socket.send_to(&packet, to).unwrap();
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        count
    })
}

/// An RFC 4733 key press as a phone sends it: a marked start, updates, three end packets.
fn key_packets(event: u8) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let timestamp: u32 = 48_000;
    for (i, (duration, end)) in [
        (160u16, false),
        (320, false),
        (480, false),
        (640, true),
        (640, true),
        (640, true),
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = vec![0x80, 101 | if i == 0 { 0x80 } else { 0 }];
        p.extend_from_slice(&(1000u16 + i as u16).to_be_bytes());
        p.extend_from_slice(&timestamp.to_be_bytes());
        p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        p.push(event);
        p.push(if end { 0x80 } else { 0 } | 10);
        p.extend_from_slice(&duration.to_be_bytes());
        packets.push(p);
    }
    packets
}

#[test]
fn a_key_by_sip_info_and_the_engine_hangs_up_at_the_flows_end() {
    let records = records_file("info");
    let engine = engine(&["--flow", KEYS_FLOW, "--records", records.to_str().unwrap()]);
    let (rtp, rtp_port) = caller_rtp();
    let peer = rtp_peer(rtp, 8, Vec::new);
    let (ok, out) = run_sipp(
        engine.port,
        "call_info.xml",
        &[
            ("rtp_port", rtp_port),
            ("pause_ms", "1500".into()),
            ("key", "1".into()),
        ],
        20,
    );
    assert!(ok, "INFO key 1 did not lead to the engine's BYE:\n{out}");
    assert!(peer.join().unwrap() > 0);

    // The call record: one JSON line, written when the call ended.
    let record = &call_records(&records, 1)[0];
    let text = record.to_string();
    assert_eq!(record["caller"], "+12025550143");
    assert_eq!(record["called"], "8003755283");
    assert_eq!(record["ended_by"], "engine");
    assert_eq!(record["language"], "en-US");
    assert_eq!(
        record["states"],
        serde_json::json!(["menu", "confirm", "done"])
    );
    assert!(record["answer"].is_string() && record["end"].is_string());
    let events = record["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "dtmf" && e["digits"] == "1"),
        "{text}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "intent" && e["name"] == "one"),
        "{text}"
    );
    assert!(events.iter().any(|e| e["type"] == "hangup"), "{text}");
}

#[test]
fn a_key_by_rfc_4733_and_the_engine_hangs_up_at_the_flows_end() {
    let records = records_file("rfc4733");
    let engine = engine(&["--flow", KEYS_FLOW, "--records", records.to_str().unwrap()]);
    let (rtp, rtp_port) = caller_rtp();
    let peer = rtp_peer(rtp, 8, || key_packets(1));
    let (ok, out) = run_sipp(
        engine.port,
        "call_wait_bye.xml",
        &[("rtp_port", rtp_port)],
        20,
    );
    assert!(
        ok,
        "RFC 4733 key 1 did not lead to the engine's BYE:\n{out}"
    );
    assert!(peer.join().unwrap() > 0);
    // The BYE alone would also come after the no-input timeout: the record shows the key
    // took the call through `confirm`.
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["states"],
        serde_json::json!(["menu", "confirm", "done"]),
        "{record}"
    );
    let events = record["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "dtmf" && e["digits"] == "1"),
        "{record}"
    );
}

#[test]
fn without_a_key_the_flow_waits_for_it() {
    // The same call with a wrong key: a no-match asks again (the flow allows 5), and the
    // no-input timer is 10 s, so no BYE comes within SIPp's 6 s. Proves the test above needs
    // the right key to pass.
    let engine = engine(&["--flow", KEYS_FLOW]);
    let (rtp, rtp_port) = caller_rtp();
    let peer = rtp_peer(rtp, 6, || key_packets(7));
    let (ok, _) = run_sipp(
        engine.port,
        "call_wait_bye.xml",
        &[("rtp_port", rtp_port)],
        6,
    );
    assert!(!ok, "the engine hung up without the expected key");
    peer.join().unwrap();
}

#[test]
fn a_caller_asking_for_an_agent_at_10_eastern_is_transferred() {
    // The shipped flow, a weekday at 10:00 Eastern (agents open), the agent queues sent to a
    // SIP URI by the configuration. The fixture's caller asks for a representative 12.9 s
    // after answer; the flow says it is connecting, then REFERs the caller's phone there.
    let dir = std::env::temp_dir().join(format!("ivr-transfer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("ivr.yaml");
    std::fs::write(
        &config,
        "queues:\n  agents-en: { refer_to: \"sip:agents-en@127.0.0.1:5099\" }\n  \
         agents-es: { refer_to: \"sip:agents-es@127.0.0.1:5099\" }\n",
    )
    .unwrap();
    let records = records_file("agent-transfer");
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--at",
        "2026-12-01T10:00:00-05:00",
        "--records",
        records.to_str().unwrap(),
    ]);
    let (rtp, rtp_port) = caller_rtp();
    let caller = stream_fixture(rtp, "en-agent-representative.wav", 30);
    let (ok, out) = run_sipp(
        engine.port,
        "refer.xml",
        &[
            ("rtp_port", rtp_port),
            ("refer_within_ms", "45000".into()),
            ("refer_to", "sip:agents-en@127.0.0.1:5099".into()),
            ("final", "200 OK".into()),
            ("bye_within_ms", "5000".into()),
        ],
        60,
    );
    assert!(ok, "the call was not transferred:\n{out}");
    let (sent, heard) = caller.join().unwrap();
    assert!(sent > 200);
    // What the caller heard: the greeting, then "please hold while I connect you".
    assert!(
        heard_prompt(&heard, "en-US/welcome.wav"),
        "no greeting heard"
    );
    assert!(
        heard_prompt(&heard, "en-US/connecting.wav"),
        "no connecting prompt heard"
    );
    assert!(!heard_prompt(&heard, "en-US/agents_closed.wav"));

    let record = &call_records(&records, 1)[0];
    assert_eq!(record["ended_by"], "transferred", "{record}");
    assert_eq!(
        record["transfer"],
        serde_json::json!({"refer_to": "sip:agents-en@127.0.0.1:5099", "result": "connected"})
    );
    let states: Vec<&str> = record["states"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        &states[states.len() - 3..],
        ["agent_request", "connecting", "agent_transfer"],
        "{record}"
    );
    let events = record["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["type"] == "recognized"
            && e["text"]
                .as_str()
                .is_some_and(|t| t.to_lowercase().contains("representative"))),
        "{record}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "intent" && e["name"] == "agent"),
        "{record}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "transfer" && e["queue"] == "agents-en"),
        "{record}"
    );
}

#[test]
fn a_caller_talking_over_the_greeting_stops_it() {
    // This caller speaks 3 s after answer, in the middle of the welcome prompt.
    let log_path = std::env::temp_dir().join(format!("ivr-serve-{}-barge.log", std::process::id()));
    let engine = engine_logging_to(&[], std::fs::File::create(&log_path).unwrap());
    let (rtp, rtp_port) = caller_rtp();
    let caller = stream_fixture(rtp, "en-agent-barge-in.wav", 0);
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "12000".into())],
        30,
    );
    assert!(ok, "the call failed:\n{out}");
    assert!(caller.join().unwrap().0 > 200);
    drop(engine);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains(r#""type":"prompt_stopped","id":"welcome""#),
        "the greeting was not cut:\n{log}"
    );
    assert!(log.contains(r#""type":"intent","name":"agent""#), "{log}");
}

#[test]
fn cancel_before_the_answer_gets_487() {
    let records = records_file("cancel");
    let engine = engine(&[
        "--flow",
        KEYS_FLOW,
        "--answer-after-ms",
        "5000",
        "--records",
        records.to_str().unwrap(),
    ]);
    let (ok, out) = run_sipp(engine.port, "cancel.xml", &[], 10);
    assert!(ok, "no 180, 200 (CANCEL) and 487:\n{out}");
    let record = &call_records(&records, 1)[0];
    assert_eq!(record["ended_by"], "caller_cancelled", "{record}");
    assert!(record["answer"].is_null(), "{record}");
}

#[test]
fn reinvite_holds_resumes_and_changes_the_codec() {
    let engine = engine(&["--flow", KEYS_FLOW]);
    let (rtp, rtp_port) = caller_rtp();
    rtp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let listener = std::thread::spawn(move || {
        let mut packets: Vec<(Instant, u8)> = Vec::new();
        let mut buf = [0u8; 2048];
        let until = Instant::now() + Duration::from_secs(9);
        while Instant::now() < until {
            if let Ok((n, _)) = rtp.recv_from(&mut buf)
                && n > 12
            {
                packets.push((Instant::now(), buf[1] & 0x7f));
            }
        }
        packets
    });
    let (ok, out) = run_sipp(
        engine.port,
        "reinvite.xml",
        &[
            ("rtp_port", rtp_port),
            ("hold_after_ms", "1500".into()),
            ("hold_ms", "2500".into()),
            ("after_ms", "2000".into()),
        ],
        20,
    );
    assert!(
        ok,
        "hold (recvonly answer) or PCMA (PT 8 answer) failed:\n{out}"
    );
    let packets = listener.join().unwrap();
    let pcmu = packets.iter().filter(|p| p.1 == 0).count();
    let pcma: Vec<Instant> = packets.iter().filter(|p| p.1 == 8).map(|p| p.0).collect();
    assert!(pcmu >= 40, "{pcmu} PCMU packets before the hold");
    assert!(
        pcma.len() >= 50,
        "{} PCMA packets after the resume",
        pcma.len()
    );
    // PCMU first, PCMA after, never mixed; on hold the engine sent nothing for ~2.5 s.
    let last_pcmu = packets.iter().rfind(|p| p.1 == 0).unwrap().0;
    assert!(last_pcmu < pcma[0]);
    let gap = pcma[0] - last_pcmu;
    assert!(gap >= Duration::from_millis(2000), "hold gap {gap:?}");
}

#[test]
fn a_transfer_by_refer_and_one_that_fails() {
    let records = records_file("refer");
    let engine = engine(&[
        "--flow",
        "crates/ivr/tests/flows/transfer.yaml",
        "--records",
        records.to_str().unwrap(),
    ]);
    for final_status in ["200 OK", "486 Busy Here"] {
        let (rtp, rtp_port) = caller_rtp();
        let _peer = rtp_peer(rtp, 8, Vec::new);
        let (ok, out) = run_sipp(
            engine.port,
            "refer.xml",
            &[
                ("rtp_port", rtp_port),
                ("refer_within_ms", "8000".into()),
                ("refer_to", "sip:agent@127.0.0.1:5099".into()),
                ("final", final_status.into()),
                ("bye_within_ms", "8000".into()),
            ],
            20,
        );
        assert!(ok, "transfer with the new call at {final_status}:\n{out}");
    }
    let records = call_records(&records, 2);
    assert_eq!(records[0]["ended_by"], "transferred", "{}", records[0]);
    assert_eq!(records[0]["transfer"]["result"], "connected");
    assert_eq!(
        records[0]["transfer"]["refer_to"],
        "sip:agent@127.0.0.1:5099"
    );
    // A busy agent: the caller is still ours; the flow's fallback says sorry and hangs up.
    assert_eq!(records[1]["ended_by"], "engine", "{}", records[1]);
    assert!(
        records[1]["transfer"]["result"]
            .as_str()
            .is_some_and(|r| r.contains("486")),
        "{}",
        records[1]
    );
    assert_eq!(
        records[1]["states"],
        serde_json::json!(["hello", "to_agent", "sorry", "done"])
    );
}

#[test]
fn a_changed_flow_serves_new_calls_and_the_call_in_progress_keeps_its_own() {
    // The engine routes the dialled number to a copy of the keys flow by its configuration.
    let dir = std::env::temp_dir().join(format!("ivr-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let flow = dir.join("keys.yaml");
    let original = std::fs::read_to_string(repo().join(KEYS_FLOW)).unwrap();
    std::fs::write(&flow, &original).unwrap();
    let config = dir.join("ivr.yaml");
    std::fs::write(
        &config,
        format!("numbers:\n  \"8003755283\": {}\n", flow.display()),
    )
    .unwrap();
    let records = records_file("reload");
    let log_path = dir.join("engine.log");
    let engine = engine_logging_to(
        &[
            "--config",
            config.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        std::fs::File::create(&log_path).unwrap(),
    );
    let port = engine.port;

    // Call A starts on version 1 and presses its key 7 s in.
    let (rtp_a, rtp_port_a) = caller_rtp();
    let _peer_a = rtp_peer(rtp_a, 12, Vec::new);
    let call_a = std::thread::spawn(move || {
        run_sipp(
            port,
            "call_info.xml",
            &[
                ("rtp_port", rtp_port_a),
                ("pause_ms", "7000".into()),
                ("key", "1".into()),
            ],
            20,
        )
    });
    std::thread::sleep(Duration::from_millis(1500));
    let (status, calls) = admin_get(&engine, "/calls");
    assert_eq!(status, 200);
    let calls: serde_json::Value = serde_json::from_str(&calls).unwrap();
    assert_eq!(calls.as_array().map(Vec::len), Some(1), "{calls}");
    assert_eq!(calls[0]["state"], "menu", "{calls}");
    assert_eq!(calls[0]["flow_version"], 1, "{calls}");
    assert_eq!(calls[0]["caller"], "+12025550143", "{calls}");

    // Version 2: key 1 leads somewhere else. Picked up within the 1 s poll.
    let changed = original.replace("one: confirm", "one: done");
    assert_ne!(changed, original);
    std::fs::write(&flow, &changed).unwrap();
    std::thread::sleep(Duration::from_millis(2500));

    // Call B runs version 2 while A is still on version 1.
    let (rtp_b, rtp_port_b) = caller_rtp();
    let _peer_b = rtp_peer(rtp_b, 6, Vec::new);
    let (ok, out) = run_sipp(
        port,
        "call_info.xml",
        &[
            ("rtp_port", rtp_port_b),
            ("pause_ms", "1000".into()),
            ("key", "1".into()),
        ],
        15,
    );
    assert!(ok, "call B:\n{out}");
    let (ok, out) = call_a.join().unwrap();
    assert!(ok, "call A:\n{out}");
    let done = call_records(&records, 2);
    let b = done
        .iter()
        .find(|r| r["states"] == serde_json::json!(["menu", "done"]));
    let a = done
        .iter()
        .find(|r| r["states"] == serde_json::json!(["menu", "confirm", "done"]));
    assert!(a.is_some() && b.is_some(), "{done:?}");
    assert!(b.unwrap()["flow"].as_str().unwrap().ends_with("keys.yaml"));

    // A broken version is refused, logged, and calls keep version 2.
    std::fs::write(&flow, changed.replace("start: menu", "start: nowhere")).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let (rtp_c, rtp_port_c) = caller_rtp();
    let _peer_c = rtp_peer(rtp_c, 6, Vec::new);
    let (ok, out) = run_sipp(
        port,
        "call_info.xml",
        &[
            ("rtp_port", rtp_port_c),
            ("pause_ms", "1000".into()),
            ("key", "1".into()),
        ],
        15,
    );
    assert!(ok, "call C:\n{out}");
    let done = call_records(&records, 3);
    assert_eq!(done[2]["states"], serde_json::json!(["menu", "done"]));

    // The metrics saw all of it.
    let (status, metrics) = admin_get(&engine, "/metrics");
    assert_eq!(status, 200);
    for name in [
        "ivr_active_calls 0",
        "ivr_calls_total{outcome=\"engine\"} 3",
        "ivr_recognition_queue_depth",
        "ivr_recognition_latency_seconds_bucket",
        "ivr_rtp_packets_lost_total",
        "ivr_rtp_packets_late_total",
        "ivr_prompt_underruns_total",
        "ivr_flow_reloads_total{result=\"loaded\"} 1",
        "ivr_flow_reloads_total{result=\"refused\"} 1",
    ] {
        assert!(
            metrics.contains(name),
            "no `{name}` in /metrics:\n{metrics}"
        );
    }
    assert_eq!(admin_get(&engine, "/healthz"), (200, "ok\n".to_string()));
    drop(engine);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("fails its check") && log.contains("nowhere"),
        "the refused version was not logged:\n{log}"
    );
}

#[test]
fn an_rtp_flood_from_elsewhere_does_not_take_the_call() {
    let engine = engine(&[]);
    let (rtp, rtp_port) = caller_rtp();
    rtp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let receiver = std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        let mut engine_rtp = None;
        let mut after_flood = 0;
        let flood = UdpSocket::bind("127.0.0.1:0").unwrap();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok((_, from)) = rtp.recv_from(&mut buf) {
                if engine_rtp.is_none() {
                    engine_rtp = Some(from);
                    // The caller speaks first (it latches), then a stranger floods the port.
                    let mut hello = vec![0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4];
                    hello.extend_from_slice(&[0xff; 160]);
                    rtp.send_to(&hello, from).unwrap();
                    let mut junk = vec![0x80, 0, 0, 1, 0, 0, 0, 160, 9, 9, 9, 9];
                    junk.extend_from_slice(&[0x00; 160]);
                    for _ in 0..5000 {
                        flood.send_to(&junk, from).ok();
                    }
                } else {
                    after_flood += 1;
                }
            }
        }
        after_flood
    });
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "4000".into())],
        15,
    );
    assert!(ok, "the call did not survive the flood:\n{out}");
    // The engine kept sending its audio to the caller, not to the flooder.
    assert!(receiver.join().unwrap() >= 100);
}

#[test]
fn sigterm_refuses_new_calls_and_lets_the_current_one_finish() {
    let mut engine = engine(&["--flow", KEYS_FLOW, "--drain-s", "30"]);
    let port = engine.port;
    let (rtp, rtp_port) = caller_rtp();
    let _peer = rtp_peer(rtp, 8, Vec::new);
    // A call that lasts 4 s (the flow's no-input timer is 10 s, so the caller hangs up).
    let first = std::thread::spawn(move || {
        run_sipp(
            port,
            "call.xml",
            &[("rtp_port", rtp_port), ("hold_ms", "4000".into())],
            15,
        )
    });
    std::thread::sleep(Duration::from_millis(1500));
    let pid = engine.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    let (ok, out) = run_sipp(
        engine.port,
        "refused.xml",
        &[("status", "503".into()), ("codec", "0".into())],
        5,
    );
    assert!(
        ok,
        "a new call while draining was not refused with 503:\n{out}"
    );
    let (ok, out) = first.join().unwrap();
    assert!(ok, "the call in progress did not finish normally:\n{out}");
    // With no call left, the engine exits on its own, well before the 30 s drain limit.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = engine.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "ivr serve did not exit after draining"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_drain_that_runs_out_of_time_hangs_up_the_calls_left() {
    let engine = engine(&["--flow", KEYS_FLOW, "--drain-s", "1"]);
    let port = engine.port;
    let (rtp, rtp_port) = caller_rtp();
    let _peer = rtp_peer(rtp, 8, Vec::new);
    // This caller would wait 10 s for the no-input timeout; the drain gives it 1 s.
    let call = std::thread::spawn(move || {
        run_sipp(port, "call_wait_bye.xml", &[("rtp_port", rtp_port)], 8)
    });
    std::thread::sleep(Duration::from_millis(1500));
    let pid = engine.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let (ok, out) = call.join().unwrap();
    assert!(ok, "the call left at the drain limit got no BYE:\n{out}");
}
