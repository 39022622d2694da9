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
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(
        matches!(events[1], EndpointEvent::Paused { .. }),
        "{events:?}"
    );
    let events = [events[0].clone(), events[2].clone()];
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
    let kinds: Vec<_> = events.iter().map(kind).collect();
    assert_eq!(kinds, ["paused", "ended"]);
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

/// What the endpointer reports for a caller who speaks, pauses for `pause_frames`, and (if
/// `more_frames` > 0) goes on, then falls silent for good.
fn speak_pause_go_on(
    ep: &mut Endpointer,
    pause_frames: usize,
    more_frames: usize,
) -> Vec<EndpointEvent> {
    let mut audio = silence(10);
    audio.extend(voice(40));
    audio.extend(silence(pause_frames));
    if more_frames > 0 {
        audio.extend(voice(more_frames));
        audio.extend(silence(60));
    }
    ep.push_frame(&audio).unwrap()
}

#[test]
fn a_pause_is_reported_once_with_the_words_so_far() {
    let mut ep = endpointer(VadParams::default());
    let events = speak_pause_go_on(&mut ep, 60, 0);
    let kinds: Vec<_> = events.iter().map(kind).collect();
    assert_eq!(kinds, ["started", "paused", "ended"], "{events:?}");
    let (
        EndpointEvent::Paused {
            start_sample,
            end_sample,
            audio,
        },
        EndpointEvent::SpeechEnded {
            start_sample: start,
            end_sample: end,
            audio: ended,
            ..
        },
    ) = (&events[1], &events[2])
    else {
        panic!("{events:?}")
    };
    // Same utterance, same words: the speculative decode hears what the final one would.
    assert_eq!((start_sample, end_sample), (start, end));
    assert_eq!(audio, ended);
}

#[test]
fn a_caller_who_goes_on_after_a_pause_resumes_the_same_utterance() {
    let mut ep = endpointer(VadParams::default());
    // 500 ms: longer than the pause (300 ms), shorter than the endpoint (700 ms).
    let events = speak_pause_go_on(&mut ep, 25, 30);
    let kinds: Vec<_> = events.iter().map(kind).collect();
    assert_eq!(
        kinds,
        ["started", "paused", "resumed", "paused", "ended"],
        "{events:?}"
    );
    let EndpointEvent::SpeechEnded { audio, .. } = &events[4] else {
        panic!("{events:?}")
    };
    let EndpointEvent::Paused { audio: first, .. } = &events[1] else {
        panic!("{events:?}")
    };
    assert!(audio.len() > first.len() + 40 * FRAME_SAMPLES);
}

#[test]
fn no_pause_is_reported_when_pauses_are_off_or_not_shorter_than_the_endpoint() {
    for params in [
        VadParams {
            pause_ms: None,
            ..VadParams::default()
        },
        VadParams {
            pause_ms: Some(700),
            ..VadParams::default()
        },
    ] {
        let mut ep = endpointer(params);
        let kinds: Vec<_> = speak_pause_go_on(&mut ep, 60, 0).iter().map(kind).collect();
        assert_eq!(kinds, ["started", "ended"], "{params:?}");
    }
}

#[test]
fn end_now_ends_the_utterance_at_the_last_voiced_frame() {
    let mut ep = endpointer(VadParams::default());
    assert_eq!(ep.end_now(), None);
    let events = speak_pause_go_on(&mut ep, 20, 0);
    let Some(EndpointEvent::Paused {
        audio: paused,
        end_sample: paused_end,
        ..
    }) = events.last().cloned()
    else {
        panic!("{events:?}")
    };
    let Some(EndpointEvent::SpeechEnded {
        audio, end_sample, ..
    }) = ep.end_now()
    else {
        panic!("not in speech")
    };
    assert_eq!((audio, end_sample), (paused, paused_end));
    assert!(!ep.in_speech());
    assert_eq!(ep.end_now(), None);
    // The silence that follows ends nothing more.
    assert_eq!(ep.push_frame(&silence(60)).unwrap(), vec![]);
}

#[test]
fn wait_longer_holds_this_utterance_only() {
    let mut ep = endpointer(VadParams::default());
    let mut audio = silence(10);
    audio.extend(voice(40));
    let _ = ep.push_frame(&audio).unwrap();
    ep.wait_longer(1_000);
    // 1.2 s of silence: past the usual 700 ms, not past 700 + 1000.
    let kinds: Vec<_> = ep
        .push_frame(&silence(60))
        .unwrap()
        .iter()
        .map(kind)
        .collect();
    assert_eq!(kinds, ["paused"]);
    let kinds: Vec<_> = ep
        .push_frame(&silence(40))
        .unwrap()
        .iter()
        .map(kind)
        .collect();
    assert_eq!(kinds, ["ended"]);
    // The next utterance ends after the usual silence again.
    let kinds: Vec<_> = speak_pause_go_on(&mut ep, 40, 0).iter().map(kind).collect();
    assert_eq!(kinds, ["started", "paused", "ended"]);
}

fn kind(event: &EndpointEvent) -> &'static str {
    match event {
        EndpointEvent::SpeechStarted { .. } => "started",
        EndpointEvent::Paused { .. } => "paused",
        EndpointEvent::Resumed { .. } => "resumed",
        EndpointEvent::SpeechEnded { .. } => "ended",
        EndpointEvent::NoInput { .. } => "no_input",
    }
}
