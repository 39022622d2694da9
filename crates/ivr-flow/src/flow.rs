//! A checked flow, compiled for running calls: schedules evaluated in the flow's time zone,
//! intent examples indexed for matching. Shared read-only by every call on it.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load;
use crate::schedule::Schedule;
use crate::schema::{FlowSpec, SlotKind, SlotSpec};
use crate::text::{IntentMatcher, SlotType};
use crate::validate;
use std::collections::HashMap;
use std::path::Path;

mod ends_call;
mod overlap;

#[derive(Debug)]
pub struct Flow {
    pub spec: FlowSpec,
    pub timezone: jiff::tz::TimeZone,
    pub schedules: HashMap<String, Schedule>,
    pub matcher: IntentMatcher,
    pub slot_types: HashMap<String, SlotType>,
}

/// Diagnostics of a flow that failed its checks (errors, and any warnings beside them).
#[derive(Debug)]
pub struct Rejected(pub Vec<Diagnostic>);

impl Flow {
    /// Parses, checks and compiles flow YAML. On success, the warnings come along.
    pub fn from_source(source: &str) -> Result<(Flow, Vec<Diagnostic>), Rejected> {
        let spec = load::parse_flow(source).map_err(|d| Rejected(vec![d]))?;
        Flow::from_spec(spec)
    }

    pub fn from_file(path: &Path) -> Result<(Flow, Vec<Diagnostic>), Rejected> {
        let (_, spec) = load::read_flow(path).map_err(|d| Rejected(vec![d]))?;
        Flow::from_spec(spec)
    }

    pub fn from_spec(spec: FlowSpec) -> Result<(Flow, Vec<Diagnostic>), Rejected> {
        let mut diags = Diagnostics::default();
        let checked = validate::check(&spec, &mut diags);
        let failed = diags.has_errors();
        let timezone = match checked.timezone {
            Some(tz) if !failed => tz,
            _ => return Err(Rejected(diags.into_sorted())),
        };
        let mut matcher = IntentMatcher::new();
        for group in &spec.synonyms {
            let words: Vec<&str> = group.iter().map(|w| w.value.as_str()).collect();
            matcher.add_synonyms(&words);
        }
        for intent in ends_call::intents_ending_the_call(&spec) {
            matcher.mark_ends_call(&intent);
        }
        for (id, intent) in spec.intents.iter() {
            for (lang, examples) in intent.examples.iter() {
                for example in examples {
                    matcher.add_example(&id.value, &lang.value, &example.value);
                }
            }
        }
        overlap::warn_of_overlapping_examples(&spec, &matcher, &mut diags);
        let diagnostics = diags.into_sorted();
        let slot_types = spec
            .slots
            .iter()
            .map(|(id, slot)| (id.value.clone(), slot_type(slot)))
            .collect();
        let flow = Flow {
            spec,
            timezone,
            schedules: checked.schedules,
            matcher,
            slot_types,
        };
        Ok((flow, diagnostics))
    }

    /// Whether matching `intent` hangs up (its route asks nothing more); such intents need
    /// a clearer match.
    pub fn intent_ends_call(&self, intent: &str) -> bool {
        self.matcher.ends_call(intent)
    }

    pub fn is_open(&self, schedule: &str, now: jiff::Timestamp) -> bool {
        self.schedules
            .get(schedule)
            .is_some_and(|s| s.is_open(now, &self.timezone))
    }
}

fn slot_type(slot: &SlotSpec) -> SlotType {
    match slot.kind.value {
        SlotKind::Digits => {
            let (min, max) = match (&slot.length, &slot.min_length, &slot.max_length) {
                (Some(len), _, _) => (len.value, len.value),
                (None, min, max) => (
                    min.as_ref().map_or(1, |m| m.value),
                    max.as_ref().map_or(32, |m| m.value),
                ),
            };
            SlotType::Digits { min, max }
        }
        SlotKind::YesNo => SlotType::YesNo,
        SlotKind::Receipt => SlotType::Receipt,
        SlotKind::Phone => SlotType::Phone,
        SlotKind::Email => SlotType::Email,
        SlotKind::FreeText => SlotType::FreeText,
    }
}
