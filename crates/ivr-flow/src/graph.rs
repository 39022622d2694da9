//! A flow as a picture (`ivr graph`): Graphviz DOT with a node per state, shaped by what the
//! state does, and an edge for every way out of it, labeled with what takes the caller there:
//! an intent (and its key), a slot value, silence or not being understood, a schedule or
//! other condition, a failure. Global intents leave from one node that stands for every
//! listening state. Built from the same schema the checker and interpreter load.

use crate::schema::{At, Condition, FlowSpec, RetryPolicy, StateSpec};
use std::fmt::Write as _;

/// How an edge is drawn: the usual path, a fallback (silence, not understood, otherwise), or
/// a failure.
#[derive(Clone, Copy)]
enum Path {
    Main,
    Fallback,
    Failure,
}

struct Edge {
    from: String,
    to: String,
    label: String,
    path: Path,
}

/// The flow in DOT.
pub fn dot(spec: &FlowSpec) -> String {
    let title = spec.name.clone().unwrap_or_else(|| "call flow".to_string());
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&title));
    out.push_str("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let _ = writeln!(out, "  label={}; labelloc=t;", quote(&title));
    out.push_str(
        "  \"(call)\" [shape=circle, label=\"call\", style=filled, fillcolor=\"#dddddd\"];\n",
    );
    for (id, state) in spec.states.iter() {
        let _ = writeln!(out, "  {} [{}];", quote(id), node_style(id, state));
    }
    let mut edges = vec![Edge {
        from: "(call)".to_string(),
        to: spec.start.value.clone(),
        label: String::new(),
        path: Path::Main,
    }];
    for (id, state) in spec.states.iter() {
        edges.extend(edges_of(spec, id, state));
    }
    if !spec.global.is_empty() {
        out.push_str(
            "  \"(any question)\" [shape=box, style=\"dashed,rounded\", label=\"any question\\n(global intents)\"];\n",
        );
        for (intent, handler) in spec.global.iter() {
            let label = intent_label(spec, intent);
            if let Some(to) = &handler.goto {
                edges.push(edge("(any question)", to, label, Path::Main));
            } else if let Some(language) = &handler.language {
                let _ = writeln!(
                    out,
                    "  \"(any question)\" -> \"(any question)\" [label={}, style=dotted];",
                    quote(&format!("{label}: switch to {}", language.value))
                );
            } else if handler.repeat.is_some() {
                let _ = writeln!(
                    out,
                    "  \"(any question)\" -> \"(any question)\" [label={}, style=dotted];",
                    quote(&format!("{label}: repeat"))
                );
            }
        }
    }
    for e in &edges {
        let style = match e.path {
            Path::Main => "",
            Path::Fallback => ", style=dashed, color=\"#888888\", fontcolor=\"#666666\"",
            Path::Failure => ", style=dashed, color=\"#c0392b\", fontcolor=\"#c0392b\"",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            quote(&e.from),
            quote(&e.to),
            quote(&e.label)
        );
    }
    out.push_str("}\n");
    out
}

fn node_style(id: &str, state: &StateSpec) -> String {
    let (shape, extra, what) = match state {
        StateSpec::Say(_) => ("box", "", "say".to_string()),
        StateSpec::Ask(a) => (
            "box",
            ", style=\"rounded,bold\"",
            match &a.slot {
                Some(slot) => format!("ask ({})", slot.value),
                None => "ask".to_string(),
            },
        ),
        StateSpec::Branch(_) => ("diamond", "", "branch".to_string()),
        StateSpec::Set(_) => ("box", ", style=dotted", "set".to_string()),
        StateSpec::Lookup(l) => ("component", "", format!("lookup {}", l.name.value)),
        StateSpec::Notify(n) => (
            "note",
            "",
            format!("{} {}", n.channel.name(), n.template.value),
        ),
        StateSpec::Callback(_) => ("note", "", "callback".to_string()),
        StateSpec::Escalate(e) => ("note", "", format!("escalate, email {}", e.template.value)),
        StateSpec::Transfer(t) => (
            "box",
            ", style=filled, fillcolor=\"#d5f5e3\"",
            format!("transfer to {}", transfer_target(t)),
        ),
        StateSpec::Hangup(h) => (
            "octagon",
            ", style=filled, fillcolor=\"#f2f3f4\"",
            match &h.reason {
                Some(reason) => format!("hang up ({reason})"),
                None => "hang up".to_string(),
            },
        ),
    };
    format!(
        "shape={shape}{extra}, label={}",
        quote(&format!("{id}\n{what}"))
    )
}

