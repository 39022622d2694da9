//! Decoding WAV bytes with hound to mono 8 kHz samples.

use super::{WavErrorKind, check_duration, g711_wav, sniff, to_telephone_rate};
use hound::{SampleFormat, WavReader};
use std::io::Cursor;

/// Decodes a whole WAV file held in memory.
pub(super) fn decode(bytes: &[u8]) -> Result<Vec<i16>, WavErrorKind> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavErrorKind::NotWav {
            looks_like: sniff::looks_like(bytes),
        });
    }
    let reader = match WavReader::new(Cursor::new(bytes)) {
        Ok(reader) => reader,
        // hound decodes PCM and float only; telephone prompts are often G.711.
        Err(hound::Error::Unsupported) => return g711_wav::decode(bytes),
        Err(e) => return Err(header_error(e)),
    };
    let spec = reader.spec();
    // Judge truncation before length: a cut-off header can claim hours of audio.
    let declared_bytes = u64::from(reader.len()) * u64::from(spec.bits_per_sample.div_ceil(8));
    if declared_bytes > bytes.len() as u64 {
        return Err(WavErrorKind::Corrupt {
            detail: format!(
                "the header promises {declared_bytes} bytes of audio but the file is only {}                  bytes long",
                bytes.len()
            ),
        });
    }
    check_duration(u64::from(reader.duration()), spec.sample_rate)?;
    if reader.duration() == 0 {
        return Err(WavErrorKind::NoAudio);
    }
    let channels = usize::from(spec.channels);
    let declared = reader.len() as usize;
    let interleaved = read_unit_samples(reader, bytes.len())?;
    if interleaved.len() < declared {
        return Err(WavErrorKind::Corrupt {
            detail: format!(
                "the header promises {declared} samples but the data ends after {}",
                interleaved.len()
            ),
        });
    }
    let mono: Vec<f32> = interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    to_telephone_rate(&mono, spec.sample_rate)
}

/// All samples, interleaved, scaled to [-1, 1]. Stops at the first unreadable sample: a
/// truncated file yields fewer samples than its header declares.
fn read_unit_samples(
    mut reader: WavReader<Cursor<&[u8]>>,
    byte_len: usize,
) -> Result<Vec<f32>, WavErrorKind> {
    let spec = reader.spec();
    // The header's count is not trusted for the allocation; the bytes present bound it.
    let mut samples = Vec::with_capacity((reader.len() as usize).min(byte_len));
    match spec.sample_format {
        SampleFormat::Float => {
            if spec.bits_per_sample != 32 {
                return Err(WavErrorKind::Unsupported {
                    detail: format!("{}-bit float samples", spec.bits_per_sample),
                });
            }
            for sample in reader.samples::<f32>() {
                let Ok(sample) = sample else { break };
                // NaN and infinities are damage, not audio: silence them.
                let sample = if sample.is_finite() { sample } else { 0.0 };
                samples.push(sample.clamp(-1.0, 1.0));
            }
        }
        SampleFormat::Int => {
            let bits = spec.bits_per_sample;
            if !matches!(bits, 8 | 16 | 24 | 32) {
                return Err(WavErrorKind::Unsupported {
                    detail: format!("{bits}-bit integer samples"),
                });
            }
            let full_scale = (1u64 << (bits - 1)) as f64;
            for sample in reader.samples::<i32>() {
                match sample {
                    Ok(sample) => samples.push((f64::from(sample) / full_scale) as f32),
                    Err(hound::Error::Unsupported) => {
                        return Err(WavErrorKind::Unsupported {
                            detail: format!("{bits}-bit samples in this container"),
                        });
                    }
                    Err(_) => break,
                }
            }
        }
    }
    Ok(samples)
}

fn header_error(error: hound::Error) -> WavErrorKind {
    match error {
        hound::Error::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            WavErrorKind::Corrupt {
                detail: "the file ends inside its header, before the audio data".to_string(),
            }
        }
        hound::Error::IoError(e) => WavErrorKind::Corrupt {
            detail: format!("unreadable header: {e}"),
        },
        hound::Error::FormatError(what) => WavErrorKind::Corrupt {
            detail: what.to_string(),
        },
        other => WavErrorKind::Unsupported {
            detail: other.to_string(),
        },
    }
}
