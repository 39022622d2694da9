//! Which agent takes the next call (automatic call distribution), sans-IO: the longest-idle
//! available agent who speaks the caller's language; an agent rings one caller at a time, is
//! busy on a call and in wrap-up for a while after it. Whether an agent's phone is reachable
//! (registered) is asked of the caller of `offer`.

use indexmap::IndexMap;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Available,
    Ringing,
    Busy,
    WrapUp,
}

/// One agent's whole state, as a shared store keeps it between decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRow {
    pub name: String,
    pub languages: Vec<String>,
    pub status: AgentStatus,
    pub idle_since_ms: u64,
    pub wrap_up_until_ms: u64,
}

impl AgentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Available => "available",
            AgentStatus::Ringing => "ringing",
            AgentStatus::Busy => "busy",
            AgentStatus::WrapUp => "wrap_up",
        }
    }

    pub fn parse(text: &str) -> Option<AgentStatus> {
        Some(match text {
            "available" => AgentStatus::Available,
            "ringing" => AgentStatus::Ringing,
            "busy" => AgentStatus::Busy,
            "wrap_up" => AgentStatus::WrapUp,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
struct Agent {
    languages: Vec<String>,
    status: AgentStatus,
    /// When the agent last became free (call ms), for longest-idle first.
    idle_since_ms: u64,
    wrap_up_until_ms: u64,
}

pub struct Agents {
    agents: IndexMap<String, Agent>,
    wrap_up_ms: u64,
}

/// Whether `spoken` (an agent's language, `es` or `es-US`) serves a caller in `wanted`.
fn speaks(spoken: &str, wanted: &str) -> bool {
    let primary = |tag: &str| {
        tag.split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    spoken.eq_ignore_ascii_case(wanted) || primary(spoken) == primary(wanted)
}

impl Agents {
    pub fn new(agents: impl IntoIterator<Item = (String, Vec<String>)>, wrap_up_ms: u64) -> Agents {
        Agents {
            agents: agents
                .into_iter()
                .map(|(name, languages)| {
                    let agent = Agent {
                        languages,
                        status: AgentStatus::Available,
                        idle_since_ms: 0,
                        wrap_up_until_ms: 0,
                    };
                    (name, agent)
                })
                .collect(),
            wrap_up_ms,
        }
    }

    /// Agents as they were saved by [`rows`](Agents::rows).
    pub fn from_rows(rows: impl IntoIterator<Item = AgentRow>, wrap_up_ms: u64) -> Agents {
        Agents {
            agents: rows
                .into_iter()
                .map(|row| {
                    let agent = Agent {
                        languages: row.languages,
                        status: row.status,
                        idle_since_ms: row.idle_since_ms,
                        wrap_up_until_ms: row.wrap_up_until_ms,
                    };
                    (row.name, agent)
                })
                .collect(),
            wrap_up_ms,
        }
    }

    pub fn rows(&self) -> Vec<AgentRow> {
        self.agents
            .iter()
            .map(|(name, a)| AgentRow {
                name: name.clone(),
                languages: a.languages.clone(),
                status: a.status,
                idle_since_ms: a.idle_since_ms,
                wrap_up_until_ms: a.wrap_up_until_ms,
            })
            .collect()
    }

    fn settle(&mut self, now_ms: u64) {
        for agent in self.agents.values_mut() {
            if agent.status == AgentStatus::WrapUp && now_ms >= agent.wrap_up_until_ms {
                agent.status = AgentStatus::Available;
                agent.idle_since_ms = agent.wrap_up_until_ms;
            }
        }
    }

    /// Whether any agent for `lang` could take a call now or soon (reachable, whatever its
    /// state): with none, waiting is pointless.
    pub fn staffed(&mut self, lang: &str, reachable: impl Fn(&str) -> bool) -> bool {
        self.agents
            .iter()
            .any(|(name, a)| a.languages.iter().any(|l| speaks(l, lang)) && reachable(name))
    }

    /// How many agents for `lang` are reachable, whatever their state.
    pub fn staffed_count(&mut self, lang: &str, reachable: impl Fn(&str) -> bool) -> usize {
        self.agents
            .iter()
            .filter(|(name, a)| a.languages.iter().any(|l| speaks(l, lang)) && reachable(name))
            .count()
    }

    /// The agent to ring for a caller in `lang`, now marked ringing; `skip` are agents this
    /// caller already rang without an answer.
    pub fn offer(
        &mut self,
        lang: &str,
        reachable: impl Fn(&str) -> bool,
        skip: &[String],
        now_ms: u64,
    ) -> Option<String> {
        self.settle(now_ms);
        let name = self
            .agents
            .iter()
            .filter(|(name, a)| {
                a.status == AgentStatus::Available
                    && a.languages.iter().any(|l| speaks(l, lang))
                    && !skip.contains(name)
                    && reachable(name)
            })
            .min_by_key(|(_, a)| a.idle_since_ms)
            .map(|(name, _)| name.clone())?;
        if let Some(agent) = self.agents.get_mut(&name) {
            agent.status = AgentStatus::Ringing;
        }
        Some(name)
    }

    /// The agent answered: busy until `ended`.
    pub fn answered(&mut self, name: &str) {
        if let Some(agent) = self.agents.get_mut(name) {
            agent.status = AgentStatus::Busy;
        }
    }

    /// The agent did not answer (or refused): free again, still first in line for others.
    pub fn missed(&mut self, name: &str) {
        if let Some(agent) = self.agents.get_mut(name) {
            agent.status = AgentStatus::Available;
        }
    }

    /// The call with the agent ended: wrap-up, then available.
    pub fn ended(&mut self, name: &str, now_ms: u64) {
        let wrap_up_ms = self.wrap_up_ms;
        if let Some(agent) = self.agents.get_mut(name) {
            agent.status = AgentStatus::WrapUp;
            agent.wrap_up_until_ms = now_ms + wrap_up_ms;
        }
    }

    pub fn status(&mut self, name: &str, now_ms: u64) -> Option<AgentStatus> {
        self.settle(now_ms);
        self.agents.get(name).map(|a| a.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agents() -> Agents {
        Agents::new(
            [
                ("ana".to_string(), vec!["es-US".to_string()]),
                ("bob".to_string(), vec!["en-US".to_string()]),
                (
                    "carla".to_string(),
                    vec!["en".to_string(), "es".to_string()],
                ),
            ],
            10_000,
        )
    }

    #[test]
    fn the_longest_idle_agent_with_the_language_rings() {
        let mut a = agents();
        let all = |_: &str| true;
        assert_eq!(a.offer("es-US", all, &[], 0), Some("ana".into()));
        // Ana rings: Carla (bilingual) is next for Spanish.
        assert_eq!(a.offer("es-US", all, &[], 0), Some("carla".into()));
        assert_eq!(a.offer("es-US", all, &[], 0), None);
        a.answered("ana");
        a.missed("carla");
        a.ended("ana", 1_000);
        assert_eq!(a.status("ana", 5_000), Some(AgentStatus::WrapUp));
        assert_eq!(a.offer("es-US", all, &["carla".to_string()], 5_000), None);
        // After wrap-up Ana is free again, but Carla has been idle longer.
        assert_eq!(a.status("ana", 11_000), Some(AgentStatus::Available));
        assert_eq!(a.offer("es-US", all, &[], 11_000), Some("carla".into()));
        assert_eq!(a.offer("es-US", all, &[], 11_000), Some("ana".into()));
    }

    #[test]
    fn unreachable_agents_are_not_rung_nor_count_as_staff() {
        let mut a = agents();
        let only_bob = |name: &str| name == "bob";
        assert_eq!(a.offer("es-US", only_bob, &[], 0), None);
        assert!(!a.staffed("es-US", only_bob));
        assert!(a.staffed("en-US", only_bob));
        assert_eq!(a.offer("en-US", only_bob, &[], 0), Some("bob".into()));
    }
}

/// Callers waiting in each queue, in order, and recent call lengths, for places in line and
/// estimated waits.
#[derive(Default)]
pub struct QueueBoard {
    /// Queue -> (call id, when it joined, ms) in order.
    waiting: std::collections::BTreeMap<String, Vec<(String, u64)>>,
    /// The last calls' lengths with agents (ms), newest last.
    handle_times_ms: std::collections::VecDeque<u64>,
}

/// Until calls have been handled, a call with an agent is taken to last this long.
const DEFAULT_HANDLE_MS: u64 = 180_000;
const HANDLE_TIMES_KEPT: usize = 20;

/// One caller in line, as a shared store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingRow {
    pub queue: String,
    pub call_id: String,
    pub joined_ms: u64,
}

impl QueueBoard {
    /// A board from saved callers, in line order, and the recent call lengths, oldest first.
    pub fn from_rows(rows: impl IntoIterator<Item = WaitingRow>, handle_times_ms: &[u64]) -> Self {
        let mut board = QueueBoard::default();
        for row in rows {
            board
                .waiting
                .entry(row.queue)
                .or_default()
                .push((row.call_id, row.joined_ms));
        }
        for &ms in handle_times_ms {
            board.handled(ms);
        }
        board
    }

    pub fn rows(&self) -> Vec<WaitingRow> {
        self.waiting
            .iter()
            .flat_map(|(queue, line)| {
                line.iter().map(|(call_id, joined_ms)| WaitingRow {
                    queue: queue.clone(),
                    call_id: call_id.clone(),
                    joined_ms: *joined_ms,
                })
            })
            .collect()
    }

    pub fn handle_times_ms(&self) -> Vec<u64> {
        self.handle_times_ms.iter().copied().collect()
    }

    pub fn join(&mut self, queue: &str, call_id: &str, now_ms: u64) {
        let line = self.waiting.entry(queue.to_string()).or_default();
        if !line.iter().any(|(c, _)| c == call_id) {
            line.push((call_id.to_string(), now_ms));
        }
    }

    pub fn leave(&mut self, queue: &str, call_id: &str) {
        if let Some(line) = self.waiting.get_mut(queue) {
            line.retain(|(c, _)| c != call_id);
        }
    }

    /// Each queue that has had callers: (queue, callers waiting, longest wait in seconds).
    pub fn summary(&self, now_ms: u64) -> Vec<(String, usize, u64)> {
        self.waiting
            .iter()
            .map(|(queue, line)| {
                let longest = line
                    .first()
                    .map_or(0, |(_, joined)| now_ms.saturating_sub(*joined) / 1000);
                (queue.clone(), line.len(), longest)
            })
            .collect()
    }

    /// 1 = next in line.
    pub fn position(&self, queue: &str, call_id: &str) -> Option<usize> {
        self.waiting
            .get(queue)?
            .iter()
            .position(|(c, _)| c == call_id)
            .map(|i| i + 1)
    }

    /// Whether `call_id` is first in its queue (only the first is offered to agents, so
    /// callers are served in order).
    pub fn is_first(&self, queue: &str, call_id: &str) -> bool {
        self.position(queue, call_id) == Some(1)
    }

    pub fn handled(&mut self, call_ms: u64) {
        self.handle_times_ms.push_back(call_ms);
        while self.handle_times_ms.len() > HANDLE_TIMES_KEPT {
            self.handle_times_ms.pop_front();
        }
    }

    /// Seconds until an agent is likely free for the caller at `position`: each caller
    /// ahead, and this one, takes an average call, spread over the agents staffed.
    pub fn estimated_wait_s(&self, position: usize, agents: usize) -> u64 {
        let average = if self.handle_times_ms.is_empty() {
            DEFAULT_HANDLE_MS
        } else {
            self.handle_times_ms.iter().sum::<u64>() / self.handle_times_ms.len() as u64
        };
        let agents = agents.max(1) as u64;
        (position as u64 * average).div_ceil(agents) / 1000
    }
}

#[cfg(test)]
mod board_tests {
    use super::*;

    #[test]
    fn places_in_line_and_waits() {
        let mut board = QueueBoard::default();
        board.join("q", "a", 0);
        board.join("q", "b", 1000);
        board.join("q", "a", 2000);
        assert_eq!(board.summary(10_000), [("q".to_string(), 2, 10)]);
        assert_eq!(board.position("q", "b"), Some(2));
        assert!(board.is_first("q", "a"));
        assert_eq!(board.estimated_wait_s(2, 1), 360);
        board.handled(60_000);
        board.handled(120_000);
        assert_eq!(board.estimated_wait_s(2, 2), 90);
        board.leave("q", "a");
        assert_eq!(board.position("q", "b"), Some(1));
        assert_eq!(board.position("q", "a"), None);
    }
}
