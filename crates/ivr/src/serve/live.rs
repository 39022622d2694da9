//! The calls in progress, as `/calls` shows them.

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
}

#[derive(Default)]
pub struct LiveCalls {
    calls: Mutex<BTreeMap<String, LiveCall>>,
}

impl LiveCalls {
    pub fn insert(&self, call: LiveCall) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.insert(call.call_id.clone(), call);
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
