//! Interpreter throughput: a full scripted call through the shipped flow, counted in events
//! handed to the interpreter per second.

use ivr_flow::Flow;
use ivr_flow::interpreter::{Action, Call, CallInfo, Input, Output};
use std::sync::{Arc, LazyLock};

fn main() {
    divan::main();
}

static FLOW: LazyLock<Arc<Flow>> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../call-flows/contact-center.yaml"
    );
    match Flow::from_file(std::path::Path::new(path)) {
        Ok((flow, _)) => Arc::new(flow),
        Err(rejected) => panic!("shipped flow rejected: {:?}", rejected.0),
    }
});

/// What the caller does, in order: silence at the greeting, case status by voice, a spoken
/// receipt, the service's answer, yes to a text, then goodbye.
enum Step {
    Say(&'static str),
    Keys(&'static str),
    Silence,
    Lookup,
}

const SCRIPT: &[Step] = &[
    Step::Silence,
    Step::Say("I'd like to know where my case is at"),
    Step::Say("I O E zero one two three four five six seven eight nine"),
    Step::Lookup,
    Step::Keys("1"),
    Step::Say("no thanks that's all goodbye"),
];

/// Runs one call; returns how many inputs it handled.
fn run_call() -> u64 {
    let (inputs, ended_by_flow) = run_call_checked();
    assert!(
        ended_by_flow,
        "the scripted call must reach the flow's goodbye"
    );
    inputs
}

/// The inputs handled, and whether the flow (not the script running out) ended the call.
fn run_call_checked() -> (u64, bool) {
    let mut now: jiff::Timestamp = "2026-12-01T15:00:00Z".parse().unwrap_or_default();
    let info = CallInfo {
        call_id: "bench".into(),
        caller: Some("+12025550143".into()),
        caller_verified: true,
        called: None,
        language: None,
    };
    let mut call = Call::new(Arc::clone(&FLOW), info, now);
    let mut inputs = 0u64;
    let mut step = SCRIPT.iter();
    while !call.is_ended() {
        // Answer what the call asked for, as the player and the outbox would.
        let mut replies = Vec::new();
        while let Some(out) = call.poll_output() {
            match out {
                Output::Action(Action::Play { play_id, .. }) => {
                    replies.push(Input::PromptFinished { play_id });
                }
                Output::Action(Action::Notify { .. }) => {
                    replies.push(Input::NotifyResult { ok: true })
                }
                _ => {}
            }
        }
        if !replies.is_empty() {
            for reply in replies {
                now += jiff::SignedDuration::from_secs(2);
                call.handle(reply, now);
                inputs += 1;
            }
            continue;
        }
        let input = match step.next() {
            Some(Step::Say(text)) => Input::Utterance {
                text: (*text).into(),
                confidence: 0.9,
                lang: None,
                latency_ms: None,
                alternatives: Vec::new(),
            },
            Some(Step::Keys(keys)) => Input::Dtmf {
                digits: (*keys).into(),
            },
            Some(Step::Silence) => {
                now = call.next_deadline().unwrap_or(now);
                Input::Timeout
            }
            Some(Step::Lookup) => Input::LookupResult {
                result: Ok(
                    serde_json::json!({ "status": "Case Was Approved", "detail": "We mailed you a notice." }),
                ),
            },
            None => Input::Hangup,
        };
        if matches!(input, Input::Hangup) {
            return (inputs, false);
        }
        call.handle(input, now);
        inputs += 1;
    }
    (inputs, true)
}

#[divan::bench]
fn full_scripted_call(bencher: divan::Bencher) {
    let events = run_call();
    bencher
        .counter(divan::counter::ItemsCount::new(events))
        .bench(run_call);
}
