//! Opening-hours schedules: weekly hours, dated closures and special days,
//! evaluated on the wall clock of the flow's time zone.

mod compile;
mod eval;
mod hours;
mod spec;

#[cfg(test)]
mod compile_test;
#[cfg(test)]
mod eval_test;
#[cfg(test)]
mod holidays_test;

pub use compile::Schedule;
pub use spec::{ClosedDay, ScheduleSpec, SpecialDay};

use crate::diagnostic::Diagnostics;
use crate::schema::spanned::At;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use std::sync::OnceLock;

/// The tzdb compiled into the binary, so a flow means the same thing on
/// every host whatever its `/usr/share/zoneinfo` holds.
fn bundled_tzdb() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// Parses an IANA zone name from the bundled tzdb; an unknown name is an
/// error at its position with a hint.
pub fn parse_time_zone(name: &At<String>, diags: &mut Diagnostics) -> Option<TimeZone> {
    match bundled_tzdb().get(&name.value) {
        Ok(tz) => Some(tz),
        Err(_) => {
            let hint = match suggest_zone(&name.value) {
                Some(zone) => format!(" (did you mean \"{zone}\"?)"),
                None => String::new(),
            };
            diags.error(
                name.pos,
                format!(
                    "unknown time zone \"{}\"{hint}: use an IANA time zone name, e.g. America/New_York",
                    name.value
                ),
            );
            None
        }
    }
}

/// A zone whose name, or city part, matches ignoring case, spaces,
/// underscores and dashes ("new york" -> "America/New_York").
fn suggest_zone(name: &str) -> Option<String> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = squash(name);
    if wanted.is_empty() {
        return None;
    }
    let mut matches = bundled_tzdb().available().filter(|zone| {
        let zone = zone.as_str();
        let city = zone.rsplit('/').next().unwrap_or(zone);
        squash(zone) == wanted || (zone.contains('/') && squash(city) == wanted)
    });
    let first = matches.next()?;
    // Several zones sharing a city name would make the hint a guess.
    match matches.next() {
        None => Some(first.as_str().to_string()),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Pos;

    fn parse(name: &str) -> (Option<TimeZone>, Vec<crate::diagnostic::Diagnostic>) {
        let mut diags = Diagnostics::default();
        let tz = parse_time_zone(&At::new(name.to_string(), Pos::new(3, 11)), &mut diags);
        (tz, diags.into_sorted())
    }

    #[test]
    fn known_zones_parse() {
        for name in [
            "America/New_York",
            "Europe/Paris",
            "UTC",
            "america/new_york",
        ] {
            let (tz, diags) = parse(name);
            assert!(tz.is_some() && diags.is_empty(), "{name}");
        }
    }

    #[test]
    fn unknown_zone_is_an_error_with_a_hint() {
        let (tz, diags) = parse("America/NewYork");
        assert!(tz.is_none());
        assert_eq!(diags.len(), 1);
        assert_eq!((diags[0].line, diags[0].col), (3, 11));
        assert_eq!(
            diags[0].message,
            "unknown time zone \"America/NewYork\" (did you mean \"America/New_York\"?): \
             use an IANA time zone name, e.g. America/New_York"
        );
        let (_, diags) = parse("new york");
        assert!(
            diags[0]
                .message
                .contains("did you mean \"America/New_York\"?")
        );
        let (_, diags) = parse("Eastern Time");
        assert!(
            diags[0]
                .message
                .starts_with("unknown time zone \"Eastern Time\": use an IANA")
        );
    }
}
