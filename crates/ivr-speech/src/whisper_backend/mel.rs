//! Whisper's log-mel input features, computed as OpenAI's reference does.
//!
//! Why not ct2rs's own `Whisper::generate`: it hides the decoder prompt (no hint text), the
//! scores and the no-speech probability, and its features differ from the reference (per-frame
//! normalization, zeros for the padding). We drive the lower-level `ct2rs::sys::Whisper`, so the
//! features are ours: 25 ms Hann frames every 10 ms (centered, reflect-padded), power spectrum,
//! Slaney mel filters, log10, floor at max - 8, then (x + 4) / 4, over a 30 s window.

use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

pub(crate) const SAMPLE_RATE: usize = 16_000;
const N_FFT: usize = 400;
const HOP: usize = 160;
/// The encoder always takes 30 s (3000 frames); shorter audio is padded with silence.
pub(crate) const N_FRAMES: usize = 3000;
pub(crate) const N_SAMPLES: usize = N_FRAMES * HOP;
const N_BINS: usize = N_FFT / 2 + 1;

/// One mel filter: its first FFT bin and weights from there.
struct Filter {
    first_bin: usize,
    weights: Vec<f32>,
}

/// Reusable state for computing features; built once per model.
pub(crate) struct MelExtractor {
    n_mels: usize,
    filters: Vec<Filter>,
    window: Vec<f32>,
    fft: Arc<dyn Fft<f32>>,
}

fn hz_to_mel(hz: f64) -> f64 {
    // Slaney's scale (librosa's default, what Whisper's filters were built with): linear below
    // 1 kHz, logarithmic above.
    let f_sp = 200.0 / 3.0;
    let logstep = 6.4f64.ln() / 27.0;
    if hz < 1000.0 {
        hz / f_sp
    } else {
        15.0 + (hz / 1000.0).ln() / logstep
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let logstep = 6.4f64.ln() / 27.0;
    if mel < 15.0 {
        mel * f_sp
    } else {
        1000.0 * (logstep * (mel - 15.0)).exp()
    }
}

/// `librosa.filters.mel(sr=16000, n_fft=400, n_mels)` with Slaney area normalization.
fn mel_filters(n_mels: usize) -> Vec<Filter> {
    let top = hz_to_mel(SAMPLE_RATE as f64 / 2.0);
    let edges: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect();
    (0..n_mels)
        .map(|m| {
            let (lo, mid, hi) = (edges[m], edges[m + 1], edges[m + 2]);
            let norm = 2.0 / (hi - lo);
            let mut first_bin = None;
            let mut weights = Vec::new();
            for bin in 0..N_BINS {
                let hz = (bin * SAMPLE_RATE) as f64 / N_FFT as f64;
                let w = ((hz - lo) / (mid - lo))
                    .min((hi - hz) / (hi - mid))
                    .max(0.0)
                    * norm;
                if w > 0.0 {
                    first_bin.get_or_insert(bin);
                    weights.push(w as f32);
                } else if first_bin.is_some() {
                    break;
                }
            }
            Filter {
                first_bin: first_bin.unwrap_or(0),
                weights,
            }
        })
        .collect()
}

impl MelExtractor {
    pub(crate) fn new(n_mels: usize) -> MelExtractor {
        // Periodic Hann, as torch.hann_window.
        let window = (0..N_FFT)
            .map(|n| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        MelExtractor {
            n_mels,
            filters: mel_filters(n_mels),
            window,
            fft: FftPlanner::new().plan_fft_forward(N_FFT),
        }
    }

    /// Features of up to 30 s of 16 kHz audio over a window of `frames` 10 ms frames (at most
    /// 3000, the encoder's full 30 s), laid out `[n_mels][frames]` (the encoder's
    /// `[1, n_mels, frames]` input). Audio beyond the window is ignored.
    pub(crate) fn features(&self, audio: &[f32], frames: usize) -> Vec<f32> {
        let frames = frames.min(N_FRAMES);
        let audio = &audio[..audio.len().min(N_SAMPLES).min(frames * HOP)];
        // log10 of the floor: what every mel bin of a silent frame holds before normalization.
        let silent = 1e-10f32.log10();
        let mut out = vec![silent; self.n_mels * frames];
        // Frames starting past the audio (with the 200-sample centering) see only zeros.
        let frames_with_audio = ((audio.len() + N_FFT / 2).div_ceil(HOP)).min(frames);
        let sample = |i: isize| -> f32 {
            // Reflect at the start (torch.stft center=True); zeros after the end (the padding).
            let i = i.unsigned_abs();
            audio.get(i).copied().unwrap_or(0.0)
        };
        let mut buf = vec![Complex::new(0.0f32, 0.0); N_FFT];
        let mut scratch = vec![Complex::new(0.0f32, 0.0); self.fft.get_inplace_scratch_len()];
        let mut power = vec![0.0f32; N_BINS];
        for frame in 0..frames_with_audio {
            let start = (frame * HOP) as isize - (N_FFT / 2) as isize;
            for (n, c) in buf.iter_mut().enumerate() {
                *c = Complex::new(sample(start + n as isize) * self.window[n], 0.0);
            }
            self.fft.process_with_scratch(&mut buf, &mut scratch);
            for (p, c) in power.iter_mut().zip(&buf) {
                *p = c.norm_sqr();
            }
            for (m, filter) in self.filters.iter().enumerate() {
                let bins = power.iter().skip(filter.first_bin);
                let energy: f32 = filter.weights.iter().zip(bins).map(|(w, p)| w * p).sum();
                out[m * frames + frame] = energy.max(1e-10).log10();
            }
        }
        let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for v in &mut out {
            *v = (v.max(max - 8.0) + 4.0) / 4.0;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_cover_the_band_like_librosa() {
        let filters = mel_filters(80);
        assert_eq!(filters.len(), 80);
        // Whisper's shipped mel_filters.npz (librosa) has 0.024_862_594 at [0][1], the only
        // non-zero weight of the first filter.
        assert_eq!(filters[0].first_bin, 1);
        assert_eq!(filters[0].weights.len(), 1);
        assert!((filters[0].weights[0] - 0.024_862_594).abs() < 1e-6);
        assert!(filters.iter().all(|f| !f.weights.is_empty()));
    }

    #[test]
    fn silence_is_flat() {
        let mel = MelExtractor::new(80);
        let f = mel.features(&vec![0.0; 16_000], N_FRAMES);
        assert_eq!(f.len(), 80 * N_FRAMES);
        assert!(f.iter().all(|&v| (v - f[0]).abs() < 1e-6));
    }
}
