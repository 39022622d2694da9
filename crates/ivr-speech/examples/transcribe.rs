//! Cuts an 8 kHz mono 16-bit WAV into utterances with the endpointer and prints what a Whisper
//! model hears in each: a quick way to see how well a model understands a recording.
//!
//! cargo run --release -p ivr-speech --features whisper --example transcribe -- \
//!     MODEL_DIR WAV [--lang es-US] [--detect] [--multilingual] [--hint "phrase"]...
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;

#[cfg(feature = "whisper")]
fn main() -> ExitCode {
    use ivr_speech::endpointer::{EndpointEvent, Endpointer, VadParams};
    use ivr_speech::whisper_backend::{WhisperModel, WhisperOptions};
    use ivr_speech::{RecognitionConfig, SpeechModel};

    let mut args = std::env::args().skip(1);
    let (Some(model_dir), Some(wav)) = (args.next(), args.next()) else {
        eprintln!(
            "usage: transcribe MODEL_DIR WAV [--lang TAG] [--detect] [--multilingual] [--hint PHRASE]..."
        );
        return ExitCode::from(2);
    };
    let mut config = RecognitionConfig {
        lang: "en-US".to_string(),
        ..Default::default()
    };
    let mut multilingual = false;
    let mut beam_size = 1;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lang" => config.lang = args.next().unwrap_or_default(),
            "--detect" => config.detect_language = true,
            "--multilingual" => multilingual = true,
            "--beam" => beam_size = args.next().and_then(|b| b.parse().ok()).unwrap_or(1),
            "--hint" => config.phrases.push(args.next().unwrap_or_default()),
            other => {
                eprintln!("unknown argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    let reader = match hound::WavReader::open(&wav) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{wav}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let samples: Vec<i16> = reader
        .into_samples::<i16>()
        .filter_map(Result::ok)
        .collect();
    let options = WhisperOptions {
        multilingual,
        beam_size,
        ..Default::default()
    };
    let model = match WhisperModel::load(&PathBuf::from(&model_dir), options) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(mut recognizer) = model.recognizer() else {
        return ExitCode::FAILURE;
    };
    let Ok(mut endpointer) = Endpointer::new(VadParams::default()) else {
        return ExitCode::FAILURE;
    };
    endpointer.start_listening();
    for frame in samples.chunks_exact(160) {
        let Ok(events) = endpointer.push_frame(frame) else {
            continue;
        };
        for event in events {
            if let EndpointEvent::SpeechEnded {
                start_sample,
                end_sample,
                audio,
                ..
            } = event
            {
                let started = std::time::Instant::now();
                let result = recognizer
                    .begin(&config)
                    .and_then(|()| recognizer.feed(&audio).map(|_| ()))
                    .and_then(|()| recognizer.finish());
                let ms = started.elapsed().as_millis();
                match result {
                    Ok(t) => println!(
                        "{:6.2}-{:6.2} {:?} {:.2} {:?} ({ms} ms)",
                        start_sample as f64 / 8000.0,
                        end_sample as f64 / 8000.0,
                        t.text,
                        t.confidence,
                        t.lang
                    ),
                    Err(e) => println!("error: {e}"),
                }
            }
        }
    }
    ExitCode::SUCCESS
}

#[cfg(not(feature = "whisper"))]
fn main() -> ExitCode {
    eprintln!("build with --features whisper");
    ExitCode::from(2)
}
