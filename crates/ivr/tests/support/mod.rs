#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
//! Runs the real `ivr` binary, and a real HTTP case-status service for its lookups.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;

pub const FLOW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../call-flows/contact-center.yaml"
);

/// Tuesday 2026-12-01 at 10:00 and 21:00 Eastern.
pub const OPEN: &str = "2026-12-01T10:00:00-05:00";
pub const CLOSED: &str = "2026-12-01T21:00:00-05:00";

pub fn ivr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ivr"))
}

/// A file with these lines, removed when dropped.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(name: &str, content: &str) -> TempFile {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ivr-test-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `ivr chat FLOW --json --script` with these caller lines; the events it printed.
pub fn chat(at: &str, lines: &[&str], extra: &[&str]) -> Vec<Value> {
    let script = TempFile::new("script.txt", &(lines.join("\n") + "\n"));
    let output = ivr()
        .args(["chat", FLOW, "--json", "--at", at, "--script"])
        .arg(&script.0)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "ivr chat failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

pub fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

pub fn intents(events: &[Value]) -> Vec<String> {
    of_type(events, "intent")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

pub fn states(events: &[Value]) -> Vec<String> {
    of_type(events, "state")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

pub fn prompt_ids(events: &[Value]) -> Vec<String> {
    of_type(events, "prompt")
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// The first prompt with this id.
pub fn prompt<'a>(events: &'a [Value], id: &str) -> &'a Value {
    first_where(events, "prompt", "id", id)
}

/// The first slot event for this slot.
pub fn slot<'a>(events: &'a [Value], name: &str) -> &'a Value {
    first_where(events, "slot", "name", name)
}

fn first_where<'a>(events: &'a [Value], kind: &str, field: &str, value: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["type"] == kind && e[field] == value)
        .unwrap_or_else(|| panic!("no {kind} with {field} {value} in {events:#?}"))
}

pub fn text(event: &Value) -> &str {
    event["text"].as_str().unwrap_or_default()
}

pub fn last(events: &[Value], kind: &str) -> Value {
    of_type(events, kind)
        .last()
        .map(|v| (*v).clone())
        .unwrap_or(Value::Null)
}

/// A case-status web service on 127.0.0.1, answering like the one the flow is written for.
pub struct CaseStatusService {
    pub url: String,
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl CaseStatusService {
    pub fn start() -> CaseStatusService {
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let worker = std::sync::Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in worker.incoming_requests() {
                let (status, body) = answer(request.url());
                let header =
                    tiny_http::Header::from_bytes("content-type", "application/json").unwrap();
                let response = tiny_http::Response::from_string(body)
                    .with_status_code(status)
                    .with_header(header);
                let _ = request.respond(response);
            }
        });
        CaseStatusService {
            url: format!("http://127.0.0.1:{port}/case-status"),
            server,
            thread: Some(thread),
        }
    }

    pub fn var(&self) -> String {
        format!("case_status_url={}", self.url)
    }
}

impl Drop for CaseStatusService {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Known receipt numbers answer in the asked language; others are 404.
fn answer(url: &str) -> (u16, String) {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap_or("")
            .to_string()
    };
    if !url.starts_with("/case-status") || param("receipt") != "IOE0123456789" {
        return (404, r#"{"error":"not found"}"#.into());
    }
    let body = if param("lang") == "es-US" {
        r#"{"status":"Caso aprobado","detail":"Le enviamos su aviso de aprobación por correo."}"#
    } else {
        r#"{"status":"Case Was Approved","detail":"We mailed you an approval notice."}"#
    };
    (200, body.into())
}
