//! The endpointer on real speech: espeak-ng utterances, resampled to 8 kHz and laid into
//! silence or noise at known offsets, so every expected sample offset is computed, not guessed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ivr_speech::endpointer::{EndpointEvent, Endpointer, FRAME_SAMPLES, VadParams};
use proptest::prelude::*;

const RATE: usize = 8_000;
const MS: usize = RATE / 1_000;
const REPRESENTATIVE: &str = "I need to talk to a representative";
const LONG: &str = "I need to talk to a representative about my case, because I moved to a new \
                    address last month and never received the letter you sent";

/// Speaks `text` with the espeak-ng program (run, never linked: it is GPL) at 8 kHz.
fn espeak(text: &str) -> Vec<i16> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let wav: PathBuf = std::env::temp_dir().join(format!("ivr-vad-{}-{n}.wav", std::process::id()));
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-w"])
        .arg(&wav)
        .arg(text)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("espeak-ng failed ({s}) speaking {text:?}"),
        Err(e) => panic!(
            "cannot run espeak-ng ({e}): these tests synthesize their speech with it. \
             `make test` installs espeak-ng; or run `sudo apt-get install espeak-ng`."
        ),
    }
    let mut reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.bits_per_sample),
        (1, 16),
        "unexpected espeak-ng format"
    );
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let _ = std::fs::remove_file(&wav);
    resample_linear(&samples, spec.sample_rate as usize, RATE)
}

/// Linear interpolation after a 3-tap box filter: crude, but enough for a VAD test.
fn resample_linear(input: &[i16], from: usize, to: usize) -> Vec<i16> {
    let smoothed: Vec<f64> = (0..input.len())
        .map(|i| {
            let at = |j: usize| f64::from(input[j.min(input.len() - 1)]);
            (at(i.saturating_sub(1)) + at(i) + at(i + 1)) / 3.0
        })
        .collect();
    let out_len = input.len() * to / from;
    (0..out_len)
        .map(|k| {
            let pos = k as f64 * from as f64 / to as f64;
            let (i, frac) = (pos as usize, pos.fract());
            let next = smoothed.get(i + 1).copied().unwrap_or(smoothed[i]);
            (smoothed[i] * (1.0 - frac) + next * frac) as i16
        })
        .collect()
}

fn representative() -> &'static [i16] {
    static CLIP: OnceLock<Vec<i16>> = OnceLock::new();
    CLIP.get_or_init(|| espeak(REPRESENTATIVE))
}

/// First and last sample of real sound in a clip (espeak-ng pads its output with silence).
fn voiced_extent(clip: &[i16]) -> (usize, usize) {
    let peak = clip.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    let floor = peak / 50;
    let first = clip.iter().position(|s| s.unsigned_abs() > floor).unwrap();
    let last = clip.iter().rposition(|s| s.unsigned_abs() > floor).unwrap();
    (first, last + 1)
}

/// A deterministic xorshift source of uniform noise in [-1, 1).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1_u64 << 52) as f64 - 1.0
    }

    fn white(&mut self, len: usize, amplitude: f64) -> Vec<i16> {
        (0..len).map(|_| (self.next() * amplitude) as i16).collect()
    }

    /// Pink (1/f) noise by Paul Kellet's economy filter.
    fn pink(&mut self, len: usize, amplitude: f64) -> Vec<i16> {
        let (mut b0, mut b1, mut b2) = (0.0, 0.0, 0.0);
        (0..len)
            .map(|_| {
                let w = self.next();
                b0 = 0.99765 * b0 + w * 0.0990460;
                b1 = 0.96300 * b1 + w * 0.2965164;
                b2 = 0.57000 * b2 + w * 1.0526913;
                ((b0 + b1 + b2 + w * 0.1848) * 0.25 * amplitude) as i16
            })
            .collect()
    }
}

#[derive(Clone, Copy)]
enum Bed {
    Silence,
    White,
    Pink,
}

/// `total_ms` of background with each clip added at its offset (ms).
fn scene(bed: Bed, total_ms: usize, clips: &[(usize, &[i16])]) -> Vec<i16> {
    let len = total_ms * MS;
    let mut noise = Noise(0x2545_f491_4f6c_dd1d);
    // About -50 dBFS: a quiet line, well below espeak-ng's speech level.
    let mut audio = match bed {
        Bed::Silence => vec![0; len],
        Bed::White => noise.white(len, 180.0),
        Bed::Pink => noise.pink(len, 300.0),
    };
    for &(at_ms, clip) in clips {
        for (dst, &src) in audio[at_ms * MS..].iter_mut().zip(clip) {
            *dst = dst.saturating_add(src);
        }
    }
    audio
}

/// Feeds whole seconds at a time (any multiple of a frame is accepted), listening from
/// `listen_at_ms` if given.
fn run(params: VadParams, audio: &[i16], listen_at_ms: Option<usize>) -> Vec<EndpointEvent> {
    let mut ep = Endpointer::new(params).unwrap();
    let mut events = Vec::new();
    for (i, chunk) in audio.chunks(FRAME_SAMPLES).enumerate() {
        if listen_at_ms == Some(i * FRAME_SAMPLES / MS) {
            ep.start_listening();
        }
        if chunk.len() == FRAME_SAMPLES {
            events.extend(ep.push_frame(chunk).unwrap());
        }
    }
    events
}

