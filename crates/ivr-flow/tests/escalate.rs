#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `escalate` state: what it asks the engine for, what it does with the answer, and what
//! `ivr check` says about one written wrong.

use ivr_flow::Flow;
use ivr_flow::interpreter::{Action, Call, CallEvent, CallInfo, Escalated, Input, Output};
use std::sync::Arc;

const FLOW: &str = r#"languages: [en-US, es-US]
default_language: en-US
timezone: America/New_York
start: escalate
variables:
  email: "ana@example.com"
  request: "my green card never arrived"
templates:
  officer:
    email:
      subject: { en-US: "Request {escalation_id}", es-US: "Solicitud {escalation_id}" }
      body:
        en-US: "We will contact you by {escalation_estimate_date} about: {request}"
        es-US: "Le contactaremos antes del {escalation_estimate_date} sobre: {request}"
prompts:
  recorded: { text: { en-US: "Your request number is {escalation_id|spell}.", es-US: "Su número es {escalation_id|spell}." } }
  sorry: { text: { en-US: "Sorry.", es-US: "Perdón." } }
states:
  escalate:
    escalate: { topic: "{request}", email: "{email}", template: officer, next: recorded, on_failure: failed }
  recorded:
    say: { prompts: [recorded], next: bye }
  failed:
    say: { prompts: [sorry], next: bye }
  bye:
    hangup: { reason: completed }
"#;

fn start(source: &str, language: Option<&str>) -> (Call, Vec<Output>) {
    let (flow, warnings) = Flow::from_source(source).unwrap();
    assert!(warnings.is_empty(), "{warnings:#?}");
    let info = CallInfo {
        call_id: "c1".into(),
        caller: None,
        caller_verified: false,
        called: None,
        language: language.map(str::to_string),
    };
    let now: jiff::Timestamp = "2026-12-02T15:00:00Z".parse().unwrap();
    let mut call = Call::new(Arc::new(flow), info, now);
    let out = std::iter::from_fn(|| call.poll_output()).collect();
    (call, out)
}

fn send(call: &mut Call, input: Input) -> Vec<Output> {
    call.handle(input, "2026-12-02T15:00:01Z".parse().unwrap());
    std::iter::from_fn(|| call.poll_output()).collect()
}

fn escalate_action(out: &[Output]) -> Option<&Action> {
    out.iter().find_map(|o| match o {
        Output::Action(a @ Action::Escalate { .. }) => Some(a),
        _ => None,
    })
}

fn prompt_texts(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::Event(CallEvent::Prompt { text, .. }) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn it_hands_the_engine_the_request_and_the_template_in_the_callers_language() {
    let (_, out) = start(FLOW, Some("es-US"));
    let Some(Action::Escalate {
        topic,
        email,
        lang,
        template,
        subject,
        body,
        vars,
    }) = escalate_action(&out)
    else {
        panic!("no escalate action: {out:#?}");
    };
    assert_eq!(topic, "my green card never arrived");
    assert_eq!(email, "ana@example.com");
    assert_eq!(lang, "es-US");
    assert_eq!(template, "officer");
    // Unfilled: the request's number and estimate exist only once the engine records it.
    assert_eq!(subject, "Solicitud {escalation_id}");
    assert!(body.starts_with("Le contactaremos antes del {escalation_estimate_date}"));
    assert_eq!(vars["request"], "my green card never arrived");
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Event(CallEvent::Escalate { template }) if template == "officer"
    )));
}

#[test]
fn once_recorded_the_flow_can_say_the_request_number() {
    let (mut call, _) = start(FLOW, None);
    let out = send(
        &mut call,
        Input::EscalateResult {
            recorded: Some(Escalated {
                id: 42,
                estimate_days: 10,
                estimate_date: "December 12, 2026".into(),
            }),
        },
    );
    assert_eq!(prompt_texts(&out), ["Your request number is 4 2."]);
}

#[test]
fn not_recorded_takes_the_failure_path() {
    let (mut call, _) = start(FLOW, None);
    let out = send(&mut call, Input::EscalateResult { recorded: None });
    assert_eq!(prompt_texts(&out), ["Sorry."]);
}

#[test]
fn an_address_that_is_not_an_email_fails_without_asking_the_engine() {
    let flow = FLOW.replace("ana@example.com", "ana at example");
    let (_, out) = start(&flow, None);
    assert!(escalate_action(&out).is_none(), "{out:#?}");
    assert_eq!(prompt_texts(&out), ["Sorry."]);
}

#[test]
fn check_refuses_a_template_without_email_and_escalation_variables_elsewhere() {
    let no_email = FLOW.replace(
        "  officer:\n    email:",
        "  officer:\n    sms: { en-US: \"x\", es-US: \"x\" }\n  unused:\n    email:",
    );
    let errors = Flow::from_source(&no_email).unwrap_err();
    let text = format!("{errors:?}");
    assert!(
        text.contains("template `officer` has no email text"),
        "{text}"
    );

    // Without an escalate state, nothing sets the request's variables: a typo-level error.
    let without = FLOW.replace(
        "  escalate:\n    escalate: { topic: \"{request}\", email: \"{email}\", template: officer, next: recorded, on_failure: failed }\n",
        "  escalate:\n    say: { prompts: [sorry], next: recorded }\n",
    );
    let text = format!("{:?}", Flow::from_source(&without).unwrap_err());
    assert!(
        text.contains("unknown variable `{escalation_id}`"),
        "{text}"
    );
    // ...but every email template knows them: agents escalate with any flow's template.
    let agents_only = without.replace(
        "Your request number is {escalation_id|spell}.\", es-US: \"Su número es {escalation_id|spell}.",
        "Thanks.\", es-US: \"Gracias.",
    );
    assert!(Flow::from_source(&agents_only).is_ok(), "{agents_only}");
}

#[test]
fn a_free_text_question_without_intents_takes_the_callers_words_whatever_they_are() {
    let flow = FLOW
        .replace("start: escalate", "start: topic")
        .replace(
            "states:\n",
            "slots:\n  request: { type: free_text }\nintents:\n  agent: { examples: { en-US: [\"talk to an agent\"], es-US: [\"hablar con un agente\"] } }\nglobal:\n  agent: { goto: bye }\nstates:\n  topic:\n    ask: { prompts: [sorry], slot: request, next: escalate, global: false, no_input: { then: bye }, no_match: { then: bye } }\n",
        )
        .replace("  request: \"my green card never arrived\"\n", "");
    let (mut call, _) = start(&flow, None);
    let heard = Input::Utterance {
        text: "I need to talk to an agent about my card".into(),
        confidence: 0.9,
        lang: Some("en-US".into()),
        latency_ms: None,
        alternatives: Vec::new(),
    };
    let out = send(&mut call, heard);
    match escalate_action(&out) {
        Some(Action::Escalate { topic, .. }) => {
            assert_eq!(topic, "I need to talk to an agent about my card")
        }
        _ => panic!("the words did not become the request: {out:#?}"),
    }
}
