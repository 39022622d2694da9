//! VAD endpointing: where a caller's utterance starts and ends, over libfvad (webrtc-vad).
//!
//! Sans-IO: no clock, no thread. Time is the number of samples pushed so far, so an offset in
//! an event is "samples since the stream started" (8 000 per second), and tests or `ivr replay`
//! drive it faster than real time with identical results.
//!
//! The caller's loop: push every 20 ms frame of the call's inbound audio (8 kHz mono i16) with
//! [`Endpointer::push_frame`] and act on the returned events. Detection runs all the time, so a
//! `SpeechStarted` during a prompt can serve barge-in; listening ([`Endpointer::start_listening`])
//! only arms the no-input timer.
//!
//! Timing, with the defaults: `SpeechStarted` comes about `min_speech` + libfvad's hangover
//! (~300 ms) after the caller starts, with `at_sample` set back to the start minus pre-roll;
//! `SpeechEnded` comes `trailing_silence` after the caller stops. `Paused` comes `pause_ms` after
//! the caller stops (if they have not gone on by then), so the words so far can be decoded while
//! the endpoint is still being waited for; `Resumed` says they went on. The caller may end the
//! utterance at once ([`Endpointer::end_now`]) when the words are complete, or wait longer
//! ([`Endpointer::wait_longer`]) when they clearly are not.

mod fvad;
mod history;
mod onset;
mod params;

use std::fmt;

pub use params::{ParamsError, VadParams};

use fvad::{FrameVad, hangover_frames};
use history::History;
use onset::OnsetWindow;

/// The telephone rate; every offset is in samples at this rate.
pub const SAMPLE_RATE: u32 = 8_000;
/// One VAD decision covers 20 ms.
pub const FRAME_MS: u64 = 20;
pub const FRAME_SAMPLES: usize = 160;
const SAMPLES_PER_MS: u64 = 8;
const FRAME_SAMPLES_U64: u64 = FRAME_SAMPLES as u64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointEvent {
    /// Speech confirmed; `at_sample` is where the utterance (pre-roll included) begins.
    SpeechStarted { at_sample: u64 },
    /// The caller has been silent for `pause_ms` inside an utterance that is not over yet:
    /// `audio` holds what was said so far (samples `start_sample..end_sample`), to decode ahead
    /// of the endpoint. At most once per pause; `Resumed` or `SpeechEnded` follows.
    Paused {
        start_sample: u64,
        end_sample: u64,
        audio: Vec<i16>,
    },
    /// The caller spoke again after a `Paused`: what was decoded of it is not the utterance.
    Resumed { at_sample: u64 },
    /// The utterance is over: `audio` holds samples `start_sample..end_sample`, pre-roll
    /// included. `truncated`: cut at `max_utterance_ms` while the caller was still talking.
    SpeechEnded {
        start_sample: u64,
        end_sample: u64,
        audio: Vec<i16>,
        truncated: bool,
    },
    /// Listening, and nothing was said within the no-input timeout.
    NoInput { at_sample: u64 },
}

/// `push_frame` got a slice that is not a whole number of 20 ms frames; nothing was consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLengthError {
    pub len: usize,
}

impl fmt::Display for FrameLengthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} samples is not a whole number of 20 ms frames ({FRAME_SAMPLES} samples at 8 kHz)",
            self.len
        )
    }
}

impl std::error::Error for FrameLengthError {}

enum Phase {
    /// No utterance; the onset window gathers evidence.
    Idle,
    Speech(Utterance),
    /// The last utterance was cut at max length; ignore the rest of it until a pause.
    Draining {
        silent_frames: usize,
    },
}

/// The utterance being heard.
struct Utterance {
    start_sample: u64,
    last_voiced_end: u64,
    /// Unvoiced decisions since the last voiced one.
    silent_frames: usize,
    audio: Vec<i16>,
    /// A `Paused` was reported for the current silence.
    paused: bool,
    /// Trailing silence added to this utterance only (`wait_longer`).
    extra_end_frames: usize,
}

struct Listening {
    since_sample: u64,
    /// Still waiting for the caller: no speech since listening began and no `NoInput` yet.
    awaiting_input: bool,
}

pub struct Endpointer {
    params: VadParams,
    vad: FrameVad,
    onset: OnsetWindow,
    history: History,
    phase: Phase,
    listening: Option<Listening>,
    /// Samples pushed since the stream started: the endpointer's only clock.
    processed: u64,
}

