//! WAV files holding G.711 (format tags 6, A-law, and 7, mu-law), common for telephone
//! prompts and not decoded by hound. A minimal RIFF walk finds the `fmt ` and `data` chunks.

use super::{WavErrorKind, check_duration, to_telephone_rate};
use crate::g711::{alaw_decode, ulaw_decode};

const WAVE_FORMAT_ALAW: u16 = 0x0006;
const WAVE_FORMAT_MULAW: u16 = 0x0007;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

struct Format {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    bits_per_sample: u16,
}

/// Decodes a G.711 WAV file, or says which encoding it holds instead. `bytes` starts with a
/// RIFF/WAVE header (checked by the caller).
pub(super) fn decode(bytes: &[u8]) -> Result<Vec<i16>, WavErrorKind> {
    let mut format = None;
    let mut chunks = &bytes[12..];
    while let Some((id, body, rest)) = next_chunk(chunks) {
        chunks = rest;
        match id {
            b"fmt " => format = Some(read_format(body)?),
            b"data" => {
                let format = format.ok_or_else(|| WavErrorKind::Corrupt {
                    detail: "the data chunk comes before any fmt chunk".to_string(),
                })?;
                return decode_data(&format, body);
            }
            _ => {}
        }
    }
    Err(WavErrorKind::Corrupt {
        detail: "no complete data chunk (the file is truncated or the chunk sizes are wrong)"
            .to_string(),
    })
}

/// The next chunk's id, body, and the bytes after it (bodies are padded to even length).
fn next_chunk(bytes: &[u8]) -> Option<(&[u8; 4], &[u8], &[u8])> {
    let (header, rest) = bytes.split_first_chunk::<8>()?;
    let (id, len) = header.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len.first_chunk::<4>()?) as usize;
    let body = rest.get(..len)?;
    let padded = len + (len & 1);
    Some((id, body, rest.get(padded..).unwrap_or(&[])))
}

fn read_format(body: &[u8]) -> Result<Format, WavErrorKind> {
    let u16_at = |at: usize| {
        body.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        body.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let short = || WavErrorKind::Corrupt {
        detail: format!("the fmt chunk is {} bytes, fewer than 16", body.len()),
    };
    let mut tag = u16_at(0).ok_or_else(short)?;
    if tag == WAVE_FORMAT_EXTENSIBLE {
        // The real tag is the first two bytes of the SubFormat GUID, at offset 24.
        tag = u16_at(24).ok_or_else(short)?;
    }
    Ok(Format {
        tag,
        channels: u16_at(2).ok_or_else(short)?,
        sample_rate: u32_at(4).ok_or_else(short)?,
        bits_per_sample: u16_at(14).ok_or_else(short)?,
    })
}

fn decode_data(format: &Format, data: &[u8]) -> Result<Vec<i16>, WavErrorKind> {
    let decode_code: fn(u8) -> i16 = match format.tag {
        WAVE_FORMAT_ALAW => alaw_decode,
        WAVE_FORMAT_MULAW => ulaw_decode,
        other => {
            return Err(WavErrorKind::Unsupported {
                detail: format!("format tag {other:#06x}{}", tag_name(other)),
            });
        }
    };
    if format.bits_per_sample != 8 {
        return Err(WavErrorKind::Unsupported {
            detail: format!("{}-bit G.711 (G.711 is 8-bit)", format.bits_per_sample),
        });
    }
    if format.channels == 0 {
        return Err(WavErrorKind::Corrupt {
            detail: "the header gives 0 channels".to_string(),
        });
    }
    let channels = usize::from(format.channels);
    check_duration((data.len() / channels) as u64, format.sample_rate)?;
    if data.len() < channels {
        return Err(WavErrorKind::NoAudio);
    }
    let mono: Vec<f32> = data
        .chunks_exact(channels)
        .map(|frame| {
            let sum: i32 = frame.iter().map(|&c| i32::from(decode_code(c))).sum();
            sum as f32 / (channels as f32 * 32768.0)
        })
        .collect();
    to_telephone_rate(&mono, format.sample_rate)
}

/// Names of encodings people meet in WAV files, for the error message.
fn tag_name(tag: u16) -> &'static str {
    match tag {
        0x0002 => " (Microsoft ADPCM)",
        0x0011 => " (IMA ADPCM)",
        0x0031 => " (GSM 6.10)",
        0x0050 | 0x0055 => " (MPEG audio)",
        0x0064 => " (G.721 ADPCM)",
        _ => "",
    }
}
