#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `ivr schema`: the JSON Schema editors use, checked against real flows by a real JSON
//! Schema validator (the `jsonschema` crate), and the copy beside the shipped flow current.

mod support;

use support::{FLOW, ivr};

const COMMITTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../call-flows/flow.schema.json"
);

fn schema() -> serde_json::Value {
    let out = ivr().arg("schema").output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn as_json(yaml: &str) -> serde_json::Value {
    serde_saphyr::from_str(yaml).unwrap()
}

#[test]
fn the_schema_accepts_every_shipped_and_test_flow() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let flows = [
        FLOW.to_string(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/flows/keys.yaml").to_string(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/flows/link.yaml").to_string(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/flows/queue.yaml").to_string(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/flows/transfer.yaml").to_string(),
    ];
    for flow in flows {
        let doc = as_json(&std::fs::read_to_string(&flow).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{flow}: {errors:#?}");
    }
}

#[test]
fn the_schema_rejects_a_typo_in_a_field_and_a_state_of_no_kind() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let source = std::fs::read_to_string(FLOW).unwrap();
    let typo = source.replacen(
        "    say: { prompts: [goodbye], next: hang_up }",
        "    say: { prompts: [goodbye], nxet: hang_up }",
        1,
    );
    assert_ne!(typo, source);
    let errors: Vec<String> = validator
        .iter_errors(&as_json(&typo))
        .map(|e| e.to_string())
        .collect();
    assert!(!errors.is_empty(), "a typo'd field passed");
    let bad_kind = source.replacen("    hangup: { reason: completed }", "    hangpu: {}", 1);
    assert_ne!(bad_kind, source);
    assert!(
        !validator.is_valid(&as_json(&bad_kind)),
        "an unknown state kind passed"
    );
}

#[test]
fn the_schema_beside_the_shipped_flow_is_current() {
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(COMMITTED).unwrap()).unwrap();
    assert!(
        committed == schema(),
        "call-flows/flow.schema.json is out of date: run\n  ivr schema > call-flows/flow.schema.json"
    );
    // The shipped flow names it for editors.
    let flow = std::fs::read_to_string(FLOW).unwrap();
    assert!(
        flow.starts_with("# yaml-language-server: $schema=flow.schema.json\n"),
        "the shipped flow's first line is the editors' modeline"
    );
}
