//! One caller's wait for an agent, sans-IO: agents are offered the call one at a time (the
//! distributor picks: longest idle first, in the caller's language), each until it answers or
//! its ring ends; the wait ends in the flow's fallback when the caller has waited the
//! longest wait. While nobody rings, what the queue says about the wait is due every so
//! often. Times come in as the driver's `Instant` (this wait's timers) and Unix ms (the
//! distributor's, shared by every call).

use crate::call_distributor::{CallDistributor, NextOffer};
use std::time::{Duration, Instant};

/// How often a waiting caller looks for a free agent.
const RETRY_EVERY: Duration = Duration::from_millis(500);
/// The first announcement comes when the caller has waited a little: one who gets an agent
/// at once hears none.
const FIRST_ANNOUNCEMENT_AFTER: Duration = Duration::from_secs(2);
/// Announcements closer than this would talk over each other.
const MIN_ANNOUNCE_EVERY: Duration = Duration::from_secs(5);

/// A queue's timing, from the engine configuration.
#[derive(Debug, Clone, Copy)]
pub struct WaitLimits {
    pub max_wait: Duration,
    pub announce_every: Duration,
}

/// What a wait's turn comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitTurn {
    /// Nothing to do now.
    Wait,
    /// Ring this agent (the distributor has marked them ringing): report how it went with
    /// `not_rung`, `not_taken` or `taken`.
    Ring(String),
    /// The wait is over without an agent; the caller has left the line.
    Over(String),
}

#[derive(Debug)]
pub struct QueueWait {
    queue: String,
    call_id: String,
    lang: String,
    limits: WaitLimits,
    deadline: Instant,
    next_announcement: Instant,
    next_try: Instant,
    /// Agents who did not take this caller in this round.
    tried: Vec<String>,
    ringing: Option<String>,
    over: bool,
}

impl QueueWait {
    /// Puts the caller in `queue`'s line at `now`, or says why waiting is pointless.
    #[allow(clippy::too_many_arguments)]
    pub fn join(
        distributor: &mut CallDistributor,
        queue: &str,
        call_id: &str,
        lang: &str,
        limits: WaitLimits,
        reachable: impl Fn(&str) -> bool,
        now: Instant,
        now_ms: u64,
    ) -> Result<QueueWait, String> {
        distributor.join(queue, call_id, lang, reachable, now_ms)?;
        Ok(QueueWait {
            queue: queue.to_string(),
            call_id: call_id.to_string(),
            lang: lang.to_string(),
            limits,
            deadline: now + limits.max_wait,
            next_announcement: now + FIRST_ANNOUNCEMENT_AFTER,
            next_try: now,
            tried: Vec::new(),
            ringing: None,
            over: false,
        })
    }

    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// Whether [`turn`](QueueWait::turn) at `now` could do anything (give up or ring): the
    /// distributor need not be asked otherwise.
    pub fn turn_due(&self, now: Instant) -> bool {
        !self.over && (now >= self.deadline || (self.ringing.is_none() && now >= self.next_try))
    }

    /// Whether [`announcement`](QueueWait::announcement) at `now` could say anything.
    pub fn announcement_due(&self, now: Instant) -> bool {
        !self.over && now >= self.next_announcement && self.ringing.is_none()
    }

    /// The wait's turn at `now`: give up, ring the next free agent (if nobody rings and this
    /// caller is first in line), or nothing.
    pub fn turn(
        &mut self,
        distributor: &mut CallDistributor,
        reachable: impl Fn(&str) -> bool,
        now: Instant,
        now_ms: u64,
    ) -> WaitTurn {
        if self.over {
            return WaitTurn::Wait;
        }
        if now >= self.deadline {
            self.leave(distributor);
            return WaitTurn::Over(format!(
                "no agent took the call within {} s",
                self.limits.max_wait.as_secs()
            ));
        }
        if self.ringing.is_some() || now < self.next_try {
            return WaitTurn::Wait;
        }
        let next = distributor.next_offer(
            &self.queue,
            &self.call_id,
            &self.lang,
            reachable,
            &self.tried,
            now_ms,
        );
        match next {
            // Asked again next tick: the moment the caller ahead is served, this one is first.
            NextOffer::NotFirst => WaitTurn::Wait,
            NextOffer::NoneFree => {
                // Everyone who did not answer gets another chance after a round.
                self.next_try = now + RETRY_EVERY;
                self.tried.clear();
                WaitTurn::Wait
            }
            NextOffer::Ring(agent) => {
                self.next_try = now + RETRY_EVERY;
                self.ringing = Some(agent.clone());
                WaitTurn::Ring(agent)
            }
        }
    }

    /// The agent could not be rung (no contact, no port, the INVITE not sent) or did not
    /// take the call (no answer in time, busy, unusable media): the next is tried.
    pub fn not_taken(&mut self, distributor: &mut CallDistributor, agent: &str) {
        if self.ringing.as_deref() == Some(agent) {
            self.ringing = None;
        }
        distributor.offer_failed(agent);
        self.tried.push(agent.to_string());
    }

