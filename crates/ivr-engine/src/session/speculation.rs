//! The decode of a pause: what the caller said before falling silent, recognized while the
//! endpointer still waits to see whether they go on.

use super::{
    CallSession, LogEvent, MediaEvent, SAMPLES_PER_MS, SessionOutput, UNFINISHED_EXTRA_SILENCE_MS,
    alternatives,
};
use ivr_flow::interpreter::Completeness;
use ivr_speech::Transcript;
use ivr_speech::endpointer::EndpointEvent;

/// At most one per call at a time.
#[derive(Debug)]
pub(super) struct Speculation {
    pub(super) utterance_id: u64,
    /// Where the decoded audio ends (call ms): the utterance's end if the caller says no more.
    pub(super) end_ms: u64,
    pub(super) state: SpeculationState,
}

#[derive(Debug)]
pub(super) enum SpeculationState {
    /// Asked for; no result yet.
    Running,
    /// The result came while the caller was still (possibly) talking.
    Done(Transcript),
    /// The caller went on while it ran: its result is not wanted, but it still holds a
    /// worker, so no new speculation starts until it comes back.
    Dropped,
}

impl Speculation {
    /// Its result is back and describes an utterance that ended at `end_ms`.
    pub(super) fn done_for(&self, end_ms: u64) -> bool {
        matches!(self.state, SpeculationState::Done(_)) && self.end_ms == end_ms
    }

    /// Still running on audio that ends at `end_ms`: its result will be the utterance's.
    pub(super) fn running_for(&self, end_ms: u64) -> bool {
        matches!(self.state, SpeculationState::Running) && self.end_ms == end_ms
    }
}

impl CallSession {
    /// Decodes the words before a pause, unless a decode is already running for this call.
    pub(super) fn speculate(&mut self, end_ms: u64, audio: Vec<i16>) {
        if self.recognizing.is_some() || self.speculation.is_some() {
            return;
        }
        let Some(config) = self.recognition_config() else {
            return;
        };
        let utterance_id = self.new_utterance_id();
        self.speculation = Some(Speculation {
            utterance_id,
            end_ms,
            state: SpeculationState::Running,
        });
        self.out.push_back(SessionOutput::Recognize {
            utterance_id,
            audio,
            config,
            speculative: true,
        });
    }

    /// The caller went on after a pause: what was decoded of it is not the utterance.
    pub(super) fn drop_speculation(&mut self) {
        if self.call_off_speculation() {
            self.log(LogEvent::Media(MediaEvent::SpeculationDropped));
        }
    }

    /// Gives up the pause decode: called off if it still runs (and kept, as dropped, until
    /// its result is back), forgotten if it is done. Whether there was one to give up.
    pub(super) fn call_off_speculation(&mut self) -> bool {
        let Some(spec) = &mut self.speculation else {
            return false;
        };
        match spec.state {
            SpeculationState::Running => {
                spec.state = SpeculationState::Dropped;
                let utterance_id = spec.utterance_id;
                self.out
                    .push_back(SessionOutput::CancelRecognition { utterance_id });
                true
            }
            SpeculationState::Done(_) => {
                self.speculation = None;
                true
            }
            SpeculationState::Dropped => false,
        }
    }

    /// A speculative result came back while the utterance is still open: end it now if the
    /// words already answer the question, wait longer if they stop mid-sentence.
    pub(super) fn speculation_done(&mut self, transcript: Transcript, now: jiff::Timestamp) {
        let completeness = self.call.completeness(
            &transcript.text,
            transcript.confidence,
            transcript.lang.as_deref(),
            &alternatives(&transcript),
        );
        if let Some(spec) = &mut self.speculation {
            spec.state = SpeculationState::Done(transcript);
        }
        match completeness {
            Completeness::Complete => {
                let Some(event) = self.endpointer.end_now() else {
                    return;
                };
                if let EndpointEvent::SpeechEnded { end_sample, .. } = &event {
                    let silent_ms = self.call_ms().saturating_sub(end_sample / SAMPLES_PER_MS);
                    let full = self.endpointer.params().trailing_silence_ms;
                    self.log(LogEvent::Media(MediaEvent::EarlyEndpoint {
                        saved_ms: full.saturating_sub(silent_ms),
                    }));
                }
                self.endpoint_event(event, now);
            }
            Completeness::Unfinished => self.endpointer.wait_longer(UNFINISHED_EXTRA_SILENCE_MS),
            Completeness::Open => {}
        }
    }
}
