#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The admin HTTP on a public number's engine, over real HTTP to its port: the token guards
//! callers' data, and neither a web page on the same machine (a cross-site POST, DNS
//! rebinding) nor a client that never finishes its request gets in the way.

mod serve_support;

use serve_support::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// One request with exactly these header lines; (status, body).
fn request(engine: &Engine, method: &str, path: &str, headers: &[&str]) -> (u16, String) {
    admin_request_with(engine, method, path, headers)
}

#[test]
fn with_a_token_only_health_and_metrics_are_open() {
    let engine = engine_with(
        &[],
        &[("IVR_ADMIN_TOKEN", "t0ken-for-tests")],
        Stdio::null(),
    );
    let host = format!("Host: 127.0.0.1:{}", engine.admin);
    assert_eq!(request(&engine, "GET", "/healthz", &[&host]).0, 200);
    assert_eq!(request(&engine, "GET", "/metrics", &[&host]).0, 200);
    for path in ["/calls", "/callbacks", "/outbox", "/agents", "/queues"] {
        let (status, body) = request(&engine, "GET", path, &[&host]);
        assert_eq!(status, 401, "{path}: {body}");
        assert!(!body.contains("t0ken"), "the token leaks: {body}");
        let wrong = request(
            &engine,
            "GET",
            path,
            &[&host, "Authorization: Bearer t0ken-for-test"],
        );
        assert_eq!(wrong.0, 401, "{path}");
        let right = request(
            &engine,
            "GET",
            path,
            &[&host, "Authorization: Bearer t0ken-for-tests"],
        );
        assert_eq!(right.0, 200, "{path}: {}", right.1);
    }
    let post = request(&engine, "POST", "/callbacks/1/done", &[&host]);
    assert_eq!(post.0, 401);
}

#[test]
fn a_web_page_on_the_same_machine_gets_nothing() {
    let engine = engine(&[]);
    let own = format!("Host: 127.0.0.1:{}", engine.admin);
    // A page on another site posting to the admin (the browser adds its Origin).
    let origin = request(
        &engine,
        "POST",
        "/callbacks/1/done",
        &[&own, "Origin: http://evil.example"],
    );
    assert_eq!(origin.0, 403, "{}", origin.1);
    // DNS rebinding: a name of the attacker's that now points at 127.0.0.1.
    let rebound = format!("Host: rebind.evil.example:{}", engine.admin);
    let calls = request(&engine, "GET", "/calls", &[&rebound]);
    assert_eq!(calls.0, 403, "{}", calls.1);
    // The admin's own pages and tools still work.
    assert_eq!(request(&engine, "GET", "/calls", &[&own]).0, 200);
    let same_site = format!("Origin: http://127.0.0.1:{}", engine.admin);
    assert_eq!(
        request(&engine, "POST", "/callbacks/1/done", &[&own, &same_site]).0,
        409
    );
}

#[test]
fn a_client_that_never_finishes_does_not_hold_up_health_checks() {
    let engine = engine(&[]);
    let host = format!("Host: 127.0.0.1:{}", engine.admin);
    // Connections that send half a request and then nothing.
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(("127.0.0.1", engine.admin)).unwrap();
        stream
            .write_all(b"GET /calls HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        stalled.push(stream);
    }
    let started = Instant::now();
    let (status, _) = request(&engine, "GET", "/healthz", &[&host]);
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(stalled);
}

/// Whether the server closed `stream` (read gives end of file or a reset) within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 512];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            // An answer (408, say) before the close is fine; keep reading to the close.
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn a_client_that_never_finishes_is_cut_off_and_connections_are_capped() {
    let config = engine_config(
        "admin-limits",
        "admin: { max_connections: 4, request_timeout_s: 2 }\n",
    );
    let engine = engine(&["--config", config.to_str().unwrap()]);
    let host = format!("Host: 127.0.0.1:{}", engine.admin);
    // Four connections that send half a request, then nothing: all the cap allows.
    let mut stalled: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", engine.admin)).unwrap();
            stream
                .write_all(b"GET /calls HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A fifth is closed at once.
    let mut fifth = TcpStream::connect(("127.0.0.1", engine.admin)).unwrap();
    assert!(
        closed_within(&mut fifth, Duration::from_millis(1500)),
        "a connection past the cap was kept open"
    );
    // The stalled ones are cut off at the request timeout, not kept for ever...
    let started = Instant::now();
    for stream in &mut stalled {
        assert!(
            closed_within(stream, Duration::from_secs(5)),
            "a stalled request was never cut off"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // ...and the admin answers again.
    let (status, _) = request(&engine, "GET", "/healthz", &[&host]);
    assert_eq!(status, 200);
}

#[test]
fn an_admin_beyond_loopback_without_a_token_does_not_start() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ivr"))
        .current_dir(repo())
        .args(["serve", "--sip", &format!("127.0.0.1:{}", free_port())])
        .args(["--admin", &format!("0.0.0.0:{}", free_port())])
        .env_remove("IVR_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It must refuse at once; one that starts serving is stopped after the wait.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .ok();
    assert!(
        status.is_some_and(|s| !s.success()),
        "started serving without a token: {stderr}"
    );
    assert!(stderr.contains("IVR_ADMIN_TOKEN"), "{stderr}");
}
