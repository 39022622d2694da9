//! Each validation error, at its exact line and column in a flow file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Schedule, ScheduleSpec, parse_time_zone};
use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::schema::spanned::{At, IdMap};
use serde::Deserialize;

/// The part of a flow file that schedules live in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Flow {
    timezone: At<String>,
    schedules: IdMap<ScheduleSpec>,
}

fn check(yaml: &str) -> Vec<Diagnostic> {
    let flow: Flow = serde_saphyr::from_str(yaml).unwrap();
    let mut diags = Diagnostics::default();
    parse_time_zone(&flow.timezone, &mut diags);
    for spec in flow.schedules.values() {
        let compiled = Schedule::compile(spec, &mut diags);
        assert_eq!(compiled.is_some(), !diags.has_errors());
    }
    diags.into_sorted()
}

/// Asserts exactly one error, at `line:col`, whose message contains `fragment`.
#[track_caller]
fn assert_one_error(yaml: &str, line: u32, col: u32, fragment: &str) {
    let diags = check(yaml);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert!(d.is_error());
    assert_eq!((d.line, d.col), (line, col), "{}", d.message);
    assert!(
        d.message.contains(fragment),
        "{:?} lacks {fragment:?}",
        d.message
    );
}

#[test]
fn a_valid_flow_has_no_diagnostics() {
    let diags = check(
        r#"
timezone: America/New_York
schedules:
  live_agents:
    weekly:
      mon-fri: ["08:00-20:00"]
      sat: ["09:00-12:00", "13:00-15:00"]
    closed:
      - { date: 2026-12-25, name: Christmas Day }
    special:
      - { date: 2026-12-24, hours: ["08:00-12:00"], name: Christmas Eve }
      - { date: 2026-12-31, hours: [] }
  night_line:
    weekly:
      sun-thu: ["20:00-24:00", "00:00-02:00"]
"#,
    );
    assert_eq!(diags, vec![]);
}

#[test]
fn unknown_time_zone() {
    assert_one_error(
        "timezone: America/NewYork\nschedules: {}\n",
        1,
        11,
        "unknown time zone \"America/NewYork\" (did you mean \"America/New_York\"?): \
         use an IANA time zone name, e.g. America/New_York",
    );
}

const HEAD: &str = "timezone: America/New_York\nschedules:\n  s:\n";

#[test]
fn unknown_day_key() {
    let yaml = format!("{HEAD}    weekly:\n      monday: [\"08:00-20:00\"]\n");
    assert_one_error(
        &yaml,
        5,
        7,
        "unknown day \"monday\" (did you mean \"mon\"?): use mon, tue",
    );
}

#[test]
fn bad_day_range() {
    let yaml = format!("{HEAD}    weekly:\n      mon-fry: [\"08:00-20:00\"]\n");
    assert_one_error(
        &yaml,
        5,
        7,
        "unknown day \"fry\" in \"mon-fry\" (did you mean \"fri\"?)",
    );
}

#[test]
fn day_covered_twice() {
    let yaml = format!(
        "{HEAD}    weekly:\n      mon-fri: [\"08:00-20:00\"]\n      wed: [\"10:00-12:00\"]\n"
    );
    assert_one_error(
        &yaml,
        6,
        7,
        "\"wed\": wed is already covered by \"mon-fri\" on line 5; list each day once",
    );
    let yaml = format!(
        "{HEAD}    weekly:\n      mon-wed: []\n      sat: []\n      tue-sun: [\"10:00-12:00\"]\n"
    );
    let diags = check(&yaml);
    let found: Vec<_> = diags
        .iter()
        .map(|d| (d.line, d.col, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                7,
                7,
                "\"tue-sun\": tue, wed are already covered by \"mon-wed\" on line 5; list each day once"
            ),
            (
                7,
                7,
                "\"tue-sun\": sat is already covered by \"sat\" on line 6; list each day once"
            ),
        ]
    );
}

#[test]
fn malformed_hours() {
    let yaml = format!("{HEAD}    weekly:\n      mon: [\"09:00-12:00\", \"8:00-20:00\"]\n");
    assert_one_error(
        &yaml,
        5,
        28,
        "invalid hours \"8:00-20:00\": expected HH:MM-HH:MM, 24-hour clock, e.g. \"08:00-20:00\"",
    );
    let yaml = format!("{HEAD}    weekly:\n      mon:\n        - 9am-5pm\n");
    assert_one_error(
        &yaml,
        6,
        11,
        "invalid hours \"9am-5pm\": expected HH:MM-HH:MM",
    );
    let yaml = format!("{HEAD}    weekly:\n      mon: [\"08:00-25:00\"]\n");
    assert_one_error(
        &yaml,
        5,
        13,
        "25:00 is not a closing time; use 00:01 to 24:00",
    );
}

