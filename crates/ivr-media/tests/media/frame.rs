use ivr_media::frame::{FRAME_MS, FRAME_SAMPLES, Framer, SAMPLE_RATE};

#[test]
fn constants_describe_20_ms_at_8_khz() {
    assert_eq!((SAMPLE_RATE, FRAME_SAMPLES, FRAME_MS), (8000, 160, 20));
    assert_eq!(
        SAMPLE_RATE as usize * FRAME_MS as usize / 1000,
        FRAME_SAMPLES
    );
}

#[test]
fn chunks_of_any_length_become_whole_frames_in_order() {
    let samples: Vec<i16> = (0..1000).map(|i| i as i16).collect();
    let mut framer = Framer::new();
    let mut frames = Vec::new();
    let mut rest = &samples[..];
    for size in [1, 159, 0, 161, 7, 320, 500].iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let take = (*size).min(rest.len());
        frames.extend(framer.push(&rest[..take]));
        rest = &rest[take..];
    }
    assert_eq!(frames.len(), 6);
    assert_eq!(framer.pending(), 40);
    let last = framer.flush().unwrap();
    assert_eq!(&last[..40], &samples[960..]);
    assert!(last[40..].iter().all(|&s| s == 0), "padding is silence");
    let flat: Vec<i16> = frames.iter().flatten().copied().collect();
    assert_eq!(flat, samples[..960]);
    assert_eq!(framer.flush(), None);
}
