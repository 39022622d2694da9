//! Music for a caller on hold: a recording looped without a gap, mixed under what the caller
//! must hear (announcements of their place in line), which it ducks beneath rather than
//! stopping for, so the line never falls silent and the words stay clear. Gain changes ramp
//! over `RAMP_SAMPLES` so ducking never clicks.

use crate::frame::FRAME_SAMPLES;
use std::sync::Arc;

/// Under speech the music drops to this share of its level (about -16 dB).
pub const DUCKED_GAIN: f32 = 0.16;
/// A gain change takes this long to complete (100 ms at 8 kHz).
const RAMP_SAMPLES: f32 = 800.0;

pub struct HoldMusic {
    samples: Arc<[i16]>,
    position: usize,
    gain: f32,
}

impl HoldMusic {
    /// Music from 8 kHz mono samples (shared: every caller on hold plays the same recording).
    pub fn new(samples: Arc<[i16]>) -> HoldMusic {
        HoldMusic {
            samples,
            position: 0,
            gain: 1.0,
        }
    }

    /// Adds the next 20 ms of music to `frame`, ducked while `speech` (an announcement plays
    /// in this frame).
    pub fn mix_into(&mut self, frame: &mut [i16; FRAME_SAMPLES], speech: bool) {
        if self.samples.is_empty() {
            return;
        }
        let target = if speech { DUCKED_GAIN } else { 1.0 };
        let step = (1.0 - DUCKED_GAIN) / RAMP_SAMPLES;
        for sample in frame.iter_mut() {
            if self.gain < target {
                self.gain = (self.gain + step).min(target);
            } else if self.gain > target {
                self.gain = (self.gain - step).max(target);
            }
            let music = f32::from(self.samples[self.position]) * self.gain;
            self.position = (self.position + 1) % self.samples.len();
            let mixed = f32::from(*sample) + music;
            *sample = mixed.clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(frame: &[i16]) -> f32 {
        frame.iter().map(|s| f32::from(*s).abs()).sum::<f32>() / frame.len() as f32
    }

    #[test]
    fn music_loops_without_a_gap_and_ducks_under_speech_with_a_ramp() {
        // 300 samples of a constant 1000: the loop's seam falls inside the second frame.
        let mut music = HoldMusic::new(Arc::from(vec![1000i16; 300]));
        let mut frames = Vec::new();
        for _ in 0..3 {
            let mut frame = [0i16; FRAME_SAMPLES];
            music.mix_into(&mut frame, false);
            frames.push(frame);
        }
        assert!(
            frames.iter().flatten().all(|s| *s == 1000),
            "no gap at the seam"
        );
        // Speech starts: the music falls to the ducked level over 100 ms (5 frames), not at once.
        let mut first = [0i16; FRAME_SAMPLES];
        music.mix_into(&mut first, true);
        assert!(
            level(&first) > 800.0 && level(&first) < 1000.0,
            "{}",
            level(&first)
        );
        for _ in 0..5 {
            let mut frame = [0i16; FRAME_SAMPLES];
            music.mix_into(&mut frame, true);
        }
        let mut ducked = [0i16; FRAME_SAMPLES];
        music.mix_into(&mut ducked, true);
        assert!((level(&ducked) - 160.0).abs() < 2.0, "{}", level(&ducked));
        // The announcement itself is kept, with the music under it.
        let mut with_words = [4000i16; FRAME_SAMPLES];
        music.mix_into(&mut with_words, true);
        assert!(with_words.iter().all(|s| (4155..=4165).contains(s)));
        // And back up after.
        for _ in 0..6 {
            let mut frame = [0i16; FRAME_SAMPLES];
            music.mix_into(&mut frame, false);
        }
        let mut after = [0i16; FRAME_SAMPLES];
        music.mix_into(&mut after, false);
        assert_eq!(level(&after), 1000.0);
    }

    #[test]
    fn loud_music_under_loud_speech_saturates_instead_of_wrapping() {
        let mut music = HoldMusic::new(Arc::from(vec![i16::MAX; 160]));
        let mut frame = [i16::MAX; FRAME_SAMPLES];
        music.mix_into(&mut frame, false);
        assert!(frame.iter().all(|s| *s == i16::MAX));
        let mut empty = HoldMusic::new(Arc::from(Vec::new()));
        let mut silent = [0i16; FRAME_SAMPLES];
        empty.mix_into(&mut silent, false);
        assert!(silent.iter().all(|s| *s == 0));
    }
}
