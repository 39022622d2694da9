//! A request sent to an officer: when to tell the caller to expect contact, and the
//! confirmation email, filled in their language. Pure: the store and the clock are the
//! caller's.

use crate::config::escalation::EscalationSettings;
use std::collections::HashMap;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// How long until an officer contacts the caller, and where that figure came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    pub days: u32,
    /// In words, for the record and the supervisor page: `configured` or the history used.
    pub basis: String,
}

/// From the configuration until enough requests have been closed recently; then the days
/// within which `history_percentile` percent of them were closed (rounded up, at least one).
pub fn estimate(settings: &EscalationSettings, close_times_ms: &[i64]) -> Estimate {
    let needed = usize::try_from(settings.history_min_requests).unwrap_or(usize::MAX);
    if close_times_ms.is_empty() || close_times_ms.len() < needed {
        return Estimate {
            days: settings.estimate_days,
            basis: format!(
                "configured (escalation.estimate_days; {} of {} closed requests needed for a \
                 history in the last {} days)",
                close_times_ms.len(),
                settings.history_min_requests,
                settings.history_days
            ),
        };
    }
    let mut sorted = close_times_ms.to_vec();
    sorted.sort_unstable();
    // Nearest rank: the smallest time that at least `percentile` percent are within.
    let rank = (sorted.len() * settings.history_percentile as usize).div_ceil(100);
    let at = sorted[rank.clamp(1, sorted.len()) - 1].max(0);
    // Whole days, rounded up: closed within the hour still means "by tomorrow".
    let days = u32::try_from((at + DAY_MS - 1) / DAY_MS)
        .unwrap_or(u32::MAX)
        .max(1);
    Estimate {
        days,
        basis: format!(
            "history: {}% of the {} requests closed in the last {} days took {} day(s) or less",
            settings.history_percentile,
            sorted.len(),
            settings.history_days,
            days
        ),
    }
}

/// The date `days` after `now` in the line's time zone.
pub fn contact_by(now: jiff::Timestamp, days: u32, zone: &jiff::tz::TimeZone) -> jiff::civil::Date {
    let today = now.to_zoned_datetime(zone.clone()).date();
    today
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .unwrap_or(today)
}

/// A date as a person writes it in `lang`.
pub use ivr_flow::text::written_date;

/// What a new request promises its caller: how long until an officer makes contact, and the
/// date that gives in the line's time zone, written in the caller's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    pub estimate: Estimate,
    pub date: jiff::civil::Date,
    pub written_date: String,
}

impl Promise {
    /// The promise made at `now`, from the settings and the recent close times.
    pub fn new(
        settings: &EscalationSettings,
        close_times_ms: &[i64],
        now: jiff::Timestamp,
        zone: &jiff::tz::TimeZone,
        lang: &str,
    ) -> Promise {
        let estimate = estimate(settings, close_times_ms);
        let date = contact_by(now, estimate.days, zone);
        Promise {
            written_date: written_date(date, lang),
            estimate,
            date,
        }
    }

    /// What the flow is told of request `id`.
    pub fn escalated(&self, id: i64) -> ivr_flow::interpreter::Escalated {
        ivr_flow::interpreter::Escalated {
            id,
            estimate_days: self.estimate.days,
            estimate_date: self.written_date.clone(),
        }
    }

    /// The confirmation email of request `id`: its subject and body filled with the call's
    /// variables and the request's own.
    pub fn confirmation(
        &self,
        id: i64,
        subject: &str,
        body: &str,
        call_vars: &HashMap<String, String>,
    ) -> crate::store::Confirmation {
        let mut vars = call_vars.clone();
        vars.extend(self.escalated(id).variables());
        crate::store::Confirmation {
            subject: ivr_flow::template::render(subject, &vars, ivr_flow::template::plain),
            body: ivr_flow::template::render(body, &vars, ivr_flow::template::plain),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = DAY_MS;

    #[test]
    fn a_short_history_uses_the_configured_days_and_says_so() {
        let settings = EscalationSettings::default();
        let e = estimate(&settings, &[DAY, 2 * DAY]);
        assert_eq!(e.days, 10);
        assert!(e.basis.starts_with("configured"), "{}", e.basis);
        assert!(e.basis.contains("2 of 20"), "{}", e.basis);
    }

    #[test]
    fn enough_history_gives_the_percentile_rounded_up_to_days() {
        let settings = EscalationSettings {
            history_min_requests: 10,
            history_percentile: 90,
            ..EscalationSettings::default()
        };
        // Nine closed within a day and a half, one after six days: 90 % within 2 days.
        let mut times = vec![DAY + DAY / 2; 9];
        times.push(6 * DAY);
        let e = estimate(&settings, &times);
        assert_eq!(e.days, 2, "{}", e.basis);
        assert!(
            e.basis.starts_with("history: 90% of the 10 requests"),
            "{}",
            e.basis
        );
        // At 100 % the slow one counts.
        let all = EscalationSettings {
            history_percentile: 100,
            ..settings
        };
        assert_eq!(estimate(&all, &times).days, 6);
        // Closed within the hour still means "by tomorrow", not today.
        assert_eq!(estimate(&settings, &[3_600_000; 10]).days, 1);
    }

    #[test]
    fn the_date_is_counted_in_the_lines_time_zone_and_written_per_language() {
        let zone = jiff::tz::TimeZone::get("America/New_York").unwrap_or(jiff::tz::TimeZone::UTC);
        // 02:00 UTC on December 3 is still December 2 in New York.
        let now: jiff::Timestamp = "2026-12-03T02:00:00Z".parse().unwrap_or_default();
        let date = contact_by(now, 10, &zone);
        assert_eq!(date.to_string(), "2026-12-12");
        assert_eq!(written_date(date, "en-US"), "December 12, 2026");
        assert_eq!(written_date(date, "es-US"), "12 de diciembre de 2026");
        assert_eq!(written_date(date, "fr-CA"), "2026-12-12");
    }

    #[test]
    fn the_confirmation_tells_the_caller_what_the_flow_tells_them() {
        let zone = jiff::tz::TimeZone::get("America/New_York").unwrap_or(jiff::tz::TimeZone::UTC);
        let now: jiff::Timestamp = "2026-12-03T02:00:00Z".parse().unwrap_or_default();
        let promise = Promise::new(&EscalationSettings::default(), &[], now, &zone, "es-US");
        let call_vars = HashMap::from([("caller_name".to_string(), "Ana".to_string())]);
        let email = promise.confirmation(
            42,
            "Solicitud {escalation_id}",
            "{caller_name}: en {escalation_estimate_days} días, antes del {escalation_estimate_date}.",
            &call_vars,
        );
        assert_eq!(email.subject, "Solicitud 42");
        assert_eq!(
            email.body,
            "Ana: en 10 días, antes del 12 de diciembre de 2026."
        );
        let told = promise.escalated(42);
        assert_eq!(
            (told.id, told.estimate_days, told.estimate_date.as_str()),
            (42, 10, "12 de diciembre de 2026")
        );
    }
}
