//! Whether a new call from an address is taken, before any media is set up: a cap on new
//! calls per second and on calls at once from one source address, so one sender cannot take
//! every call slot. Trusted trunks carry many callers and are held only by the engine's
//! overall limit.

use crate::rate_limit::SourceRateLimit;
use std::net::IpAddr;

/// Addresses with a call-rate bucket of their own.
const MAX_SOURCES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdmissionLimits {
    /// New calls one address may start in a burst, then per second.
    pub burst: u32,
    pub per_second: f64,
    /// Calls one address may have at once.
    pub concurrent: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The engine is full (or draining).
    Busy,
    /// This address starts calls too fast.
    TooFast,
    /// This address has its share of calls in progress.
    TooMany,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Busy => "engine_busy",
            Refusal::TooFast => "source_rate",
            Refusal::TooMany => "source_concurrency",
        }
    }
}

pub struct CallAdmission {
    limits: AdmissionLimits,
    rate: SourceRateLimit,
}

impl CallAdmission {
    pub fn new(limits: AdmissionLimits) -> CallAdmission {
        CallAdmission {
            limits,
            rate: SourceRateLimit::new(
                f64::from(limits.burst.max(1)),
                limits.per_second,
                MAX_SOURCES,
            ),
        }
    }

    /// A new call from `source` (`trunk`: a trusted carrier) while `from_source` of the
    /// engine's calls in progress came from that address and `busy` says the engine is full.
    pub fn admit(
        &mut self,
        source: IpAddr,
        trunk: bool,
        from_source: usize,
        busy: bool,
        now_ms: u64,
    ) -> Result<(), Refusal> {
        if busy {
            return Err(Refusal::Busy);
        }
        if trunk {
            return Ok(());
        }
        if from_source >= self.limits.concurrent {
            return Err(Refusal::TooMany);
        }
        if !self.rate.take(source, now_ms) {
            return Err(Refusal::TooFast);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: AdmissionLimits = AdmissionLimits {
        burst: 3,
        per_second: 1.0,
        concurrent: 2,
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn one_address_gets_its_share_and_no_more() {
        let mut admission = CallAdmission::new(LIMITS);
        assert_eq!(admission.admit(ip(1), false, 0, false, 0), Ok(()));
        assert_eq!(admission.admit(ip(1), false, 1, false, 0), Ok(()));
        assert_eq!(
            admission.admit(ip(1), false, 2, false, 0),
            Err(Refusal::TooMany)
        );
        // Another address is not held back by the first.
        assert_eq!(admission.admit(ip(2), false, 0, false, 0), Ok(()));
        assert_eq!(
            admission.admit(ip(2), false, 0, true, 0),
            Err(Refusal::Busy)
        );
    }

    #[test]
    fn calls_started_too_fast_are_refused_until_the_rate_allows() {
        let mut admission = CallAdmission::new(LIMITS);
        let taken = (0..10)
            .filter(|_| admission.admit(ip(1), false, 0, false, 1000).is_ok())
            .count();
        assert_eq!(taken, 3);
        assert_eq!(
            admission.admit(ip(1), false, 0, false, 1500),
            Err(Refusal::TooFast)
        );
        assert_eq!(admission.admit(ip(1), false, 0, false, 2000), Ok(()));
    }

    #[test]
    fn a_trunk_is_held_only_by_the_engine_limit() {
        let mut admission = CallAdmission::new(LIMITS);
        for _ in 0..100 {
            assert_eq!(admission.admit(ip(9), true, 50, false, 0), Ok(()));
        }
        assert_eq!(
            admission.admit(ip(9), true, 50, true, 0),
            Err(Refusal::Busy)
        );
    }
}
