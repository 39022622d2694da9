#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `ivr check` as an operator runs it: exit codes, `file:line:col: error:` lines, `--json`.

mod support;

use support::{FLOW, TempFile, ivr};

fn check(args: &[&str]) -> (i32, String, String) {
    let out = ivr().arg("check").args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The shipped flow with one change, in a temporary file.
fn broken(from: &str, to: &str) -> (TempFile, String) {
    let source = std::fs::read_to_string(FLOW).unwrap();
    assert!(source.contains(from), "`{from}` not in the shipped flow");
    let changed = source.replacen(from, to, 1);
    (TempFile::new("flow.yaml", &changed), changed)
}

fn line_col(source: &str, needle: &str) -> (usize, usize) {
    let at = source.find(needle).unwrap();
    let before = &source[..at];
    (
        before.matches('\n').count() + 1,
        before.rsplit('\n').next().unwrap().chars().count() + 1,
    )
}

#[test]
fn the_shipped_flows_pass() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../call-flows");
    let (code, stdout, stderr) = check(&[dir]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "no warnings either: {stdout}");
    assert!(stderr.contains("0 error(s), 0 warning(s)"));
}

#[test]
fn a_typo_in_a_field_name() {
    let (file, source) = broken(
        "    say: { prompts: [goodbye], next: hang_up }",
        "    say: { prompts: [goodbye], nxet: hang_up }",
    );
    let (code, stdout, _) = check(&[file.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    let (line, col) = line_col(&source, "nxet");
    let expected = format!(
        "{}:{line}:{col}: error: unknown field `nxet`",
        file.0.display()
    );
    assert!(stdout.starts_with(&expected), "{stdout}");
}

#[test]
fn a_dangling_next() {
    let (file, source) = broken("next: hang_up }", "next: hangup_now }");
    let (code, stdout, _) = check(&[file.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    let (line, col) = line_col(&source, "hangup_now");
    let expected = format!(
        "{}:{line}:{col}: error: undefined state `hangup_now`",
        file.0.display()
    );
    assert!(stdout.lines().any(|l| l.starts_with(&expected)), "{stdout}");
    assert_eq!(
        stdout.lines().count(),
        1,
        "one mistake, one error: {stdout}"
    );
}

#[test]
fn a_missing_spanish_prompt() {
    let (file, source) = broken(
        "      en-US: \"Thank you for calling USCIS. Goodbye.\"\n      es-US: \"Gracias por llamar a USCIS. Adiós.\"\n",
        "      en-US: \"Thank you for calling USCIS. Goodbye.\"\n",
    );
    let (code, stdout, _) = check(&[file.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    let (line, col) = line_col(&source, "  goodbye:\n    text:");
    let expected = format!(
        "{}:{line}:{}: error: prompt `goodbye` has no es-US version",
        file.0.display(),
        col + 2
    );
    assert_eq!(stdout.trim(), expected);
}

#[test]
fn json_output() {
    let (file, _) = broken("next: hang_up }", "next: hangup_now }");
    let (code, stdout, _) = check(&["--json", file.0.to_str().unwrap(), FLOW]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["files"], 2);
    assert_eq!(doc["errors"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert!(d["line"].as_u64().unwrap() > 1);
    assert!(d["message"].as_str().unwrap().contains("hangup_now"));
}

#[test]
fn files_that_cannot_be_flows() {
    let huge = TempFile::new("huge.yaml", &"#".repeat(2 * 1024 * 1024));
    let (code, stdout, _) = check(&[huge.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(":1:1: error: flow file is 2097152 bytes, over the 1048576-byte limit"),
        "{stdout}"
    );

    let binary = TempFile::new("bin.yaml", "");
    std::fs::write(&binary.0, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let (code, stdout, _) = check(&[binary.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.contains("not UTF-8"), "{stdout}");

    let (code, stdout, _) = check(&["/nonexistent/flow.yaml"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("/nonexistent/flow.yaml:1:1: error: cannot read flow file"),
        "{stdout}"
    );

    let syntax = TempFile::new("syntax.yaml", "languages: [en-US\nstart: x\n");
    let (code, stdout, _) = check(&[syntax.0.to_str().unwrap()]);
    assert_eq!(code, 1);
    // The error where the parser noticed, and a note at the bracket that caused it.
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.contains(": error: "), "{stdout}");
    assert!(
        stdout.contains(":1:12: note: the `[` opened here is not closed"),
        "{stdout}"
    );
}

#[test]
fn a_directory_without_flows_is_an_error() {
    let dir = std::env::temp_dir().join(format!("ivr-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (code, stdout, _) = check(&[dir.to_str().unwrap()]);
    let _ = std::fs::remove_dir(&dir);
    assert_eq!(code, 1);
    assert!(stdout.contains("no .yaml or .yml flow files"), "{stdout}");
}

#[test]
fn a_warning_has_its_own_line_and_does_not_fail() {
    let source = std::fs::read_to_string(FLOW).unwrap();
    let changed = format!("{source}  spare:\n    hangup: {{}}\n");
    let file = TempFile::new("flow.yaml", &changed);
    let (code, stdout, stderr) = check(&[file.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (line, col) = line_col(&changed, "spare:");
    assert_eq!(
        stdout.trim(),
        format!(
            "{}:{line}:{col}: warning: state `spare` is unreachable from `greeting`",
            file.0.display()
        )
    );
    assert!(stderr.contains("0 error(s), 1 warning(s)"), "{stderr}");
}

#[test]
fn an_example_two_intents_share_is_warned_about() {
    let (file, changed) = broken(
        "        - \"check processing times\"\n",
        "        - \"check processing times\"\n        - \"where is my case\"\n",
    );
    let (code, stdout, stderr) = check(&[file.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let at = changed.find("\"check processing times\"").unwrap();
    let added = at + changed[at..].find("\"where is my case\"").unwrap();
    let line = changed[..added].matches('\n').count() + 1;
    assert!(
        stdout.contains(&format!(
            "{}:{line}:11: warning: example \"where is my case\" of intent `processing_times` reads as intent `case_status`",
            file.0.display()
        )),
        "{stdout}"
    );
    assert!(stderr.contains("0 error(s), 2 warning(s)"), "{stderr}");
}

#[test]
fn an_unclosed_bracket_is_pointed_at_where_it_was_opened() {
    // The parser notices only lines later; the note names the `[` itself.
    let (file, source) = broken(
        "      prompts: [welcome, how_can_i_help]",
        "      prompts: [welcome, how_can_i_help",
    );
    let (code, stdout, _) = check(&[file.0.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let (line, col) = line_col(&source, "[welcome, how_can_i_help");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].contains(": error: "), "{stdout}");
    assert_eq!(
        lines[1],
        format!(
            "{}:{line}:{col}: note: the `[` opened here is not closed (a `]` is missing)",
            file.0.display()
        ),
        "{stdout}"
    );
}
