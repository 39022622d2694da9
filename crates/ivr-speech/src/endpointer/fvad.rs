//! The libfvad detector behind a `Send` wrapper, and what we must know about its decisions.

use webrtc_vad::{SampleRate, Vad, VadMode};

use super::FRAME_SAMPLES;

/// One libfvad instance, owned by one endpointer.
///
/// `webrtc_vad::Vad` holds a raw `*mut Fvad`, which makes it `!Send` by default, yet a call
/// session (and its endpointer) moves between runtime threads.
pub(super) struct FrameVad(Vad);

// SAFETY: the `Fvad` behind the pointer is plain heap memory (filter states and counters)
// allocated by `fvad_new` and touched only through this instance: libfvad has no globals,
// thread-locals or callbacks, so nothing ties it to the thread that created it. Moving the sole
// owner to another thread is therefore sound. `FrameVad` deliberately stays `!Sync`: every call
// needs `&mut self` anyway, and shared access from two threads is never offered.
unsafe impl Send for FrameVad {}

impl FrameVad {
    pub(super) fn new(aggressiveness: u8) -> Self {
        Self(Vad::new_with_rate_and_mode(
            SampleRate::Rate8kHz,
            mode(aggressiveness),
        ))
    }

    pub(super) fn set_aggressiveness(&mut self, aggressiveness: u8) {
        self.0.set_mode(mode(aggressiveness));
    }

    /// The decision for one 20 ms frame. `None` if libfvad refused it, which only a wrong
    /// length can cause; callers pass exactly `FRAME_SAMPLES`, so the slice is never empty
    /// (webrtc-vad indexes `buffer[0]` and would panic on an empty one).
    pub(super) fn is_voiced(&mut self, frame: &[i16]) -> Option<bool> {
        if frame.len() != FRAME_SAMPLES {
            return None;
        }
        self.0.is_voice_segment(frame).ok()
    }
}

fn mode(aggressiveness: u8) -> VadMode {
    match aggressiveness {
        0 => VadMode::Quality,
        1 => VadMode::LowBitrate,
        2 => VadMode::Aggressive,
        _ => VadMode::VeryAggressive,
    }
}

/// How many frames libfvad keeps saying "voiced" after a burst of `run` voiced 20 ms frames.
///
/// libfvad's own hangover (`vad_core.c`: `kOverHangMax{1,2}*[1]`, switching at
/// `kMaxSpeechFrames` = 6) stretches every voiced run; without discounting it, a 120 ms click
/// would look like 180-260 ms of speech and pass a 200 ms minimum.
pub(super) fn hangover_frames(aggressiveness: u8, run: usize) -> usize {
    let long_run = run > 6;
    match (aggressiveness, long_run) {
        (0 | 1, false) => 4,
        (0 | 1, true) => 7,
        (_, false) => 3,
        (_, true) => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn wrapper_is_send() {
        assert_send::<FrameVad>();
    }

    #[test]
    fn wrong_lengths_are_refused_not_panicked() {
        let mut vad = FrameVad::new(2);
        assert_eq!(vad.is_voiced(&[]), None);
        assert_eq!(vad.is_voiced(&[0; 80]), None);
        assert_eq!(vad.is_voiced(&[0; FRAME_SAMPLES]), Some(false));
    }

    #[test]
    fn a_moved_detector_keeps_working() {
        let mut vad = FrameVad::new(3);
        vad.set_aggressiveness(1);
        let handle = std::thread::spawn(move || vad.is_voiced(&[0; FRAME_SAMPLES]));
        assert!(matches!(handle.join(), Ok(Some(false))));
    }
}