fn transfer_target(t: &crate::schema::TransferSpec) -> String {
    if let Some(queue) = &t.queue {
        return queue.value.clone();
    }
    if let Some(uri) = &t.uri {
        return uri.value.clone();
    }
    let by_language: Vec<String> = t
        .queue_by_language
        .iter()
        .map(|(lang, queue)| format!("{}: {}", lang.value, queue.value))
        .collect();
    by_language.join(", ")
}

fn edge(from: &str, to: &At<String>, label: String, path: Path) -> Edge {
    Edge {
        from: from.to_string(),
        to: to.value.clone(),
        label,
        path,
    }
}

fn edges_of(spec: &FlowSpec, id: &str, state: &StateSpec) -> Vec<Edge> {
    let mut out = Vec::new();
    match state {
        StateSpec::Say(s) => out.push(edge(id, &s.next, String::new(), Path::Main)),
        StateSpec::Ask(a) => {
            for (intent, to) in a.intents.iter() {
                out.push(edge(id, to, intent_label(spec, intent), Path::Main));
            }
            for (key, intent) in a.dtmf.iter() {
                if let Some(to) = a.intents.get(&intent.value) {
                    out.push(edge(id, to, format!("key {}", key.value), Path::Main));
                }
            }
            for (value, to) in a.on_value.iter() {
                out.push(edge(id, to, format!("= {}", value.value), Path::Main));
            }
            if let Some(next) = &a.next {
                let label = a
                    .slot
                    .as_ref()
                    .map_or(String::new(), |s| format!("{} given", s.value));
                out.push(edge(id, next, label, Path::Main));
            }
            let defaults = &spec.ask_defaults;
            let retries = [
                ("no input", &a.no_input, &defaults.no_input),
                ("not understood", &a.no_match, &defaults.no_match),
            ];
            for (what, own, default) in retries {
                if let Some(then) = give_up(own.as_ref(), default.as_ref()) {
                    out.push(edge(id, then, what.to_string(), Path::Fallback));
                }
            }
        }
        StateSpec::Branch(b) => {
            for case in &b.cases {
                out.push(edge(
                    id,
                    &case.goto,
                    condition_label(&case.when),
                    Path::Main,
                ));
            }
            out.push(edge(
                id,
                &b.otherwise,
                "otherwise".to_string(),
                Path::Fallback,
            ));
        }
        StateSpec::Set(s) => out.push(edge(id, &s.next, String::new(), Path::Main)),
        StateSpec::Lookup(l) => {
            out.push(edge(id, &l.next, String::new(), Path::Main));
            out.push(edge(id, &l.on_failure, "failed".to_string(), Path::Failure));
        }
        StateSpec::Notify(n) => {
            out.push(edge(id, &n.next, "queued".to_string(), Path::Main));
            out.push(edge(
                id,
                &n.on_failure,
                "refused".to_string(),
                Path::Failure,
            ));
        }
        StateSpec::Callback(c) => {
            out.push(edge(id, &c.next, "recorded".to_string(), Path::Main));
            out.push(edge(
                id,
                &c.on_failure,
                "not recorded".to_string(),
                Path::Failure,
            ));
        }
        StateSpec::Escalate(e) => {
            out.push(edge(id, &e.next, "recorded".to_string(), Path::Main));
            out.push(edge(
                id,
                &e.on_failure,
                "not recorded".to_string(),
                Path::Failure,
            ));
        }
        StateSpec::Transfer(t) => {
            out.push(edge(
                id,
                &t.on_failure,
                "no agent".to_string(),
                Path::Failure,
            ));
        }
        StateSpec::Hangup(_) => {}
    }
    out
}

