#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
//! A small flow that passes every check, for tests to break one thing at a time.

use ivr_flow::diagnostic::{Diagnostic, Diagnostics};
use ivr_flow::{load, validate};

pub const VALID: &str = r#"languages: [en-US, es-US]
default_language: en-US
timezone: America/New_York
start: menu
variables:
  service_url: "http://127.0.0.1:9/x"
schedules:
  office:
    weekly: { mon-fri: ["08:00-20:00"] }
queues:
  q-en: { language: en-US, schedule: office }
  q-es: { language: es-US }
prompts:
  hello: { text: { en-US: "Hello {caller}", es-US: "Hola {caller}" } }
  bye: { text: { en-US: "Bye", es-US: "Adiós" } }
intents:
  agent: { dtmf: "0", examples: { en-US: [talk to an agent], es-US: [hablar con un agente] } }
  help: { dtmf: "1", examples: { en-US: [I need help], es-US: [necesito ayuda] } }
  spanish: { examples: { en-US: [spanish], es-US: [español] } }
templates:
  link: { sms: { en-US: "See {service_url}", es-US: "Vea {service_url}" } }
slots:
  pin: { type: digits, length: 4 }
global:
  agent: { goto: transfer }
  spanish: { language: es-US }
ask_defaults:
  no_input: { then: bye }
  no_match: { then: bye }
states:
  menu:
    ask:
      prompts: [hello]
      intents: { help: route }
  route:
    branch:
      cases:
        - when: { open: office }
          goto: transfer
      otherwise: text
  text:
    notify: { channel: sms, template: link, to: "{caller}", next: bye, on_failure: bye }
  transfer:
    transfer: { queue: q-en, on_failure: bye }
  bye:
    say: { prompts: bye, next: end }
  end:
    hangup: {}
"#;

/// Diagnostics for a flow source: the parse error alone, or every check's findings.
pub fn diagnose(source: &str) -> Vec<Diagnostic> {
    match load::parse_flow(source) {
        Err(d) => vec![d],
        Ok(spec) => {
            let mut diags = Diagnostics::default();
            validate::check(&spec, &mut diags);
            diags.into_sorted()
        }
    }
}

/// 1-based line and column where `needle` first starts in `source`.
pub fn pos_of(source: &str, needle: &str) -> (u32, u32) {
    let at = source
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in source"));
    let before = &source[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() as u32 + 1;
    (line, col)
}

/// `source` with `from` replaced once by `to`, asserting it was there.
pub fn with(source: &str, from: &str, to: &str) -> String {
    assert!(source.contains(from), "`{from}` not in source");
    source.replacen(from, to, 1)
}
