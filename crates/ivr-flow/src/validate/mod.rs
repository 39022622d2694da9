//! The checks behind `ivr check`: everything that can be known about a flow before a call,
//! each problem reported at the line and column an operator has to change.

mod catalog;
mod dtmf;
mod graph;
mod states;
mod variables;

use crate::diagnostic::{Diagnostics, Pos};
use crate::schedule::{Schedule, parse_time_zone};
use crate::schema::{At, FlowSpec};
use std::collections::HashMap;

pub use variables::{BUILTIN_VARIABLES, ESCALATION_VARIABLES};

/// What checking produced besides diagnostics: the parts later stages need compiled.
pub struct Checked {
    pub timezone: Option<jiff::tz::TimeZone>,
    pub schedules: HashMap<String, Schedule>,
}

pub fn check(spec: &FlowSpec, diags: &mut Diagnostics) -> Checked {
    let timezone = parse_time_zone(&spec.timezone, diags);
    let mut schedules = HashMap::new();
    for (id, schedule) in spec.schedules.iter() {
        if let Some(compiled) = Schedule::compile(schedule, diags) {
            schedules.insert(id.value.clone(), compiled);
        }
    }
    let ctx = Context::new(spec);
    catalog::check_languages(&ctx, diags);
    catalog::check_prompts(&ctx, diags);
    catalog::check_intents(&ctx, diags);
    catalog::check_slots(&ctx, diags);
    catalog::check_templates(&ctx, diags);
    catalog::check_queues(&ctx, diags);
    catalog::check_globals(&ctx, diags);
    catalog::check_ask_defaults(&ctx, diags);
    states::check_states(&ctx, diags);
    dtmf::check_dtmf(&ctx, diags);
    graph::check_graph(&ctx, diags);
    Checked {
        timezone,
        schedules,
    }
}

/// Lookup helpers shared by the checks.
pub(crate) struct Context<'a> {
    pub spec: &'a FlowSpec,
    pub languages: Vec<&'a str>,
    pub known_variables: Vec<String>,
}

impl<'a> Context<'a> {
    fn new(spec: &'a FlowSpec) -> Self {
        let languages = spec.languages.iter().map(|l| l.value.as_str()).collect();
        let known_variables = variables::known_variables(spec);
        Context {
            spec,
            languages,
            known_variables,
        }
    }

    pub fn is_language(&self, lang: &str) -> bool {
        self.languages.contains(&lang)
    }

    /// Reports `what` `id` as undefined unless `exists`, suggesting the closest defined id.
    pub fn require<'k>(
        &self,
        diags: &mut Diagnostics,
        what: &str,
        reference: &At<String>,
        defined: impl Iterator<Item = &'k str>,
    ) -> bool {
        let ids: Vec<&str> = defined.collect();
        if ids.contains(&reference.value.as_str()) {
            return true;
        }
        let hint = match closest(&reference.value, &ids) {
            Some(near) => format!("; did you mean `{near}`?"),
            None if ids.is_empty() => format!("; no {what}s are defined"),
            None => String::new(),
        };
        diags.error(
            reference.pos,
            format!("undefined {what} `{}`{hint}", reference.value),
        );
        false
    }

    pub fn require_state(&self, diags: &mut Diagnostics, reference: &At<String>) -> bool {
        self.require(diags, "state", reference, self.spec.states.keys())
    }

    pub fn require_language(&self, diags: &mut Diagnostics, lang: &At<String>) -> bool {
        if self.is_language(&lang.value) {
            return true;
        }
        // With no languages declared, that one error says it all; one per text would bury it.
        if self.languages.is_empty() {
            return false;
        }
        diags.error(
            lang.pos,
            format!(
                "language `{}` is not declared in `languages` ({})",
                lang.value,
                self.languages.join(", ")
            ),
        );
        false
    }

    /// Checks that a per-language map has exactly the declared languages.
    pub fn require_all_languages<V>(
        &self,
        diags: &mut Diagnostics,
        owner: &str,
        owner_pos: Pos,
        map: &crate::schema::IdMap<V>,
    ) {
        for (lang, _) in map.iter() {
            self.require_language(diags, lang);
        }
        for lang in &self.languages {
            if !map.contains(lang) {
                diags.error(owner_pos, format!("{owner} has no {lang} version"));
            }
        }
    }
}

/// The defined id nearest to a misspelled one, if it is plausibly a typo.
pub(crate) fn closest<'a>(wanted: &str, ids: &[&'a str]) -> Option<&'a str> {
    ids.iter()
        .map(|id| (edit_distance(wanted, id), *id))
        .filter(|(d, id)| *d <= (id.len().max(wanted.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, id)| id)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
