//! What goes into a call (caller and engine events) and what comes out (actions for the engine
//! to carry out, and the call's event log, the schema shared by `ivr chat --json`, `ivr replay`
//! and call records).

use std::collections::BTreeMap;

use crate::schema::{Channel, HttpMethod};
use crate::text::SlotType;
use serde::Serialize;

/// Everything that can happen to a call, each handed in with the time it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The player finished a prompt it was asked to play.
    PromptFinished { play_id: u64 },
    /// Voice activity began (for barge-in and to stop the no-input timer).
    SpeechStarted,
    /// A final recognition result. `lang` is the recognizer's language, when it knows it.
    Utterance {
        text: String,
        confidence: f32,
        lang: Option<String>,
        /// From the end of speech to this result, when a recognizer produced it.
        latency_ms: Option<u64>,
        /// The recognizer's less likely readings of the same speech, best first: used when
        /// `text` is not understood here (as VoiceXML's N-best results are).
        alternatives: Vec<Alternative>,
    },
    /// The caller spoke but no result came in time (the recognizers are overloaded or
    /// stuck): the ask state takes its no-match path, as for words it did not understand.
    NotRecognized { waited_ms: u64 },
    /// Keypad keys, in order; `#` ends a digit entry.
    Dtmf { digits: String },
    /// The deadline returned by `next_deadline` has passed.
    Timeout,
    /// The HTTP lookup returned this JSON, or failed with a reason.
    LookupResult {
        result: Result<serde_json::Value, String>,
    },
    /// The message was accepted for delivery (durably queued), or refused.
    NotifyResult { ok: bool },
    /// The callback request was durably recorded, or not.
    CallbackResult { ok: bool },
    /// The escalated request was durably recorded and its confirmation email queued, or not.
    EscalateResult { recorded: Option<Escalated> },
    /// The transfer connected (the flow is done), or failed.
    TransferResult { ok: bool },
    /// The caller hung up.
    Hangup,
}

/// A request sent to an officer, as the engine recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    /// The request's number, for the caller to quote.
    pub id: i64,
    /// When the caller can expect to be contacted: in days, and as a date written in the
    /// call's language.
    pub estimate_days: u32,
    pub estimate_date: String,
}

impl Escalated {
    /// The request as the flow's states and the confirmation email see it, under the names
    /// validation knows.
    pub fn variables(&self) -> [(String, String); 3] {
        let [id, days, date] = crate::validate::ESCALATION_VARIABLES;
        [
            (id.to_string(), self.id.to_string()),
            (days.to_string(), self.estimate_days.to_string()),
            (date.to_string(), self.estimate_date.clone()),
        ]
    }
}

/// Another reading of an utterance, with its confidence (0.0 to 1.0, the scale of the first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub text: String,
    pub confidence: f32,
    /// Its language when the recognizer knows it; else the first reading's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferTarget {
    Queue(String),
    Uri(String),
}

/// What the engine should do listening for the caller's answer in an `ask` state.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenParams {
    pub state: String,
    pub lang: String,
    pub no_input_timeout_ms: u64,
    pub barge_in: bool,
    pub min_confidence: f32,
    /// Phrases expected here (intent examples in the call's language): a recognizer grammar
    /// or hint.
    pub phrases: Vec<String>,
    /// The same phrases in each of the flow's other languages, by language tag: what to
    /// listen for if the caller turns out to speak one of those.
    pub other_languages: BTreeMap<String, Vec<String>>,
    /// The value being captured, if any.
    pub slot: Option<SlotType>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Play a prompt. `audio` is the recording the flow names; otherwise the engine uses its
    /// prompt folder or synthesizes `text`.
    Play {
        play_id: u64,
        prompt: String,
        lang: String,
        text: String,
        audio: Option<String>,
        barge_in: bool,
    },
    Listen(ListenParams),
    StopListening,
    /// Barge-in: cut the prompt that is playing and drop the queued ones.
    StopPlayback,
    Lookup {
        name: String,
        method: HttpMethod,
        url: String,
        body: Option<serde_json::Value>,
        timeout_ms: u64,
    },
    Notify {
        channel: Channel,
        template: String,
        lang: String,
        to: String,
        subject: Option<String>,
        body: String,
    },
    Callback {
        queue: String,
        number: String,
        lang: String,
    },
    /// Record a request for an officer and email the caller a confirmation: the engine fills
    /// `subject` and `body` (the flow's template, in `lang`) with `vars` plus the request's
    /// own (`escalation_id`, `escalation_estimate_days`, `escalation_estimate_date`).
    Escalate {
        topic: String,
        email: String,
        lang: String,
        template: String,
        subject: String,
        body: String,
        vars: BTreeMap<String, String>,
    },
    Transfer(TransferTarget),
    SetLanguage {
        lang: String,
    },
    Hangup {
        reason: String,
    },
}

/// The call's event log. Field names are a stable schema: tools and call records read them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CallEvent {
    State {
        name: String,
    },
    Prompt {
        id: String,
        lang: String,
        text: String,
    },
    Listen {
        state: String,
    },
    Recognized {
        text: String,
        confidence: f32,
        lang: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        latency_ms: Option<u64>,
        /// The less likely reading the flow understood instead of `text`, when it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        understood_as: Option<Alternative>,
    },
    /// Speech went unrecognized: no result within the engine's deadline.
    NotRecognized {
        waited_ms: u64,
    },
    Dtmf {
        digits: String,
    },
    Intent {
        name: String,
        score: f32,
    },
    Slot {
        name: String,
        value: String,
    },
    Nomatch {
        count: u32,
    },
    /// Two intents fit about equally: the caller is asked which one they meant.
    Clarify {
        first: String,
        second: String,
    },
    Noinput {
        count: u32,
    },
    Language {
        lang: String,
    },
    Lookup {
        name: String,
        ok: bool,
    },
    Notify {
        channel: Channel,
        template: String,
        to: String,
    },
    Callback {
        queue: String,
    },
    Escalate {
        template: String,
    },
    Transfer {
        #[serde(skip_serializing_if = "Option::is_none")]
        queue: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        uri: Option<String>,
    },
    Hangup {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Action(Action),
    Event(CallEvent),
}

/// Who is on the call, as signalling tells us.
#[derive(Debug, Clone, Default)]
pub struct CallInfo {
    pub call_id: String,
    /// The calling number (E.164 or digits), if not withheld.
    pub caller: Option<String>,
    /// A trusted carrier vouches for `caller` (the engine's trunks); otherwise it is only
    /// what the caller's equipment claims.
    pub caller_verified: bool,
    pub called: Option<String>,
    /// Start in this language instead of the flow's default.
    pub language: Option<String>,
}
