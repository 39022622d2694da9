//! Sample-rate conversion with rubato's synchronous FFT resampler: telephone audio to the
//! rates recognizers want, and prompt files to 8 kHz.

mod error;
mod streaming;
mod whole;

pub use error::ResampleError;
pub use streaming::Resampler;
pub(crate) use whole::resample_unit;
pub use whole::{resample, to_f32_16k};

/// 16-bit sample to rubato's float scale, [-1, 1).
fn to_unit(sample: i16) -> f32 {
    f32::from(sample) / 32768.0
}

/// Float sample back to 16 bits, rounded, clipped where the filter overshoots full scale.
fn from_unit(sample: f32) -> i16 {
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Lowest and highest rates accepted, covering telephone audio through studio files.
pub const MIN_RATE_HZ: u32 = 1000;
pub const MAX_RATE_HZ: u32 = 384_000;

/// Checks rates before rubato sees them: its FFT sizes grow with the rates' ratio (1 Hz to
/// 384 kHz would need a 400-million-point transform), so both are kept in a sane range.
fn check_rates(from_hz: u32, to_hz: u32) -> Result<(), ResampleError> {
    let valid = MIN_RATE_HZ..=MAX_RATE_HZ;
    if !valid.contains(&from_hz) || !valid.contains(&to_hz) {
        return Err(ResampleError::InvalidRate { from_hz, to_hz });
    }
    Ok(())
}
