#![allow(clippy::unwrap_used, clippy::expect_used)]
//! An agent's phone offered a caller must never be left on a call nobody is on: SIPp plays
//! the agent's desk phone (listed by address) and a caller; every wait is bounded.

mod serve_support;

use serve_support::*;
use std::process::Child;
use std::time::{Duration, Instant};

/// An engine running the queue test flow with one Spanish agent at a SIPp desk phone.
fn engine_with_desk(
    name: &str,
    desk_port: u16,
    extra_config: &str,
) -> (Engine, std::path::PathBuf) {
    let config = engine_config(
        name,
        &format!(
            "agents:\n  desk: {{ uri: \"sip:desk@127.0.0.1:{desk_port}\", languages: [es] }}\n{extra_config}"
        ),
    );
    let records = records_file(name);
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--flow",
        "crates/ivr/tests/flows/queue.yaml",
        "--records",
        records.to_str().unwrap(),
    ]);
    (engine, records)
}

/// Waits at most `within_s` for the desk phone's scenario to end, and asserts it ended well;
/// `missing` says what the desk phone never got if it is still running.
fn assert_desk_done(mut desk: Child, within_s: u64, missing: &str) {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    while desk.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            desk.kill().ok();
            desk.wait().ok();
            panic!("{missing}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = desk.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the desk phone's scenario failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_ringing_agent_gets_cancel_when_the_caller_presses_star() {
    // The ring time (30 s) is far longer than the desk phone waits for its CANCEL (8 s): only
    // calling the offer off when the caller leaves the queue ends the desk's call in time.
    let desk_port = free_port();
    let desk = sipp_callee("agent_rings.xml", desk_port, 30);
    let (engine, records) = engine_with_desk("ringing-star", desk_port, "ring_timeout_s: 30\n");
    let (_rtp, rtp_port) = caller_rtp();
    let (ok, out) = run_sipp(
        engine.port,
        "call_two_keys.xml",
        &[
            ("rtp_port", rtp_port),
            ("pause_ms", "3000".into()),
            ("key", "*".into()),
            ("pause2_ms", "2500".into()),
            ("key2", "1".into()),
        ],
        30,
    );
    assert!(ok, "{out}");
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["transfer"]["result"], "the caller asked for a callback instead",
        "{record}"
    );
    assert_desk_done(desk, 10, "the desk phone still rings: no CANCEL");
}

#[test]
fn an_agent_answering_with_unusable_media_gets_bye() {
    let desk_port = free_port();
    let desk = sipp_callee("agent_bad_sdp.xml", desk_port, 30);
    let (engine, records) = engine_with_desk("bad-sdp", desk_port, "ring_timeout_s: 5\n");
    let (_rtp, rtp_port) = caller_rtp();
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "6000".into())],
        30,
    );
    assert!(ok, "{out}");
    let record = &call_records(&records, 1)[0];
    assert_ne!(record["transfer"]["result"], "connected", "{record}");
    assert_desk_done(desk, 10, "the desk phone got no BYE");
}

/// One RFC 4733 packet: `event` at RTP `timestamp`, ended or not.
fn key_packet(event: u8, seq: u16, timestamp: u32, duration: u16, end: bool) -> Vec<u8> {
    let mut p = vec![0x80, 101 | if duration == 160 { 0x80 } else { 0 }];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&timestamp.to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.push(event);
    p.push(if end { 0x80 } else { 0 } | 10);
    p.extend_from_slice(&duration.to_be_bytes());
    p
}

#[test]
fn a_star_and_a_key_in_one_datagram_still_leave_the_queue() {
    // Star (event 10) is held, its end packets lost; then one datagram carries the end of a
    // short "1": that datagram completes both keys. The star must still leave the queue.
    let desk_port = free_port();
    let desk = sipp_callee("agent_rings.xml", desk_port, 60);
    let (engine, records) = engine_with_desk(
        "two-keys-one-datagram",
        desk_port,
        "ring_timeout_s: 30\nqueue_max_wait_s: 15\n",
    );
    let (rtp, rtp_port) = caller_rtp();
    let peer = std::thread::spawn(move || {
        rtp.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 2048];
        let deadline = Instant::now() + Duration::from_secs(30);
        let engine_at = loop {
            if let Ok((_, from)) = rtp.recv_from(&mut buf) {
                break Some(from);
            }
            if Instant::now() >= deadline {
                break None;
            }
        };
        let Some(to) = engine_at else { return false };
        // "Hola." and the transfer take about a second: by 3 s the caller waits in the queue.
        std::thread::sleep(Duration::from_secs(3));
        let mut packets = vec![
            key_packet(10, 2000, 16_000, 160, false),
            key_packet(10, 2001, 16_000, 320, false),
        ];
        packets.push(key_packet(1, 2002, 16_800, 480, true));
        for packet in packets {
            rtp.send_to(&packet, to).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    });
    let (ok, out) = run_sipp(
        engine.port,
        "call_wait_bye.xml",
        &[("rtp_port", rtp_port)],
        45,
    );
    assert!(ok, "{out}");
    assert!(peer.join().unwrap(), "the engine sent no RTP");
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["transfer"]["result"], "the caller asked for a callback instead",
        "{record}"
    );
    let states = record["states"].as_array().unwrap();
    assert!(states.iter().any(|s| s == "offer_callback"), "{record}");
    assert_desk_done(desk, 10, "the desk phone still rings: no CANCEL");
}

