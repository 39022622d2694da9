//! Intent matching time per utterance against the shipped contact-center flow.

use ivr_flow::Flow;
use ivr_flow::text::MatchPolicy;
use std::sync::LazyLock;

fn main() {
    divan::main();
}

static FLOW: LazyLock<Flow> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../call-flows/contact-center.yaml"
    );
    match Flow::from_file(std::path::Path::new(path)) {
        Ok((flow, _)) => flow,
        Err(rejected) => panic!("shipped flow rejected: {:?}", rejected.0),
    }
});

/// Every intent of the flow: what the main menu and the globals offer together.
fn candidates() -> Vec<String> {
    FLOW.spec.intents.keys().map(str::to_string).collect()
}

const UTTERANCES: &[&str] = &[
    "I'd like to know where my case is at",
    "quisiera saber el estado de mi caso",
    "I need to talk to a representative",
    "quiero hablar con una gente",
    "um so I moved last month and I need to update my address on file",
    "the weather is nice today",
];

#[divan::bench(args = UTTERANCES)]
fn decide(bencher: divan::Bencher, utterance: &str) {
    let candidates = candidates();
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    bencher.bench(|| {
        FLOW.matcher.decide(
            divan::black_box(utterance),
            divan::black_box(&refs),
            MatchPolicy::default(),
        )
    });
}

#[divan::bench]
fn compile_shipped_flow(bencher: divan::Bencher) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../call-flows/contact-center.yaml"
    );
    let source = std::fs::read_to_string(path).unwrap_or_default();
    bencher.bench(|| Flow::from_source(divan::black_box(&source)).is_ok());
}