fn pairs(events: &[EndpointEvent]) -> Vec<(u64, u64, bool)> {
    let mut out = Vec::new();
    let mut started = None;
    for event in events {
        match event {
            EndpointEvent::SpeechStarted { at_sample } => {
                assert!(started.is_none(), "two starts in a row: {events:?}");
                started = Some(*at_sample);
            }
            EndpointEvent::SpeechEnded {
                start_sample,
                end_sample,
                audio,
                truncated,
            } => {
                assert_eq!(started.take(), Some(*start_sample), "end without its start");
                assert_eq!(audio.len() as u64, end_sample - start_sample);
                out.push((*start_sample, *end_sample, *truncated));
            }
            EndpointEvent::Paused { start_sample, .. } => {
                assert_eq!(started, Some(*start_sample), "pause outside its utterance");
            }
            EndpointEvent::NoInput { .. } | EndpointEvent::Resumed { .. } => {}
        }
    }
    assert!(started.is_none(), "speech never ended: {events:?}");
    out
}

/// The detected span covers the clip's sound placed at `at_ms`: it starts before the sound
/// (by about the pre-roll) and ends near the sound's end (libfvad may hear the last weak
/// consonant a little short, or hang on a little long).
fn assert_covers(span: (u64, u64, bool), at_ms: usize, clip: &[i16], params: &VadParams) {
    let (first, last) = voiced_extent(clip);
    let (on, off) = ((at_ms * MS + first) as u64, (at_ms * MS + last) as u64);
    let pre_roll = params.pre_roll_ms * MS as u64;
    let slack = 100 * MS as u64;
    let (start, end, truncated) = span;
    assert!(!truncated);
    assert!(
        start + pre_roll >= on.saturating_sub(slack)
            && start <= on.saturating_sub(pre_roll) + slack,
        "start {start} vs sound onset {on} (pre-roll {pre_roll})"
    );
    assert!(
        end + 2 * slack >= off && end <= off + 2 * slack,
        "end {end} vs sound end {off}"
    );
}

#[test]
fn silence_and_quiet_noise_are_not_speech_and_no_input_fires_at_the_timeout() {
    let params = VadParams {
        no_input_timeout_ms: Some(5_000),
        ..VadParams::default()
    };
    for bed in [Bed::Silence, Bed::White, Bed::Pink] {
        let events = run(params, &scene(bed, 12_000, &[]), Some(1_000));
        assert_eq!(
            events,
            vec![EndpointEvent::NoInput {
                at_sample: 6_000 * MS as u64
            }]
        );
    }
}

#[test]
fn one_utterance_gives_one_pair_covering_it_in_silence_and_noise() {
    let params = VadParams::default();
    let clip = representative();
    for bed in [Bed::Silence, Bed::White, Bed::Pink] {
        let audio = scene(bed, 1_000 + clip.len() / MS + 2_000, &[(1_000, clip)]);
        let events = run(params, &audio, Some(0));
        let spans = pairs(&events);
        assert_eq!(spans.len(), 1, "{events:?}");
        assert_covers(spans[0], 1_000, clip, &params);
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, EndpointEvent::NoInput { .. }))
        );
    }
}

#[test]
fn two_utterances_a_second_and_a_half_apart_give_two_pairs() {
    let params = VadParams::default();
    let clip = representative();
    let (_, last) = voiced_extent(clip);
    let second_at = 500 + last / MS + 1_500;
    let audio = scene(
        Bed::White,
        second_at + clip.len() / MS + 2_000,
        &[(500, clip), (second_at, clip)],
    );
    let spans = pairs(&run(params, &audio, None));
    assert_eq!(spans.len(), 2, "{spans:?}");
    assert_covers(spans[0], 500, clip, &params);
    assert_covers(spans[1], second_at, clip, &params);
}

#[test]
fn a_long_utterance_is_cut_at_max_utterance() {
    let params = VadParams {
        max_utterance_ms: 3_000,
        ..VadParams::default()
    };
    let long = espeak(LONG);
    let clip = representative();
    let (_, last) = voiced_extent(&long);
    let next_at = 500 + last / MS + 1_500;
    let audio = scene(
        Bed::Silence,
        next_at + clip.len() / MS + 2_000,
        &[(500, &long), (next_at, clip)],
    );
    let spans = pairs(&run(params, &audio, None));
    // The cut utterance, nothing for the rest of it, then the next utterance as usual.
    assert_eq!(spans.len(), 2, "{spans:?}");
    let (start, end, truncated) = spans[0];
    assert!(truncated);
    assert_eq!(end - start, 3_000 * MS as u64);
    assert_covers(spans[1], next_at, clip, &params);
}

