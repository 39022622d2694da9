//! What a live call's controller asks its IO layer to do.

use crate::session::{LogLine, SessionOutput};
use ivr_flow::interpreter::Action;
use std::net::SocketAddr;

/// Which side of the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegId {
    Caller,
    Agent,
}

#[derive(Debug)]
pub enum Output {
    /// Send this RTP packet from the leg's socket.
    Rtp {
        leg: LegId,
        to: SocketAddr,
        packet: Vec<u8>,
    },
    /// Prompt audio, a recognition, or calling one off: the session's requests, answered
    /// through `prompt_audio` and `recognized`.
    Session(SessionOutput),
    /// A lookup, a message or a callback the flow asked for; its result comes back through
    /// `flow_input`.
    Effect(Action),
    /// An event of the call, already kept for its record: log it, show it live.
    Event(LogLine),
    /// Ask the caller's phone to call this URI (REFER); the final response comes back through
    /// `refer_answered`, the new call's progress through `refer_progress`.
    Refer(String),
    /// Put the caller in this queue of the engine's own agents (in `lang`): a failure comes
    /// back through `wait_failed`, an agent through `agent_answered`; until then,
    /// `announcement` plays what the queue says.
    Wait { queue: String, lang: String },
    /// The caller no longer waits (star, the flow moved on, they hung up): their place in
    /// line goes, and an agent still ringing for them is called off.
    StopWaiting,
    /// A key the caller pressed while talking to an agent: relay it (SIP INFO) off the media
    /// path.
    KeyToAgent(char),
    /// A bridged call with this agent ended after `call_ms`: the agent goes to wrap-up.
    AgentCallEnded { agent: String, call_ms: u64 },
    /// End this leg's dialog (BYE, or CANCEL while it rings).
    HangUp(LegId),
}
