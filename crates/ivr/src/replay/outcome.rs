//! What a replayed call amounted to, compared with what its manifest expects.

use super::manifest::{Expectation, FinalAction};
use ivr_engine::session::{LogEvent, LogLine};
use ivr_flow::interpreter::CallEvent;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub intents: Vec<String>,
    pub language: String,
    pub slots: BTreeMap<String, String>,
    /// The call's decisive action: its first transfer, callback or message; else its hangup.
    pub final_action: Option<FinalAction>,
}

impl Outcome {
    pub fn of(log: &[LogLine], language: &str) -> Outcome {
        let mut intents = Vec::new();
        let mut slots = BTreeMap::new();
        let mut decisive = None;
        let mut hangup = None;
        for line in log {
            let LogEvent::Flow(event) = &line.event else {
                continue;
            };
            match event {
                CallEvent::Intent { name, .. } => intents.push(name.clone()),
                CallEvent::Slot { name, value } => {
                    slots.insert(name.clone(), value.clone());
                }
                CallEvent::Transfer { queue, uri } if decisive.is_none() => {
                    let target = queue.clone().or_else(|| uri.clone()).unwrap_or_default();
                    decisive = Some(FinalAction::Transfer(target));
                }
                CallEvent::Callback { queue } if decisive.is_none() => {
                    decisive = Some(FinalAction::Callback(queue.clone()));
                }
                CallEvent::Notify { channel, .. } if decisive.is_none() => {
                    decisive = Some(FinalAction::Notify(channel.name().to_string()));
                }
                CallEvent::Hangup { reason } => hangup = Some(FinalAction::Hangup(reason.clone())),
                _ => {}
            }
        }
        Outcome {
            intents,
            language: language.to_string(),
            slots,
            final_action: decisive.or(hangup),
        }
    }

    /// Every way this outcome differs from the expectation; empty when as expected.
    pub fn differences(&self, expect: &Expectation) -> Vec<String> {
        let mut diffs = Vec::new();
        if self.intents != expect.intents {
            diffs.push(format!(
                "intents {:?}, expected {:?}",
                self.intents, expect.intents
            ));
        }
        if self.language != expect.language {
            diffs.push(format!(
                "language {}, expected {}",
                self.language, expect.language
            ));
        }
        for (name, value) in &expect.slots {
            match self.slots.get(name) {
                Some(got) if got == value => {}
                got => diffs.push(format!("slot {name} {got:?}, expected {value}")),
            }
        }
        if self.final_action.as_ref() != Some(&expect.final_action) {
            let got = self
                .final_action
                .as_ref()
                .map_or("nothing".to_string(), |f| f.to_string());
            diffs.push(format!("final {got}, expected {}", expect.final_action));
        }
        diffs
    }
}
