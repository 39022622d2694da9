//! A blind transfer by REFER (RFC 3515), sans-IO: where it goes, and how it ends from the
//! REFER's response and the caller's phone's NOTIFYs. The transfer worked when the new call
//! is answered (a 2xx sipfrag); until then the caller is still ours, so a refusal, a failed
//! new call or silence past the deadline hands the call back to the flow's fallback.

use crate::config::EngineConfig;
use crate::config::serving::{QueueTarget, check_sip_uri};
use indexmap::IndexMap;
use ivr_flow::interpreter::TransferTarget;
use ivr_sip::refer_progress::ReferProgress;
use std::time::{Duration, Instant};

/// How long the new call may take to be answered (ringing an agent included).
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a flow's transfer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Out of the engine: the caller's phone is asked to call this SIP URI (REFER).
    Refer(String),
    /// To the engine's own agents, through this queue.
    Agents(String),
}

/// Where the configuration sends a flow's transfers: queues that are elsewhere (REFER) and
/// whether the engine has agents of its own for the rest.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    external: IndexMap<String, QueueTarget>,
    own_agents: bool,
    /// Queues not listed are referred to `sip:QUEUE@replay.invalid` (`ivr replay`, which
    /// answers the REFER itself).
    replayed: bool,
}

impl Routes {
    pub fn of(config: &EngineConfig) -> Routes {
        Routes {
            external: config.external_queues(),
            own_agents: !config.agents.is_empty(),
            replayed: false,
        }
    }

    /// A replay's routes: every queue is a REFER that the replay answers as connected.
    pub fn replayed() -> Routes {
        Routes {
            replayed: true,
            ..Routes::default()
        }
    }

    pub fn route(&self, target: &TransferTarget) -> Result<Route, String> {
        match target {
            TransferTarget::Uri(uri) => check_sip_uri(uri).map(|()| Route::Refer(uri.clone())),
            TransferTarget::Queue(queue) => match self.external.get(queue) {
                Some(target) => Ok(Route::Refer(target.refer_to.clone())),
                None if self.own_agents => Ok(Route::Agents(queue.clone())),
                None if self.replayed => Ok(Route::Refer(format!("sip:{queue}@replay.invalid"))),
                None => Err(format!(
                    "queue {queue} has nowhere to go: add agents, or queues.{queue}.refer_to, \
                     to the engine configuration"
                )),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Waiting,
    Connected,
    Failed(String),
}

impl Step {
    /// What one turn of the call's loop comes to when `later` happened after `self`: the first
    /// outcome stands, so a star that left the queue is not undone by the key that came in the
    /// same datagram, nor by the tick after it.
    pub fn then(self, later: Step) -> Step {
        match self {
            Step::Waiting => later,
            decided => decided,
        }
    }
}

#[derive(Debug)]
pub struct Transfer {
    pub uri: String,
    deadline: Instant,
    /// The phone took the REFER (202); a hangup from here on is the transfer going ahead.
    pub accepted: bool,
}

impl Transfer {
    pub fn new(uri: String, now: Instant) -> Transfer {
        Transfer {
            uri,
            deadline: now + TRANSFER_TIMEOUT,
            accepted: false,
        }
    }

    /// The REFER's final response (or why none came).
    pub fn on_refer_response(&mut self, status: &Result<u16, String>) -> Step {
        match status {
            Ok(code) if (200..300).contains(code) => {
                self.accepted = true;
                Step::Waiting
            }
            Ok(code) => Step::Failed(format!("REFER answered {code}")),
            Err(e) => Step::Failed(e.clone()),
        }
    }

    pub fn on_progress(&mut self, progress: ReferProgress) -> Step {
        if progress.succeeded() {
            Step::Connected
        } else if progress.failed() {
            Step::Failed(format!("the new call failed with {}", progress.status))
        } else if progress.finished {
            Step::Failed(format!("reports ended at {}", progress.status))
        } else {
            Step::Waiting
        }
    }

    pub fn on_tick(&self, now: Instant) -> Step {
        if now >= self.deadline {
            Step::Failed(format!(
                "no answer from {} within {} s",
                self.uri,
                TRANSFER_TIMEOUT.as_secs()
            ))
        } else {
            Step::Waiting
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_outcome_of_a_turn_stands() {
        let star = Step::Failed("the caller asked for a callback instead".to_string());
        assert_eq!(star.clone().then(Step::Waiting), star);
        assert_eq!(star.clone().then(Step::Connected), star);
        assert_eq!(Step::Waiting.then(star.clone()), star);
        assert_eq!(Step::Waiting.then(Step::Waiting), Step::Waiting);
    }
    use crate::config::serving::AgentAccount;

    fn progress(status: u16, finished: bool) -> ReferProgress {
        ReferProgress { status, finished }
    }

    #[test]
    fn connected_when_the_new_call_is_answered() {
        let now = Instant::now();
        let mut t = Transfer::new("sip:a@127.0.0.1".into(), now);
        assert_eq!(t.on_refer_response(&Ok(202)), Step::Waiting);
        assert!(t.accepted);
        assert_eq!(t.on_progress(progress(100, false)), Step::Waiting);
        assert_eq!(t.on_progress(progress(180, false)), Step::Waiting);
        assert_eq!(t.on_progress(progress(200, true)), Step::Connected);
    }

    #[test]
    fn refused_failed_or_silent_transfers_fail() {
        let now = Instant::now();
        let mut t = Transfer::new("sip:a@127.0.0.1".into(), now);
        assert!(matches!(t.on_refer_response(&Ok(603)), Step::Failed(_)));
        assert!(!t.accepted);
        assert!(matches!(
            t.on_refer_response(&Err("timeout".into())),
            Step::Failed(_)
        ));
        assert!(matches!(
            t.on_progress(progress(486, true)),
            Step::Failed(_)
        ));
        assert!(matches!(
            t.on_progress(progress(180, true)),
            Step::Failed(_)
        ));
        assert_eq!(t.on_tick(now + Duration::from_secs(59)), Step::Waiting);
        assert!(matches!(t.on_tick(now + TRANSFER_TIMEOUT), Step::Failed(_)));
    }

    #[test]
    fn queues_go_where_the_configuration_says() {
        let target = QueueTarget {
            refer_to: "sip:agents@127.0.0.1:5080".into(),
        };
        let mut config = EngineConfig {
            queues: Some([("agents-en".to_string(), target)].into_iter().collect()),
            ..EngineConfig::default()
        };
        let queue = |q: &str| TransferTarget::Queue(q.into());
        assert_eq!(
            Routes::of(&config).route(&queue("agents-en")),
            Ok(Route::Refer("sip:agents@127.0.0.1:5080".to_string()))
        );
        let missing = Routes::of(&config)
            .route(&queue("agents-es"))
            .err()
            .unwrap_or_default();
        assert!(missing.contains("queues.agents-es.refer_to"), "{missing}");
        let uri = |u: &str| TransferTarget::Uri(u.into());
        assert!(Routes::of(&config).route(&uri("sip:x@127.0.0.1")).is_ok());
        assert!(Routes::of(&config).route(&uri("mailto:x@y")).is_err());
        // With agents, queues not sent elsewhere are theirs.
        config.agents.insert(
            "ana".into(),
            AgentAccount {
                ha1: Some("0".repeat(32)),
                uri: None,
                languages: vec!["es-US".into()],
            },
        );
        assert_eq!(
            Routes::of(&config).route(&queue("agents-es")),
            Ok(Route::Agents("agents-es".into()))
        );
    }
}
