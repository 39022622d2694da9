#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `ivr serve` against SIPp (Debian `sip-tester`, installed by `make test`), a real third-party
//! SIP peer, on loopback. Every SIPp run is bounded (`-m 1`, `-timeout`), and so is every wait.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    // Free on UDP and on TCP, since the engine listens on both.
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn sipp() -> &'static str {
    let found = Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "sipp is missing: `make test` installs it (scripts/setup-system.sh, Debian sip-tester)"
    );
    "sipp"
}

/// The caller's RTP socket and its port, as the SIPp scenarios' SDP offers it.
fn caller_rtp() -> (UdpSocket, String) {
    let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rtp.local_addr().unwrap().port().to_string();
    (rtp, port)
}

/// `ivr serve` on a free port, killed when dropped.
struct Engine {
    child: Child,
    port: u16,
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn engine(extra: &[&str]) -> Engine {
    engine_logging_to(extra, Stdio::null())
}

fn engine_logging_to(extra: &[&str], log: impl Into<Stdio>) -> Engine {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .current_dir(repo())
        .args(["serve", "--sip", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let engine = Engine { child, port };
    // Ready when it answers OPTIONS (models load first: a few seconds).
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if run_sipp(engine.port, "options.xml", &[], 2).0 {
            return engine;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("ivr serve did not answer OPTIONS within 60 s");
}

/// Runs one SIPp call of `scenario` (with `{name}` placeholders filled in); (success, output).
fn run_sipp(port: u16, scenario: &str, fill: &[(&str, String)], timeout_s: u64) -> (bool, String) {
    let mut text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sipp")
            .join(scenario),
    )
    .unwrap();
    for (name, value) in fill {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    let dir = std::env::temp_dir().join(format!("ivr-sipp-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(scenario);
    std::fs::write(&file, text).unwrap();
    let output = Command::new(sipp())
        .current_dir(&dir)
        .arg(format!("127.0.0.1:{port}"))
        .args(["-sf", file.to_str().unwrap()])
        .args(["-i", "127.0.0.1", "-p", &free_port().to_string()])
        .args([
            "-m",
            "1",
            "-timeout",
            &format!("{timeout_s}s"),
            "-timeout_error",
        ])
        .arg("-nostdin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn options_calls_and_refusals() {
    let engine = engine(&[]);

    // A call: the engine answers with PCMU and telephone-event, sends the greeting as RTP to
    // the offered port every 20 ms, and takes the caller's BYE.
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

const KEYS_FLOW: &str = "crates/ivr/tests/flows/keys.yaml";

/// Collects the engine's RTP on `socket` for up to `for_s` seconds; when it has seen the
/// engine's address, sends it whatever `after_first` returns (once).
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
        let until = Instant::now() + Duration::from_secs(for_s);
        while Instant::now() < until {
            if let Ok((_, from)) = socket.recv_from(&mut buf) {
                count += 1;
                // Half a second in, the engine is listening (its prompt is short).
                if count == 25
                    && let Some(make) = to_send.take()
                {
                    for packet in make() {
                        socket.send_to(&packet, from).unwrap();
                        std::thread::sleep(Duration::from_millis(20));
                    }
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
    let records = std::env::temp_dir().join(format!("ivr-records-{}.jsonl", std::process::id()));
    std::fs::remove_file(&records).ok();
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
    let deadline = Instant::now() + Duration::from_secs(5);
    while !records.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&records).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let record: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
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
    let engine = engine(&["--flow", KEYS_FLOW]);
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
    assert!(peer.join().unwrap() > 25);
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

/// Streams a fixture's caller audio as PCMU to the engine (learning its RTP address from the
/// first packet it sends), paced by the clock; keeps draining what the engine sends. Returns
/// the packets sent.
fn stream_fixture(rtp: UdpSocket, fixture: &str) -> std::thread::JoinHandle<u32> {
    let audio = ivr_media::read_wav(repo().join("fixtures").join(fixture)).unwrap();
    std::thread::spawn(move || {
        rtp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 2048];
        let Ok((_, engine_rtp)) = rtp.recv_from(&mut buf) else {
            return 0;
        };
        rtp.set_nonblocking(true).unwrap();
        let start = Instant::now();
        let mut sent = 0u32;
        let mut payload = Vec::new();
        for (i, frame) in audio.chunks(160).enumerate() {
            // Paced by the clock, not by sleeps adding up.
            let due = start + Duration::from_millis(20 * i as u64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            payload.clear();
            ivr_media::g711::encode_ulaw(frame, &mut payload);
            let mut packet = vec![0x80, 0];
            packet.extend_from_slice(&(i as u16).to_be_bytes());
            packet.extend_from_slice(&(160 * i as u32).to_be_bytes());
            packet.extend_from_slice(&0x0bad_cafe_u32.to_be_bytes());
            packet.extend_from_slice(&payload);
            rtp.send_to(&packet, engine_rtp).unwrap();
            sent += 1;
            while rtp.recv_from(&mut buf).is_ok() {}
        }
        sent
    })
}

/// Runs a call whose caller audio is `fixture` for `hold_ms`; returns the engine's log.
fn call_with_fixture(fixture: &str, hold_ms: u64) -> String {
    let log_path = std::env::temp_dir().join(format!(
        "ivr-serve-{}-{}.log",
        std::process::id(),
        fixture.replace('.', "-")
    ));
    let log = std::fs::File::create(&log_path).unwrap();
    let engine = engine_logging_to(&[], log);
    let (rtp, rtp_port) = caller_rtp();
    let caller = stream_fixture(rtp, fixture);
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", hold_ms.to_string())],
        hold_ms / 1000 + 15,
    );
    assert!(ok, "the call failed:\n{out}");
    assert!(caller.join().unwrap() > 200);
    drop(engine);
    std::fs::read_to_string(&log_path).unwrap()
}

#[test]
fn a_caller_recording_over_rtp_is_understood() {
    // The fixture's caller asks for a representative 12.9 s after answer (after the greeting).
    let log = call_with_fixture("en-agent-representative.wav", 24_000);
    assert!(
        log.contains(r#""type":"intent","name":"agent""#),
        "no agent intent in the engine's log:\n{log}"
    );
    assert!(log.to_lowercase().contains("representative"), "{log}");
}

#[test]
fn a_caller_talking_over_the_greeting_stops_it() {
    // This caller speaks 3 s after answer, in the middle of the welcome prompt.
    let log = call_with_fixture("en-agent-barge-in.wav", 12_000);
    assert!(
        log.contains(r#""type":"prompt_stopped","id":"welcome""#),
        "the greeting was not cut:\n{log}"
    );
    assert!(log.contains(r#""type":"intent","name":"agent""#), "{log}");
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
