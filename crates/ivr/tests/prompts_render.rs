#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `ivr prompts render` on a tiny flow, with the real espeak-ng (`apt-get install espeak-ng`):
//! the files it writes, and that running it again does nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

const FLOW: &str = r#"
languages: [en-US, es-US]
default_language: en-US
timezone: America/New_York
start: hello
prompts:
  hello:
    text:
      en-US: "Hello, and thank you for calling."
      es-US: "Hola, y gracias por llamar."
  your_number:
    text:
      en-US: "Your number is {caller|spell}."
      es-US: "Su número es {caller|spell}."
states:
  hello:
    say: { prompts: [hello, your_number], next: bye }
  bye:
    hangup: { reason: completed }
"#;

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ivr-prompts-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn render(flow: &Path, out: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["prompts", "render"])
        .arg(flow)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "ivr prompts render failed (is espeak-ng installed? `apt-get install espeak-ng`): {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The format fields and samples of a PCM WAV file.
struct Wav {
    format: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    samples: Vec<i16>,
}

fn read_wav(path: &Path) -> Wav {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let (mut fmt, mut data) = (None, None);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32_at(at + 4) as usize;
        match &bytes[at..at + 4] {
            b"fmt " => fmt = Some(at + 8),
            b"data" => data = Some((at + 8, size)),
            _ => {}
        }
        at += 8 + size + (size & 1);
    }
    let fmt = fmt.expect("no fmt chunk");
    let (start, len) = data.expect("no data chunk");
    Wav {
        format: u16_at(fmt),
        channels: u16_at(fmt + 2),
        rate: u32_at(fmt + 4),
        bits: u16_at(fmt + 14),
        samples: bytes[start..start + len]
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect(),
    }
}

#[test]
fn renders_fixed_prompts_once() {
    let dir = TempDir::new("render");
    let flow = dir.0.join("flow.yaml");
    std::fs::write(&flow, FLOW).unwrap();
    let out = dir.0.join("prompts");

    let first = render(&flow, &out);
    assert!(first.contains("en-US: 1 rendered"), "{first}");
    assert!(first.contains("es-US: 1 rendered"), "{first}");
    for (lang, text) in [
        ("en-US", "Hello, and thank you for calling."),
        ("es-US", "Hola, y gracias por llamar."),
    ] {
        let wav = read_wav(&out.join(lang).join("hello.wav"));
        assert_eq!(
            (wav.format, wav.channels, wav.rate, wav.bits),
            (1, 1, 8000, 16),
            "{lang}: 8 kHz mono 16-bit PCM"
        );
        let seconds = wav.samples.len() as f64 / 8000.0;
        // Speech runs at roughly 10-25 characters a second.
        let chars = text.chars().count() as f64;
        assert!(
            (chars / 25.0..chars / 8.0).contains(&seconds),
            "{lang}: {seconds} s for {chars} characters"
        );
        let rms = (wav
            .samples
            .iter()
            .map(|&s| f64::from(s).powi(2))
            .sum::<f64>()
            / wav.samples.len() as f64)
            .sqrt();
        assert!(rms > 500.0, "{lang}: RMS {rms} is near silence");
        // Prompts with variables are synthesized during calls, not rendered.
        assert!(!out.join(lang).join("your_number.wav").exists());
        assert!(out.join(lang).join(".rendered.json").is_file());
    }

    let before = std::fs::read(out.join("en-US/hello.wav")).unwrap();
    let modified = std::fs::metadata(out.join("en-US/hello.wav"))
        .unwrap()
        .modified()
        .unwrap();
    let second = render(&flow, &out);
    assert!(
        second.contains("en-US: 0 rendered, 1 up to date"),
        "{second}"
    );
    assert!(
        second.contains("es-US: 0 rendered, 1 up to date"),
        "{second}"
    );
    assert_eq!(std::fs::read(out.join("en-US/hello.wav")).unwrap(), before);
    let modified_again = std::fs::metadata(out.join("en-US/hello.wav"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        modified, modified_again,
        "an up-to-date file is not rewritten"
    );

    // A changed text is rendered again; the other language is untouched.
    std::fs::write(
        &flow,
        FLOW.replace("Hello, and thank you", "Good morning, and thank you"),
    )
    .unwrap();
    let third = render(&flow, &out);
    assert!(third.contains("en-US: 1 rendered"), "{third}");
    assert!(third.contains("es-US: 0 rendered"), "{third}");
    assert_ne!(std::fs::read(out.join("en-US/hello.wav")).unwrap(), before);
}

#[test]
fn a_missing_flow_is_reported() {
    let dir = TempDir::new("missing");
    let output = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["prompts", "render"])
        .arg(dir.0.join("nope.yaml"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot read flow file"), "{stderr}");
}
