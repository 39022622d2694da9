use crate::signal::{rms, sine, zero_crossing_frequency};
use ivr_media::g711::{alaw_encode, ulaw_encode};
use ivr_media::wav::{WavErrorKind, read_wav, read_wav_bytes, write_wav};
use proptest::prelude::*;
use std::io::Cursor;
use std::path::PathBuf;

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ivr-media-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A WAV file in memory, written by hound: a 1 kHz tone at half scale on every channel.
fn tone_wav(rate: u32, channels: u16, bits: u16, float: bool, seconds: f64) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut bytes = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
    let frames = (f64::from(rate) * seconds) as usize;
    for n in 0..frames {
        let value = 0.5 * (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / f64::from(rate)).sin();
        for _ in 0..channels {
            if float {
                writer.write_sample(value as f32).unwrap();
            } else {
                let full = f64::from(1u32 << (bits - 1)) - 1.0;
                writer.write_sample((value * full).round() as i32).unwrap();
            }
        }
    }
    writer.finalize().unwrap();
    bytes.into_inner()
}

/// A WAV file with G.711 data (format tag 6 or 7), which hound does not read.
fn g711_wav(tag: u16, rate: u32, codes: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(4 + 26 + 8 + codes.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&18u32.to_le_bytes());
    bytes.extend_from_slice(&tag.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // channels
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes()); // bytes per second
    bytes.extend_from_slice(&1u16.to_le_bytes()); // block align
    bytes.extend_from_slice(&8u16.to_le_bytes()); // bits
    bytes.extend_from_slice(&0u16.to_le_bytes()); // cbSize
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(codes.len() as u32).to_le_bytes());
    bytes.extend_from_slice(codes);
    bytes
}

fn assert_is_tone(samples: &[i16], seconds: f64) {
    let expected = (8000.0 * seconds) as usize;
    assert!(
        samples.len().abs_diff(expected) <= 1,
        "{} samples, want {expected}",
        samples.len()
    );
    let middle = &samples[samples.len() / 10..samples.len() * 9 / 10];
    let freq = zero_crossing_frequency(middle, 8000);
    assert!((freq - 1000.0).abs() < 5.0, "frequency {freq}");
    let level = rms(middle);
    let want = 0.5 * 32767.0 / 2f64.sqrt();
    assert!(
        (level - want).abs() < want * 0.02,
        "RMS {level}, want {want}"
    );
}

fn kind(result: Result<Vec<i16>, ivr_media::wav::WavError>) -> WavErrorKind {
    result.expect_err("should be refused").kind
}

#[test]
fn every_rate_depth_and_channel_count_becomes_8_khz_mono() {
    for (rate, channels, bits, float) in [
        (8000, 1, 16, false),
        (8000, 1, 8, false),
        (16_000, 1, 16, false),
        (44_100, 2, 16, false),
        (48_000, 2, 24, false),
        (22_050, 1, 32, false),
        (32_000, 6, 32, true),
        (11_025, 2, 8, false),
    ] {
        let bytes = tone_wav(rate, channels, bits, float, 0.5);
        let samples = read_wav_bytes(&bytes)
            .unwrap_or_else(|e| panic!("{rate} Hz {channels} ch {bits} bit: {e}"));
        assert_is_tone(&samples, 0.5);
    }
}

#[test]
fn g711_wav_files_are_read() {
    let tone = sine(1000.0, 8000, 4000, 0.5);
    let ulaw: Vec<u8> = tone.iter().map(|&s| ulaw_encode(s)).collect();
    let alaw: Vec<u8> = tone.iter().map(|&s| alaw_encode(s)).collect();
    assert_is_tone(&read_wav_bytes(&g711_wav(7, 8000, &ulaw)).unwrap(), 0.5);
    assert_is_tone(&read_wav_bytes(&g711_wav(6, 8000, &alaw)).unwrap(), 0.5);
    // Other encodings hound does not read are named.
    let adpcm = g711_wav(2, 8000, &ulaw);
    let error = read_wav_bytes(&adpcm).unwrap_err();
    assert!(matches!(error.kind, WavErrorKind::Unsupported { .. }));
    assert!(error.to_string().contains("Microsoft ADPCM"), "{error}");
}

