//! The shape of the state graph: every state reachable, and every state able to end the call.

use super::Context;
use crate::diagnostic::Diagnostics;
use crate::schema::StateSpec;
use std::collections::{HashMap, HashSet, VecDeque};

pub(super) fn check_graph(ctx: &Context, diags: &mut Diagnostics) {
    let spec = ctx.spec;
    let names: Vec<&str> = spec.states.keys().collect();
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, state) in spec.states.iter() {
        let mut next: Vec<&str> = state
            .value
            .successors()
            .into_iter()
            .map(|s| s.value.as_str())
            .collect();
        if let StateSpec::Ask(ask) = &state.value {
            // Asks without their own retry target fall back to the defaults'.
            for (own, default) in [
                (&ask.no_input, &spec.ask_defaults.no_input),
                (&ask.no_match, &spec.ask_defaults.no_match),
            ] {
                if own.as_ref().and_then(|r| r.then.as_ref()).is_none()
                    && let Some(then) = default.as_ref().and_then(|r| r.then.as_ref())
                {
                    next.push(&then.value);
                }
            }
            if ask.global.unwrap_or(true) {
                next.extend(
                    spec.global
                        .values()
                        .filter_map(|g| g.goto.as_ref())
                        .map(|g| g.value.as_str()),
                );
            }
        }
        edges.insert(name.value.as_str(), next);
    }

    // Reachable from the start.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = VecDeque::from([spec.start.value.as_str()]);
    while let Some(state) = queue.pop_front() {
        if !seen.insert(state) {
            continue;
        }
        queue.extend(edges.get(state).into_iter().flatten().copied());
    }
    for (name, _) in spec.states.iter() {
        if spec.states.contains(&spec.start.value) && !seen.contains(name.value.as_str()) {
            diags.warning(
                name.pos,
                format!(
                    "state `{}` is unreachable from `{}`",
                    name.value, spec.start.value
                ),
            );
        }
    }

    // Able to end: walk backwards from the states that end or hand off the call.
    let mut reverse: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, tos) in &edges {
        for to in tos {
            reverse.entry(*to).or_default().push(*from);
        }
    }
    let mut ends: HashSet<&str> = HashSet::new();
    // A state pointing at an undefined one already has its error; don't pile on.
    let mut queue: VecDeque<&str> = spec
        .states
        .iter()
        .filter(|(n, s)| {
            matches!(s.value, StateSpec::Hangup(_) | StateSpec::Transfer(_))
                || edges
                    .get(n.value.as_str())
                    .is_some_and(|next| next.iter().any(|t| !spec.states.contains(t)))
        })
        .map(|(n, _)| n.value.as_str())
        .collect();
    while let Some(state) = queue.pop_front() {
        if !ends.insert(state) {
            continue;
        }
        queue.extend(reverse.get(state).into_iter().flatten().copied());
    }
    for name in names {
        if !ends.contains(name)
            && let Some(pos) = spec.states.key_pos(name)
        {
            diags.error(
                pos,
                format!(
                    "state `{name}` has no way out: no path from it reaches a hangup or transfer"
                ),
            );
        }
    }
}