impl Endpointer {
    pub fn new(params: VadParams) -> Result<Self, ParamsError> {
        params.validate()?;
        let onset = OnsetWindow::new(params.min_speech_frames(), params.aggressiveness);
        Ok(Self {
            vad: FrameVad::new(params.aggressiveness),
            history: History::new(history_capacity(&params, &onset)),
            onset,
            params,
            phase: Phase::Idle,
            listening: None,
            processed: 0,
        })
    }

    /// Switches to another listening state's parameters. An utterance in progress goes on under
    /// the new limits; speech-start evidence gathered so far is dropped.
    pub fn set_params(&mut self, params: VadParams) -> Result<(), ParamsError> {
        params.validate()?;
        self.vad.set_aggressiveness(params.aggressiveness);
        self.onset = OnsetWindow::new(params.min_speech_frames(), params.aggressiveness);
        self.history
            .set_capacity(history_capacity(&params, &self.onset));
        self.params = params;
        Ok(())
    }

    pub fn params(&self) -> &VadParams {
        &self.params
    }

    /// Arms the no-input timer from the current stream position. If the caller is already
    /// talking, that counts as input and the timer stays quiet.
    pub fn start_listening(&mut self) {
        self.listening = Some(Listening {
            since_sample: self.processed,
            awaiting_input: matches!(self.phase, Phase::Idle),
        });
    }

    pub fn stop_listening(&mut self) {
        self.listening = None;
    }

    pub fn is_listening(&self) -> bool {
        self.listening.is_some()
    }

    /// Inside an utterance (between `SpeechStarted` and `SpeechEnded`).
    pub fn in_speech(&self) -> bool {
        matches!(self.phase, Phase::Speech(_))
    }

    pub fn samples_processed(&self) -> u64 {
        self.processed
    }

    /// Feeds audio: any whole number of 160-sample frames, including none.
    pub fn push_frame(&mut self, samples: &[i16]) -> Result<Vec<EndpointEvent>, FrameLengthError> {
        if !samples.len().is_multiple_of(FRAME_SAMPLES) {
            return Err(FrameLengthError { len: samples.len() });
        }
        let mut events = Vec::new();
        for frame in samples.chunks_exact(FRAME_SAMPLES) {
            self.step(frame, &mut events);
        }
        Ok(events)
    }

    fn step(&mut self, frame: &[i16], events: &mut Vec<EndpointEvent>) {
        // A refusal is impossible for an exact 20 ms frame; treating it as silence is the
        // harmless reading if a future libfvad ever disagrees.
        let voiced = self.vad.is_voiced(frame).unwrap_or(false);
        self.history.extend(frame);
        self.processed += FRAME_SAMPLES_U64;
        let phase = std::mem::replace(&mut self.phase, Phase::Idle);
        self.phase = match phase {
            Phase::Idle => self.idle(voiced, events),
            Phase::Speech(mut utterance) => {
                utterance.audio.extend_from_slice(frame);
                if voiced {
                    utterance.last_voiced_end = self.processed;
                    utterance.silent_frames = 0;
                    if std::mem::take(&mut utterance.paused) {
                        events.push(EndpointEvent::Resumed {
                            at_sample: self.processed - FRAME_SAMPLES_U64,
                        });
                    }
                } else {
                    utterance.silent_frames += 1;
                }
                self.speech(utterance, events)
            }
            Phase::Draining { silent_frames } => {
                let silent_frames = if voiced { 0 } else { silent_frames + 1 };
                if silent_frames >= self.end_frames() {
                    self.onset.clear();
                    Phase::Idle
                } else {
                    Phase::Draining { silent_frames }
                }
            }
        };
        self.check_no_input(events);
    }

    fn idle(&mut self, voiced: bool, events: &mut Vec<EndpointEvent>) -> Phase {
        let Some(frames_back) = self.onset.push(voiced) else {
            return Phase::Idle;
        };
        self.onset.clear();
        let speech_start = self
            .processed
            .saturating_sub(frames_back as u64 * FRAME_SAMPLES_U64);
        let oldest_held = self.processed - self.history.len();
        let start_sample = speech_start
            .saturating_sub(self.params.pre_roll_samples())
            .max(oldest_held);
        let audio = self.history.tail(self.processed - start_sample);
        events.push(EndpointEvent::SpeechStarted {
            at_sample: start_sample,
        });
        if let Some(listening) = &mut self.listening {
            listening.awaiting_input = false;
        }
        // The onset window can exceed max_utterance only with extreme settings; the speech
        // step below then cuts the utterance on its first frame.
        Phase::Speech(Utterance {
            start_sample,
            last_voiced_end: self.processed,
            silent_frames: 0,
            audio,
            paused: false,
            extra_end_frames: 0,
        })
    }