    /// Whether `agent`'s answer is this caller's: the one ringing for a caller still
    /// waiting. If so the caller leaves the line, bridged; if not the IO layer hangs the
    /// agent's answer up (their state was settled when the offer was called off).
    pub fn taken(&mut self, distributor: &mut CallDistributor, agent: &str) -> bool {
        if self.over || self.ringing.as_deref() != Some(agent) {
            return false;
        }
        self.ringing = None;
        self.over = true;
        distributor.offer_answered(&self.queue, &self.call_id, agent);
        true
    }

    /// What the caller should hear now about their wait, if it is time (in their language):
    /// not while an agent's phone rings.
    pub fn announcement(
        &mut self,
        distributor: &mut CallDistributor,
        reachable: impl Fn(&str) -> bool,
        now: Instant,
    ) -> Option<String> {
        if !self.announcement_due(now) {
            return None;
        }
        self.next_announcement = now + self.limits.announce_every.max(MIN_ANNOUNCE_EVERY);
        let (position, wait_s) =
            distributor.wait_estimate(&self.queue, &self.call_id, &self.lang, reachable)?;
        Some(crate::announce::queue_position(
            &self.lang, position, wait_s,
        ))
    }

    /// The caller left or the wait ended: their place in line goes, and an agent still
    /// ringing for them is freed (the IO layer calls that phone off).
    pub fn leave(&mut self, distributor: &mut CallDistributor) {
        if self.over {
            return;
        }
        self.over = true;
        distributor.leave(&self.queue, &self.call_id, self.ringing.take().as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acd::AgentStatus;

    fn everyone(_: &str) -> bool {
        true
    }

    const LIMITS: WaitLimits = WaitLimits {
        max_wait: Duration::from_secs(60),
        announce_every: Duration::from_secs(20),
    };

    fn desk() -> CallDistributor {
        CallDistributor::new(
            [
                ("ana".to_string(), vec!["es-US".to_string()]),
                ("bo".to_string(), vec!["es-US".to_string()]),
            ],
            5_000,
        )
    }

    fn join(desk: &mut CallDistributor, call_id: &str, now: Instant) -> QueueWait {
        match QueueWait::join(desk, "q", call_id, "es-US", LIMITS, everyone, now, 0) {
            Ok(wait) => wait,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn one_agent_rings_at_a_time_and_one_who_does_not_answer_is_skipped() {
        let mut desk = desk();
        let t0 = Instant::now();
        let mut wait = join(&mut desk, "c1", t0);
        let WaitTurn::Ring(first) = wait.turn(&mut desk, everyone, t0, 0) else {
            panic!("nobody rung");
        };
        assert_eq!(
            wait.turn(&mut desk, everyone, t0 + RETRY_EVERY, 500),
            WaitTurn::Wait
        );
        wait.not_taken(&mut desk, &first);
        let later = t0 + RETRY_EVERY * 2;
        let WaitTurn::Ring(second) = wait.turn(&mut desk, everyone, later, 1_000) else {
            panic!("nobody rung next");
        };
        assert_ne!(first, second);
        assert!(wait.taken(&mut desk, &second));
        assert_eq!(desk.agent_status(&second, 1_000), Some(AgentStatus::Busy));
        // A second answer for the same caller is not theirs.
        assert!(!wait.taken(&mut desk, &first));
    }

    #[test]
    fn the_wait_runs_out_and_frees_the_agent_still_ringing() {
        let mut desk = desk();
        let t0 = Instant::now();
        let mut wait = join(&mut desk, "c1", t0);
        let WaitTurn::Ring(agent) = wait.turn(&mut desk, everyone, t0, 0) else {
            panic!("nobody rung");
        };
        let over = wait.turn(&mut desk, everyone, t0 + LIMITS.max_wait, 60_000);
        assert!(matches!(over, WaitTurn::Over(why) if why.contains("60 s")));
        assert_ne!(
            desk.agent_status(&agent, 60_000),
            Some(AgentStatus::Ringing)
        );
        assert!(!wait.taken(&mut desk, &agent));
        // The next caller is first in line now.
        let mut next = join(&mut desk, "c2", t0 + LIMITS.max_wait);
        let turn = next.turn(&mut desk, everyone, t0 + LIMITS.max_wait, 60_000);
        assert!(matches!(turn, WaitTurn::Ring(_)), "{turn:?}");
    }

    #[test]
    fn announcements_wait_a_little_and_never_while_an_agent_rings() {
        let mut desk = CallDistributor::new([("ana".to_string(), vec!["es-US".to_string()])], 0);
        let t0 = Instant::now();
        let mut first = join(&mut desk, "c1", t0);
        let mut second = join(&mut desk, "c2", t0);
        assert!(matches!(
            first.turn(&mut desk, everyone, t0, 0),
            WaitTurn::Ring(_)
        ));
        assert_eq!(second.turn(&mut desk, everyone, t0, 0), WaitTurn::Wait);
        assert_eq!(second.announcement(&mut desk, everyone, t0), None);
        let t2 = t0 + FIRST_ANNOUNCEMENT_AFTER;
        assert_eq!(first.announcement(&mut desk, everyone, t2), None);
        assert!(second.announcement(&mut desk, everyone, t2).is_some());
        assert_eq!(
            second.announcement(&mut desk, everyone, t2 + Duration::from_secs(1)),
            None
        );
        let again = t2 + LIMITS.announce_every;
        assert!(second.announcement(&mut desk, everyone, again).is_some());
    }
}
