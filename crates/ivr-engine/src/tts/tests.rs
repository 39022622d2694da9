#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Unit tests of the text-to-speech module. Fake `espeak-ng` programs (shell scripts) stand in
//! where a test needs a failure, a hang or known audio; one test runs the real program.

use super::espeak::fix_streamed_header;
use super::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ivr-tts-{}-{n}-{name}", std::process::id()));
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

/// An executable shell script standing in for espeak-ng.
fn fake_program(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("fake-espeak");
    std::fs::write(
        &path,
        format!("#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake 1.0'; exit 0; fi\n{body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A process forked by another test while the script was open for writing keeps it "busy"
    // (ETXTBSY) until that process execs; wait that out so the test itself never sees it.
    for _ in 0..100 {
        match std::process::Command::new(&path).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => break,
        }
    }
    path
}

/// A fake espeak-ng that prints this WAV (a 22.05 kHz tone of `seconds`) to stdout.
fn tone_program(dir: &Path, seconds: f32) -> PathBuf {
    let wav = dir.join("tone.wav");
    let n = (22_050.0 * seconds) as usize;
    let samples: Vec<i16> = (0..n)
        .map(|i| ((i as f32 * 0.06).sin() * 8000.0) as i16)
        .collect();
    ivr_media::wav::write_wav(&wav, &samples, 22_050).unwrap();
    fake_program(dir, &format!("cat '{}'", wav.display()))
}

fn seconds(samples: &[i16]) -> f32 {
    samples.len() as f32 / 8000.0
}

/// A synthesizer that finds no Pico, so `auto` runs the (fake) espeak-ng program.
fn espeak_only(synth: Synthesizer) -> Synthesizer {
    synth.with_pico_program("/nonexistent/pico2wave")
}

#[test]
fn voices_for_the_flow_languages() {
    let espeak = |lang| voice_for(TtsEngine::EspeakNg, lang).map(|v| v.name);
    let pico = |lang| voice_for(TtsEngine::Pico, lang).map(|v| v.name);
    assert_eq!(espeak("en-US").unwrap(), "en-us");
    assert_eq!(espeak("es-US").unwrap(), "es-419");
    assert_eq!(espeak("es-MX").unwrap(), "es-419");
    assert_eq!(espeak("es-ES").unwrap(), "es");
    assert_eq!(espeak("en").unwrap(), "en-us");
    assert_eq!(pico("en-US").unwrap(), "en-US");
    assert_eq!(pico("en-GB").unwrap(), "en-GB");
    assert_eq!(pico("es-US").unwrap(), "es-ES");
    let err = espeak("ko-KR").unwrap_err();
    assert!(err.to_string().contains("recorded prompts"), "{err}");
    assert!(pico("ko-KR").is_err());
}

#[test]
fn auto_takes_pico_only_where_it_is_installed() {
    let missing = espeak_only(Synthesizer::uncached());
    assert_eq!(missing.voice("en-US").unwrap().engine, TtsEngine::EspeakNg);
    let chosen = espeak_only(Synthesizer::uncached()).with_choices(
        [("es-US".to_string(), TtsChoice::Pico)]
            .into_iter()
            .collect(),
    );
    // Asked for by name, Pico is used (and its absence reported) even when missing.
    assert_eq!(chosen.voice("es-US").unwrap().id(), "pico:es-ES");
    let err = chosen.check(&["es-US"]).unwrap_err();
    assert!(err.to_string().contains("libttspico-utils"), "{err}");
    let forced = Synthesizer::uncached().with_choices(
        [("en-US".to_string(), TtsChoice::EspeakNg)]
            .into_iter()
            .collect(),
    );
    assert_eq!(forced.voice("en-US").unwrap().id(), "espeak-ng:en-us");
}

#[test]
fn streamed_header_sizes_are_set_from_the_data() {
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&0x7fff_f024u32.to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&[1, 0, 1, 0]);
    wav.extend_from_slice(&22_050u32.to_le_bytes());
    wav.extend_from_slice(&44_100u32.to_le_bytes());
    wav.extend_from_slice(&[2, 0, 16, 0]);
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&0x7fff_f000u32.to_le_bytes());
    wav.extend_from_slice(&[1, 0, 2, 0, 3]);
    fix_streamed_header(&mut wav);
    assert_eq!(u32::from_le_bytes(wav[4..8].try_into().unwrap()), 41);
    assert_eq!(u32::from_le_bytes(wav[40..44].try_into().unwrap()), 4);
}

#[test]
fn digests_change_with_voice_and_text() {
    let a = text_digest("en-us", "Hello.");
    assert_eq!(a, text_digest("en-us", " Hello. "));
    assert_ne!(a, text_digest("es-419", "Hello."));
    assert_ne!(a, text_digest("en-us", "Hello!"));
    assert_eq!(a.len(), 64);
}

#[test]
fn a_missing_program_names_the_package() {
    let synth = espeak_only(Synthesizer::uncached()).with_program("/nonexistent/espeak-ng");
    let err = synth.synthesize("en-US", "hello").unwrap_err();
    assert!(matches!(err, TtsError::NotInstalled { .. }), "{err:?}");
    assert!(
        err.to_string().contains("apt-get install espeak-ng"),
        "{err}"
    );
}