#[test]
fn loud_bursts_shorter_than_min_speech_do_not_start_speech() {
    let params = VadParams::default();
    let mut noise = Noise(7);
    let clip = representative();
    let (first, _) = voiced_extent(clip);
    let mut bursts: Vec<Vec<i16>> = Vec::new();
    // Off the frame grid a burst touches one frame more than its length.
    let shorter: Vec<usize> = [20, 60, 100, 160]
        .into_iter()
        .filter(|&ms| (ms as u64) + 20 < params.min_speech_ms)
        .collect();
    assert!(shorter.len() >= 2, "min_speech_ms {}", params.min_speech_ms);
    for ms in shorter {
        bursts.push(noise.white(ms * MS, 12_000.0));
        // Real speech cut short: a syllable-sized piece from the middle of the phrase.
        let mid = first + clip.len() / 3;
        bursts.push(clip[mid..mid + ms * MS].to_vec());
    }
    // Off the 20 ms frame grid on purpose, a second apart.
    let placed: Vec<(usize, &[i16])> = bursts
        .iter()
        .enumerate()
        .map(|(i, b)| (500 + i * 1_000 + 7, b.as_slice()))
        .collect();
    let audio = scene(Bed::Silence, 500 + bursts.len() * 1_000 + 1_000, &placed);
    let events = run(params, &audio, None);
    assert_eq!(events, vec![], "a short burst started speech");

    // Control: the same noise, held longer than min_speech, does start speech.
    let long_burst = noise.white(600 * MS, 12_000.0);
    let audio = scene(Bed::Silence, 3_000, &[(1_000, &long_burst)]);
    assert_eq!(pairs(&run(params, &audio, None)).len(), 1);
}

fn params_strategy() -> impl Strategy<Value = VadParams> {
    (
        0_u8..=3,
        20_u64..=2_000,
        20_u64..=3_000,
        0_u64..=2_000,
        0_u64..=20_000,
        20_u64..=20_000,
        proptest::option::of(20_u64..=3_000),
    )
        .prop_map(
            |(
                aggressiveness,
                min_speech_ms,
                trailing_silence_ms,
                pre_roll_ms,
                extra,
                timeout,
                pause_ms,
            )| {
                VadParams {
                    aggressiveness,
                    min_speech_ms,
                    trailing_silence_ms,
                    pre_roll_ms,
                    max_utterance_ms: pre_roll_ms + min_speech_ms + 20 + extra,
                    no_input_timeout_ms: Some(timeout),
                    pause_ms,
                }
            },
        )
}

/// Short random chunks, or the same chunks repeated into long loud stretches so the speech,
/// truncation and draining paths run too.
fn stream(chunks: &[Vec<i16>], loud: bool) -> Vec<Vec<i16>> {
    let repeat = if loud { 8 } else { 1 };
    chunks
        .iter()
        .map(|c| c.iter().cycle().take(c.len() * repeat).copied().collect())
        .collect()
}

proptest! {
    // No regression file: proptest cannot locate one for an integration test; a failure
    // prints its minimal input, which belongs in a unit test.
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_input_never_panics(
        params in params_strategy(),
        chunks in prop::collection::vec(prop::collection::vec(any::<i16>(), 0..1_200), 0..12),
        loud in any::<bool>(),
    ) {
        let mut ep = Endpointer::new(params).unwrap();
        ep.start_listening();
        let mut events = Vec::new();
        for chunk in stream(&chunks, loud) {
            match ep.push_frame(&chunk) {
                Ok(more) => events.extend(more),
                Err(e) => prop_assert!(!chunk.len().is_multiple_of(FRAME_SAMPLES), "{e}"),
            }
        }
        let (processed, max) = (ep.samples_processed(), params.max_utterance_ms * 8);
        let mut open = false;
        let mut paused = false;
        for event in &events {
            match event {
                EndpointEvent::SpeechStarted { .. } => {
                    prop_assert!(!open);
                    open = true;
                }
                EndpointEvent::Paused { start_sample, end_sample, audio } => {
                    // Once per pause, inside an utterance, never at the endpoint's length.
                    prop_assert!(open && !paused);
                    paused = true;
                    prop_assert!(params.pause_ms.is_some_and(|p| p < params.trailing_silence_ms));
                    prop_assert_eq!(audio.len() as u64, end_sample - start_sample);
                }
                EndpointEvent::Resumed { .. } => {
                    prop_assert!(open && paused);
                    paused = false;
                }
                EndpointEvent::SpeechEnded { start_sample, end_sample, audio, truncated } => {
                    prop_assert!(open);
                    open = false;
                    paused = false;
                    prop_assert!(start_sample <= end_sample && *end_sample <= processed);
                    prop_assert_eq!(audio.len() as u64, end_sample - start_sample);
                    prop_assert!(audio.len() as u64 <= max);
                    prop_assert!(!truncated || audio.len() as u64 == max);
                }
                EndpointEvent::NoInput { at_sample } => prop_assert!(*at_sample <= processed),
            }
        }
    }
}
