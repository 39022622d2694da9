//! What the supervisor page shows beside the lists: recent recognition latency and the
//! intents callers asked for today (in the line's time zone). This engine's calls only; in a
//! cluster each engine's page shows its own.

use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// Latencies kept for the figures: the last few minutes of a busy line.
const RECENT: usize = 500;

pub struct LineStats {
    zone: jiff::tz::TimeZone,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    latencies_ms: VecDeque<u64>,
    day: Option<jiff::civil::Date>,
    intents: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Today, in the line's time zone.
    pub date: String,
    pub recognition: Latency,
    /// Intent -> times understood today, most asked first.
    pub intents_today: Vec<(String, u64)>,
}

/// End of speech to result over the last `samples` utterances (at most 500).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Latency {
    pub samples: usize,
    pub p50_ms: Option<u64>,
    pub p90_ms: Option<u64>,
    pub max_ms: Option<u64>,
}

impl LineStats {
    pub fn new(zone: jiff::tz::TimeZone) -> LineStats {
        LineStats {
            zone,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn recognized(&self, latency_ms: u64) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.latencies_ms.len() == RECENT {
                inner.latencies_ms.pop_front();
            }
            inner.latencies_ms.push_back(latency_ms);
        }
    }

    pub fn intent(&self, name: &str, now: jiff::Timestamp) {
        let today = self.today(now);
        if let Ok(mut inner) = self.inner.lock() {
            inner.roll_over(today);
            *inner.intents.entry(name.to_string()).or_default() += 1;
        }
    }

    pub fn summary(&self, now: jiff::Timestamp) -> Summary {
        let today = self.today(now);
        let Ok(mut inner) = self.inner.lock() else {
            return Summary {
                date: today.to_string(),
                recognition: Latency::default(),
                intents_today: Vec::new(),
            };
        };
        inner.roll_over(today);
        let mut sorted: Vec<u64> = inner.latencies_ms.iter().copied().collect();
        sorted.sort_unstable();
        let rank = |percent: usize| {
            let at = (sorted.len() * percent).div_ceil(100).max(1);
            sorted.get(at - 1).copied()
        };
        let mut intents: Vec<(String, u64)> =
            inner.intents.iter().map(|(k, v)| (k.clone(), *v)).collect();
        intents.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Summary {
            date: today.to_string(),
            recognition: Latency {
                samples: sorted.len(),
                p50_ms: rank(50),
                p90_ms: rank(90),
                max_ms: sorted.last().copied(),
            },
            intents_today: intents,
        }
    }

    fn today(&self, now: jiff::Timestamp) -> jiff::civil::Date {
        now.to_zoned_datetime(self.zone.clone()).date()
    }
}

impl Inner {
    /// A new day starts the intent counts again.
    fn roll_over(&mut self, today: jiff::civil::Date) {
        if self.day != Some(today) {
            self.day = Some(today);
            self.intents.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn percentiles_over_the_recent_utterances() {
        let stats = LineStats::new(jiff::tz::TimeZone::UTC);
        for ms in 1..=10 {
            stats.recognized(ms * 100);
        }
        let s = stats.summary(at("2026-12-02T12:00:00Z"));
        assert_eq!(s.recognition.samples, 10);
        assert_eq!(s.recognition.p50_ms, Some(500));
        assert_eq!(s.recognition.p90_ms, Some(900));
        assert_eq!(s.recognition.max_ms, Some(1000));
        for _ in 0..RECENT {
            stats.recognized(7);
        }
        assert_eq!(
            stats.summary(at("2026-12-02T12:00:00Z")).recognition.max_ms,
            Some(7)
        );
    }

    #[test]
    fn intents_count_for_the_lines_day_and_start_again_at_its_midnight() {
        let zone = jiff::tz::TimeZone::get("America/New_York").unwrap_or(jiff::tz::TimeZone::UTC);
        let stats = LineStats::new(zone);
        stats.intent("case_status", at("2026-12-02T15:00:00Z"));
        stats.intent("forms", at("2026-12-02T16:00:00Z"));
        stats.intent("case_status", at("2026-12-03T04:30:00Z")); // 23:30 in New York
        let s = stats.summary(at("2026-12-03T04:45:00Z"));
        assert_eq!(s.date, "2026-12-02");
        assert_eq!(
            s.intents_today,
            [("case_status".to_string(), 2), ("forms".to_string(), 1)]
        );
        let next_day = stats.summary(at("2026-12-03T05:01:00Z"));
        assert_eq!(next_day.date, "2026-12-03");
        assert!(next_day.intents_today.is_empty());
    }
}
