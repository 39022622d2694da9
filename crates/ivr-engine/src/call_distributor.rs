//! The one owner of agents and the callers waiting for them, sans-IO: every decision about who
//! rings whom (order in line, the longest-idle agent, one offer per agent at a time, wrap-up,
//! estimated waits) is made here, under one lock, from explicit times. Whether an agent's phone
//! is reachable (registered, or at a fixed address) is asked of the caller through
//! `reachable`. Engines sharing a database run the same decisions on the state it keeps
//! (`serve::distributor`), one at a time across the cluster.

use crate::acd::{AgentRow, AgentStatus, Agents, QueueBoard, WaitingRow};

/// What a waiting caller gets when it asks for an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextOffer {
    /// Someone is ahead in line: only the first caller is offered, so callers are served in
    /// order.
    NotFirst,
    /// No agent for the caller's language is free now (all busy, ringing, in wrap-up, or
    /// already tried by this caller).
    NoneFree,
    /// Ring this agent, now marked ringing.
    Ring(String),
}

pub struct CallDistributor {
    agents: Agents,
    board: QueueBoard,
}

impl CallDistributor {
    /// `agents`: (name, languages); `wrap_up_ms`: after a call, before the next offer.
    pub fn new(
        agents: impl IntoIterator<Item = (String, Vec<String>)>,
        wrap_up_ms: u64,
    ) -> CallDistributor {
        CallDistributor {
            agents: Agents::new(agents, wrap_up_ms),
            board: QueueBoard::default(),
        }
    }

    /// A distributor from a shared store's rows (see [`parts`](CallDistributor::parts)).
    pub fn from_parts(
        agents: Vec<AgentRow>,
        waiting: Vec<WaitingRow>,
        handle_times_ms: &[u64],
        wrap_up_ms: u64,
    ) -> CallDistributor {
        CallDistributor {
            agents: Agents::from_rows(agents, wrap_up_ms),
            board: QueueBoard::from_rows(waiting, handle_times_ms),
        }
    }

    /// The whole state, for a shared store to keep between decisions.
    pub fn parts(&self) -> (Vec<AgentRow>, Vec<WaitingRow>, Vec<u64>) {
        (
            self.agents.rows(),
            self.board.rows(),
            self.board.handle_times_ms(),
        )
    }

    /// Puts a caller in line, or says why waiting is pointless (nobody for the language).
    pub fn join(
        &mut self,
        queue: &str,
        call_id: &str,
        lang: &str,
        reachable: impl Fn(&str) -> bool,
        now_ms: u64,
    ) -> Result<(), String> {
        if !self.agents.staffed(lang, reachable) {
            return Err(format!("no agent for {lang} is signed in"));
        }
        self.board.join(queue, call_id, now_ms);
        Ok(())
    }

    /// The caller's place in line (1 = next) and the estimated wait in seconds.
    pub fn wait_estimate(
        &mut self,
        queue: &str,
        call_id: &str,
        lang: &str,
        reachable: impl Fn(&str) -> bool,
    ) -> Option<(usize, u64)> {
        let position = self.board.position(queue, call_id)?;
        let agents = self.agents.staffed_count(lang, reachable);
        Some((position, self.board.estimated_wait_s(position, agents)))
    }

    /// The agent to ring for this caller, if it is first in line; `tried`: agents this caller
    /// already rang without an answer. Checking the line and marking the agent ringing happen
    /// together, so two callers never get the same agent.
    pub fn next_offer(
        &mut self,
        queue: &str,
        call_id: &str,
        lang: &str,
        reachable: impl Fn(&str) -> bool,
        tried: &[String],
        now_ms: u64,
    ) -> NextOffer {
        if !self.board.is_first(queue, call_id) {
            return NextOffer::NotFirst;
        }
        match self.agents.offer(lang, reachable, tried, now_ms) {
            Some(agent) => NextOffer::Ring(agent),
            None => NextOffer::NoneFree,
        }
    }

    /// The offer to `agent` ended without a call (no answer, refused, unusable, or never
    /// placed): the agent is free again.
    pub fn offer_failed(&mut self, agent: &str) {
        self.agents.missed(agent);
    }

    /// The agent took the caller: the agent is busy and the caller leaves the line.
    pub fn offer_answered(&mut self, queue: &str, call_id: &str, agent: &str) {
        self.agents.answered(agent);
        self.board.leave(queue, call_id);
    }

