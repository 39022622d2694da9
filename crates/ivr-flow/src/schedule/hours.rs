//! Parsing of the scalar pieces of a schedule: day keys, hours and dates.
//!
//! Each parser returns the whole user-facing message on failure, so the
//! compiler only has to attach a position.

use jiff::civil::Date;

/// Day keys in week order, Monday first (jiff's `to_monday_zero_offset`).
pub(crate) const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The end of a day, "24:00".
pub(crate) const SECS_PER_DAY: u32 = 86_400;

/// Opening hours within one civil day, in seconds since local midnight.
/// `end` may be 86 400 ("24:00"); the range is half-open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OpenRange {
    pub start: u32,
    pub end: u32,
}

impl OpenRange {
    pub fn contains(self, second_of_day: u32) -> bool {
        self.start <= second_of_day && second_of_day < self.end
    }

    pub fn overlaps(self, other: OpenRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn merged(self, other: OpenRange) -> OpenRange {
        OpenRange {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl std::fmt::Display for OpenRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hhmm = |s: u32| format!("{:02}:{:02}", s / 3600, s % 3600 / 60);
        write!(f, "{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

/// Parses a day key: `mon` or a range such as `mon-fri`. A range may wrap past
/// Sunday (`sun-thu`), since some working weeks start on Sunday.
pub(crate) fn parse_day_key(key: &str) -> Result<Vec<usize>, String> {
    let Some((first, last)) = key.split_once('-') else {
        return day_index(key)
            .map(|d| vec![d])
            .ok_or_else(|| unknown_day(key, key));
    };
    let first_i = day_index(first).ok_or_else(|| unknown_day(first, key))?;
    let last_i = day_index(last).ok_or_else(|| unknown_day(last, key))?;
    if first_i == last_i {
        return Err(format!(
            "day range \"{key}\" starts and ends on the same day: write \"{first}\" for one day"
        ));
    }
    let len = (last_i + 7 - first_i) % 7 + 1;
    Ok((0..len).map(|i| (first_i + i) % 7).collect())
}

fn day_index(name: &str) -> Option<usize> {
    DAYS.iter().position(|d| *d == name)
}

fn unknown_day(part: &str, key: &str) -> String {
    let within = if part == key {
        String::new()
    } else {
        format!(" in \"{key}\"")
    };
    let hint = match suggest_day(part) {
        Some(day) => format!(" (did you mean \"{day}\"?)"),
        None => String::new(),
    };
    format!(
        "unknown day \"{part}\"{within}{hint}: use mon, tue, wed, thu, fri, sat, sun, or a range such as mon-fri"
    )
}

/// Guesses the intended day for full names ("Monday"), capitals ("Mon") and
/// one-letter typos ("fry").
fn suggest_day(part: &str) -> Option<&'static str> {
    let lower = part.trim().to_lowercase();
    if let Some(day) = DAYS.iter().find(|d| lower.starts_with(*d)) {
        return Some(day);
    }
    let close: Vec<&str> = DAYS
        .iter()
        .copied()
        .filter(|d| {
            lower.len() == 3 && d.chars().zip(lower.chars()).filter(|(a, b)| a == b).count() == 2
        })
        .collect();
    match close.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Parses `"HH:MM-HH:MM"` on the 24-hour clock; the end may be `24:00`.
pub(crate) fn parse_hours(text: &str) -> Result<OpenRange, String> {
    let shape = || {
        format!(
            "invalid hours \"{text}\": expected HH:MM-HH:MM, 24-hour clock, e.g. \"08:00-20:00\""
        )
    };
    let (a, b) = text.split_once('-').ok_or_else(shape)?;
    let (sh, sm) = parse_clock(a).ok_or_else(shape)?;
    let (eh, em) = parse_clock(b).ok_or_else(shape)?;
    if sh > 23 || sm > 59 {
        return Err(format!(
            "invalid hours \"{text}\": {a} is not an opening time; use 00:00 to 23:59"
        ));
    }
    if em > 59 || eh > 24 || (eh == 24 && em != 0) {
        return Err(format!(
            "invalid hours \"{text}\": {b} is not a closing time; use 00:01 to 24:00 (24:00 is the end of the day)"
        ));
    }
    let range = OpenRange {
        start: sh * 3600 + sm * 60,
        end: eh * 3600 + em * 60,
    };
    if range.end == 0 {
        return Err(format!(
            "hours \"{text}\" end at 00:00: write midnight at the end of the day as 24:00, e.g. \"{a}-24:00\""
        ));
    }
    if range.end == range.start {
        return Err(format!(
            "hours \"{text}\" open and close at the same time: the end must be after the start"
        ));
    }
    if range.end < range.start {
        // Overnight hours would make one day's entry change the next day's
        // hours, which holidays and special days could not override cleanly.
        return Err(format!(
            "hours \"{text}\" run past midnight: split them at midnight, \"{a}-24:00\" on this day and \"00:00-{b}\" on the next"
        ));
    }
    Ok(range)
}

/// Exactly two digits, a colon, two digits; range checks are the caller's.
fn parse_clock(text: &str) -> Option<(u32, u32)> {
    let b = text.as_bytes();
    let digits_ok =
        b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit());
    if !digits_ok {
        return None;
    }
    let num = |i: usize, j: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[j] - b'0');
    Some((num(0, 1), num(3, 4)))
}

/// Parses an ISO `YYYY-MM-DD` date. Other spellings are refused rather than
/// guessed at, since "03/04/2026" means different days to different people.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let shape = || format!("invalid date \"{text}\": expected YYYY-MM-DD, e.g. \"2026-12-25\"");
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(shape());
    }
    let year: i16 = text[0..4].parse().map_err(|_| shape())?;
    let month: i8 = text[5..7].parse().map_err(|_| shape())?;
    let day: i8 = text[8..10].parse().map_err(|_| shape())?;
    let month_name = usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|i| crate::text::MONTHS_EN.get(i));
    let Some(month_name) = month_name else {
        return Err(format!(
            "invalid date \"{text}\": there is no month {month}"
        ));
    };
    let invalid = |e: jiff::Error| format!("invalid date \"{text}\": {e}");
    let days = Date::new(year, month, 1).map_err(invalid)?.days_in_month();
    if day < 1 || day > days {
        return Err(format!(
            "invalid date \"{text}\": {month_name} {year} has {days} days"
        ));
    }
    Date::new(year, month, day).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_keys_and_ranges() {
        assert_eq!(parse_day_key("mon"), Ok(vec![0]));
        assert_eq!(parse_day_key("mon-fri"), Ok(vec![0, 1, 2, 3, 4]));
        assert_eq!(parse_day_key("sat-sun"), Ok(vec![5, 6]));
        assert_eq!(parse_day_key("sun-thu"), Ok(vec![6, 0, 1, 2, 3]));
        assert_eq!(parse_day_key("fri-mon"), Ok(vec![4, 5, 6, 0]));
    }