    fn speech(&mut self, mut utterance: Utterance, events: &mut Vec<EndpointEvent>) -> Phase {
        let max = self.params.max_utterance_samples();
        if self.processed - utterance.start_sample >= max {
            let mut audio = utterance.audio;
            audio.truncate(usize::try_from(max).unwrap_or(usize::MAX));
            let end_sample = utterance.start_sample + audio.len() as u64;
            events.push(EndpointEvent::SpeechEnded {
                start_sample: utterance.start_sample,
                end_sample,
                audio,
                truncated: true,
            });
            return Phase::Draining { silent_frames: 0 };
        }
        let end_frames = self.end_frames() + utterance.extra_end_frames;
        if utterance.silent_frames >= end_frames {
            events.push(self.finish(utterance));
            return Phase::Idle;
        }
        if !utterance.paused
            && self
                .pause_frames()
                .is_some_and(|pause| utterance.silent_frames >= pause && pause < end_frames)
        {
            utterance.paused = true;
            events.push(EndpointEvent::Paused {
                start_sample: utterance.start_sample,
                end_sample: utterance.last_voiced_end,
                audio: utterance.spoken().to_vec(),
            });
        }
        Phase::Speech(utterance)
    }

    /// Ends the utterance in progress now, without waiting out the rest of its trailing
    /// silence: the caller's words so far were understood as complete. Returns its
    /// `SpeechEnded` (the audio up to the last voiced frame), or `None` outside an utterance.
    pub fn end_now(&mut self) -> Option<EndpointEvent> {
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Speech(utterance) => Some(self.finish(utterance)),
            other => {
                self.phase = other;
                None
            }
        }
    }

    /// Waits `extra_ms` more trailing silence before ending the utterance in progress (the
    /// words so far are clearly unfinished); later utterances get the usual silence again.
    pub fn wait_longer(&mut self, extra_ms: u64) {
        if let Phase::Speech(utterance) = &mut self.phase {
            let frames = usize::try_from(extra_ms.div_ceil(FRAME_MS)).unwrap_or(usize::MAX);
            utterance.extra_end_frames = utterance.extra_end_frames.max(frames);
        }
    }

    fn finish(&mut self, utterance: Utterance) -> EndpointEvent {
        let Utterance {
            start_sample,
            last_voiced_end,
            mut audio,
            ..
        } = utterance;
        audio.truncate(usize::try_from(last_voiced_end - start_sample).unwrap_or(usize::MAX));
        self.onset.clear();
        EndpointEvent::SpeechEnded {
            start_sample,
            end_sample: last_voiced_end,
            audio,
            truncated: false,
        }
    }

    /// Unvoiced decisions after which a pause is reported, counted like `end_frames`.
    fn pause_frames(&self) -> Option<usize> {
        self.params
            .pause_frames()
            .map(|frames| self.after_hangover(frames))
    }

    /// Unvoiced decisions that end an utterance.
    fn end_frames(&self) -> usize {
        self.after_hangover(self.params.trailing_silence_frames())
    }

    /// Unvoiced decisions that make `frames` of real silence. libfvad already reports a few
    /// frames of hangover as voiced after real speech stops; counting only what follows them,
    /// minus the shortest hangover, keeps the real pause at or above the configured one
    /// without adding the hangover on top of it.
    fn after_hangover(&self, frames: usize) -> usize {
        let hangover = hangover_frames(self.params.aggressiveness, 1);
        frames.saturating_sub(hangover).max(1)
    }

    fn check_no_input(&mut self, events: &mut Vec<EndpointEvent>) {
        let Some(listening) = &mut self.listening else {
            return;
        };
        let Some(timeout) = self.params.no_input_samples() else {
            return;
        };
        let idle = matches!(self.phase, Phase::Idle);
        if listening.awaiting_input && idle && self.processed >= listening.since_sample + timeout {
            listening.awaiting_input = false;
            events.push(EndpointEvent::NoInput {
                at_sample: self.processed,
            });
        }
    }
}

impl Utterance {
    /// The audio up to the last voiced frame.
    fn spoken(&self) -> &[i16] {
        let len = usize::try_from(self.last_voiced_end - self.start_sample).unwrap_or(usize::MAX);
        &self.audio[..len.min(self.audio.len())]
    }
}

/// Enough audio to reach back over the whole onset window and then the pre-roll.
fn history_capacity(params: &VadParams, onset: &OnsetWindow) -> usize {
    let pre_roll = usize::try_from(params.pre_roll_samples()).unwrap_or(usize::MAX);
    (onset.capacity() + 1) * FRAME_SAMPLES + pre_roll
}

#[cfg(test)]
mod tests;
