#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The supervisor page in a real browser: Debian's Chromium, headless, loads the admin's `/`
//! with the token in the address while a caller (SIPp) waits for an agent whose desk phone
//! (SIPp) rings. The page's DOM, after its script has fetched and drawn, must show the call,
//! the waiting caller and the agent; a screenshot of it must show them in their colours.

mod serve_support;

use serve_support::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TOKEN: &str = "page-token-51c9";

fn chromium() -> &'static str {
    let path = "/usr/bin/chromium";
    assert!(
        Path::new(path).exists(),
        "Chromium is missing: `make test` installs it (scripts/setup-system.sh), or \
         apt-get install chromium"
    );
    path
}

/// Chromium, headless, on `url` until its script has run (virtual time), with `output`
/// (`--dump-dom` or `--screenshot=FILE`); what it printed.
fn browse(url: &str, output: &str, name: &str) -> String {
    let profile = std::env::temp_dir().join(format!("ivr-chromium-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&profile).ok();
    // As the machine's notes say: no sandbox as root, and no background connections (the
    // network here is closed; they would only be refused).
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1400,1400",
            "--virtual-time-budget=4000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(output)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("Chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    std::fs::remove_dir_all(&profile).ok();
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The text of the table row holding `needle` (tags dropped), from a dumped DOM.
fn row_with(dom: &str, needle: &str) -> Option<String> {
    dom.split("<tr")
        .find(|row| row.contains(needle))
        .map(|row| {
            // What follows `<tr`: its attributes, then its cells up to `</tr>`.
            let row = row.split_once('>').map_or(row, |(_, cells)| cells);
            let row = row.split("</tr>").next().unwrap_or(row);
            let mut text = String::new();
            let mut in_tag = false;
            for c in row.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        text.push(' ');
                    }
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
}

/// Pixels of the screenshot within a few levels of `rgb`.
fn pixels_like(png: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| p.len() >= 3 && (0..3).all(|i| p[i].abs_diff(rgb[i]) <= 6))
        .count()
}

fn wait_for_call_waiting(engine: &Engine) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, calls) = admin_request_with(
            engine,
            "GET",
            "/calls",
            &["Host: 127.0.0.1", &format!("Authorization: Bearer {TOKEN}")],
        );
        if calls.contains("\"waiting_in\": \"agents-es\"") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the caller never waited: {calls}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_page_shows_a_live_call_a_waiting_caller_and_an_agent() {
    let desk_port = free_port();
    let desk = sipp_callee("agent_rings_long.xml", desk_port, 90);
    // Mail goes nowhere here (a closed port): the request's confirmation waits in the outbox,
    // which the page lists.
    let config = engine_config(
        "supervisor-page",
        &format!(
            "agents:\n  desk: {{ uri: \"sip:desk@127.0.0.1:{desk_port}\", languages: [es] }}\n\
             ring_timeout_s: 40\nadmin:\n  token: \"{TOKEN}\"\n\
             email:\n  host: 127.0.0.1\n  port: {}\n  security: plain\n  \
             from: \"ivr <ivr@example.org>\"\n  timeout_s: 2\n",
            free_port()
        ),
    );
    let engine = engine(&[
        "--config",
        config.to_str().unwrap(),
        "--flow",
        "crates/ivr/tests/flows/queue.yaml",
    ]);
    let request = r#"{"email": "ana@example.com", "lang": "es-US",
        "topic": "Tarjeta verde sin llegar", "agent": "supervisora"}"#;
    let (status, body) = admin_post_json(
        &engine,
        "/escalations",
        request,
        &[&format!("Authorization: Bearer {TOKEN}")],
    );
    assert_eq!(status, 201, "{body}");

    // A caller who waits in the Spanish queue while the desk rings, then leaves it (star).
    let (rtp, rtp_port) = caller_rtp();
    let media = stream_fixture(rtp, "en-silence-open.wav", 40);
    let caller = call_in_background(
        engine.port,
        "call_two_keys.xml",
        vec![
            ("rtp_port", rtp_port),
            ("pause_ms", "25000".into()),
            ("key", "*".into()),
            ("pause2_ms", "2500".into()),
            ("key2", "1".into()),
        ],
        60,
    );
    wait_for_call_waiting(&engine);

    let url = format!("http://127.0.0.1:{}/#token={TOKEN}", engine.admin);
    let dom = browse(&url, "--dump-dom", "dom");
    assert!(
        dom.contains("updated "),
        "the page never drew its data:\n{dom}"
    );
    let call = row_with(&dom, "data-call").unwrap_or_else(|| panic!("no call row:\n{dom}"));
    assert!(
        call.contains("+12025550143") && call.contains("waiting in agents-es"),
        "{call}"
    );
    assert!(dom.contains(r#"<tr class="waiting" data-call="#), "{dom}");
    let queue = row_with(&dom, "<td>agents-es</td>").unwrap_or_default();
    assert!(queue.starts_with("agents-es 1 0:"), "{queue}");
    let agent = row_with(&dom, "<td>desk</td>").unwrap_or_default();
    assert!(agent.contains("ringing"), "{agent}");
    let escalation = row_with(&dom, "Tarjeta verde sin llegar").unwrap_or_default();
    assert!(
        escalation.contains("ana@example.com") && escalation.contains("agent supervisora"),
        "{escalation}"
    );
    assert!(
        dom.contains(">Escalate<") && dom.contains(">Close<"),
        "{dom}"
    );

    let shot = std::env::temp_dir().join(format!("ivr-supervisor-{}.png", std::process::id()));
    std::fs::remove_file(&shot).ok();
    browse(&url, &format!("--screenshot={}", shot.display()), "shot");
    // The header's ink, and the waiting colour of the caller's badge, row edge and the
    // ringing agent: drawn, not a blank or unstyled page.
    let ink = pixels_like(&shot, [0x1b, 0x26, 0x31]);
    let waiting = pixels_like(&shot, [0xd6, 0x89, 0x10]);
    assert!(ink > 20_000, "header pixels: {ink} ({})", shot.display());
    assert!(
        waiting > 1_500,
        "waiting-colour pixels: {waiting} ({})",
        shot.display()
    );

    // Without the token the page has nothing to show and asks for it.
    let bare = browse(
        &format!("http://127.0.0.1:{}/", engine.admin),
        "--dump-dom",
        "bare",
    );
    assert!(bare.contains("the admin token is needed"), "{bare}");
    assert!(!bare.contains("+12025550143"), "{bare}");

    let (ok, out) = caller.join().unwrap();
    assert!(ok, "{out}");
    media.join().ok();
    let mut desk = desk;
    desk.kill().ok();
    desk.wait().ok();
    std::fs::remove_file(&shot).ok();
}