    #[test]
    fn day_key_errors_suggest_the_fix() {
        let msg = |k| parse_day_key(k).err().unwrap_or_default();
        assert!(
            msg("mon-fry").contains("unknown day \"fry\" in \"mon-fry\" (did you mean \"fri\"?)")
        );
        assert!(msg("Monday").contains("(did you mean \"mon\"?)"));
        assert!(msg("weekdays").starts_with("unknown day \"weekdays\": use mon"));
        assert!(msg("mon-mon").contains("write \"mon\" for one day"));
        assert!(msg("mon-").contains("unknown day \"\" in \"mon-\""));
    }

    #[test]
    fn hours() {
        assert_eq!(
            parse_hours("08:00-20:00"),
            Ok(OpenRange {
                start: 28_800,
                end: 72_000
            })
        );
        assert_eq!(
            parse_hours("00:00-24:00"),
            Ok(OpenRange {
                start: 0,
                end: 86_400
            })
        );
        assert_eq!(
            parse_hours("09:30-12:15").map(|r| r.to_string()),
            Ok("09:30-12:15".to_string())
        );
    }

    #[test]
    fn hours_errors_suggest_the_fix() {
        let msg = |h| parse_hours(h).err().unwrap_or_default();
        for bad in [
            "8:00-20:00",
            "08:00",
            "8am-5pm",
            "08:00 - 20:00",
            "08.00-20.00",
            "",
        ] {
            assert!(
                msg(bad).contains("expected HH:MM-HH:MM, 24-hour clock"),
                "{bad}"
            );
        }
        assert!(msg("24:00-24:00").contains("24:00 is not an opening time"));
        assert!(msg("08:60-20:00").contains("08:60 is not an opening time"));
        assert!(msg("08:00-24:30").contains("24:30 is not a closing time"));
        assert!(msg("08:00-25:00").contains("25:00 is not a closing time"));
        assert!(msg("20:00-00:00").contains("\"20:00-24:00\""));
        assert!(msg("10:00-10:00").contains("the end must be after the start"));
        assert!(msg("22:00-06:00").contains(
            "split them at midnight, \"22:00-24:00\" on this day and \"00:00-06:00\" on the next"
        ));
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2026-12-25"),
            Ok(jiff::civil::date(2026, 12, 25))
        );
        assert_eq!(parse_date("2028-02-29"), Ok(jiff::civil::date(2028, 2, 29)));
    }

    #[test]
    fn date_errors_say_why() {
        let msg = |d| parse_date(d).err().unwrap_or_default();
        assert!(msg("2026-02-30").contains("February 2026 has 28 days"));
        assert!(msg("2026-04-31").contains("April 2026 has 30 days"));
        assert!(msg("2026-12-00").contains("December 2026 has 31 days"));
        assert!(msg("2026-13-01").contains("there is no month 13"));
        assert!(msg("2026-00-01").contains("there is no month 0"));
        for bad in [
            "12/25/2026",
            "2026-1-5",
            "2026/12/25",
            "Dec 25",
            "2026-12-25T00:00",
        ] {
            assert!(
                msg(bad).contains("expected YYYY-MM-DD, e.g. \"2026-12-25\""),
                "{bad}"
            );
        }
    }
}
