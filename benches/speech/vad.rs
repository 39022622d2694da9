//! Per-20-ms-frame cost of endpointing: what every call pays on every inbound frame, all call
//! long. Speech is espeak-ng's voice (run as a program, as in the tests), resampled to 8 kHz.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use divan::{Bencher, black_box};
use ivr_speech::endpointer::{Endpointer, FRAME_SAMPLES, VadParams};

fn main() {
    divan::main();
}

/// The voiced part of a spoken phrase at 8 kHz, trimmed to whole frames.
fn speech() -> Vec<i16> {
    let wav = std::env::temp_dir().join(format!("ivr-vad-bench-{}.wav", std::process::id()));
    let text = "I need to talk to a representative about my case";
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-w"])
        .arg(&wav)
        .arg(text)
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "espeak-ng is needed for this bench: `make test` installs it, \
         or `apt-get install espeak-ng`"
    );
    let mut reader = hound::WavReader::open(&wav).unwrap();
    let rate = reader.spec().sample_rate as usize;
    let input: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let _ = std::fs::remove_file(&wav);
    // Linear resampling is plenty for a cost measurement.
    let resampled: Vec<i16> = (0..input.len() * 8_000 / rate)
        .map(|k| {
            let pos = k as f64 * rate as f64 / 8_000.0;
            let (i, frac) = (pos as usize, pos.fract());
            let next = input.get(i + 1).copied().unwrap_or(input[i]);
            (f64::from(input[i]) * (1.0 - frac) + f64::from(next) * frac) as i16
        })
        .collect();
    let floor = resampled
        .iter()
        .map(|s| s.unsigned_abs())
        .max()
        .unwrap_or(0)
        / 50;
    let first = resampled
        .iter()
        .position(|s| s.unsigned_abs() > floor)
        .unwrap();
    let last = resampled
        .iter()
        .rposition(|s| s.unsigned_abs() > floor)
        .unwrap();
    let frames = (last - first) / FRAME_SAMPLES;
    resampled[first..first + frames * FRAME_SAMPLES].to_vec()
}

/// Pushes `audio` one 20 ms frame per iteration, looping, into one long-lived endpointer;
/// returns it so a bench can check which state it measured.
fn bench_stream(bencher: Bencher, params: VadParams, audio: &[i16]) -> Endpointer {
    let mut ep = Endpointer::new(params).unwrap();
    ep.start_listening();
    let mut frames = audio.chunks_exact(FRAME_SAMPLES).cycle();
    bencher.bench_local(|| {
        let frame = frames.next().unwrap_or(&[]);
        black_box(ep.push_frame(black_box(frame)).map(|events| events.len()))
    });
    ep
}

/// Continuous speech: the endpointer is inside one utterance, buffering its audio. 100 x 5
/// frames (10 s) stay under the default 15 s max utterance, checked below, so this measures
/// a typical long answer and never the quieter draining state after a cut.
#[divan::bench(sample_count = 100, sample_size = 5)]
fn push_frame_speech(bencher: Bencher) {
    let ep = bench_stream(bencher, VadParams::default(), &speech());
    assert!(ep.in_speech(), "the speech bench left the utterance");
}

/// Digital silence: the common case between utterances and during prompts.
#[divan::bench]
fn push_frame_silence(bencher: Bencher) {
    bench_stream(bencher, VadParams::default(), &vec![0; 50 * FRAME_SAMPLES]);
}

/// A realistic mix: the phrase, then 1 s of silence, repeated (start, end, no-input paths);
/// 100 x 5 frames cover about three utterances.
#[divan::bench(sample_count = 100, sample_size = 5)]
fn push_frame_utterances(bencher: Bencher) {
    let mut audio = speech();
    audio.extend(vec![0; 50 * FRAME_SAMPLES]);
    bench_stream(bencher, VadParams::default(), &audio);
}

/// libfvad alone on the same speech: the part of the cost that is the detector itself.
#[divan::bench]
fn libfvad_alone_speech(bencher: Bencher) {
    let audio = speech();
    let mut vad = webrtc_vad::Vad::new_with_rate_and_mode(
        webrtc_vad::SampleRate::Rate8kHz,
        webrtc_vad::VadMode::Aggressive,
    );
    let mut frames = audio.chunks_exact(FRAME_SAMPLES).cycle();
    bencher.bench_local(|| {
        let frame = frames.next().unwrap_or(&[0; FRAME_SAMPLES]);
        black_box(vad.is_voice_segment(black_box(frame)))
    });
}
