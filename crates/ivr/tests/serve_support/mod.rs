#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
//! What the `ivr serve` tests share: the engine on free ports, SIPp runs, call records, the
//! admin HTTP, and recognizing the engine's prompts in what a caller heard.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const KEYS_FLOW: &str = "crates/ivr/tests/flows/keys.yaml";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn free_port() -> u16 {
    // Free on UDP and on TCP, since the engine listens on both.
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub fn sipp() -> &'static str {
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
pub fn caller_rtp() -> (UdpSocket, String) {
    let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rtp.local_addr().unwrap().port().to_string();
    (rtp, port)
}

/// `ivr serve` on a free port, killed when dropped.
pub struct Engine {
    pub child: Child,
    pub port: u16,
    /// Its admin HTTP port (/healthz, /metrics, /calls).
    pub admin: u16,
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

pub fn engine(extra: &[&str]) -> Engine {
    engine_logging_to(extra, Stdio::null())
}

pub fn engine_logging_to(extra: &[&str], log: impl Into<Stdio>) -> Engine {
    engine_with(extra, &[], log)
}

/// `ivr serve` with `extra` arguments and environment variables, logging to `log`. Unless
/// `extra` names one, its database is a fresh file of its own.
pub fn engine_with(extra: &[&str], env: &[(&str, &str)], log: impl Into<Stdio>) -> Engine {
    let port = free_port();
    let admin = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ivr"));
    command
        .current_dir(repo())
        .args(["serve", "--sip", &format!("127.0.0.1:{port}")])
        .args(["--admin", &format!("127.0.0.1:{admin}")])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(log);
    if !extra.contains(&"--database") {
        let database =
            std::env::temp_dir().join(format!("ivr-test-{}-{port}.db", std::process::id()));
        command.arg("--database").arg(database);
    }
    let child = command.spawn().unwrap();
    let engine = Engine { child, port, admin };
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
pub fn run_sipp(
    port: u16,
    scenario: &str,
    fill: &[(&str, String)],
    timeout_s: u64,
) -> (bool, String) {
    run_sipp_over("u1", port, scenario, fill, timeout_s)
}

/// `run_sipp` over a SIPp transport: `u1` (UDP) or `t1` (TCP, one connection).
pub fn run_sipp_over(
    transport: &str,
    port: u16,
    scenario: &str,
    fill: &[(&str, String)],
    timeout_s: u64,
) -> (bool, String) {
    let run = SippRun {
        transport,
        timeout_s,
        ..SippRun::default()
    };
    run_sipp_with(port, scenario, fill, &run)
}

/// How SIPp runs a scenario: from which address, how many calls, how fast.
pub struct SippRun<'a> {
    pub transport: &'a str,
    /// SIPp's own address (loopback has all of 127.0.0.0/8).
    pub local_ip: &'a str,
    pub calls: u32,
    /// New calls per second.
    pub rate: u32,
    pub timeout_s: u64,
}

impl Default for SippRun<'_> {
    fn default() -> Self {
        SippRun {
            transport: "u1",
            local_ip: "127.0.0.1",
            calls: 1,
            rate: 10,
            timeout_s: 30,
        }
    }
}

