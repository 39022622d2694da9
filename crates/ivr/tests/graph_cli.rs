#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `ivr graph` as an operator runs it, and the shipped flow's picture kept current.

mod support;

use support::{FLOW, TempFile, ivr};

const PICTURE_DOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../call-flows/contact-center.dot"
);
const PICTURE_SVG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../call-flows/contact-center.svg"
);

fn graph(args: &[&str]) -> (bool, String, String) {
    let out = ivr().arg("graph").args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_shipped_flows_picture_is_current() {
    let (ok, dot, stderr) = graph(&[FLOW]);
    assert!(ok, "{stderr}");
    let committed = std::fs::read_to_string(PICTURE_DOT).unwrap();
    assert!(
        dot == committed,
        "call-flows/contact-center.dot is out of date: run\n  ivr graph \
         call-flows/contact-center.yaml > call-flows/contact-center.dot\n  ivr graph --svg \
         call-flows/contact-center.yaml > call-flows/contact-center.svg"
    );
    // The SVG beside it was drawn from this graph: every state is in it.
    let svg = std::fs::read_to_string(PICTURE_SVG).unwrap();
    let flow = std::fs::read_to_string(FLOW).unwrap();
    let states = flow
        .split("\nstates:\n")
        .nth(1)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|id| !id.starts_with(' '))
        .collect::<Vec<_>>();
    assert!(states.len() > 30, "{states:?}");
    for state in states {
        assert!(
            svg.contains(&format!("<title>{state}</title>")),
            "state {state} is not in call-flows/contact-center.svg: render it again"
        );
        assert!(dot.contains(&format!("\"{state}\" [")), "{state}");
    }
}

#[test]
fn svg_is_rendered_by_graphviz() {
    let (ok, svg, stderr) = graph(&["--svg", FLOW]);
    assert!(ok, "{stderr}");
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("<title>greeting</title>"));
}

#[test]
fn a_flow_that_does_not_parse_says_where() {
    let broken = TempFile::new("graph.yaml", "languages: [en-US\nstart: x\n");
    let (ok, _, stderr) = graph(&[broken.0.to_str().unwrap()]);
    assert!(!ok);
    let name = broken.0.display().to_string();
    assert!(stderr.contains(&format!("{name}:2:")), "{stderr}");
    assert!(stderr.contains(&format!("{name}:1:12: note:")), "{stderr}");
}