#[test]
fn start_not_before_end() {
    let yaml = format!("{HEAD}    weekly:\n      mon: [\"12:00-12:00\"]\n");
    assert_one_error(&yaml, 5, 13, "the end must be after the start");
    let yaml = format!("{HEAD}    weekly:\n      fri: [\"20:00-02:00\"]\n");
    assert_one_error(
        &yaml,
        5,
        13,
        "hours \"20:00-02:00\" run past midnight: split them at midnight, \
         \"20:00-24:00\" on this day and \"00:00-02:00\" on the next",
    );
    let yaml = format!("{HEAD}    weekly:\n      fri: [\"20:00-00:00\"]\n");
    assert_one_error(
        &yaml,
        5,
        13,
        "write midnight at the end of the day as 24:00, e.g. \"20:00-24:00\"",
    );
}

#[test]
fn overlapping_hours() {
    let yaml = format!(
        "{HEAD}    weekly:\n      sat:\n        - \"09:00-12:00\"\n        - \"11:00-13:00\"\n"
    );
    assert_one_error(
        &yaml,
        7,
        11,
        "hours \"11:00-13:00\" overlap \"09:00-12:00\" on the same day: merge them into \"09:00-13:00\"",
    );
    // Ranges that only meet are fine.
    let yaml = format!("{HEAD}    weekly:\n      sat: [\"09:00-12:00\", \"12:00-13:00\"]\n");
    assert_eq!(check(&yaml), vec![]);
}

#[test]
fn overlapping_special_hours() {
    let yaml = format!(
        "{HEAD}    special:\n      - {{ date: 2026-12-24, hours: [\"08:00-12:00\", \"07:00-09:00\"] }}\n"
    );
    assert_one_error(&yaml, 5, 52, "merge them into \"07:00-12:00\"");
}

#[test]
fn impossible_date() {
    let yaml = format!("{HEAD}    closed:\n      - {{ date: 2026-02-30, name: Nope }}\n");
    assert_one_error(
        &yaml,
        5,
        17,
        "invalid date \"2026-02-30\": February 2026 has 28 days",
    );
}

#[test]
fn date_in_another_format() {
    let yaml = format!("{HEAD}    closed:\n      - date: 12/25/2026\n        name: Christmas\n");
    assert_one_error(
        &yaml,
        5,
        15,
        "invalid date \"12/25/2026\": expected YYYY-MM-DD, e.g. \"2026-12-25\"",
    );
    let yaml = format!("{HEAD}    special:\n      - {{ date: \"2026-13-01\", hours: [] }}\n");
    assert_one_error(&yaml, 5, 17, "there is no month 13");
}

#[test]
fn date_listed_twice() {
    let yaml = format!(
        "{HEAD}    closed:\n      - {{ date: 2026-12-25, name: Christmas Day }}\n      - {{ date: 2026-12-25 }}\n"
    );
    assert_one_error(
        &yaml,
        6,
        17,
        "2026-12-25 is already listed on line 5 (Christmas Day); list each date once",
    );
}

#[test]
fn date_listed_in_closed_and_special() {
    // `special` comes first in the file, so `closed` holds the second mention.
    let yaml = format!(
        "{HEAD}    special:\n      - {{ date: 2026-12-24, hours: [\"08:00-12:00\"], name: Christmas Eve }}\n    closed:\n      - {{ date: 2026-12-24 }}\n"
    );
    assert_one_error(
        &yaml,
        7,
        17,
        "2026-12-24 is already listed on line 5 (Christmas Eve); list each date once, under either closed or special",
    );
}

#[test]
fn every_mistake_is_reported_at_once() {
    let diags = check(
        r#"timezone: America/New_York
schedules:
  s:
    weekly:
      mon-fry: ["8:00-20:00"]
      sat:
        - 09:00-12:00
        - "11:00-13:00"
    closed:
      - { date: 2026-02-30, name: X }
      - date: "2026-12-25"
    special:
      - { date: 2026-12-25, hours: ["17:00-09:00"] }
"#,
    );
    let found: Vec<_> = diags.iter().map(|d| (d.line, d.col)).collect();
    assert_eq!(
        found,
        vec![(5, 7), (5, 17), (8, 11), (10, 17), (13, 17), (13, 37)]
    );
}

#[test]
fn unknown_fields_are_rejected_by_the_parser() {
    for yaml in [
        "weekly: {}\nholidays: []\n",
        "closed: [{ date: 2026-12-25, note: x }]\n",
        "special: [{ date: 2026-12-25, hours: [], open: true }]\n",
    ] {
        assert!(
            serde_saphyr::from_str::<ScheduleSpec>(yaml).is_err(),
            "{yaml}"
        );
    }
    assert!(serde_saphyr::from_str::<ScheduleSpec>("special: [{ date: 2026-12-25 }]").is_err());
}

#[test]
fn compile_is_not_confused_by_earlier_errors() {
    let mut diags = Diagnostics::default();
    diags.error(Pos::new(1, 1), "someone else's problem");
    let spec: ScheduleSpec = serde_saphyr::from_str("weekly: { mon: [\"08:00-20:00\"] }").unwrap();
    assert!(Schedule::compile(&spec, &mut diags).is_some());
}
