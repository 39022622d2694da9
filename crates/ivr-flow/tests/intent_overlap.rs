#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What a flow's intents add when the flow loads: the overlap warning of `ivr check`, the
//! flow's own synonym groups, and the higher bar of intents that end the call.

mod common;

use common::{VALID, pos_of, with};
use ivr_flow::text::{MatchDecision, MatchPolicy};
use ivr_flow::{Flow, Severity};

#[test]
fn an_example_shared_by_two_intents_is_warned_about_at_its_place() {
    let source = with(
        VALID,
        "examples: { en-US: [I need help]",
        "examples: { en-US: [I need help, talk to an agent please]",
    );
    let (_, diagnostics) = Flow::from_source(&source).unwrap();
    let (line, col) = pos_of(&source, "talk to an agent please");
    let warning = diagnostics
        .iter()
        .find(|d| d.severity == Severity::Warning && (d.line, d.col) == (line, col))
        .unwrap_or_else(|| panic!("no warning at {line}:{col}: {diagnostics:#?}"));
    assert!(
        warning.message.contains("`help`") && warning.message.contains("`agent`"),
        "{}",
        warning.message
    );
    // The flow as it was: no warning.
    let (_, clean) = Flow::from_source(VALID).unwrap();
    assert!(clean.is_empty(), "{clean:#?}");
}

#[test]
fn a_flows_synonyms_join_words_no_example_uses() {
    let decide = |source: &str| {
        let (flow, _) = Flow::from_source(source).unwrap();
        flow.matcher
            .decide("I need assistance", &[], MatchPolicy::default())
    };
    // "assistance" is not in the built-in groups with "help"... as a flow's own group it is.
    let plain = with(VALID, "intents:\n", "intents:\n");
    let grouped = with(
        VALID,
        "intents:\n",
        "synonyms:\n  - [auxilio, socorro]\n  - [assistance, aid, help]\nintents:\n",
    );
    let before = decide(&plain);
    let after = decide(&grouped);
    assert!(
        matches!(&after, MatchDecision::Match(m) if m.intent == "help"),
        "{after:?} (without the group: {before:?})"
    );
}

#[test]
fn an_intent_that_hangs_up_needs_its_words_to_be_most_of_what_was_said() {
    let source = with(
        VALID,
        "  spanish: { examples: { en-US: [spanish], es-US: [español] } }\n",
        "  spanish: { examples: { en-US: [spanish], es-US: [español] } }\n  bye: { examples: { en-US: [goodbye, that's all], es-US: [adiós, eso es todo] } }\n",
    );
    let source = with(&source, "global:\n", "global:\n  bye: { goto: bye }\n");
    let (flow, _) = Flow::from_source(&source).unwrap();
    assert!(flow.intent_ends_call("bye"));
    assert!(!flow.intent_ends_call("help"));
    let decide = |text: &str| flow.matcher.decide(text, &[], MatchPolicy::default());
    assert!(
        matches!(decide("okay that's all, goodbye"), MatchDecision::Match(m) if m.intent == "bye")
    );
    // "todo" is all of "eso es todo", but most of this is about something else.
    assert!(
        !matches!(decide("ya me aprobaron la peticion de todo abismo"), MatchDecision::Match(m) if m.intent == "bye")
    );
}
