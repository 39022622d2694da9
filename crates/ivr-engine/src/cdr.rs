//! The call record (CDR): one JSON line per call, appended when the call ends.

use crate::session::{LogEvent, LogLine};
use ivr_flow::interpreter::CallEvent;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Events a call record keeps at most: a long call with a busy caller has a few hundred.
pub const MAX_EVENTS: usize = 2000;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Serialize)]
pub struct CallRecord {
    pub call_id: String,
    pub caller: Option<String>,
    /// A trusted trunk vouched for `caller`.
    pub caller_verified: bool,
    pub called: Option<String>,
    /// The flow file that answered (chosen by the called number).
    pub flow: String,
    /// When the INVITE arrived, was answered, and the call ended (RFC 3339).
    pub start: String,
    pub answer: Option<String>,
    pub end: String,
    pub language: String,
    pub states: Vec<String>,
    /// Who ended it: `caller`, `caller_cancelled` (before the answer), `engine` (the flow
    /// hung up), `transferred`, `rtp_timeout`, `shutdown`, or the SIP status the call was
    /// refused with.
    pub ended_by: String,
    /// The transfer the flow asked for, if it got that far: where to and how it ended.
    pub transfer: Option<TransferRecord>,
    pub recognition: Latency,
    /// Every event of the `ivr chat --json` schema, timed from answer, up to
    /// `MAX_EVENTS`; the rest are counted in `events_dropped`.
    pub events: Vec<LogLine>,
    /// Events past `MAX_EVENTS` (keys can arrive at packet rate): counted, not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub events_dropped: u64,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct TransferRecord {
    /// Where the caller's phone was sent (a blind transfer by REFER)...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refer_to: Option<String>,
    /// ...or the engine's own queue and the agent who took the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// `connected`, or why it failed.
    pub result: String,
}

/// End of speech to recognition result, over the call's utterances.
#[derive(Serialize, Default)]
pub struct Latency {
    pub utterances: usize,
    pub p50_ms: Option<u64>,
    pub max_ms: Option<u64>,
}

impl CallRecord {
    /// States visited and latency, from the events.
    pub fn summarize(&mut self) {
        self.states = self
            .events
            .iter()
            .filter_map(|line| match &line.event {
                LogEvent::Flow(CallEvent::State { name }) => Some(name.clone()),
                _ => None,
            })
            .collect();
        let mut latencies: Vec<u64> = self
            .events
            .iter()
            .filter_map(|line| match &line.event {
                LogEvent::Flow(CallEvent::Recognized { latency_ms, .. }) => *latency_ms,
                _ => None,
            })
            .collect();
        latencies.sort_unstable();
        self.recognition = Latency {
            utterances: latencies.len(),
            p50_ms: latencies.get(latencies.len() / 2).copied(),
            max_ms: latencies.last().copied(),
        };
    }

    /// Appends the record to `path` as one line (the folder is made if missing).
    pub fn append_to(&self, path: &Path) -> Result<(), String> {
        let mut line = serde_json::to_string(self).map_err(|e| e.to_string())?;
        line.push('\n');
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // One write of the whole line: concurrent calls' records do not interleave.
        file.write_all(line.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}
