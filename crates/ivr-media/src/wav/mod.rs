//! Prompt files: any PCM or float WAV in, 8 kHz mono 16-bit out. The one module that touches
//! files.

mod decode;
mod error;
mod g711_wav;
mod sniff;

pub use error::{WavError, WavErrorKind};

use crate::frame::SAMPLE_RATE;
use std::path::Path;

/// Largest file read: a prompt this big is a mistake, not a prompt.
pub const MAX_BYTES: u64 = 200 * 1000 * 1000;
/// Longest audio read.
pub const MAX_SECONDS: u32 = 3600;

/// Reads a WAV file of any sample rate, bit depth (8/16/24/32-bit integer, 32-bit float,
/// 8-bit G.711) and channel count, mixed down to mono and resampled to 8 kHz.
pub fn read_wav(path: impl AsRef<Path>) -> Result<Vec<i16>, WavError> {
    let path = path.as_ref();
    let source = path.display().to_string();
    let fail = |kind| WavError::new(&source, kind);
    let metadata = std::fs::metadata(path).map_err(|e| fail(WavErrorKind::from_io(&e)))?;
    if metadata.is_dir() {
        return Err(fail(WavErrorKind::Unreadable {
            detail: "it is a directory".to_string(),
        }));
    }
    check_size(metadata.len()).map_err(fail)?;
    let bytes = std::fs::read(path).map_err(|e| fail(WavErrorKind::from_io(&e)))?;
    // The file may have changed between the two looks.
    check_size(bytes.len() as u64).map_err(fail)?;
    decode::decode(&bytes).map_err(fail)
}

/// Like [`read_wav`], for a WAV already in memory.
pub fn read_wav_bytes(bytes: &[u8]) -> Result<Vec<i16>, WavError> {
    let fail = |kind| WavError::new("(WAV data in memory)", kind);
    check_size(bytes.len() as u64).map_err(fail)?;
    decode::decode(bytes).map_err(fail)
}

/// Writes mono 16-bit samples at `sample_rate` Hz as a PCM WAV file.
pub fn write_wav(
    path: impl AsRef<Path>,
    samples: &[i16],
    sample_rate: u32,
) -> Result<(), WavError> {
    let path = path.as_ref();
    let fail =
        |detail: String| WavError::new(path.display().to_string(), WavErrorKind::Write { detail });
    if sample_rate == 0 {
        return Err(fail("sample rate 0 Hz".to_string()));
    }
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(|e| fail(e.to_string()))?;
    let count = u32::try_from(samples.len()).map_err(|_| {
        fail(format!(
            "{} samples is more than a WAV file holds",
            samples.len()
        ))
    })?;
    let mut samples_writer = writer.get_i16_writer(count);
    for &sample in samples {
        samples_writer.write_sample(sample);
    }
    samples_writer.flush().map_err(|e| fail(e.to_string()))?;
    writer.finalize().map_err(|e| fail(e.to_string()))
}

fn check_size(bytes: u64) -> Result<(), WavErrorKind> {
    if bytes == 0 {
        return Err(WavErrorKind::Empty);
    }
    if bytes > MAX_BYTES {
        return Err(WavErrorKind::TooLarge { bytes });
    }
    Ok(())
}

/// Refuses audio over the length limit, from the header, before decoding any of it.
fn check_duration(frames: u64, sample_rate: u32) -> Result<(), WavErrorKind> {
    if sample_rate == 0 {
        return Err(WavErrorKind::Corrupt {
            detail: "the header gives a sample rate of 0 Hz".to_string(),
        });
    }
    if frames > u64::from(MAX_SECONDS) * u64::from(sample_rate) {
        return Err(WavErrorKind::TooLong {
            seconds: frames / u64::from(sample_rate),
        });
    }
    Ok(())
}

/// Mono float samples at `sample_rate` to 8 kHz 16-bit.
fn to_telephone_rate(mono: &[f32], sample_rate: u32) -> Result<Vec<i16>, WavErrorKind> {
    use crate::resample::{MAX_RATE_HZ, MIN_RATE_HZ};
    if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&sample_rate) {
        return Err(WavErrorKind::Unsupported {
            detail: format!("sample rate {sample_rate} Hz; 1000 to 384000 Hz are read"),
        });
    }
    let resampled =
        crate::resample::resample_unit(mono, sample_rate, SAMPLE_RATE).map_err(|e| {
            WavErrorKind::Unsupported {
                detail: e.to_string(),
            }
        })?;
    Ok(resampled
        .into_iter()
        .map(|s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect())
}