/// Runs `scenario` as `run` says; (every call succeeded, SIPp's output).
pub fn run_sipp_with(
    port: u16,
    scenario: &str,
    fill: &[(&str, String)],
    run: &SippRun,
) -> (bool, String) {
    let mut text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sipp")
            .join(scenario),
    )
    .unwrap();
    for (name, value) in fill {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    let dir = std::env::temp_dir().join(format!(
        "ivr-sipp-{}-{port}-{}",
        std::process::id(),
        run.local_ip
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(scenario);
    std::fs::write(&file, text).unwrap();
    let sipp_port = {
        let socket = UdpSocket::bind((run.local_ip, 0)).unwrap();
        socket.local_addr().unwrap().port()
    };
    let output = Command::new(sipp())
        .current_dir(&dir)
        .arg(format!("127.0.0.1:{port}"))
        .args(["-sf", file.to_str().unwrap()])
        .args(["-t", run.transport])
        .args(["-i", run.local_ip, "-p", &sipp_port.to_string()])
        .args(["-m", &run.calls.to_string(), "-r", &run.rate.to_string()])
        .args(["-timeout", &format!("{}s", run.timeout_s), "-timeout_error"])
        .arg("-nostdin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

pub fn admin_get(engine: &Engine, path: &str) -> (u16, String) {
    admin_request(engine, "GET", path)
}

fn admin_request(engine: &Engine, method: &str, path: &str) -> (u16, String) {
    admin_request_with(engine, method, path, &["Host: 127.0.0.1"])
}

/// A request on the engine's admin HTTP with exactly these header lines (no Host unless one
/// is given): (status, body).
pub fn admin_request_with(
    engine: &Engine,
    method: &str,
    path: &str,
    headers: &[&str],
) -> (u16, String) {
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    admin_exchange(
        engine,
        &format!(
            "{method} {path} HTTP/1.1\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    )
}

/// Sends `request` (head and body) to the admin HTTP: (status, body).
fn admin_exchange(engine: &Engine, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", engine.admin)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A POST with no body on the engine's admin HTTP: (status, body).
pub fn admin_post(engine: &Engine, path: &str) -> (u16, String) {
    admin_request(engine, "POST", path)
}

/// A POST of a JSON body on the engine's admin HTTP, with these header lines besides Host:
/// (status, body).
pub fn admin_post_json(engine: &Engine, path: &str, json: &str, headers: &[&str]) -> (u16, String) {
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    admin_exchange(
        engine,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Content-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        ),
    )
}

/// A call from +12025550143 that presses `key` (SIP INFO) after `pause_ms` and waits for the
/// engine's BYE, within `timeout_s`.
pub fn call_pressing(engine: &Engine, key: &str, pause_ms: u64, timeout_s: u64) {
    let (rtp, rtp_port) = caller_rtp();
    let _keep = rtp;
    let (ok, out) = run_sipp(
        engine.port,
        "call_info.xml",
        &[
            ("rtp_port", rtp_port),
            ("pause_ms", pause_ms.to_string()),
            ("key", key.to_string()),
        ],
        timeout_s,
    );
    assert!(ok, "the call did not end with the engine's BYE:\n{out}");
}

/// A fresh path for a call records file.
pub fn records_file(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ivr-{name}-{}.jsonl", std::process::id()));
    std::fs::remove_file(&path).ok();
    path
}

/// The call records written to `path`, waiting up to 5 s for `count` of them.
pub fn call_records(path: &Path, count: usize) -> Vec<serde_json::Value> {
    call_records_within(path, count, 5)
}

/// The call records written to `path`, waiting up to `within_s` for `count` of them.
pub fn call_records_within(path: &Path, count: usize, within_s: u64) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if records.len() >= count || Instant::now() > deadline {
            assert_eq!(records.len(), count, "{text}");
            return records;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the engine's audio contains `prompt` (a recorded prompt of the shipped flow) sample
/// for sample: the engine sends prompt audio unchanged, G.711-encoded, so a second of it found
/// byte for byte in what the caller heard is that prompt and no other.
pub fn heard_prompt(heard: &[u8], prompt: &str) -> bool {
    let samples = ivr_media::read_wav(repo().join("prompts").join(prompt)).unwrap();
    let mut encoded = Vec::new();
    ivr_media::g711::encode_ulaw(&samples, &mut encoded);
    // A second from the middle (the start may share silence with anything).
    let middle = encoded.len() / 2;
    let probe = &encoded[middle..(middle + 8000).min(encoded.len())];
    heard.windows(probe.len()).any(|w| w == probe)
}

/// Streams a fixture's caller audio as PCMU to the engine (learning its RTP address from the
/// first packet it sends), paced by the clock, then silence for `then_silence_s`. Returns the
/// packets sent and the audio payload the engine sent back, in order.
pub fn stream_fixture(
    rtp: UdpSocket,
    fixture: &str,
    then_silence_s: u64,
) -> std::thread::JoinHandle<(u32, Vec<u8>)> {
    stream_fixture_with_keys(rtp, fixture, then_silence_s, None)
}

/// `stream_fixture`, also pressing each key (0-9) that comes on `keys`, as RFC 4733 events
/// (payload type 101) in the same stream.
pub fn stream_fixture_with_keys(
    rtp: UdpSocket,
    fixture: &str,
    then_silence_s: u64,
    keys: Option<std::sync::mpsc::Receiver<u8>>,
) -> std::thread::JoinHandle<(u32, Vec<u8>)> {
    let mut audio = ivr_media::read_wav(repo().join("fixtures").join(fixture)).unwrap();
    audio.extend(std::iter::repeat_n(0, 8000 * then_silence_s as usize));
    std::thread::spawn(move || {
        // The engine's first packet tells where to send; it comes once SIPp has started and
        // the call is answered, which on a loaded machine has taken over 10 s.
        rtp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut buf = [0u8; 2048];
        let mut heard: Vec<(u16, Vec<u8>)> = Vec::new();
        let Ok((n, engine_rtp)) = rtp.recv_from(&mut buf) else {
            return (0, Vec::new());
        };
        heard.push((u16::from_be_bytes([buf[2], buf[3]]), buf[12..n].to_vec()));
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
            if rtp.send_to(&packet, engine_rtp).is_err() {
                break;
            }
            sent += 1;
            if let Some(event) = keys.as_ref().and_then(|k| k.try_recv().ok()) {
                let timestamp = 160 * i as u32;
                for (j, (duration, end)) in [
                    (160u16, false),
                    (320, false),
                    (480, true),
                    (480, true),
                    (480, true),
                ]
                .into_iter()
                .enumerate()
                {
                    let mut p = vec![0x80, 101 | if j == 0 { 0x80 } else { 0 }];
                    p.extend_from_slice(&(40_000u16 + (i as u16) + j as u16).to_be_bytes());
                    p.extend_from_slice(&timestamp.to_be_bytes());
                    p.extend_from_slice(&0x0bad_cafe_u32.to_be_bytes());
                    p.extend_from_slice(&[event, if end { 0x80 | 10 } else { 10 }]);
                    p.extend_from_slice(&duration.to_be_bytes());
                    rtp.send_to(&p, engine_rtp).ok();
                }
            }
            while let Ok((n, _)) = rtp.recv_from(&mut buf) {
                heard.push((u16::from_be_bytes([buf[2], buf[3]]), buf[12..n].to_vec()));
            }
        }
        // Loopback does not reorder, but order by sequence number as a receiver must.
        let first = heard.first().map_or(0, |h| h.0);
        heard.sort_by_key(|(seq, _)| seq.wrapping_sub(first));
        (sent, heard.into_iter().flat_map(|(_, p)| p).collect())
    })
}

pub mod baresip;
pub mod messaging;

/// Whether `heard` (audio a softphone decoded and recorded) holds a second of `prompt`: some
/// place where 98 % of 8000 samples are within a G.711 step of the prompt's. Not byte for
/// byte: the phone's decoder, its jitter buffer and its recorder sit in between.
pub fn heard_prompt_samples(heard: &[i16], prompt: &str) -> bool {
    let samples = ivr_media::read_wav(repo().join("prompts").join(prompt)).unwrap();
    let middle = samples.len() / 2;
    let probe = &samples[middle..(middle + 8000).min(samples.len())];
    // mu-law's step is about 1/16 of the sample's size, and 8 near zero.
    let close = |a: i16, b: i16| {
        (i32::from(a) - i32::from(b)).abs() <= (i32::from(b).abs() / 16).max(8) + 8
    };
    heard.windows(probe.len()).any(|w| {
        w[..40].iter().zip(probe).all(|(&a, &b)| close(a, b))
            && w.iter().zip(probe).filter(|&(&a, &b)| close(a, b)).count() * 100 >= probe.len() * 98
    })
}

/// Starts SIPp running `scenario` as a callee on `port`, for one call, within `timeout_s`.
pub fn sipp_callee(scenario: &str, port: u16, timeout_s: u64) -> Child {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(scenario);
    Command::new(sipp())
        .args(["-sf", file.to_str().unwrap()])
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args([
            "-m",
            "1",
            "-timeout",
            &format!("{timeout_s}s"),
            "-timeout_error",
        ])
        .args(["-rtp_echo", "-mp", &free_port().to_string()])
        .arg("-nostdin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Writes an engine configuration `name` (YAML) to a folder of this test run; its path.
pub fn engine_config(name: &str, yaml: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ivr-configs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    path
}

/// The `agents:` section for accounts registering with password `s3cret` in realm `ivr`:
/// (name, languages as YAML, e.g. "[es-US]").
pub fn agents_yaml(agents: &[(&str, &str)]) -> String {
    let mut yaml = "agents:\n".to_string();
    for (name, languages) in agents {
        let ha1 = ivr_sip::digest::ha1(name, "ivr", "s3cret");
        yaml += &format!("  {name}: {{ ha1: \"{ha1}\", languages: {languages} }}\n");
    }
    yaml
}

/// `run_sipp` on a thread, for a call that goes on while the test does something else.
pub fn call_in_background(
    port: u16,
    scenario: &'static str,
    fill: Vec<(&'static str, String)>,
    timeout_s: u64,
) -> std::thread::JoinHandle<(bool, String)> {
    std::thread::spawn(move || {
        let (_rtp, rtp_port) = caller_rtp();
        let mut fill = fill;
        fill.push(("rtp_port", rtp_port));
        run_sipp(port, scenario, &fill, timeout_s)
    })
}

/// Waits up to `within_s` for `needle` in the engine's log at `log_path`, then SIGKILLs it.
pub fn kill_when_logged(engine: &mut Engine, log_path: &Path, needle: &str, within_s: u64) {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    loop {
        let log = std::fs::read_to_string(log_path).unwrap_or_default();
        if log.contains(needle) {
            break;
        }
        assert!(Instant::now() < deadline, "never logged {needle}:\n{log}");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill_now(engine);
}

/// SIGKILL: the engine gets no chance to finish anything.
pub fn kill_now(engine: &mut Engine) {
    let pid = engine.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );
    engine.child.wait().unwrap();
}
