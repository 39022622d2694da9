//! Resampling a whole clip at once.

use super::{ResampleError, check_rates, from_unit, to_unit};
use crate::frame::SAMPLE_RATE;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

/// Chunk size for whole clips: large enough for throughput, small enough for short prompts.
const CLIP_CHUNK: usize = 1024;

/// `samples` at `from_hz` converted to `to_hz`, aligned with the input (rubato's startup delay
/// trimmed) and `ceil(len * to / from)` samples long.
pub fn resample(samples: &[i16], from_hz: u32, to_hz: u32) -> Result<Vec<i16>, ResampleError> {
    let unit: Vec<f32> = samples.iter().map(|&s| to_unit(s)).collect();
    Ok(resample_unit(&unit, from_hz, to_hz)?
        .into_iter()
        .map(from_unit)
        .collect())
}

/// 8 kHz telephone audio as the 16 kHz floats in [-1, 1] that Whisper takes.
pub fn to_f32_16k(samples: &[i16]) -> Vec<f32> {
    let unit: Vec<f32> = samples.iter().map(|&s| to_unit(s)).collect();
    match resample_unit(&unit, SAMPLE_RATE, 16_000) {
        Ok(resampled) => resampled.into_iter().map(|s| s.clamp(-1.0, 1.0)).collect(),
        // Fixed, valid rates: rubato sizes its own buffers here, so this cannot fail. Should
        // it ever, recognizing silence is better than taking down the call.
        Err(_) => vec![0.0; samples.len() * 2],
    }
}

/// Float-scale resampling of a whole clip; the WAV reader uses it before converting to 16 bits.
pub(crate) fn resample_unit(
    samples: &[f32],
    from_hz: u32,
    to_hz: u32,
) -> Result<Vec<f32>, ResampleError> {
    check_rates(from_hz, to_hz)?;
    if from_hz == to_hz || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let rubato = |e: &dyn std::fmt::Display| ResampleError::Rubato {
        detail: e.to_string(),
    };
    let mut fft = Fft::<f32>::new(
        from_hz as usize,
        to_hz as usize,
        CLIP_CHUNK,
        1,
        FixedSync::Both,
    )
    .map_err(|e| rubato(&e))?;
    let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| rubato(&e))?;
    let output = fft
        .process_all(&input, samples.len(), None)
        .map_err(|e| rubato(&e))?;
    Ok(output.take_data())
}
