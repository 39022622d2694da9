//! Evaluation of a compiled schedule against instants.
//!
//! The schedule is a set of civil (wall-clock) hours, so an instant is open
//! when its local wall-clock time in the flow's zone falls in the hours of its
//! local date. DST needs no special case for `is_open`: during a repeated
//! hour (fold) both instants read the same wall clock, and wall-clock times in
//! a skipped hour (gap) never occur.
//!
//! `next_opening` and `closes_at` search for the first instant where
//! `is_open` changes, so they agree with `is_open` by construction. The
//! candidates are the instants showing each range's start or end on the wall
//! clock, plus the zone's transitions (where the clock jumps into or out of a
//! range). For a wall-clock time in a gap the change is at the gap's end, the
//! first instant whose clock reads at least that time; when the time is the
//! gap's start (the usual 02:00) that is what jiff's `compatible`
//! disambiguation gives, and for a time inside the gap `compatible` would be
//! later than the moment the line actually opened.

use super::compile::Schedule;
use super::hours::{OpenRange, SECS_PER_DAY};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ZonedDateTime};

/// How far `next_opening` and `closes_at` look ahead.
const HORIZON_DAYS: i64 = 400;

impl Schedule {
    /// Open at this instant, evaluated on the local wall clock of `tz`.
    pub fn is_open(&self, at: Timestamp, tz: &TimeZone) -> bool {
        let local = tz.to_datetime(at);
        let second = second_of_day(local.time());
        self.hours_on(local.date())
            .iter()
            .any(|r| r.contains(second))
    }

    /// The next instant strictly after `at` at which the schedule opens,
    /// searching at most 400 days ahead; `None` if it never does.
    pub fn next_opening(&self, at: Timestamp, tz: &TimeZone) -> Option<ZonedDateTime> {
        self.next_change(at, tz, true)
            .map(|t| t.to_zoned_datetime(tz.clone()))
    }

    /// When the current open period ends, if open at `at`. Hours that meet
    /// (`"…-24:00"` then `"00:00-…"` the next day) count as one period.
    /// `None` if closed now or if the schedule stays open for 400 days.
    pub fn closes_at(&self, at: Timestamp, tz: &TimeZone) -> Option<ZonedDateTime> {
        if !self.is_open(at, tz) {
            return None;
        }
        self.next_change(at, tz, false)
            .map(|t| t.to_zoned_datetime(tz.clone()))
    }

    pub(super) fn hours_on(&self, date: Date) -> &[OpenRange] {
        match self.dated.get(&date) {
            Some(hours) => hours,
            None => &self.weekly[weekday_index(date)],
        }
    }

    /// The first instant after `at` where `is_open` becomes `to_open`.
    fn next_change(&self, at: Timestamp, tz: &TimeZone, to_open: bool) -> Option<Timestamp> {
        let limit = at
            .checked_add(SignedDuration::from_hours(24 * HORIZON_DAYS))
            .ok()?;
        let is_change = |t: Timestamp| {
            t > at
                && t <= limit
                && self.is_open(t, tz) == to_open
                && just_before(t).is_some_and(|b| self.is_open(b, tz) != to_open)
        };

        let mut best: Option<Timestamp> = None;
        // Start a day early: where clocks go back across midnight, some of
        // yesterday's wall-clock times recur after `at`.
        let mut day = tz.to_datetime(at).date().yesterday().ok()?;
        let last_day = tz.to_datetime(limit).date();
        let mut found_on: Option<Date> = None;
        while day <= last_day {
            for range in self.hours_on(day) {
                let edge = if to_open { range.start } else { range.end };
                for t in instants_showing(day, edge, tz) {
                    if is_change(t) && best.is_none_or(|b| t < b) {
                        best = Some(t);
                        found_on.get_or_insert(day);
                    }
                }
            }
            // Instants of later days cannot be earlier, bar a fold straddling
            // midnight, so one extra day settles it.
            if found_on.is_some_and(|d| d < day) {
                break;
            }
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }

        let horizon = best.unwrap_or(limit);
        for transition in tz.following(at) {
            let t = transition.timestamp();
            if t > horizon {
                break;
            }
            if is_change(t) && best.is_none_or(|b| t < b) {
                best = Some(t);
            }
        }
        best
    }
}

/// The instants whose wall clock reads `second` of `day` (`SECS_PER_DAY` being
/// the next midnight): one normally, two in a fold, none in a gap.
fn instants_showing(day: Date, second: u32, tz: &TimeZone) -> Vec<Timestamp> {
    let Some(dt) = civil_at(day, second) else {
        return Vec::new();
    };
    let at_offset = |offset: jiff::tz::Offset| offset.to_timestamp(dt).ok();
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => at_offset(offset).into_iter().collect(),
        AmbiguousOffset::Fold { before, after } => [at_offset(before), at_offset(after)]
            .into_iter()
            .flatten()
            .collect(),
        // The clock jumps past `dt` at the zone's transition, which
        // `next_change` tries anyway.
        AmbiguousOffset::Gap { .. } => Vec::new(),
    }
}

fn civil_at(day: Date, second: u32) -> Option<DateTime> {
    if second >= SECS_PER_DAY {
        return day.tomorrow().ok().map(|d| d.to_datetime(Time::midnight()));
    }
    let hour = i8::try_from(second / 3600).ok()?;
    let minute = i8::try_from(second % 3600 / 60).ok()?;
    let time = Time::new(hour, minute, 0, 0).ok()?;
    Some(day.to_datetime(time))
}

fn just_before(t: Timestamp) -> Option<Timestamp> {
    t.checked_sub(SignedDuration::from_nanos(1)).ok()
}

fn second_of_day(time: Time) -> u32 {
    let secs =
        i32::from(time.hour()) * 3600 + i32::from(time.minute()) * 60 + i32::from(time.second());
    u32::try_from(secs).unwrap_or(0)
}

fn weekday_index(date: Date) -> usize {
    usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0)
}
