//! The time calls see: the wall clock, or the wall clock moved to start at a chosen time (to
//! try a flow's schedules on a live call, as `ivr chat --at` does by text).

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy)]
pub struct CallClock {
    offset: SignedDuration,
}

impl CallClock {
    pub fn real() -> CallClock {
        CallClock {
            offset: SignedDuration::ZERO,
        }
    }

    /// A clock that reads `at` now and runs on from there at the wall clock's pace.
    pub fn starting_at(at: Timestamp) -> CallClock {
        CallClock {
            offset: at.duration_since(Timestamp::now()),
        }
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.offset)
            .unwrap_or_else(|_| Timestamp::now())
    }

    pub fn is_shifted(&self) -> bool {
        !self.offset.is_zero()
    }
}

/// Real Unix time in milliseconds: what agents' states, waiting callers and registrations are
/// timed by (they must agree with the SIP registrar, which a shifted call clock would not).
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
