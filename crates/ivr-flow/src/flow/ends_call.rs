//! Which intents end the call: their route reaches a hang-up without asking the caller
//! anything on the way. Matching holds those to a higher bar, since a wrong "goodbye" drops a
//! caller who still needed help.

use crate::schema::{FlowSpec, StateSpec};
use std::collections::HashSet;

/// Intents whose global route, or any ask state's route, leads to a hang-up with no question
/// in between.
pub(crate) fn intents_ending_the_call(spec: &FlowSpec) -> HashSet<String> {
    let mut out = HashSet::new();
    for (id, _) in spec.intents.iter() {
        let intent = id.value.as_str();
        let global = spec
            .global
            .get(intent)
            .and_then(|handler| handler.goto.as_ref())
            .map(|goto| goto.value.as_str());
        let local = spec
            .states
            .iter()
            .filter_map(|(_, state)| match &state.value {
                StateSpec::Ask(ask) => ask.intents.get(intent).map(|target| target.value.as_str()),
                _ => None,
            });
        if global
            .into_iter()
            .chain(local)
            .any(|target| hangs_up_without_asking(spec, target))
        {
            out.insert(intent.to_string());
        }
    }
    out
}

/// Whether every way on from `start` hangs up before any ask, transfer or callback.
fn hangs_up_without_asking(spec: &FlowSpec, start: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![start];
    let mut reached_hangup = false;
    while let Some(name) = stack.pop() {
        if !seen.insert(name) {
            continue;
        }
        let Some(state) = spec.states.get(name) else {
            return false;
        };
        match &state.value {
            StateSpec::Hangup(_) => reached_hangup = true,
            StateSpec::Ask(_)
            | StateSpec::Transfer(_)
            | StateSpec::Callback(_)
            | StateSpec::Escalate(_) => return false,
            other => stack.extend(other.successors().into_iter().map(|s| s.value.as_str())),
        }
    }
    reached_hangup
}
