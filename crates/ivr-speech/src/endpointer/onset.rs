//! Speech-start hysteresis: a short ring of recent VAD decisions.
//!
//! Speech starts when the ring holds as many voiced decisions as `min_speech` of real speech
//! would produce, libfvad's hangover included. A lone noisy frame (or a click shorter than
//! `min_speech`, stretched by the hangover) never gets there; a frame or two that libfvad
//! misses inside a real syllable is absorbed by the ring's slack.

use std::collections::VecDeque;

use super::fvad::hangover_frames;

/// Unvoiced decisions tolerated inside the onset window.
const SLACK_FRAMES: usize = 2;

pub(super) struct OnsetWindow {
    /// Newest decision at the back.
    decisions: VecDeque<bool>,
    capacity: usize,
    needed: usize,
    voiced: usize,
}

impl OnsetWindow {
    pub(super) fn new(min_speech_frames: usize, aggressiveness: u8) -> Self {
        let needed = min_speech_frames + hangover_frames(aggressiveness, min_speech_frames);
        let capacity = needed + SLACK_FRAMES;
        Self {
            decisions: VecDeque::with_capacity(capacity),
            capacity,
            needed,
            voiced: 0,
        }
    }

    /// Frames the window spans: how much audio must be kept to find the start again.
    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Records one decision. When speech starts, returns how many frames back (counting the
    /// frame just pushed as 1) the earliest voiced frame of the window lies.
    pub(super) fn push(&mut self, voiced: bool) -> Option<usize> {
        if self.decisions.len() == self.capacity && self.decisions.pop_front() == Some(true) {
            self.voiced -= 1;
        }
        self.decisions.push_back(voiced);
        if voiced {
            self.voiced += 1;
        }
        if self.voiced < self.needed {
            return None;
        }
        let first_voiced = self.decisions.iter().position(|&v| v).unwrap_or(0);
        Some(self.decisions.len() - first_voiced)
    }

    pub(super) fn clear(&mut self) {
        self.decisions.clear();
        self.voiced = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(window: &mut OnsetWindow, pattern: &[bool]) -> Option<(usize, usize)> {
        pattern
            .iter()
            .enumerate()
            .find_map(|(i, &v)| window.push(v).map(|back| (i, back)))
    }

    #[test]
    fn a_lone_voiced_frame_never_starts_speech() {
        let mut window = OnsetWindow::new(10, 2);
        let pattern: Vec<bool> = (0..200).map(|i| i % 7 == 0).collect();
        assert_eq!(feed(&mut window, &pattern), None);
    }

    #[test]
    fn a_burst_shorter_than_min_speech_plus_hangover_is_ignored() {
        // Mode 2, min 10 frames: libfvad turns a 9-frame burst into 9 + 5 voiced decisions.
        let mut window = OnsetWindow::new(10, 2);
        let mut pattern = vec![true; 14];
        pattern.extend([false; 30]);
        assert_eq!(feed(&mut window, &pattern), None);
    }

    #[test]
    fn continuous_speech_starts_and_points_at_its_first_frame() {
        let mut window = OnsetWindow::new(10, 2);
        let mut pattern = vec![false; 5];
        pattern.extend([true; 40]);
        // 15 voiced decisions needed: the 15th voiced frame is index 19, its run began at 5.
        assert_eq!(feed(&mut window, &pattern), Some((19, 15)));
    }

    #[test]
    fn small_gaps_inside_speech_are_tolerated() {
        let mut window = OnsetWindow::new(10, 2);
        let mut pattern = vec![true; 6];
        pattern.push(false);
        pattern.extend([true; 5]);
        pattern.push(false);
        pattern.extend([true; 10]);
        assert!(feed(&mut window, &pattern).is_some());
    }

    #[test]
    fn clear_forgets_evidence() {
        let mut window = OnsetWindow::new(10, 2);
        assert_eq!(feed(&mut window, &[true; 14]), None);
        window.clear();
        assert_eq!(feed(&mut window, &[true; 14]), None);
    }
}
