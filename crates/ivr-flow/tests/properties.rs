#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Properties of the flow loader (the function the `flow_yaml` fuzz target in crates/ivr-fuzz
//! drives): any text, and any damage to a real flow, is compiled or refused with an error
//! diagnostic, never a panic; the same text always gets the same verdict.

use ivr_flow::Flow;
use proptest::prelude::*;

/// The engine's test flows and the shipped one.
const FLOWS: [&str; 5] = [
    include_str!("../../ivr/tests/flows/keys.yaml"),
    include_str!("../../ivr/tests/flows/link.yaml"),
    include_str!("../../ivr/tests/flows/queue.yaml"),
    include_str!("../../ivr/tests/flows/transfer.yaml"),
    include_str!("../../../call-flows/contact-center.yaml"),
];
/// The small ones, cheap enough to compile hundreds of times in a debug build.
const SMALL_FLOWS: usize = 4;

/// The verdict, comparable: the diagnostics of either outcome, and which outcome.
fn verdict(source: &str) -> (bool, Vec<String>) {
    match Flow::from_source(source) {
        Ok((_, warnings)) => {
            assert!(
                warnings.iter().all(|w| !w.is_error()),
                "an accepted flow with errors: {warnings:?}"
            );
            (true, warnings.iter().map(|w| w.message.clone()).collect())
        }
        Err(rejected) => {
            assert!(
                rejected.0.iter().any(|d| d.is_error()),
                "refused without an error: {:?}",
                rejected.0
            );
            (
                false,
                rejected.0.iter().map(|d| d.message.clone()).collect(),
            )
        }
    }
}

/// One damage to a flow's text.
#[derive(Debug, Clone)]
enum Damage {
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    /// Replace what follows a line's first `: ` with this.
    ReplaceValue(prop::sample::Index, String),
    Indent(prop::sample::Index, usize),
    InsertChar(prop::sample::Index, char),
}

fn damage() -> impl Strategy<Value = Damage> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        index().prop_map(Damage::DeleteLine),
        index().prop_map(Damage::DuplicateLine),
        (index(), index()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
        (
            index(),
            prop_oneof![
                Just(String::new()),
                Just("~".to_string()),
                Just("[]".to_string()),
                Just("{}".to_string()),
                Just("-1".to_string()),
                Just("99999999999999999999".to_string()),
                Just("menu".to_string()),
                Just("done".to_string()),
                Just("\"{caller}\"".to_string()),
                Just("*ref".to_string()),
                Just("&anchor x".to_string()),
                "[ -~]{0,20}",
            ]
        )
            .prop_map(|(i, v)| Damage::ReplaceValue(i, v)),
        (index(), 0usize..6).prop_map(|(i, n)| Damage::Indent(i, n)),
        (
            index(),
            prop_oneof![
                Just(':'),
                Just('-'),
                Just('{'),
                Just('['),
                Just('"'),
                Just('\''),
                Just('\t'),
                Just('#'),
                any::<char>()
            ]
        )
            .prop_map(|(i, c)| Damage::InsertChar(i, c)),
    ]
}

fn damaged(source: &str, damages: &[Damage]) -> String {
    let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
    for damage in damages {
        let count = lines.len();
        if count == 0 {
            break;
        }
        match damage {
            Damage::DeleteLine(i) => {
                lines.remove(i.index(lines.len()));
            }
            Damage::DuplicateLine(i) => {
                let at = i.index(lines.len());
                lines.insert(at, lines[at].clone());
            }
            Damage::SwapLines(a, b) => {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
            }
            Damage::ReplaceValue(i, value) => {
                let line = &mut lines[i.index(count)];
                if let Some(at) = line.find(": ") {
                    line.truncate(at + 2);
                    line.push_str(value);
                }
            }
            Damage::Indent(i, n) => {
                let line = &mut lines[i.index(count)];
                line.insert_str(0, &" ".repeat(*n));
            }
            Damage::InsertChar(i, c) => {
                let line = &mut lines[i.index(count)];
                let at = line
                    .char_indices()
                    .map(|(at, _)| at)
                    .nth(i.index(line.chars().count() + 1))
                    .unwrap_or(line.len());
                line.insert(at, *c);
            }
        }
    }
    lines.join("\n")
}

#[test]
fn the_shipped_and_test_flows_compile() {
    for source in FLOWS {
        assert!(verdict(source).0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_text_is_compiled_or_refused(source in "\\PC{0,300}") {
        verdict(&source);
    }

    #[test]
    fn any_flow_shaped_yaml_is_compiled_or_refused(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("languages: [en-US]".to_string()),
                Just("default_language: en-US".to_string()),
                Just("timezone: America/New_York".to_string()),
                Just("start: a".to_string()),
                Just("states:".to_string()),
                Just("prompts:".to_string()),
                Just("intents:".to_string()),
                "  [a-c]:",
                "    (say|ask|hangup|goto|transfer|set|branch|queue): \\{ ?(next|prompts|reason|to|intents): [a-c\\[\\]{}]{0,6} ?\\}",
                "  [a-c]: \\{ (text|dtmf|examples): [ -~]{0,12} \\}",
                "[a-z_]{1,12}: [ -~]{0,12}",
            ],
            0..16,
        )
    ) {
        verdict(&lines.join("\n"));
    }

    /// A real flow with a few lines deleted, duplicated, swapped, re-indented or changed: the
    /// same verdict each time, and any refusal names an error.
    #[test]
    fn a_damaged_flow_is_compiled_or_refused(
        flow in 0..SMALL_FLOWS,
        damages in proptest::collection::vec(damage(), 1..5),
    ) {
        let source = damaged(FLOWS[flow], &damages);
        prop_assert_eq!(verdict(&source), verdict(&source));
    }
}

proptest! {
    // The shipped flow is large: a handful of damaged copies.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn a_damaged_shipped_flow_is_compiled_or_refused(
        damages in proptest::collection::vec(damage(), 1..5),
    ) {
        verdict(&damaged(FLOWS[SMALL_FLOWS], &damages));
    }
}