#[test]
fn written_files_read_back_unchanged() {
    let dir = scratch("round-trip");
    let path = dir.join("prompt.wav");
    let tone = sine(1000.0, 8000, 8000, 0.5);
    write_wav(&path, &tone, 8000).unwrap();
    assert_eq!(read_wav(&path).unwrap(), tone);
    let wide = dir.join("wide.wav");
    write_wav(&wide, &sine(1000.0, 16_000, 8000, 0.5), 16_000).unwrap();
    assert_is_tone(&read_wav(&wide).unwrap(), 0.5);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn errors_name_the_file_and_the_fix() {
    let dir = scratch("errors");
    let missing = dir.join("missing.wav");
    let error = read_wav(&missing).unwrap_err();
    assert_eq!(error.kind, WavErrorKind::NotFound);
    assert!(error.to_string().contains("missing.wav"), "{error}");

    let empty = dir.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(read_wav(&empty).unwrap_err().kind, WavErrorKind::Empty);

    let mp3 = dir.join("prompt.mp3");
    std::fs::write(&mp3, b"ID3\x04\x00\x00\x00\x00\x00\x00 then frames").unwrap();
    let error = read_wav(&mp3).unwrap_err();
    assert_eq!(
        error.kind,
        WavErrorKind::NotWav {
            looks_like: Some("MP3 audio")
        }
    );
    let message = error.to_string();
    assert!(
        message.contains("prompt.mp3") && message.contains("sox"),
        "{message}"
    );

    let text = dir.join("notes.wav");
    std::fs::write(&text, "Thank you for calling.\n").unwrap();
    assert_eq!(
        read_wav(&text).unwrap_err().kind,
        WavErrorKind::NotWav {
            looks_like: Some("text")
        }
    );

    assert!(matches!(
        read_wav(&dir).unwrap_err().kind,
        WavErrorKind::Unreadable { .. }
    ));

    let unwritable = dir.join("no-such-dir").join("out.wav");
    let error = write_wav(&unwritable, &[0; 10], 8000).unwrap_err();
    assert!(matches!(error.kind, WavErrorKind::Write { .. }));
    assert!(error.to_string().contains("writable"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn damaged_files_are_corrupt_not_panics() {
    let good = tone_wav(16_000, 1, 16, false, 0.25);
    // Cut inside the header.
    assert!(matches!(
        kind(read_wav_bytes(&good[..30])),
        WavErrorKind::Corrupt { .. }
    ));
    // Cut inside the data.
    let cut = kind(read_wav_bytes(&good[..good.len() / 2]));
    assert!(matches!(cut, WavErrorKind::Corrupt { .. }), "{cut:?}");
    // A header that is RIFF/WAVE and nothing else.
    assert!(matches!(
        kind(read_wav_bytes(b"RIFF\x04\x00\x00\x00WAVE")),
        WavErrorKind::Corrupt { .. }
    ));
    // A rate no prompt has.
    let slow = tone_wav(500, 1, 16, false, 0.5);
    let error = read_wav_bytes(&slow).unwrap_err();
    assert!(
        matches!(error.kind, WavErrorKind::Unsupported { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("500 Hz"), "{error}");
    // No samples at all.
    let silent = tone_wav(8000, 1, 16, false, 0.0);
    assert_eq!(kind(read_wav_bytes(&silent)), WavErrorKind::NoAudio);
}

#[test]
fn over_an_hour_is_refused_from_the_header() {
    // 3601 one-byte samples at 1 Hz: over an hour in a few kilobytes.
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 1,
        bits_per_sample: 8,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
    for _ in 0..3601 {
        writer.write_sample(0i8).unwrap();
    }
    writer.finalize().unwrap();
    let error = read_wav_bytes(bytes.get_ref()).unwrap_err();
    assert_eq!(error.kind, WavErrorKind::TooLong { seconds: 3601 });
    assert!(error.to_string().contains("1 hour"), "{error}");
}

#[test]
fn over_200_mb_is_refused_before_reading() {
    let dir = scratch("huge");
    let path = dir.join("huge.wav");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: no disk space used, nothing read.
    file.set_len(200_000_001).unwrap();
    let error = read_wav(&path).unwrap_err();
    assert_eq!(error.kind, WavErrorKind::TooLarge { bytes: 200_000_001 });
    assert!(error.to_string().contains("200 MB"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = read_wav_bytes(&bytes);
    }

    #[test]
    fn random_bytes_after_a_wave_header_never_panic(
        rest in proptest::collection::vec(any::<u8>(), 0..2000)
    ) {
        let mut bytes = b"RIFF\x00\x00\x00\x00WAVE".to_vec();
        bytes.extend(rest);
        let _ = read_wav_bytes(&bytes);
    }

    #[test]
    fn damaged_valid_files_never_panic(
        which in 0usize..4,
        flips in proptest::collection::vec((0usize..200, any::<u8>()), 0..8),
        cut in 0usize..2000,
    ) {
        let mut bytes = match which {
            0 => tone_wav(8000, 1, 16, false, 0.05),
            1 => tone_wav(44_100, 2, 24, false, 0.01),
            2 => tone_wav(16_000, 1, 32, true, 0.02),
            _ => g711_wav(7, 8000, &[0xFF; 400]),
        };
        for (at, value) in flips {
            if let Some(byte) = bytes.get_mut(at % 64) {
                *byte = value;
            }
        }
        bytes.truncate(cut.max(1));
        let _ = read_wav_bytes(&bytes);
    }
}
