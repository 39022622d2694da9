//! What goes into a call session and what comes out of it.

use ivr_flow::interpreter::{Action, CallEvent};
use ivr_speech::RecognitionConfig;
use serde::Serialize;

/// Work the session asks its IO layer to do, and what it has to log.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionOutput {
    /// Load (or synthesize) this prompt's audio and hand it back with `prompt_audio`.
    LoadPrompt {
        play_id: u64,
        prompt: String,
        lang: String,
        text: String,
        audio: Option<String>,
        /// The prompt's text has `{variables}`: no pre-rendered file can match it.
        has_variables: bool,
    },
    /// Recognize one utterance and hand the result back with `recognized`.
    /// `speculative`: the words before a pause, decoded ahead of the endpoint; run it only if
    /// a worker is free right now (never ahead of another call's final decode), and refuse it
    /// (hand back an error) otherwise.
    Recognize {
        utterance_id: u64,
        audio: Vec<i16>,
        config: RecognitionConfig,
        speculative: bool,
    },
    /// The result of this recognition is no longer wanted (the caller went on talking, or
    /// its deadline passed): skip it if it has not started. Its result, if one still comes,
    /// is ignored.
    CancelRecognition { utterance_id: u64 },
    /// A flow action only the IO layer can carry out: lookup, notify, callback, transfer,
    /// hangup. Its result goes back with `flow_input`.
    Flow(Action),
    /// A line for the call's event log.
    Log(LogLine),
}

/// One event of the call log, timed from answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    pub t_ms: u64,
    #[serde(flatten)]
    pub event: LogEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LogEvent {
    Flow(CallEvent),
    Media(MediaEvent),
}

/// What the media side saw, beside the flow's own events.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MediaEvent {
    /// The caller spoke from `start_ms` to `end_ms` (call time).
    Speech { start_ms: u64, end_ms: u64 },
    /// A prompt was cut before its end.
    PromptStopped { id: String, reason: String },
    /// Something went wrong that the call survived, e.g. a recognizer failure.
    Warning { message: String },
    /// The engine told a waiting caller something of its own (their place in a queue).
    Announcement { text: String },
    /// The words heard before a pause already answered the question: the utterance ended
    /// `saved_ms` before the full trailing silence would have ended it.
    EarlyEndpoint { saved_ms: u64 },
    /// Speech recognized ahead of the endpoint was not used: the caller went on talking.
    SpeculationDropped,
}
