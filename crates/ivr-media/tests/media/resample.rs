use crate::signal::{rms, sine, zero_crossing_frequency};
use ivr_media::resample::{ResampleError, Resampler, resample, to_f32_16k};

/// Frequency and energy of a steady tone, ignoring the edges where filters ring.
fn measure(samples: &[i16], rate: u32) -> (f64, f64) {
    let edge = samples.len() / 10;
    let middle = &samples[edge..samples.len() - edge];
    (zero_crossing_frequency(middle, rate), rms(middle))
}

fn assert_close(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= want * tolerance,
        "{what}: got {got:.2}, want {want:.2} ± {:.1} %",
        tolerance * 100.0
    );
}

#[test]
fn a_1_khz_tone_survives_8k_to_16k_and_back() {
    let tone = sine(1000.0, 8000, 8000, 0.5);
    let (freq, energy) = measure(&tone, 8000);

    let up = resample(&tone, 8000, 16_000).unwrap();
    assert_eq!(up.len(), 16_000);
    let (up_freq, up_energy) = measure(&up, 16_000);
    assert_close("frequency at 16 kHz", up_freq, freq, 0.005);
    assert_close("RMS at 16 kHz", up_energy, energy, 0.01);

    let down = resample(&up, 16_000, 8000).unwrap();
    assert_eq!(down.len(), 8000);
    let (down_freq, down_energy) = measure(&down, 8000);
    assert_close("frequency back at 8 kHz", down_freq, freq, 0.005);
    assert_close("RMS back at 8 kHz", down_energy, energy, 0.01);
    // Aligned, not delayed: the round trip lands on the original samples.
    let error = rms(&tone
        .iter()
        .zip(&down)
        .skip(800)
        .take(6400)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect::<Vec<i16>>());
    assert!(
        error < rms(&tone) * 0.01,
        "round trip differs by RMS {error}"
    );
}

#[test]
fn streaming_by_20_ms_frames_matches_the_whole_clip() {
    let tone = sine(1000.0, 8000, 8000, 0.5);
    let mut resampler = Resampler::new(8000, 16_000).unwrap();
    let mut streamed = Vec::new();
    for frame in tone.chunks(160) {
        streamed.extend(resampler.process(frame));
    }
    assert!(
        streamed.len() >= 15_600,
        "only {} samples before flush",
        streamed.len()
    );
    streamed.extend(resampler.flush());
    assert_eq!(streamed.len(), 16_000);
    let whole = resample(&tone, 8000, 16_000).unwrap();
    let difference = rms(&streamed
        .iter()
        .zip(&whole)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect::<Vec<i16>>());
    assert!(
        difference < 100.0,
        "stream and clip differ by RMS {difference}"
    );
    let (freq, _) = measure(&streamed, 16_000);
    assert_close("streamed frequency", freq, 1000.0, 0.005);

    // After a flush the resampler starts a new stream.
    let mut again = Vec::new();
    for frame in tone.chunks(160) {
        again.extend(resampler.process(frame));
    }
    again.extend(resampler.flush());
    assert_eq!(again, streamed);
}

#[test]
fn odd_chunk_sizes_and_float_output() {
    let tone = sine(440.0, 8000, 4000, 0.25);
    let mut resampler = Resampler::new(8000, 16_000).unwrap();
    let mut out = Vec::new();
    for chunk in tone.chunks(97) {
        out.extend(resampler.process_f32(chunk));
    }
    assert!(out.iter().all(|s| (-1.0..=1.0).contains(s)));
    assert!(out.len() >= 7500);
}

#[test]
fn equal_rates_pass_through() {
    let tone = sine(440.0, 8000, 1000, 0.25);
    assert_eq!(resample(&tone, 8000, 8000).unwrap(), tone);
    let mut resampler = Resampler::new(8000, 8000).unwrap();
    assert_eq!(resampler.process(&tone), tone);
    assert!(resampler.flush().is_empty());
}

#[test]
fn whisper_input_is_16_khz_floats() {
    let tone = sine(1000.0, 8000, 8000, 0.5);
    let floats = to_f32_16k(&tone);
    assert_eq!(floats.len(), 16_000);
    assert!(floats.iter().all(|s| (-1.0..=1.0).contains(s)));
    let peak = floats.iter().fold(0f32, |m, s| m.max(s.abs()));
    assert!((peak - 0.5).abs() < 0.02, "peak {peak}");
    assert!(to_f32_16k(&[]).is_empty());
}

#[test]
fn file_rates_convert_to_8_khz() {
    for rate in [11_025, 16_000, 22_050, 44_100, 48_000] {
        let tone = sine(1000.0, rate, rate as usize, 0.5);
        let down = resample(&tone, rate, 8000).unwrap();
        assert_eq!(down.len(), 8000, "from {rate} Hz");
        let (freq, energy) = measure(&down, 8000);
        assert_close(&format!("frequency from {rate} Hz"), freq, 1000.0, 0.005);
        assert_close(
            &format!("RMS from {rate} Hz"),
            energy,
            0.5 * 32767.0 / 2f64.sqrt(),
            0.01,
        );
    }
}

#[test]
fn invalid_rates_are_refused() {
    assert_eq!(
        Resampler::new(0, 8000).err(),
        Some(ResampleError::InvalidRate {
            from_hz: 0,
            to_hz: 8000
        })
    );
    assert!(resample(&[1, 2, 3], 8000, 400_000).is_err());
    let message = ResampleError::InvalidRate {
        from_hz: 0,
        to_hz: 1,
    }
    .to_string();
    assert!(message.contains("1 kHz to 384 kHz"), "{message}");
}
