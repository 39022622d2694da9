//! The calls in progress, as `/calls` shows them.

use super::metrics as names;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Serialize)]
pub struct LiveCall {
    pub call_id: String,
    pub caller: Option<String>,
    pub called: Option<String>,
    /// The flow file and the version of it this call runs (versions count reloads).
    pub flow: String,
    pub flow_version: u32,
    /// RFC 3339.
    pub start: String,
    pub answered: bool,
    pub state: Option<String>,
    pub language: String,
    /// The queue the caller is waiting in for an agent.
    pub waiting_in: Option<String>,
    /// The agent the caller is talking to.
    pub agent: Option<String>,
}

#[derive(Default)]
pub struct LiveCalls {
    calls: Mutex<BTreeMap<String, LiveCall>>,
}

impl LiveCalls {
    /// Lists `call` until the returned guard is dropped, and counts it in the active-calls
    /// gauge once it is answered: both are undone when the guard goes, even when the call's
    /// task panics.
    pub fn track(&self, call: LiveCall) -> InProgress<'_> {
        let call_id = call.call_id.clone();
        if let Ok(mut calls) = self.calls.lock() {
            calls.insert(call_id.clone(), call);
        }
        InProgress {
            live: self,
            call_id,
        }
    }

    pub fn update(&self, call_id: &str, change: impl FnOnce(&mut LiveCall)) {
        if let Ok(mut calls) = self.calls.lock()
            && let Some(call) = calls.get_mut(call_id)
        {
            change(call);
        }
    }

    pub fn remove(&self, call_id: &str) -> Option<LiveCall> {
        self.calls.lock().ok()?.remove(call_id)
    }

    pub fn snapshot(&self) -> Vec<LiveCall> {
        self.calls
            .lock()
            .map(|calls| calls.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// A call in `LiveCalls`, for as long as this lives.
pub struct InProgress<'a> {
    live: &'a LiveCalls,
    call_id: String,
}

impl Drop for InProgress<'_> {
    fn drop(&mut self) {
        if self
            .live
            .remove(&self.call_id)
            .is_some_and(|call| call.answered)
        {
            metrics::gauge!(names::ACTIVE_CALLS).decrement(1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str) -> LiveCall {
        LiveCall {
            call_id: id.to_string(),
            caller: None,
            called: None,
            flow: "flow.yaml".to_string(),
            flow_version: 1,
            start: "2026-12-02T10:00:00Z".to_string(),
            answered: false,
            state: None,
            language: "en-US".to_string(),
            waiting_in: None,
            agent: None,
        }
    }

    #[test]
    fn a_call_task_that_panics_still_leaves_the_list() {
        let live = LiveCalls::default();
        let _other = live.track(call("other"));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _in_progress = live.track(call("c1"));
            live.update("c1", |c| c.answered = true);
            panic!("a bug in the call's task");
        }));
        assert!(outcome.is_err());
        let left: Vec<String> = live.snapshot().into_iter().map(|c| c.call_id).collect();
        assert_eq!(left, ["other"]);
    }
}
