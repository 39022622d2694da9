//! `ivr replay DIR --junit FILE`: the fixtures' results as JUnit XML, the test report format CI
//! systems (GitLab, Jenkins, GitHub Actions' reporters) read, so each fixture shows as a test
//! case: one suite per language, a failure carrying what differed from the manifest.

use std::fmt::Write as _;
use std::path::Path;

pub struct Case {
    pub name: String,
    /// The manifest's language; None when the fixture could not be read.
    pub lang: Option<String>,
    pub seconds: f64,
    pub result: CaseResult,
}

pub enum CaseResult {
    Passed,
    /// What differed from the manifest, and the details a reader needs (what was heard).
    Failed {
        message: String,
        details: String,
    },
    /// The fixture could not be replayed (a missing file, a bad manifest).
    Error(String),
}

/// The report for `cases`, in their order within each suite.
pub fn report(cases: &[Case]) -> String {
    let mut suites: Vec<(&str, Vec<&Case>)> = Vec::new();
    for case in cases {
        let suite = case.lang.as_deref().unwrap_or("unreadable");
        match suites.iter_mut().find(|(name, _)| *name == suite) {
            Some((_, members)) => members.push(case),
            None => suites.push((suite, vec![case])),
        }
    }
    let count = |cases: &[&Case], pick: fn(&CaseResult) -> bool| {
        cases.iter().filter(|c| pick(&c.result)).count()
    };
    let failed = |r: &CaseResult| matches!(r, CaseResult::Failed { .. });
    let errored = |r: &CaseResult| matches!(r, CaseResult::Error(_));
    let all: Vec<&Case> = cases.iter().collect();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"ivr replay\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
        all.len(),
        count(&all, failed),
        count(&all, errored),
        cases.iter().map(|c| c.seconds).sum::<f64>()
    );
    for (suite, members) in &suites {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"replay.{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
            escape(suite),
            members.len(),
            count(members, failed),
            count(members, errored),
            members.iter().map(|c| c.seconds).sum::<f64>()
        );
        for case in members {
            let _ = write!(
                xml,
                "    <testcase classname=\"replay.{}\" name=\"{}\" time=\"{:.3}\"",
                escape(suite),
                escape(&case.name),
                case.seconds
            );
            match &case.result {
                CaseResult::Passed => xml.push_str("/>\n"),
                CaseResult::Failed { message, details } => {
                    let _ = writeln!(
                        xml,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(message),
                        escape(details)
                    );
                }
                CaseResult::Error(message) => {
                    let _ = writeln!(
                        xml,
                        ">\n      <error message=\"{}\"/>\n    </testcase>",
                        escape(message)
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

pub fn write(path: &Path, cases: &[Case]) -> Result<(), String> {
    std::fs::write(path, report(cases))
        .map_err(|e| format!("--junit {}: cannot write it: {e}", path.display()))
}

/// Text for an XML attribute or element: markup characters as entities, and characters XML
/// 1.0 does not allow (control characters a recognizer could emit) dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, lang: Option<&str>, result: CaseResult) -> Case {
        Case {
            name: name.to_string(),
            lang: lang.map(str::to_string),
            seconds: 1.5,
            result,
        }
    }

    #[test]
    fn suites_per_language_with_counts_and_escaped_failures() {
        let xml = report(&[
            case("en-agent", Some("en-US"), CaseResult::Passed),
            case(
                "en-forms",
                Some("en-US"),
                CaseResult::Failed {
                    message: "final hangup completed, expected transfer agents-en".into(),
                    details: "heard: \"I <need> a form & a \u{1}link\"".into(),
                },
            ),
            case("es-agente", Some("es-US"), CaseResult::Passed),
            case("broken", None, CaseResult::Error("no such file".into())),
        ]);
        assert!(xml.contains(
            "<testsuites name=\"ivr replay\" tests=\"4\" failures=\"1\" errors=\"1\" time=\"6.000\">"
        ));
        assert!(xml.contains(
            "<testsuite name=\"replay.en-US\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"3.000\">"
        ));
        assert!(
            xml.contains(
                "<testcase classname=\"replay.es-US\" name=\"es-agente\" time=\"1.500\"/>"
            )
        );
        assert!(xml.contains(
            "<failure message=\"final hangup completed, expected transfer agents-en\">heard: \
             &quot;I &lt;need&gt; a form &amp; a link&quot;</failure>"
        ));
        assert!(xml.contains(
            "<testsuite name=\"replay.unreadable\" tests=\"1\" failures=\"0\" errors=\"1\""
        ));
        assert!(xml.contains("<error message=\"no such file\"/>"));
        assert_eq!(xml.matches("<testcase ").count(), 4);
        assert_eq!(
            xml.matches("</testcase>").count(),
            2,
            "the failed and the broken one"
        );
        assert_eq!(xml.matches("</testsuite>").count(), 3);
        assert!(xml.ends_with("</testsuites>\n"));
    }
}
