//! The far ends of text messages and emails, as real servers on loopback: an HTTP receiver
//! standing in for the SMS provider's webhook (tiny_http), and an SMTP server process
//! (Python aiosmtpd, Debian `python3-aiosmtpd`, storing each message in a Maildir).

use super::free_port;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One message the SMS webhook received: its headers and JSON body.
#[derive(Debug, Clone)]
pub struct TextMessage {
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub body: serde_json::Value,
}

pub struct SmsReceiver {
    pub url: String,
    received: Arc<Mutex<Vec<TextMessage>>>,
    /// Requests still to be taken and never answered (a provider that hangs).
    hold: Arc<AtomicUsize>,
    held: Arc<Mutex<Vec<TextMessage>>>,
}

impl SmsReceiver {
    /// Answers each POST with the next status of `statuses` (then 200 for ever).
    pub fn start(statuses: &[u16]) -> SmsReceiver {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&received);
        let hold = Arc::new(AtomicUsize::new(0));
        let held = Arc::new(Mutex::new(Vec::new()));
        let (to_hold, kept_held) = (Arc::clone(&hold), Arc::clone(&held));
        let mut statuses: Vec<u16> = statuses.iter().rev().copied().collect();
        std::thread::spawn(move || {
            let mut parked = Vec::new();
            for mut request in server.incoming_requests() {
                let header = |name: &'static str| {
                    request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv(name))
                        .map(|h| h.value.to_string())
                };
                let authorization = header("Authorization");
                let idempotency_key = header("Idempotency-Key");
                let mut text = String::new();
                request.as_reader().read_to_string(&mut text).ok();
                let holding = to_hold
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if holding {
                    kept_held.lock().unwrap().push(TextMessage {
                        authorization,
                        idempotency_key,
                        body: serde_json::from_str(&text).unwrap_or_default(),
                    });
                    parked.push(request);
                    continue;
                }
                let status = statuses.pop().unwrap_or(200);
                if status == 200 {
                    kept.lock().unwrap().push(TextMessage {
                        authorization,
                        idempotency_key,
                        body: serde_json::from_str(&text).unwrap_or_default(),
                    });
                }
                request
                    .respond(tiny_http::Response::from_string("{}").with_status_code(status))
                    .ok();
            }
        });
        SmsReceiver {
            url: format!("http://127.0.0.1:{port}/sms"),
            received,
            hold,
            held,
        }
    }

    /// The next `count` requests are read and never answered, as by a provider that hangs.
    pub fn hold_next(&self, count: usize) {
        self.hold.store(count, Ordering::SeqCst);
    }

    /// The requests held so far, waiting up to `within_s` for `count` of them.
    pub fn wait_for_held(&self, count: usize, within_s: u64) -> Vec<TextMessage> {
        let deadline = Instant::now() + Duration::from_secs(within_s);
        loop {
            let got = self.held.lock().unwrap().clone();
            if got.len() >= count || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The messages accepted so far, waiting up to `within_s` for `count` of them.
    pub fn wait_for(&self, count: usize, within_s: u64) -> Vec<TextMessage> {
        let deadline = Instant::now() + Duration::from_secs(within_s);
        loop {
            let got = self.received.lock().unwrap().clone();
            if got.len() >= count || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// aiosmtpd on a free port; each message lands in `maildir/new`. Killed when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl SmtpServer {
    pub fn start(maildir: PathBuf, port: u16) -> SmtpServer {
        // The Mailbox handler makes the Maildir (tmp, new, cur) only if the folder is new.
        if let Some(parent) = maildir.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "python3-aiosmtpd is missing: `make test` installs it (scripts/setup-system.sh)",
            );
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        SmtpServer {
            child,
            port,
            maildir,
        }
    }

    pub fn free_port() -> u16 {
        free_port()
    }
}

/// The messages in a Maildir, waiting up to `within_s` for `count` of them.
pub fn mails(maildir: &std::path::Path, count: usize, within_s: u64) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    loop {
        let mut got: Vec<String> = std::fs::read_dir(maildir.join("new"))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        if got.len() >= count || Instant::now() > deadline {
            got.sort();
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
