//! Prompt playback, paced one frame per call: what the caller hears from us.

use crate::frame::{FRAME_SAMPLES, Frame};
use std::collections::VecDeque;

/// The audio for the next 20 ms, and the prompts that ended in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerFrame {
    /// 160 samples at 8 kHz; silence where nothing plays.
    pub samples: Frame,
    /// Prompts whose last sample is in this frame (or that were empty), in play order.
    pub finished: Vec<u64>,
}

#[derive(Debug, Clone)]
struct Prompt {
    play_id: u64,
    samples: Vec<i16>,
    /// Samples already played.
    position: usize,
}

/// Plays queued prompts back to back, one frame per [`PromptPlayer::next_frame`]. Sans-IO: the
/// caller's 20 ms tick is the clock. Each prompt starts on a frame boundary, so a prompt of
/// N samples takes exactly ceil(N / 160) frames.
#[derive(Debug, Clone, Default)]
pub struct PromptPlayer {
    queue: VecDeque<Prompt>,
}

impl PromptPlayer {
    /// A player with nothing queued.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `samples` (8 kHz) to play after everything already queued.
    pub fn enqueue(&mut self, play_id: u64, samples: Vec<i16>) {
        self.queue.push_back(Prompt {
            play_id,
            samples,
            position: 0,
        });
    }

    /// The next 20 ms of audio.
    pub fn next_frame(&mut self) -> PlayerFrame {
        let mut frame = PlayerFrame {
            samples: [0; FRAME_SAMPLES],
            finished: Vec::new(),
        };
        // Empty prompts finish at once, without taking a frame of their own.
        while self.queue.front().is_some_and(|p| p.samples.is_empty()) {
            if let Some(prompt) = self.queue.pop_front() {
                frame.finished.push(prompt.play_id);
            }
        }
        let Some(prompt) = self.queue.front_mut() else {
            return frame;
        };
        let end = (prompt.position + FRAME_SAMPLES).min(prompt.samples.len());
        let chunk = &prompt.samples[prompt.position..end];
        frame.samples[..chunk.len()].copy_from_slice(chunk);
        prompt.position = end;
        if prompt.position == prompt.samples.len() {
            frame.finished.push(prompt.play_id);
            self.queue.pop_front();
        }
        frame
    }

    /// Barge-in: drops the prompt playing and everything queued, and returns their ids in play
    /// order. The next frame is silence.
    pub fn stop(&mut self) -> Vec<u64> {
        self.queue.drain(..).map(|p| p.play_id).collect()
    }

    /// Whether anything is playing or queued.
    pub fn is_playing(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Audio still to play, in samples, across all queued prompts.
    pub fn remaining_samples(&self) -> usize {
        self.queue
            .iter()
            .map(|p| p.samples.len() - p.position)
            .sum()
    }
}
