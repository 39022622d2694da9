//! Resampling a stream frame by frame, keeping the filter state across frames.

use super::{ResampleError, check_rates, from_unit, to_unit};
use crate::frame::FRAME_MS;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler as _};

/// Converts a stream from one rate to another, one chunk of any length at a time.
///
/// Output is aligned with input: rubato's startup delay is trimmed, so output sample k is
/// input time k / `to_hz`. Audio comes out in blocks of the FFT size (20 ms for 8 to 16 kHz),
/// so a call may return nothing or several frames' worth; [`Resampler::flush`] returns the rest.
#[derive(Debug)]
pub struct Resampler {
    from_hz: u32,
    to_hz: u32,
    /// `None` when the rates are equal: samples pass through.
    engine: Option<Engine>,
}

#[derive(Debug)]
struct Engine {
    fft: Fft<f32>,
    /// Input waiting for a whole chunk.
    pending: Vec<f32>,
    /// One chunk of output.
    chunk_out: Vec<f32>,
    /// Output samples still to drop for the startup delay.
    to_trim: usize,
    input_total: u64,
    output_total: u64,
}

impl Resampler {
    /// A resampler from `from_hz` to `to_hz`, both 1 kHz to 384 kHz.
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Resampler, ResampleError> {
        check_rates(from_hz, to_hz)?;
        let engine = if from_hz == to_hz {
            None
        } else {
            // One 20 ms frame of input per chunk when the rates allow it; rubato rounds the
            // chunk to whole FFT blocks of the rates' ratio.
            let chunk = (from_hz / (1000 / FRAME_MS)).max(1) as usize;
            let fft = Fft::<f32>::new(from_hz as usize, to_hz as usize, chunk, 1, FixedSync::Both)
                .map_err(|e| ResampleError::Rubato {
                    detail: e.to_string(),
                })?;
            Some(Engine {
                pending: Vec::with_capacity(fft.input_frames_max() * 2),
                chunk_out: vec![0.0; fft.output_frames_max()],
                to_trim: fft.output_delay(),
                fft,
                input_total: 0,
                output_total: 0,
            })
        };
        Ok(Resampler {
            from_hz,
            to_hz,
            engine,
        })
    }

    /// Input rate.
    pub fn from_hz(&self) -> u32 {
        self.from_hz
    }

    /// Output rate.
    pub fn to_hz(&self) -> u32 {
        self.to_hz
    }

    /// Resamples the next chunk of the stream to 16-bit samples.
    pub fn process(&mut self, samples: &[i16]) -> Vec<i16> {
        self.process_f32(samples)
            .into_iter()
            .map(from_unit)
            .collect()
    }

    /// Resamples the next chunk of the stream to floats in [-1, 1], as recognizers take.
    pub fn process_f32(&mut self, samples: &[i16]) -> Vec<f32> {
        let mut out = Vec::new();
        match &mut self.engine {
            None => out.extend(samples.iter().map(|&s| to_unit(s))),
            Some(engine) => {
                engine.input_total += samples.len() as u64;
                engine.pending.extend(samples.iter().map(|&s| to_unit(s)));
                let mut used = 0;
                while engine.pending.len() - used >= engine.fft.input_frames_next() {
                    used += engine.run_chunk(used, None, &mut out);
                }
                engine.pending.drain(..used);
            }
        }
        out
    }

    /// Ends the stream: returns the output still owed for the input given so far, so that the
    /// whole stream comes out `ceil(input * to / from)` samples long. The resampler is then
    /// ready for a new stream.
    pub fn flush(&mut self) -> Vec<i16> {
        let mut out = Vec::new();
        if let Some(engine) = &mut self.engine {
            let owed = (u128::from(engine.input_total) * u128::from(self.to_hz))
                .div_ceil(u128::from(self.from_hz)) as u64;
            while engine.output_total < owed {
                let partial = engine.pending.len();
                engine.run_chunk(0, Some(partial), &mut out);
                engine.pending.clear();
            }
            let excess = (engine.output_total - owed) as usize;
            out.truncate(out.len().saturating_sub(excess));
            engine.restart();
        }
        out.into_iter().map(from_unit).collect()
    }
}

impl Engine {
    /// Runs one chunk of `pending` from `from` (or only `partial` samples of it, the rest
    /// taken as silence), appends the output past the startup delay to `out`, and returns how
    /// many pending samples it used.
    // The buffers are sized from the resampler's own figures and it has one channel, so rubato's
    // size and channel checks cannot fail: a failure is a bug here, not bad input.
    #[allow(clippy::expect_used)]
    fn run_chunk(&mut self, from: usize, partial: Option<usize>, out: &mut Vec<f32>) -> usize {
        let needed = self.fft.input_frames_next();
        let pending = &self.pending[from..];
        let available = partial.unwrap_or(needed).min(pending.len());
        let input = InterleavedSlice::new(&pending[..available], 1, available)
            .expect("input slice length equals its frame count");
        let out_len = self.chunk_out.len();
        let mut output = InterleavedSlice::new_mut(&mut self.chunk_out, 1, out_len)
            .expect("output slice length equals its frame count");
        let indexing = Indexing::new().partial_len(available);
        let (_, written) = self
            .fft
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .expect("buffers sized by the resampler itself");
        let trimmed = self.to_trim.min(written);
        self.to_trim -= trimmed;
        out.extend_from_slice(&self.chunk_out[trimmed..written]);
        self.output_total += (written - trimmed) as u64;
        available
    }

    fn restart(&mut self) {
        self.fft.reset();
        self.pending.clear();
        self.to_trim = self.fft.output_delay();
        self.input_total = 0;
        self.output_total = 0;
    }
}
