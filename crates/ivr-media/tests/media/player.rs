use ivr_media::player::PromptPlayer;

fn ramp(len: usize, base: i16) -> Vec<i16> {
    (0..len).map(|i| base.wrapping_add(i as i16) | 1).collect()
}

#[test]
fn a_one_second_prompt_takes_exactly_50_frames() {
    let mut player = PromptPlayer::new();
    player.enqueue(7, ramp(8000, 1));
    for n in 0..49 {
        let frame = player.next_frame();
        assert!(frame.finished.is_empty(), "finished early at frame {n}");
        assert!(frame.samples.iter().all(|&s| s != 0));
    }
    let last = player.next_frame();
    assert_eq!(last.finished, [7]);
    assert!(!player.is_playing());
    assert!(player.next_frame().samples.iter().all(|&s| s == 0));
}

#[test]
fn a_partial_last_frame_is_padded_with_silence() {
    let mut player = PromptPlayer::new();
    player.enqueue(1, ramp(200, 1));
    player.enqueue(2, ramp(160, 1000));
    player.next_frame();
    let second = player.next_frame();
    assert_eq!(second.finished, [1]);
    assert!(second.samples[..40].iter().all(|&s| s != 0));
    assert!(second.samples[40..].iter().all(|&s| s == 0));
    // The next prompt starts on the next frame boundary.
    let third = player.next_frame();
    assert_eq!(third.finished, [2]);
    assert_eq!(third.samples[0], 1000 | 1);
}

#[test]
fn prompts_play_in_queue_order() {
    let mut player = PromptPlayer::new();
    player.enqueue(10, ramp(320, 1));
    player.enqueue(11, Vec::new());
    player.enqueue(12, ramp(160, 1));
    let finished: Vec<u64> = (0..5).flat_map(|_| player.next_frame().finished).collect();
    assert_eq!(finished, [10, 11, 12]);
}

#[test]
fn stop_silences_the_very_next_frame() {
    let mut player = PromptPlayer::new();
    player.enqueue(1, ramp(8000, 1));
    player.enqueue(2, ramp(8000, 1));
    player.next_frame();
    assert!(player.is_playing());
    assert_eq!(player.stop(), [1, 2]);
    assert!(!player.is_playing());
    let frame = player.next_frame();
    assert!(frame.samples.iter().all(|&s| s == 0));
    assert!(frame.finished.is_empty());
    assert_eq!(player.remaining_samples(), 0);
}

#[test]
fn an_idle_player_plays_silence() {
    let mut player = PromptPlayer::new();
    let frame = player.next_frame();
    assert!(frame.samples.iter().all(|&s| s == 0));
    assert!(frame.finished.is_empty());
    assert!(player.stop().is_empty());
}
