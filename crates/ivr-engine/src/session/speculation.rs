//! The decode of a pause: what the caller said before falling silent, recognized while the
//! endpointer still waits to see whether they go on.

use ivr_speech::Transcript;

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
    /// Its result, if it is back and describes an utterance that ended at `end_ms`.
    pub(super) fn result_for(&self, end_ms: u64) -> Option<&Transcript> {
        match &self.state {
            SpeculationState::Done(t) if self.end_ms == end_ms => Some(t),
            _ => None,
        }
    }

    /// Still running on audio that ends at `end_ms`: its result will be the utterance's.
    pub(super) fn running_for(&self, end_ms: u64) -> bool {
        matches!(self.state, SpeculationState::Running) && self.end_ms == end_ms
    }
}
