//! What an `ask` state keeps while it waits for an answer, and a recognition result as the
//! call receives it: the call (`call.rs`) holds these, the ask logic (`ask.rs`) works on them.

use super::io::Alternative;

/// A recognition result as the call receives it.
pub(crate) struct HeardSpeech {
    pub(super) text: String,
    pub(super) confidence: f32,
    pub(super) lang: Option<String>,
    pub(super) latency_ms: Option<u64>,
    pub(super) alternatives: Vec<Alternative>,
}

/// One `ask` state while it waits for an answer.
pub(crate) struct AskTurn {
    pub(super) state: String,
    pub(super) pending: Vec<u64>,
    pub(super) no_input_at: Option<jiff::Timestamp>,
    pub(super) no_input_ms: u64,
    pub(super) speaking: bool,
    pub(super) barge_in: bool,
    pub(super) no_inputs: u32,
    pub(super) no_matches: u32,
    pub(super) keys: String,
    pub(super) keys_deadline: Option<jiff::Timestamp>,
    /// The two intents a clarifying question offered, while its answer is awaited.
    pub(super) choices: Option<[String; 2]>,
}

impl AskTurn {
    pub(super) fn state(&self) -> &str {
        &self.state
    }

    pub(super) fn deadline(&self) -> Option<jiff::Timestamp> {
        match (self.no_input_at, self.keys_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(super) fn prompt_finished(&mut self, play_id: u64, now: jiff::Timestamp) {
        self.pending.retain(|id| *id != play_id);
        if self.pending.is_empty() && !self.speaking && self.keys.is_empty() {
            self.start_no_input_timer(now);
        }
    }

    pub(super) fn start_no_input_timer(&mut self, now: jiff::Timestamp) {
        let wait =
            jiff::SignedDuration::from_millis(i64::try_from(self.no_input_ms).unwrap_or(60_000));
        self.no_input_at = now.checked_add(wait).ok();
    }
}
