//! The interarrival jitter estimator of RFC 3550 §6.4.1.

use crate::frame::SAMPLE_RATE;

/// Mean deviation of packet transit times, smoothed with gain 1/16 as RFC 3550 prescribes.
#[derive(Debug, Clone, Default)]
pub(super) struct InterarrivalJitter {
    /// Transit time of the previous packet (arrival minus RTP timestamp, in clock units).
    previous_transit: Option<u32>,
    /// Jitter in clock units.
    jitter: f64,
}

impl InterarrivalJitter {
    /// Takes the next packet in arrival order.
    pub(super) fn update(&mut self, rtp_timestamp: u32, arrival_ms: u64) {
        let units_per_ms = u64::from(SAMPLE_RATE / 1000);
        // Transit times are compared by difference only, so wrapping arithmetic is exact.
        let arrival = arrival_ms.wrapping_mul(units_per_ms) as u32;
        let transit = arrival.wrapping_sub(rtp_timestamp);
        if let Some(previous) = self.previous_transit {
            let deviation = (transit.wrapping_sub(previous) as i32).unsigned_abs();
            // A timestamp discontinuity (a far end that rebased its clock without a new SSRC)
            // would otherwise read as hours of jitter and pin the delay at its maximum for
            // seconds. No deviation past one second matters to a buffer capped well below it.
            let deviation = f64::from(deviation.min(SAMPLE_RATE));
            self.jitter += (deviation - self.jitter) / 16.0;
        }
        self.previous_transit = Some(transit);
    }

    /// The estimate in milliseconds.
    pub(super) fn jitter_ms(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(SAMPLE_RATE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_transit_is_no_jitter_and_alternating_delay_converges_to_it() {
        let mut steady = InterarrivalJitter::default();
        for n in 0..100u32 {
            steady.update(n * 160, u64::from(n) * 20 + 35);
        }
        assert_eq!(steady.jitter_ms(), 0.0);

        // Delays alternating 0 / 10 ms: every deviation is 10 ms.
        let mut alternating = InterarrivalJitter::default();
        for n in 0..500u32 {
            alternating.update(n * 160, u64::from(n) * 20 + u64::from(n % 2) * 10);
        }
        assert!((alternating.jitter_ms() - 10.0).abs() < 0.01);
    }

    #[test]
    fn a_timestamp_discontinuity_counts_as_at_most_a_second() {
        let mut jitter = InterarrivalJitter::default();
        jitter.update(0, 0);
        jitter.update(2_000_000_000, 20);
        assert!(jitter.jitter_ms() <= 1000.0 / 16.0 + 0.01);
    }
}
