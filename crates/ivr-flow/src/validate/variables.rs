//! Which variables exist: built-ins, `variables:`, slots, `set` and lookup results.
//! Templates may use only those, so a typo is caught before a caller hears a gap.

use super::Context;
use crate::diagnostic::{Diagnostics, Pos};
use crate::schema::{FlowSpec, StateSpec};
use crate::template;

/// Set by the engine on every call.
pub const BUILTIN_VARIABLES: &[&str] = &[
    "caller",
    "caller_verified",
    "called",
    "language",
    "call_id",
    // The labels of the two intents a clarifying question offers (`ask_defaults.clarify`).
    "choice_1",
    "choice_2",
];

/// Set by an `escalate` state once the request is recorded (and known to its email).
pub const ESCALATION_VARIABLES: [&str; 3] = [
    "escalation_id",
    "escalation_estimate_days",
    "escalation_estimate_date",
];

pub(super) fn known_variables(spec: &FlowSpec) -> Vec<String> {
    let mut known: Vec<String> = BUILTIN_VARIABLES.iter().map(|s| s.to_string()).collect();
    known.extend(spec.variables.keys().map(str::to_string));
    known.extend(spec.slots.keys().map(str::to_string));
    for state in spec.states.values() {
        match &state.value {
            StateSpec::Set(set) => known.extend(set.vars.keys().map(str::to_string)),
            StateSpec::Lookup(lookup) => {
                known.extend(lookup.result.keys().map(str::to_string));
            }
            StateSpec::Escalate(_) => {
                known.extend(ESCALATION_VARIABLES.iter().map(|s| s.to_string()));
            }
            _ => {}
        }
    }
    known.sort();
    known.dedup();
    known
}

/// Checks a template's syntax and that every variable it uses exists.
pub(crate) fn check_template(
    ctx: &Context,
    diags: &mut Diagnostics,
    where_: &str,
    pos: Pos,
    text: &str,
) {
    check_template_against(&ctx.known_variables, diags, where_, pos, text);
}

/// [`check_template`] with `known` as the variables that exist.
pub(crate) fn check_template_against(
    known: &[String],
    diags: &mut Diagnostics,
    where_: &str,
    pos: Pos,
    text: &str,
) {
    match template::variables(text) {
        Err(msg) => diags.error(pos, format!("{where_}: {msg}")),
        Ok(vars) => {
            for var in vars {
                if !known.iter().any(|k| k == var) {
                    let ids: Vec<&str> = known.iter().map(String::as_str).collect();
                    let hint = super::closest(var, &ids)
                        .map(|n| format!("; did you mean `{n}`?"))
                        .unwrap_or_default();
                    diags.error(
                        pos,
                        format!(
                            "{where_}: unknown variable `{{{var}}}`{hint} (variables come from `variables:`, slots, `set`, lookup results, or {})",
                            BUILTIN_VARIABLES.join(", ")
                        ),
                    );
                }
            }
        }
    }
}