#[test]
fn a_key_while_bridged_does_not_hold_up_the_audio() {
    // The agent's phone never answers the INFO carrying the caller's key (its transaction
    // lasts 32 s). The caller's audio from the bridge must keep coming every 20 ms meanwhile.
    let desk_port = free_port();
    let desk = sipp_callee("agent_ignores_info.xml", desk_port, 60);
    let (engine, records) = engine_with_desk("bridged-key", desk_port, "");
    let (rtp, rtp_port) = caller_rtp();
    let peer = std::thread::spawn(move || {
        rtp.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut buf = [0u8; 2048];
        let start = Instant::now();
        let mut engine_at = None;
        let mut arrivals = Vec::new();
        let mut key_sent_at = None;
        let mut seq = 3000u16;
        let mut next_audio = Instant::now();
        while start.elapsed() < Duration::from_secs(14) {
            if let Ok((_, from)) = rtp.recv_from(&mut buf) {
                engine_at.get_or_insert(from);
                arrivals.push(Instant::now());
            }
            let Some(to) = engine_at else { continue };
            // The caller talks all along (PCMU silence), as a phone does.
            if Instant::now() >= next_audio {
                let mut p = vec![0x80, 0];
                p.extend_from_slice(&seq.to_be_bytes());
                p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
                p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
                p.extend(std::iter::repeat_n(0xFFu8, 160));
                rtp.send_to(&p, to).unwrap();
                seq = seq.wrapping_add(1);
                next_audio += Duration::from_millis(20);
            }
            // By 5 s the caller is bridged ("Hola.", the transfer, the desk answers at once).
            if key_sent_at.is_none() && start.elapsed() >= Duration::from_secs(5) {
                for (i, (duration, end)) in [(160, false), (320, false), (480, true), (480, true)]
                    .into_iter()
                    .enumerate()
                {
                    let packet = key_packet(5, 4000 + i as u16, 90_000, duration, end);
                    rtp.send_to(&packet, to).unwrap();
                }
                key_sent_at = Some(Instant::now());
            }
        }
        let key_at = key_sent_at?;
        // The longest silence from the engine in the 4 s after the key, its edges included.
        let until = key_at + Duration::from_secs(4);
        let mut times = vec![key_at];
        times.extend(arrivals.into_iter().filter(|&t| t > key_at && t < until));
        times.push(until);
        times.windows(2).map(|w| w[1] - w[0]).max()
    });
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "11000".into())],
        40,
    );
    assert!(ok, "{out}");
    let longest_gap = peer
        .join()
        .unwrap()
        .expect("the engine sent no RTP: the key was never sent");
    let record = &call_records(&records, 1)[0];
    assert_eq!(record["transfer"]["result"], "connected", "{record}");
    // Packets come every 20 ms; a shared CI machine may bunch them, never by seconds.
    assert!(
        longest_gap < Duration::from_millis(1000),
        "the caller heard nothing for {longest_gap:?} after pressing a key"
    );
    assert_desk_done(desk, 10, "the desk phone got no INFO or no BYE");
}

#[test]
fn an_agent_holds_and_resumes_from_the_desk_phone() {
    // The desk phone's re-INVITEs (hold, then resume) are answered in kind, and the call goes
    // on until the caller hangs up: then the desk gets its BYE.
    let desk_port = free_port();
    let desk = sipp_callee("agent_holds.xml", desk_port, 60);
    let (engine, records) = engine_with_desk("agent-hold", desk_port, "");
    let (_rtp, rtp_port) = caller_rtp();
    let (ok, out) = run_sipp(
        engine.port,
        "call.xml",
        &[("rtp_port", rtp_port), ("hold_ms", "9000".into())],
        40,
    );
    assert!(ok, "{out}");
    let record = &call_records(&records, 1)[0];
    assert_eq!(record["transfer"]["result"], "connected", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_desk_done(desk, 10, "the desk phone got no BYE");
}

#[test]
fn a_caller_waiting_for_an_agent_hears_the_queues_hold_music() {
    use serve_support::baresip::{mic, tone, tone_windows};
    // The agent's desk rings (never answered) while the caller waits; the hold music is a
    // 600 Hz tone, easy to find in what the caller heard.
    let desk_port = free_port();
    let desk = sipp_callee("agent_rings.xml", desk_port, 30);
    let music = mic("hold-600", &tone(600.0, 10));
    let (engine, records) = engine_with_desk(
        "hold-music",
        desk_port,
        &format!(
            "ring_timeout_s: 30\nhold_music: {{ default: \"{}\" }}\n",
            music.display()
        ),
    );
    let (rtp, rtp_port) = caller_rtp();
    let listening = stream_fixture(rtp, "en-silence-open.wav", 10);
    let (ok, out) = run_sipp(
        engine.port,
        "call_two_keys.xml",
        &[
            ("rtp_port", rtp_port),
            ("pause_ms", "6000".into()),
            ("key", "*".into()),
            ("pause2_ms", "2500".into()),
            ("key2", "1".into()),
        ],
        40,
    );
    assert!(ok, "{out}");
    let (_, heard) = listening.join().unwrap();
    let mut samples = Vec::new();
    ivr_media::g711::decode_ulaw(&heard, &mut samples);
    // About 5 s of waiting after the greeting: at least 3 s of it music.
    let music_windows = tone_windows(&samples, 600.0);
    assert!(
        music_windows >= 30,
        "music in {music_windows} windows of 100 ms"
    );
    let record = &call_records(&records, 1)[0];
    assert_eq!(
        record["transfer"]["result"], "the caller asked for a callback instead",
        "{record}"
    );
    assert_desk_done(desk, 10, "the desk phone still rings: no CANCEL");
}
