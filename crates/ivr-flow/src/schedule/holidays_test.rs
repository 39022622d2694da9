//! Checks the federal holidays of the shipped flow's `live_agents` schedule against the rules
//! of 5 U.S.C. 6103, computed here with jiff rather than typed in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Schedule, ScheduleSpec};
use crate::diagnostic::Diagnostics;
use jiff::civil::{Date, Weekday, date};
use jiff::tz::TimeZone;

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../call-flows/contact-center.yaml"
);

/// Saturday holidays are observed on Friday, Sunday ones on Monday.
fn observed(day: Date) -> Date {
    match day.weekday() {
        Weekday::Saturday => day.yesterday().unwrap(),
        Weekday::Sunday => day.tomorrow().unwrap(),
        _ => day,
    }
}

/// The `nth` `weekday` of the month (negative counts from the end).
fn nth(year: i16, month: i8, nth: i8, weekday: Weekday) -> Date {
    date(year, month, 1)
        .nth_weekday_of_month(nth, weekday)
        .unwrap()
}

fn holidays_of(year: i16) -> Vec<(Date, &'static str)> {
    use Weekday::{Monday, Thursday};
    vec![
        (observed(date(year, 1, 1)), "New Year's Day"),
        (
            nth(year, 1, 3, Monday),
            "Birthday of Martin Luther King Jr.",
        ),
        (nth(year, 2, 3, Monday), "Washington's Birthday"),
        (nth(year, 5, -1, Monday), "Memorial Day"),
        (
            observed(date(year, 6, 19)),
            "Juneteenth National Independence Day",
        ),
        (observed(date(year, 7, 4)), "Independence Day"),
        (nth(year, 9, 1, Monday), "Labor Day"),
        (nth(year, 10, 2, Monday), "Columbus Day"),
        (observed(date(year, 11, 11)), "Veterans Day"),
        (nth(year, 11, 4, Thursday), "Thanksgiving Day"),
        (observed(date(year, 12, 25)), "Christmas Day"),
    ]
}

fn load() -> ScheduleSpec {
    let text = std::fs::read_to_string(FILE).unwrap();
    let flow = crate::load::parse_flow(&text).unwrap();
    flow.schedules.get("live_agents").unwrap().clone()
}

#[test]
fn file_matches_the_rules_for_2026_and_2027() {
    // 2028 is included because New Year's Day 2028 (a Saturday) is observed
    // on 2027-12-31.
    let mut expected: Vec<(String, String)> = (2026..=2028)
        .flat_map(holidays_of)
        .filter(|(day, _)| (2026..=2027).contains(&day.year()))
        .map(|(day, name)| (day.to_string(), name.to_string()))
        .collect();
    expected.sort();
    let listed: Vec<(String, String)> = load()
        .closed
        .iter()
        .map(|c| (c.date.value.clone(), c.name.clone().unwrap_or_default()))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(listed.len(), 23);
    assert_eq!(listed.last().unwrap().0, "2027-12-31");
}

#[test]
fn spot_checks() {
    let all: Vec<_> = (2026..=2027).flat_map(holidays_of).collect();
    let find = |name: &str, year: i16| {
        all.iter()
            .find(|(d, n)| *n == name && d.year() == year)
            .unwrap()
            .0
    };
    assert_eq!(
        find("Birthday of Martin Luther King Jr.", 2026),
        date(2026, 1, 19)
    );
    assert_eq!(find("Thanksgiving Day", 2026), date(2026, 11, 26));
    assert_eq!(
        find("Independence Day", 2026),
        date(2026, 7, 3),
        "Saturday -> Friday"
    );
    assert_eq!(
        find("Independence Day", 2027),
        date(2027, 7, 5),
        "Sunday -> Monday"
    );
    assert_eq!(find("Memorial Day", 2027), date(2027, 5, 31));
    assert_eq!(find("Christmas Day", 2027), date(2027, 12, 24));
}

#[test]
fn file_compiles_and_closes_each_holiday() {
    let mut spec = load();
    spec.weekly = serde_saphyr::from_str("mon-sun: [\"00:00-24:00\"]").unwrap();
    let mut diags = Diagnostics::default();
    let schedule = Schedule::compile(&spec, &mut diags).unwrap();
    assert!(!diags.has_errors());
    let tz = TimeZone::get("America/New_York").unwrap();
    for closed in &spec.closed {
        let day: Date = closed.date.value.parse().unwrap();
        let noon = tz.to_timestamp(day.at(12, 0, 0, 0)).unwrap();
        assert!(!schedule.is_open(noon, &tz), "{}", closed.date.value);
    }
    let day_after = tz.to_timestamp(date(2026, 11, 27).at(12, 0, 0, 0)).unwrap();
    assert!(schedule.is_open(day_after, &tz));
}
