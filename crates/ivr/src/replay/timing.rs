//! The figures a directory replay ends with: how fast recognition answered and how fast the
//! replay ran. They are what `benches/README.md` records for the speech pipeline.

use ivr_engine::session::{LogEvent, LogLine, MediaEvent};
use ivr_flow::interpreter::CallEvent;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Default)]
pub struct Timing {
    /// End of speech to final result, per recognized utterance (ms of call time).
    latencies_ms: Vec<u64>,
    /// The same, by the caller's language (the fixture's).
    by_language: BTreeMap<String, Vec<u64>>,
    /// Utterances ended before the full trailing silence (the words already answered).
    early_endpoints: usize,
    /// Call time replayed (ms), from answer to the call's last event.
    call_ms: u64,
}

impl Timing {
    /// Takes the figures of one replayed call, whose caller speaks `language`.
    pub fn add_call(&mut self, language: &str, log: &[LogLine]) {
        for line in log {
            match &line.event {
                LogEvent::Flow(CallEvent::Recognized {
                    latency_ms: Some(ms),
                    ..
                }) => {
                    self.latencies_ms.push(*ms);
                    self.by_language
                        .entry(language.to_string())
                        .or_default()
                        .push(*ms);
                }
                LogEvent::Media(MediaEvent::EarlyEndpoint { .. }) => self.early_endpoints += 1,
                _ => {}
            }
        }
        self.call_ms += log.last().map_or(0, |l| l.t_ms);
    }

    /// One line: latency percentiles (all, then per language), utterances ended early, and
    /// call seconds replayed per wall-clock second.
    pub fn summary(&self, wall: Duration) -> String {
        let latency = match percentiles(&self.latencies_ms) {
            Some((p50, p95)) => {
                let per_language: Vec<String> = self
                    .by_language
                    .iter()
                    .filter_map(|(lang, values)| {
                        percentiles(values).map(|(p50, p95)| {
                            format!("{lang} p50 {p50} p95 {p95} over {}", values.len())
                        })
                    })
                    .collect();
                format!(
                    "end of speech to result p50 {p50} ms, p95 {p95} ms over {} utterances ({}); \
                     {} ended early",
                    self.latencies_ms.len(),
                    per_language.join(", "),
                    self.early_endpoints
                )
            }
            None => "no utterance recognized".to_string(),
        };
        let call_s = self.call_ms as f64 / 1000.0;
        let wall_s = wall.as_secs_f64();
        let speed = if wall_s > 0.0 { call_s / wall_s } else { 0.0 };
        format!(
            "timing: {latency}; {call_s:.0} s of calls in {wall_s:.1} s ({speed:.1} call seconds \
             per second)"
        )
    }
}

/// p50 and p95 of unsorted values.
fn percentiles(values: &[u64]) -> Option<(u64, u64)> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    Some((percentile(&sorted, 50)?, percentile(&sorted, 95)?))
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], pct: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&values, 50), Some(10));
        assert_eq!(percentile(&values, 95), Some(19));
        assert_eq!(percentile(&[7], 95), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }
}
