//! Validation of a `ScheduleSpec` into a `Schedule`.

use super::hours::{DAYS, OpenRange, parse_date, parse_day_key, parse_hours};
use super::spec::ScheduleSpec;
use crate::diagnostic::{Diagnostics, Pos};
use crate::schema::spanned::At;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// Compiled, validated schedule (cheap to evaluate).
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Indexed by `Weekday::to_monday_zero_offset`; each day sorted, no overlaps.
    pub(super) weekly: [Vec<OpenRange>; 7],
    /// Closed days (empty) and special days, replacing the weekly hours.
    pub(super) dated: BTreeMap<Date, Vec<OpenRange>>,
}

/// Counts this schedule's own errors, since `diags` may already hold others.
struct Errors<'a> {
    diags: &'a mut Diagnostics,
    any: bool,
}

impl Errors<'_> {
    fn error(&mut self, pos: Pos, message: String) {
        self.diags.error(pos, message);
        self.any = true;
    }
}

impl Schedule {
    /// Validates and compiles; every problem goes to `diags` at the position
    /// of the offending key or value. Returns `None` if there was any error.
    pub fn compile(spec: &ScheduleSpec, diags: &mut Diagnostics) -> Option<Schedule> {
        let mut errs = Errors { diags, any: false };
        let weekly = compile_weekly(spec, &mut errs);
        let dated = compile_dated(spec, &mut errs);
        (!errs.any).then_some(Schedule { weekly, dated })
    }
}

fn compile_weekly(spec: &ScheduleSpec, errs: &mut Errors) -> [Vec<OpenRange>; 7] {
    let mut weekly: [Vec<OpenRange>; 7] = Default::default();
    let mut covered_by: [Option<&At<String>>; 7] = [None; 7];
    for (key, hours) in spec.weekly.iter() {
        // Hours are checked even under a bad key so all mistakes show at once.
        let ranges = compile_hours(hours, errs);
        let days = match parse_day_key(&key.value) {
            Ok(days) => days,
            Err(msg) => {
                errs.error(key.pos, msg);
                continue;
            }
        };
        // One message per earlier key, naming every day the two keys share.
        let mut clashes: Vec<(&At<String>, Vec<&str>)> = Vec::new();
        for day in days {
            match covered_by[day] {
                Some(prev) => match clashes.iter_mut().find(|(k, _)| k.pos == prev.pos) {
                    Some((_, shared)) => shared.push(DAYS[day]),
                    None => clashes.push((prev, vec![DAYS[day]])),
                },
                None => {
                    covered_by[day] = Some(key);
                    weekly[day] = ranges.clone();
                }
            }
        }
        for (prev, shared) in clashes {
            let (verb, list) = match shared.as_slice() {
                [one] => ("is", (*one).to_string()),
                many => ("are", many.join(", ")),
            };
            errs.error(
                key.pos,
                format!(
                    "\"{}\": {list} {verb} already covered by \"{}\" on line {}; list each day once",
                    key.value, prev.value, prev.pos.line
                ),
            );
        }
    }
    weekly
}

/// Parses one day's hours, reporting each bad or overlapping entry; returns
/// the valid ranges sorted.
fn compile_hours(hours: &[At<String>], errs: &mut Errors) -> Vec<OpenRange> {
    let mut ranges: Vec<OpenRange> = Vec::new();
    for text in hours {
        let range = match parse_hours(&text.value) {
            Ok(range) => range,
            Err(msg) => {
                errs.error(text.pos, msg);
                continue;
            }
        };
        match ranges.iter().find(|r| r.overlaps(range)) {
            Some(&earlier) => errs.error(
                text.pos,
                format!(
                    "hours \"{}\" overlap \"{earlier}\" on the same day: merge them into \"{}\" or remove the overlap",
                    text.value,
                    earlier.merged(range)
                ),
            ),
            None => ranges.push(range),
        }
    }
    ranges.sort();
    ranges
}

fn compile_dated(spec: &ScheduleSpec, errs: &mut Errors) -> BTreeMap<Date, Vec<OpenRange>> {
    let closed = spec.closed.iter().map(|c| (&c.date, &c.name, Vec::new()));
    let special = spec
        .special
        .iter()
        .map(|s| (&s.date, &s.name, compile_hours(&s.hours, errs)));
    let mut entries: Vec<_> = closed.chain(special).collect();
    // File order, so a date listed twice is reported at its second mention
    // whichever of `closed` and `special` comes first.
    entries.sort_by_key(|(date, _, _)| date.pos);

    let mut dated = BTreeMap::new();
    let mut first_seen: BTreeMap<Date, (Pos, &Option<String>)> = BTreeMap::new();
    for (text, name, ranges) in entries {
        let date = match parse_date(&text.value) {
            Ok(date) => date,
            Err(msg) => {
                errs.error(text.pos, msg);
                continue;
            }
        };
        if let Some((pos, first_name)) = first_seen.get(&date) {
            let called = first_name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            errs.error(
                text.pos,
                format!(
                    "{date} is already listed on line {}{called}; list each date once, under either closed or special",
                    pos.line
                ),
            );
            continue;
        }
        first_seen.insert(date, (text.pos, name));
        dated.insert(date, ranges);
    }
    dated
}
