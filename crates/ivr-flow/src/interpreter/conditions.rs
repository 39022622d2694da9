//! Evaluating a branch condition against the call's variables, language, caller and clock.

use super::contact::normalize_phone;
use crate::flow::Flow;
use crate::schema::Condition;
use std::collections::HashMap;

pub(super) struct Facts<'a> {
    pub flow: &'a Flow,
    pub vars: &'a HashMap<String, String>,
    pub language: &'a str,
    pub caller: Option<&'a str>,
    pub caller_verified: bool,
    pub now: jiff::Timestamp,
}

/// True when every test written in the condition holds.
pub(super) fn holds(c: &Condition, facts: &Facts) -> bool {
    let var_value = c
        .var
        .as_ref()
        .map(|v| facts.vars.get(&v.value).map(String::as_str).unwrap_or(""));
    c.open
        .as_ref()
        .is_none_or(|s| facts.flow.is_open(&s.value, facts.now))
        && c.closed
            .as_ref()
            .is_none_or(|s| !facts.flow.is_open(&s.value, facts.now))
        && c.language
            .as_ref()
            .is_none_or(|l| l.value == facts.language)
        && c.equals
            .as_ref()
            .is_none_or(|e| var_value == Some(e.as_str()))
        && c.not_equals
            .as_ref()
            .is_none_or(|e| var_value != Some(e.as_str()))
        && c.is_set
            .is_none_or(|want| var_value.is_some_and(|v| !v.is_empty()) == want)
        && c.caller_known
            .is_none_or(|want| facts.caller.is_some_and(|n| !n.is_empty()) == want)
        && c.caller_verified
            .is_none_or(|want| facts.caller_verified == want)
        && c.caller_prefix
            .as_ref()
            .is_none_or(|p| facts.caller.is_some_and(|n| caller_starts_with(n, p)))
}

/// Prefixes are written in E.164 ("+52", "+1212"); a caller ID arrives however the carrier
/// sent it ("2125550143", "1-212-555-0143"), so a number we can read is compared as E.164.
fn caller_starts_with(caller: &str, prefix: &str) -> bool {
    match normalize_phone(caller) {
        Some(e164) => e164.starts_with(prefix),
        None => caller.starts_with(prefix),
    }
}
