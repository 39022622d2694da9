//! The unit of telephone audio: 20 ms at 8 kHz, one RTP packet of G.711.

/// Telephone audio sample rate (G.711).
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one frame.
pub const FRAME_SAMPLES: usize = 160;
/// Duration of one frame.
pub const FRAME_MS: u32 = 20;

/// One frame of 16-bit linear samples.
pub type Frame = [i16; FRAME_SAMPLES];

/// Cuts a stream of sample chunks of any length into whole frames, carrying the remainder
/// over to the next chunk.
#[derive(Debug, Clone, Default)]
pub struct Framer {
    pending: Vec<i16>,
}

impl Framer {
    /// An empty framer.
    pub fn new() -> Self {
        Framer {
            pending: Vec::with_capacity(FRAME_SAMPLES),
        }
    }

    /// Adds `samples` and returns every frame now complete, oldest first.
    pub fn push(&mut self, samples: &[i16]) -> Vec<Frame> {
        let mut frames = Vec::with_capacity((self.pending.len() + samples.len()) / FRAME_SAMPLES);
        let mut rest = samples;
        if !self.pending.is_empty() {
            let take = (FRAME_SAMPLES - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() < FRAME_SAMPLES {
                return frames;
            }
            frames.push(to_frame(&self.pending));
            self.pending.clear();
        }
        let mut chunks = rest.chunks_exact(FRAME_SAMPLES);
        frames.extend(chunks.by_ref().map(to_frame));
        self.pending.extend_from_slice(chunks.remainder());
        frames
    }

    /// The last partial frame, padded with silence; `None` if nothing is pending.
    pub fn flush(&mut self) -> Option<Frame> {
        if self.pending.is_empty() {
            return None;
        }
        let frame = to_frame(&self.pending);
        self.pending.clear();
        Some(frame)
    }

    /// Samples waiting for a frame to fill.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// Copies up to a frame of samples, padding with silence.
fn to_frame(samples: &[i16]) -> Frame {
    let mut frame = [0i16; FRAME_SAMPLES];
    let len = samples.len().min(FRAME_SAMPLES);
    frame[..len].copy_from_slice(&samples[..len]);
    frame
}