#[test]
fn a_hung_program_is_stopped() {
    let dir = TempDir::new("hang");
    let program = fake_program(&dir.0, "exec sleep 30");
    let synth = espeak_only(Synthesizer::uncached())
        .with_program(program)
        .with_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = synth.synthesize("en-US", "hello").unwrap_err();
    assert!(matches!(err, TtsError::TimedOut { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_failing_program_reports_its_message() {
    let dir = TempDir::new("fail");
    let program = fake_program(&dir.0, "echo 'no voice data' >&2; exit 3");
    let err = espeak_only(Synthesizer::uncached())
        .with_program(program)
        .synthesize("en-US", "hello")
        .unwrap_err();
    assert!(err.to_string().contains("no voice data"), "{err}");
}

#[test]
fn empty_and_overlong_text_are_refused() {
    let synth = espeak_only(Synthesizer::uncached()).with_program("/nonexistent/espeak-ng");
    assert!(matches!(
        synth.synthesize("en-US", "  "),
        Err(TtsError::EmptyText { .. })
    ));
    let long = "a ".repeat(MAX_TEXT_CHARS);
    assert!(matches!(
        synth.synthesize("en-US", &long),
        Err(TtsError::TextTooLong { .. })
    ));
}

#[test]
fn output_is_resampled_to_8_khz_and_cached() {
    let dir = TempDir::new("cache");
    let cache = dir.0.join("cache");
    let synth =
        espeak_only(Synthesizer::new(cache.clone())).with_program(tone_program(&dir.0, 1.0));
    let samples = synth.synthesize("en-US", "hello").unwrap();
    assert!(
        (seconds(&samples) - 1.0).abs() < 0.01,
        "{}",
        seconds(&samples)
    );
    let entries = std::fs::read_dir(&cache).unwrap().count();
    assert_eq!(entries, 1);
    // The same version and text from a program that would now fail: served from the cache.
    let broken = fake_program(&dir.0, "exit 1");
    let again = espeak_only(Synthesizer::new(cache)).with_program(broken);
    assert_eq!(again.synthesize("en-US", "hello").unwrap(), samples);
    assert!(again.synthesize("en-US", "other text").is_err());
}

#[test]
fn prompt_sources_in_order_of_preference() {
    let dir = TempDir::new("prompts");
    let prompts = dir.0.join("prompts");
    let lang_dir = prompts.join("en-US");
    std::fs::create_dir_all(&lang_dir).unwrap();
    // Synthesis gives 1.0 s, the rendered file 0.5 s, the studio recording 0.25 s.
    let synth = espeak_only(Synthesizer::uncached()).with_program(tone_program(&dir.0, 1.0));
    ivr_media::wav::write_wav(lang_dir.join("welcome.wav"), &vec![100; 4000], 8000).unwrap();
    ivr_media::wav::write_wav(dir.0.join("studio.wav"), &vec![100; 4000], 16_000).unwrap();
    let mut index = RenderedIndex::default();
    index.prompts.insert(
        "welcome".into(),
        RenderedEntry {
            voice: "pico:en-US".into(),
            engine: "fake 1.0".into(),
            text_sha256: text_digest("pico:en-US", "Welcome."),
        },
    );
    index.save(&lang_dir).unwrap();
    let audio = PromptAudio::new(prompts, synth).with_audio_base(dir.0.clone());
    let request = |audio: Option<&'static str>, text: &'static str, has_variables| PromptRequest {
        lang: "en-US",
        id: "welcome",
        audio,
        text,
        has_variables,
    };
    let len = |r: PromptRequest| seconds(&audio.samples(&r).unwrap());
    assert!((len(request(Some("studio.wav"), "Welcome.", false)) - 0.25).abs() < 0.01);
    assert!((len(request(None, "Welcome.", false)) - 0.5).abs() < 0.01);
    // A missing studio file falls back to the rendered one.
    assert!((len(request(Some("gone.wav"), "Welcome.", false)) - 0.5).abs() < 0.01);
    // Variables, or a text changed since rendering: synthesized.
    assert!((len(request(None, "Welcome.", true)) - 1.0).abs() < 0.01);
    assert!((len(request(None, "Welcome back.", false)) - 1.0).abs() < 0.01);
    // No rendered file at all: synthesized.
    let missing = PromptRequest {
        id: "goodbye",
        ..request(None, "Bye.", false)
    };
    assert!((len(missing) - 1.0).abs() < 0.01);
}

/// The real programs (`make setup` installs both): each language speaks, at a plausible
/// length.
#[test]
fn espeak_ng_and_pico_speak_english_and_spanish() {
    for choice in [TtsChoice::EspeakNg, TtsChoice::Pico] {
        let choices = ["en-US", "es-US"]
            .into_iter()
            .map(|lang| (lang.to_string(), choice))
            .collect();
        speaks_english_and_spanish(&Synthesizer::uncached().with_choices(choices));
    }
    let synth = Synthesizer::uncached();
    assert!(
        synth
            .engine_version(TtsEngine::EspeakNg)
            .unwrap()
            .contains("eSpeak NG")
    );
    // `make setup` installs Pico, so `auto` picks it.
    assert_eq!(synth.voice("es-US").unwrap().engine, TtsEngine::Pico);
}

fn speaks_english_and_spanish(synth: &Synthesizer) {
    for (lang, text) in [
        ("en-US", "Thank you for calling. Goodbye."),
        ("es-US", "Gracias por llamar. Adiós."),
    ] {
        let samples = synth
            .synthesize(lang, text)
            .unwrap_or_else(|e| panic!("{e}"));
        let secs = seconds(&samples);
        assert!((1.0..4.0).contains(&secs), "{lang}: {secs} s");
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(peak > 3000, "{lang}: peak {peak}");
    }
}