    /// The caller stopped waiting (star, hangup, the wait ran out); `ringing`: the agent whose
    /// phone was ringing for it, freed.
    pub fn leave(&mut self, queue: &str, call_id: &str, ringing: Option<&str>) {
        self.board.leave(queue, call_id);
        if let Some(agent) = ringing {
            self.agents.missed(agent);
        }
    }

    /// A call with `agent` ended after `call_ms`: wrap-up for the agent, and the call's length
    /// counts toward the next estimated waits.
    pub fn call_ended(&mut self, agent: &str, call_ms: u64, now_ms: u64) {
        self.board.handled(call_ms);
        self.agents.ended(agent, now_ms);
    }

    pub fn agent_status(&mut self, agent: &str, now_ms: u64) -> Option<AgentStatus> {
        self.agents.status(agent, now_ms)
    }

    /// Each queue that has had callers: (queue, callers waiting, longest wait in seconds).
    pub fn queues(&self, now_ms: u64) -> Vec<(String, usize, u64)> {
        self.board.summary(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everyone(_: &str) -> bool {
        true
    }

    fn desk() -> CallDistributor {
        CallDistributor::new(
            [
                ("ana".to_string(), vec!["es".to_string()]),
                ("bob".to_string(), vec!["en-US".to_string()]),
            ],
            10_000,
        )
    }

    #[test]
    fn callers_are_offered_in_order_one_agent_each() {
        let mut d = desk();
        assert_eq!(d.join("es", "a", "es-US", everyone, 0), Ok(()));
        assert_eq!(d.join("es", "b", "es-US", everyone, 100), Ok(()));
        assert_eq!(
            d.next_offer("es", "b", "es-US", everyone, &[], 200),
            NextOffer::NotFirst
        );
        assert_eq!(
            d.next_offer("es", "a", "es-US", everyone, &[], 200),
            NextOffer::Ring("ana".into())
        );
        // Ana rings for A: nobody else may get her.
        assert_eq!(
            d.next_offer("es", "a", "es-US", everyone, &[], 300),
            NextOffer::NoneFree
        );
        d.offer_answered("es", "a", "ana");
        assert_eq!(d.agent_status("ana", 400), Some(AgentStatus::Busy));
        assert_eq!(
            d.wait_estimate("es", "b", "es-US", everyone),
            Some((1, 180))
        );
        assert_eq!(
            d.next_offer("es", "b", "es-US", everyone, &[], 400),
            NextOffer::NoneFree
        );
        d.call_ended("ana", 60_000, 60_400);
        assert_eq!(d.agent_status("ana", 60_500), Some(AgentStatus::WrapUp));
        assert_eq!(
            d.next_offer("es", "b", "es-US", everyone, &[], 70_400),
            NextOffer::Ring("ana".into())
        );
        assert_eq!(d.wait_estimate("es", "b", "es-US", everyone), Some((1, 60)));
    }

    #[test]
    fn a_caller_leaving_while_an_agent_rings_frees_the_agent_and_its_place() {
        let mut d = desk();
        assert_eq!(d.join("es", "a", "es-US", everyone, 0), Ok(()));
        assert_eq!(d.join("es", "b", "es-US", everyone, 10), Ok(()));
        assert_eq!(
            d.next_offer("es", "a", "es-US", everyone, &[], 20),
            NextOffer::Ring("ana".into())
        );
        d.leave("es", "a", Some("ana"));
        assert_eq!(d.agent_status("ana", 30), Some(AgentStatus::Available));
        assert_eq!(d.queues(1_000), vec![("es".to_string(), 1, 0)]);
        assert_eq!(
            d.next_offer("es", "b", "es-US", everyone, &[], 40),
            NextOffer::Ring("ana".into())
        );
    }

    #[test]
    fn nobody_for_the_language_means_no_wait() {
        let mut d = desk();
        assert_eq!(
            d.join("es", "a", "es-US", |name| name != "ana", 0),
            Err("no agent for es-US is signed in".to_string())
        );
        assert!(d.queues(0).is_empty());
        // A caller who rang the only agent without an answer finds none free until it
        // clears its list.
        assert_eq!(d.join("en", "c", "en-US", everyone, 0), Ok(()));
        assert_eq!(
            d.next_offer("en", "c", "en-US", everyone, &["bob".into()], 10),
            NextOffer::NoneFree
        );
        d.offer_failed("bob");
        assert_eq!(
            d.next_offer("en", "c", "en-US", everyone, &[], 20),
            NextOffer::Ring("bob".into())
        );
    }
}
