//! State-machine tests on synthetic audio; real speech is in `tests/endpointer.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

/// A vowel-like tone: 140 Hz with harmonics, loud enough for any mode to call it voiced.
fn voice(frames: usize) -> Vec<i16> {
    (0..frames * FRAME_SAMPLES)
        .map(|n| {
            let t = n as f64 / f64::from(SAMPLE_RATE);
            let s: f64 = (1..=12)
                .map(|h| {
                    (2.0 * std::f64::consts::PI * 140.0 * f64::from(h) * t).sin() / f64::from(h)
                })
                .sum();
            (s * 6_000.0) as i16
        })
        .collect()
}

fn silence(frames: usize) -> Vec<i16> {
    vec![0; frames * FRAME_SAMPLES]
}

fn endpointer(params: VadParams) -> Endpointer {
    Endpointer::new(params).unwrap()
}

#[test]
fn endpointer_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Endpointer>();
}

#[test]
fn bad_lengths_are_refused_without_consuming() {
    let mut ep = endpointer(VadParams::default());
    for len in [1, 80, 159, 161, 480 + 1] {
        assert_eq!(ep.push_frame(&vec![0; len]), Err(FrameLengthError { len }));
    }
    assert_eq!(ep.samples_processed(), 0);
    assert_eq!(ep.push_frame(&[]), Ok(vec![]));
    assert_eq!(ep.push_frame(&silence(3)), Ok(vec![]));
    assert_eq!(ep.samples_processed(), 480);
}

#[test]
fn invalid_params_are_refused() {
    let bad = VadParams {
        aggressiveness: 7,
        ..VadParams::default()
    };
    assert!(Endpointer::new(bad).is_err());
    let mut ep = endpointer(VadParams::default());
    assert!(ep.set_params(bad).is_err());
    assert_eq!(ep.params(), &VadParams::default());
}

#[test]
fn no_input_fires_once_at_the_timeout_only_while_listening() {
    let params = VadParams {
        no_input_timeout_ms: Some(1_000),
        ..VadParams::default()
    };
    let mut ep = endpointer(params);
    assert_eq!(ep.push_frame(&silence(100)).unwrap(), vec![]);
    ep.start_listening();
    let events = ep.push_frame(&silence(150)).unwrap();
    assert_eq!(
        events,
        vec![EndpointEvent::NoInput {
            at_sample: 16_000 + 8_000
        }]
    );
    ep.stop_listening();
    ep.start_listening();
    ep.stop_listening();
    assert_eq!(ep.push_frame(&silence(100)).unwrap(), vec![]);
}

#[test]
fn synthetic_voice_makes_one_utterance_with_pre_roll() {
    let mut ep = endpointer(VadParams::default());
    let mut audio = silence(50);
    audio.extend(voice(40));
    audio.extend(silence(60));
    let events = ep.push_frame(&audio).unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    let EndpointEvent::SpeechStarted { at_sample } = events[0] else {
        panic!("{events:?}")
    };
    let voice_start = 50 * FRAME_SAMPLES as u64;
    assert_eq!(
        at_sample,
        voice_start - VadParams::default().pre_roll_samples()
    );
    let EndpointEvent::SpeechEnded {
        start_sample,
        end_sample,
        audio,
        truncated,
    } = &events[1]
    else {
        panic!("{events:?}")
    };
    assert_eq!(*start_sample, at_sample);
    assert!(!truncated);
    assert_eq!(audio.len() as u64, end_sample - start_sample);
    let voice_end = 90 * FRAME_SAMPLES as u64;
    assert!((voice_end..=voice_end + 8 * FRAME_SAMPLES as u64).contains(end_sample));
    assert!(!ep.in_speech());
}

#[test]
fn speech_before_listening_counts_as_input() {
    let params = VadParams {
        no_input_timeout_ms: Some(200),
        ..VadParams::default()
    };
    let mut ep = endpointer(params);
    let events = ep.push_frame(&voice(30)).unwrap();
    assert!(matches!(events[..], [EndpointEvent::SpeechStarted { .. }]));
    ep.start_listening();
    let events = ep.push_frame(&silence(100)).unwrap();
    assert!(
        matches!(events[..], [EndpointEvent::SpeechEnded { .. }]),
        "{events:?}"
    );
}

#[test]
fn set_params_mid_stream_takes_effect() {
    let mut ep = endpointer(VadParams::default());
    let long = VadParams {
        min_speech_ms: 1_000,
        ..VadParams::default()
    };
    ep.set_params(long).unwrap();
    // 600 ms of voice no longer starts speech under a 1 s minimum.
    let mut audio = voice(30);
    audio.extend(silence(60));
    assert_eq!(ep.push_frame(&audio).unwrap(), vec![]);
}
