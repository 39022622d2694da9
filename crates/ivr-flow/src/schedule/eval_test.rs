//! Evaluation in America/New_York, around the 2026 DST changes
//! (2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Schedule, ScheduleSpec};
use crate::diagnostic::Diagnostics;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

const OFFICE: &str = r#"
weekly:
  mon-fri: ["08:00-20:00"]
closed:
  - { date: 2026-01-19, name: Birthday of Martin Luther King Jr. }
  - { date: 2026-11-26, name: Thanksgiving Day }
  - { date: 2026-12-25, name: Christmas Day }
  - { date: 2027-01-01, name: New Year's Day }
special:
  - { date: 2026-12-24, hours: ["08:00-12:00"], name: Christmas Eve }
  - { date: 2026-12-19, hours: ["10:00-14:00"], name: Holiday Saturday }
  - { date: 2026-12-31, hours: [], name: New Year's Eve }
"#;

fn schedule(yaml: &str) -> Schedule {
    let spec: ScheduleSpec = serde_saphyr::from_str(yaml).unwrap();
    let mut diags = Diagnostics::default();
    let compiled = Schedule::compile(&spec, &mut diags);
    assert!(!diags.has_errors(), "{:?}", diags.into_sorted());
    compiled.unwrap()
}

fn ny() -> TimeZone {
    TimeZone::get("America/New_York").unwrap()
}

fn utc(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A New York wall-clock time that is not in a gap or fold.
fn local(text: &str) -> Timestamp {
    let dt: DateTime = text.parse().unwrap();
    ny().to_ambiguous_timestamp(dt).unambiguous().unwrap()
}

fn open(s: &Schedule, at: Timestamp) -> bool {
    s.is_open(at, &ny())
}

fn next_opening(s: &Schedule, at: Timestamp) -> Option<String> {
    s.next_opening(at, &ny()).map(|z| z.to_string())
}

fn closes_at(s: &Schedule, at: Timestamp) -> Option<String> {
    s.closes_at(at, &ny()).map(|z| z.to_string())
}

#[test]
fn monday_after_spring_forward_uses_edt() {
    let s = schedule(OFFICE);
    // 2026-03-09 is a Monday, UTC-4.
    assert!(!open(&s, utc("2026-03-09T11:59:00Z")), "07:59 EDT");
    assert!(open(&s, utc("2026-03-09T12:00:00Z")), "08:00 EDT");
    assert!(open(&s, utc("2026-03-09T23:59:59Z")), "19:59:59 EDT");
    assert!(!open(&s, utc("2026-03-10T00:00:00Z")), "20:00 EDT");
    // The Friday before is UTC-5: 12:00Z is 07:00 EST.
    assert!(!open(&s, utc("2026-03-06T12:59:00Z")), "07:59 EST");
    assert!(open(&s, utc("2026-03-06T13:00:00Z")), "08:00 EST");
}

#[test]
fn monday_after_fall_back_uses_est() {
    let s = schedule(OFFICE);
    // 2026-11-02 is a Monday, UTC-5.
    assert!(!open(&s, utc("2026-11-02T12:00:00Z")), "07:00 EST");
    assert!(!open(&s, utc("2026-11-02T12:59:00Z")), "07:59 EST");
    assert!(open(&s, utc("2026-11-02T13:00:00Z")), "08:00 EST");
    assert!(open(&s, utc("2026-11-03T00:59:00Z")), "19:59 EST");
    assert!(!open(&s, utc("2026-11-03T01:00:00Z")), "20:00 EST");
    // The Friday before is UTC-4.
    assert!(!open(&s, utc("2026-10-30T11:59:00Z")), "07:59 EDT");
    assert!(open(&s, utc("2026-10-30T12:00:00Z")), "08:00 EDT");
}

#[test]
fn weekends_are_closed() {
    let s = schedule(OFFICE);
    for at in [
        "2026-03-07T12:00",
        "2026-03-08T12:00",
        "2026-11-01T10:00",
        "2026-06-20T09:00",
    ] {
        assert!(!open(&s, local(at)), "{at}");
    }
}

#[test]
fn holidays_are_closed_all_day() {
    let s = schedule(OFFICE);
    for day in ["2026-01-19", "2026-11-26", "2026-12-25", "2027-01-01"] {
        for time in ["00:00", "08:00", "12:00", "19:59"] {
            assert!(!open(&s, local(&format!("{day}T{time}"))), "{day} {time}");
        }
    }
    assert!(
        open(&s, local("2026-11-25T12:00")),
        "the day before Thanksgiving"
    );
    assert!(
        open(&s, local("2026-11-27T12:00")),
        "the day after Thanksgiving"
    );
}

#[test]
fn special_hours_replace_weekly_hours() {
    let s = schedule(OFFICE);
    assert!(open(&s, local("2026-12-24T08:00")));
    assert!(open(&s, local("2026-12-24T11:59:59")));
    assert!(
        !open(&s, local("2026-12-24T12:00")),
        "weekly hours do not apply"
    );
    assert!(!open(&s, local("2026-12-24T15:00")));
    // A special day can open a day that is closed every other week.
    assert!(open(&s, local("2026-12-19T10:00")));
    assert!(!open(&s, local("2026-12-19T14:00")));
    assert!(
        !open(&s, local("2026-12-20T10:00")),
        "the next Sunday is still closed"
    );
}

#[test]
fn special_with_no_hours_is_closed() {
    let s = schedule(OFFICE);
    for time in ["08:00", "12:00", "19:59"] {
        assert!(!open(&s, local(&format!("2026-12-31T{time}"))), "{time}");
    }
}

#[test]
fn several_ranges_in_a_day() {
    let s = schedule("weekly: { sat: [\"13:00-15:00\", \"09:00-12:00\"] }");
    let sat = |t: &str| open(&s, local(&format!("2026-05-16T{t}")));
    assert!(!sat("08:59") && sat("09:00") && sat("11:59") && !sat("12:00"));
    assert!(!sat("12:59") && sat("13:00") && sat("14:59") && !sat("15:00"));
    assert_eq!(
        next_opening(&s, local("2026-05-16T12:00")).as_deref(),
        Some("2026-05-16T13:00:00-04:00[America/New_York]")
    );
}

#[test]
fn next_opening_friday_evening_is_monday_morning() {
    let s = schedule(OFFICE);
    assert_eq!(
        next_opening(&s, local("2026-05-15T21:00")).as_deref(),
        Some("2026-05-18T08:00:00-04:00[America/New_York]")
    );
    // Before opening on a weekday it is the same morning.
    assert_eq!(
        next_opening(&s, local("2026-05-18T07:00")).as_deref(),
        Some("2026-05-18T08:00:00-04:00[America/New_York]")
    );
    // Strictly after: at the opening instant itself, the next one is tomorrow.
    assert_eq!(
        next_opening(&s, local("2026-05-18T08:00")).as_deref(),
        Some("2026-05-19T08:00:00-04:00[America/New_York]")
    );
}

#[test]
fn next_opening_skips_a_holiday_monday() {
    let s = schedule(OFFICE);
    // Friday 2026-01-16, then MLK Day on Monday 2026-01-19.
    assert_eq!(
        next_opening(&s, local("2026-01-16T21:00")).as_deref(),
        Some("2026-01-20T08:00:00-05:00[America/New_York]")
    );
    // Thanksgiving Thursday, then Friday.
    assert_eq!(
        next_opening(&s, local("2026-11-25T20:30")).as_deref(),
        Some("2026-11-27T08:00:00-05:00[America/New_York]")
    );
}

#[test]
fn next_opening_across_the_dst_weekends() {
    let s = schedule(OFFICE);
    let spring = s.next_opening(local("2026-03-06T21:00"), &ny()).unwrap();
    assert_eq!(
        spring.to_string(),
        "2026-03-09T08:00:00-04:00[America/New_York]"
    );
    assert_eq!(spring.timestamp(), utc("2026-03-09T12:00:00Z"));
    let fall = s.next_opening(local("2026-10-30T21:00"), &ny()).unwrap();
    assert_eq!(
        fall.to_string(),
        "2026-11-02T08:00:00-05:00[America/New_York]"
    );
    assert_eq!(fall.timestamp(), utc("2026-11-02T13:00:00Z"));
}

#[test]
fn next_opening_is_none_for_a_schedule_never_open() {
    let s = schedule("closed: [{ date: 2026-01-01 }]");
    assert_eq!(next_opening(&s, local("2026-05-15T21:00")), None);
    // Open only on a date more than 400 days ahead.
    let s = schedule("special: [{ date: 2028-01-03, hours: [\"08:00-09:00\"] }]");
    assert_eq!(next_opening(&s, local("2026-05-15T21:00")), None);
    assert!(next_opening(&s, local("2027-05-15T21:00")).is_some());
}

#[test]
fn closes_at_the_end_of_the_current_period() {
    let s = schedule(OFFICE);
    assert_eq!(
        closes_at(&s, local("2026-05-18T10:00")).as_deref(),
        Some("2026-05-18T20:00:00-04:00[America/New_York]")
    );
    assert_eq!(
        closes_at(&s, local("2026-12-24T10:00")).as_deref(),
        Some("2026-12-24T12:00:00-05:00[America/New_York]")
    );
    assert_eq!(closes_at(&s, local("2026-05-18T21:00")), None, "closed now");
}

#[test]
fn closes_at_joins_hours_that_meet_at_midnight() {
    let s = schedule("weekly: { fri: [\"18:00-24:00\"], sat: [\"00:00-02:00\"] }");
    assert_eq!(
        closes_at(&s, local("2026-05-15T23:00")).as_deref(),
        Some("2026-05-16T02:00:00-04:00[America/New_York]")
    );
    // Saturday 00:00 continues Friday's period, so it is no opening.
    assert_eq!(
        next_opening(&s, local("2026-05-15T19:00")).as_deref(),
        Some("2026-05-22T18:00:00-04:00[America/New_York]")
    );
    let always = schedule("weekly: { mon-sun: [\"00:00-24:00\"] }");
    assert_eq!(closes_at(&always, local("2026-05-15T23:00")), None);
    assert_eq!(next_opening(&always, local("2026-05-15T23:00")), None);
}

// Wall-clock hours inside the spring-forward gap (02:00-03:00 on 2026-03-08)
// never occur: the line opens when the clock jumps past the opening time.
#[test]
fn opening_time_in_the_spring_forward_gap() {
    let s = schedule("weekly: { sun: [\"02:30-05:00\"] }");
    let opens = s.next_opening(local("2026-03-07T12:00"), &ny()).unwrap();
    assert_eq!(
        opens.to_string(),
        "2026-03-08T03:00:00-04:00[America/New_York]"
    );
    assert_eq!(opens.timestamp(), utc("2026-03-08T07:00:00Z"));
    assert!(!open(&s, utc("2026-03-08T06:59:59Z")), "01:59:59 EST");
    assert!(
        open(&s, utc("2026-03-08T07:00:00Z")),
        "03:00 EDT reads after 02:30"
    );
    // jiff's `compatible` would say 03:30, half an hour after `is_open` turned true.
    let compatible = ny()
        .to_zoned_datetime("2026-03-08T02:30".parse().unwrap())
        .unwrap();
    assert_eq!(
        compatible.to_string(),
        "2026-03-08T03:30:00-04:00[America/New_York]"
    );

    // Opening at the gap's start, both agree.
    let s = schedule("weekly: { sun: [\"02:00-05:00\"] }");
    let opens = s.next_opening(local("2026-03-07T12:00"), &ny()).unwrap();
    let compatible = ny()
        .to_zoned_datetime("2026-03-08T02:00".parse().unwrap())
        .unwrap();
    assert_eq!(opens, compatible);
}

#[test]
fn hours_wholly_in_the_gap_never_open() {
    let s = schedule("weekly: { sun: [\"02:00-02:30\", \"09:00-10:00\"] }");
    assert_eq!(
        next_opening(&s, local("2026-03-07T12:00")).as_deref(),
        Some("2026-03-08T09:00:00-04:00[America/New_York]")
    );
    assert!(!open(&s, utc("2026-03-08T07:00:00Z")));
}

#[test]
fn closing_time_in_the_gap_closes_at_the_jump() {
    let s = schedule("weekly: { sun: [\"00:00-02:30\"] }");
    assert_eq!(
        closes_at(&s, local("2026-03-08T01:00")).as_deref(),
        Some("2026-03-08T03:00:00-04:00[America/New_York]")
    );
}

// In the fall-back fold (01:00-02:00 on 2026-11-01 happens twice) hours are
// wall-clock hours, so they are open during both passes.
#[test]
fn hours_in_the_fall_back_fold_open_twice() {
    let s = schedule("weekly: { sun: [\"01:00-01:30\"] }");
    let first = s.next_opening(local("2026-10-31T12:00"), &ny()).unwrap();
    assert_eq!(
        first.to_string(),
        "2026-11-01T01:00:00-04:00[America/New_York]"
    );
    assert_eq!(
        closes_at(&s, utc("2026-11-01T05:10:00Z")).as_deref(),
        Some("2026-11-01T01:30:00-04:00[America/New_York]")
    );
    let second = s.next_opening(first.timestamp(), &ny()).unwrap();
    assert_eq!(
        second.to_string(),
        "2026-11-01T01:00:00-05:00[America/New_York]"
    );
    assert_eq!(
        next_opening(&s, second.timestamp()).as_deref(),
        Some("2026-11-08T01:00:00-05:00[America/New_York]")
    );
}

#[test]
fn clock_falling_back_into_open_hours_is_an_opening() {
    // Open 00:30-01:30 on the wall clock: 04:30Z-05:30Z, then the clock falls
    // back at 06:00Z from 02:00 EDT to 01:00 EST, open again until 06:30Z.
    let s = schedule("weekly: { sun: [\"00:30-01:30\"] }");
    assert!(!open(&s, utc("2026-11-01T05:45:00Z")));
    assert_eq!(
        next_opening(&s, utc("2026-11-01T05:45:00Z")).as_deref(),
        Some("2026-11-01T01:00:00-05:00[America/New_York]")
    );
    assert_eq!(
        closes_at(&s, utc("2026-11-01T06:00:00Z")).as_deref(),
        Some("2026-11-01T01:30:00-05:00[America/New_York]")
    );
}

fn arb_schedule() -> impl Strategy<Value = Schedule> {
    // Up to two ranges per day on a 30-minute grid, as a YAML spec; many
    // short and early, to meet the DST changes at 01:00-03:00.
    let start = prop_oneof![0u32..48, 0u32..8];
    let len = prop_oneof![1u32..=48, 1u32..=4];
    let range = (start, len).prop_map(|(start, len)| {
        let end = (start + len).min(48);
        let hhmm = |h: u32| format!("{:02}:{:02}", h / 2, h % 2 * 30);
        (start, end, format!("\"{}-{}\"", hhmm(start), hhmm(end)))
    });
    let day = prop::collection::vec(range, 0..=2).prop_map(|mut ranges| {
        ranges.sort();
        ranges.dedup_by(|b, a| b.0 < a.1); // drop overlaps
        ranges
            .into_iter()
            .map(|r| r.2)
            .collect::<Vec<_>>()
            .join(", ")
    });
    prop::collection::vec(day, 7).prop_map(|days| {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let body: Vec<String> = names
            .iter()
            .zip(days)
            .map(|(n, d)| format!("{n}: [{d}]"))
            .collect();
        schedule(&format!("weekly: {{ {} }}", body.join(", ")))
    })
}

/// Instants spread over 2026, two in three in the days around a DST change.
fn arb_instant() -> impl Strategy<Value = Timestamp> {
    let minutes = |from: &str, days: i64| {
        let from = utc(from);
        (0..days * 24 * 60, 0i64..60).prop_map(move |(m, s)| {
            from + SignedDuration::from_mins(m) + SignedDuration::from_secs(s)
        })
    };
    prop_oneof![
        minutes("2026-01-01T00:00:00Z", 365),
        minutes("2026-03-05T00:00:00Z", 4),
        minutes("2026-10-29T00:00:00Z", 4),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `next_opening` and `closes_at` agree with `is_open` sampled every
    /// minute, including across the DST changes.
    #[test]
    fn changes_agree_with_is_open(s in arb_schedule(), at in arb_instant()) {
        let tz = ny();
        let now_open = s.is_open(at, &tz);
        let change = if now_open { s.closes_at(at, &tz) } else { s.next_opening(at, &tz) };
        let Some(change) = change.map(|z| z.timestamp()) else {
            return Ok(());
        };
        prop_assert!(change > at);
        prop_assert_eq!(s.is_open(change, &tz), !now_open);
        prop_assert_eq!(s.is_open(change - SignedDuration::from_nanos(1), &tz), now_open);
        let mut t = at;
        while t < change {
            prop_assert_eq!(s.is_open(t, &tz), now_open, "at {}", t);
            t += SignedDuration::from_mins(1);
        }
    }
}
