//! Our Whisper backend's decode time per utterance, for the side-by-side with faster-whisper
//! (`benches/speech/compare.sh`, figures in benches/README.md).
//!
//! decode_times cut FIXTURES_DIR OUT_DIR
//!     Cuts every fixture recording into utterances with the engine's endpointer (default
//!     parameters) and writes each as OUT_DIR/NAME.wav (8 kHz, what the engine decodes) and
//!     NAME.16k.wav (the 16 kHz audio our backend makes of it, for the reference to read), plus
//!     OUT_DIR/utterances.txt: `NAME LANG` per line, the language from the fixture's name.
//! decode_times time MODEL_DIR LIST --dir OUT_DIR [--threads N] [--beam B] [--english-only]
//!     [--encoder-frames auto|full|fit:MIN_MS:PAD_MS]
//!     Decodes each listed utterance once (after one warm-up decode) the way the engine does,
//!     with the language given and no hint, and prints one JSON line per utterance.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

#[cfg(feature = "whisper")]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("cut") => cut(&args[1..]),
        Some("time") => time(&args[1..]),
        _ => Err("usage: decode_times cut FIXTURES OUT | time MODEL LIST --dir OUT [...]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("decode_times: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "whisper")]
fn cut(args: &[String]) -> Result<(), String> {
    use ivr_speech::endpointer::{EndpointEvent, Endpointer, VadParams};
    use std::fmt::Write as _;
    use std::path::Path;

    let [fixtures, out] = args else {
        return Err("cut needs FIXTURES_DIR OUT_DIR".into());
    };
    let out = Path::new(out);
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut wavs: Vec<_> = std::fs::read_dir(fixtures)
        .map_err(|e| format!("{fixtures}: {e}"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    wavs.sort();
    let mut list = String::new();
    for wav in wavs {
        let stem = wav
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{}: not a UTF-8 name", wav.display()))?
            .to_string();
        let lang = if stem.starts_with("es-") { "es" } else { "en" };
        let samples = read_8k(&wav)?;
        let mut endpointer = Endpointer::new(VadParams::default()).map_err(|e| e.to_string())?;
        endpointer.start_listening();
        let mut n = 0;
        for frame in samples.chunks_exact(160) {
            let Ok(events) = endpointer.push_frame(frame) else {
                continue;
            };
            for event in events {
                if let EndpointEvent::SpeechEnded { audio, .. } = event {
                    n += 1;
                    let name = format!("{stem}-{n}");
                    write_wav(&out.join(format!("{name}.wav")), 8000, &audio)?;
                    let wide: Vec<i16> = ivr_speech::whisper_backend::upsample_8k_to_16k(&audio)
                        .iter()
                        .map(|&x| (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
                        .collect();
                    write_wav(&out.join(format!("{name}.16k.wav")), 16000, &wide)?;
                    let _ = writeln!(list, "{name} {lang}");
                }
            }
        }
    }
    let path = out.join("utterances.txt");
    std::fs::write(&path, list).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(feature = "whisper")]
fn read_8k(path: &std::path::Path) -> Result<Vec<i16>, String> {
    let reader = hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    if spec.sample_rate != 8000 || spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(format!("{}: expected 8 kHz mono 16-bit", path.display()));
    }
    reader
        .into_samples::<i16>()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(feature = "whisper")]
fn write_wav(path: &std::path::Path, rate: u32, samples: &[i16]) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let error = |e: hound::Error| format!("{}: {e}", path.display());
    let mut writer = hound::WavWriter::create(path, spec).map_err(error)?;
    for &s in samples {
        writer.write_sample(s).map_err(error)?;
    }
    writer.finalize().map_err(error)
}

#[cfg(feature = "whisper")]
fn time(args: &[String]) -> Result<(), String> {
    use ivr_speech::whisper_backend::{EncoderWindow, WhisperModel, WhisperOptions};
    use ivr_speech::{RecognitionConfig, SpeechModel};
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    let mut positional = Vec::new();
    let mut dir = None;
    let mut threads = 1;
    let mut beam = 1;
    let mut english_only = false;
    let mut window = EncoderWindow::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--dir" => dir = Some(PathBuf::from(value()?)),
            "--threads" => threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--beam" => beam = value()?.parse().map_err(|e| format!("--beam: {e}"))?,
            "--english-only" => english_only = true,
            "--encoder-frames" => {
                window = match value()?.as_str() {
                    "auto" => EncoderWindow::default(),
                    "full" => EncoderWindow::Full,
                    fit => {
                        // fit:MIN_MS:PAD_MS
                        let parts: Vec<u32> = fit
                            .strip_prefix("fit:")
                            .map(|r| r.split(':').filter_map(|n| n.parse().ok()).collect())
                            .unwrap_or_default();
                        let [min_ms, pad_ms] = parts[..] else {
                            return Err(format!(
                                "--encoder-frames {fit}: auto, full or fit:MIN_MS:PAD_MS"
                            ));
                        };
                        EncoderWindow::Fit { min_ms, pad_ms }
                    }
                }
            }
            _ => positional.push(arg.clone()),
        }
    }
    let ([model_dir, list], Some(dir)) = (positional.as_slice(), dir) else {
        return Err("time needs MODEL_DIR LIST --dir OUT_DIR".into());
    };
    let english = Path::new(model_dir)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".en"));
    let options = WhisperOptions {
        multilingual: !english,
        parallel_decodes: 1,
        threads_per_decode: threads,
        beam_size: beam,
        alternatives: 0,
        max_hint_tokens: 0,
        encoder_window: window,
        ..WhisperOptions::default()
    };
    let model = WhisperModel::load(Path::new(model_dir), options).map_err(|e| e.to_string())?;
    let mut recognizer = model.recognizer().map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(list).map_err(|e| format!("{list}: {e}"))?;
    let items: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, lang)| !(english_only || english) || *lang == "en")
        .collect();
    let mut decode = |name: &str, lang: &str| -> Result<(f64, String), String> {
        let audio = read_8k(&dir.join(format!("{name}.wav")))?;
        let config = RecognitionConfig {
            lang: lang.to_string(),
            ..RecognitionConfig::default()
        };
        let start = Instant::now();
        recognizer.begin(&config).map_err(|e| e.to_string())?;
        recognizer.feed(&audio).map_err(|e| e.to_string())?;
        let transcript = recognizer.finish().map_err(|e| e.to_string())?;
        Ok((start.elapsed().as_secs_f64() * 1000.0, transcript.text))
    };
    if let Some((name, lang)) = items.first() {
        decode(name, lang)?;
    }
    for (name, lang) in items {
        let (ms, text) = decode(name, lang)?;
        let line = serde_json::json!({"utterance": name, "lang": lang, "ms": (ms * 10.0).round() / 10.0, "text": text});
        println!("{line}");
    }
    Ok(())
}

#[cfg(not(feature = "whisper"))]
fn main() -> ExitCode {
    eprintln!("build with --features whisper");
    ExitCode::from(2)
}