/// Where an `ask` goes on giving up: its own policy's `then`, else the flow's default's.
fn give_up<'a>(
    own: Option<&'a RetryPolicy>,
    default: Option<&'a RetryPolicy>,
) -> Option<&'a At<String>> {
    own.and_then(|p| p.then.as_ref())
        .or_else(|| default.and_then(|p| p.then.as_ref()))
}

/// An intent's name on an edge, with its keypad key when it has one.
fn intent_label(spec: &FlowSpec, intent: &str) -> String {
    match spec.intents.get(intent).and_then(|i| i.dtmf.as_ref()) {
        Some(key) => format!("{intent} ({})", key.value),
        None => intent.to_string(),
    }
}

fn condition_label(when: &Condition) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &when.open {
        parts.push(format!("{} open", s.value));
    }
    if let Some(s) = &when.closed {
        parts.push(format!("{} closed", s.value));
    }
    if let Some(l) = &when.language {
        parts.push(format!("language {}", l.value));
    }
    if let Some(var) = &when.var {
        if let Some(v) = &when.equals {
            parts.push(format!("{} = {v}", var.value));
        }
        if let Some(v) = &when.not_equals {
            parts.push(format!("{} != {v}", var.value));
        }
        match when.is_set {
            Some(true) => parts.push(format!("{} set", var.value)),
            Some(false) => parts.push(format!("{} not set", var.value)),
            None => {}
        }
    }
    if let Some(known) = when.caller_known {
        parts.push(
            if known {
                "caller known"
            } else {
                "caller withheld"
            }
            .to_string(),
        );
    }
    if let Some(verified) = when.caller_verified {
        parts.push(
            if verified {
                "caller verified"
            } else {
                "caller unverified"
            }
            .to_string(),
        );
    }
    if let Some(prefix) = &when.caller_prefix {
        parts.push(format!("caller {prefix}..."));
    }
    parts.join(" and ")
}

/// A DOT quoted string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = r#"
name: tiny
languages: [en-US]
default_language: en-US
timezone: America/New_York
start: hours
schedules:
  office: { weekly: { mon-fri: ["08:00-20:00"] } }
queues:
  agents: { language: en-US }
intents:
  agent: { dtmf: "0", examples: { en-US: ["agent"] } }
  bye: { examples: { en-US: ["goodbye"] } }
global:
  bye: { goto: done }
ask_defaults:
  no_match: { max: 2, then: done }
states:
  hours:
    branch: { cases: [{ when: { open: office }, goto: menu }], otherwise: closed }
  menu:
    ask: { prompts: [], intents: { agent: to_agent }, no_input: { max: 1, then: closed } }
  to_agent:
    transfer: { queue: agents, on_failure: closed }
  closed:
    say: { prompts: [], next: done }
  done:
    hangup: { reason: completed }
"#;

    #[test]
    fn every_way_out_of_every_state_is_an_edge() {
        let spec = match crate::load::parse_flow(FLOW) {
            Ok(spec) => spec,
            Err(e) => panic!("{e:?}"),
        };
        let dot = dot(&spec);
        for line in [
            "\"(call)\" -> \"hours\"",
            "\"hours\" -> \"menu\" [label=\"office open\"];",
            "\"hours\" -> \"closed\" [label=\"otherwise\", style=dashed",
            "\"menu\" -> \"to_agent\" [label=\"agent (0)\"];",
            "\"menu\" -> \"closed\" [label=\"no input\", style=dashed",
            "\"menu\" -> \"done\" [label=\"not understood\", style=dashed",
            "\"to_agent\" -> \"closed\" [label=\"no agent\", style=dashed, color=\"#c0392b\"",
            "\"closed\" -> \"done\" [label=\"\"];",
            "\"(any question)\" -> \"done\" [label=\"bye\"];",
            "\"to_agent\" [shape=box, style=filled, fillcolor=\"#d5f5e3\", label=\"to_agent\\ntransfer to agents\"];",
            "\"done\" [shape=octagon",
        ] {
            assert!(dot.contains(line), "missing {line}\n{dot}");
        }
        assert!(dot.starts_with("digraph \"tiny\" {"));
        assert!(dot.ends_with("}\n"));
    }
}
