//! `ivr serve`'s call-serving runtime on tokio: each answered call's driver (its sockets, SIP
//! dialogs, recognition jobs, lookups and timers around `live_call::CallController`), dialing
//! agents for a caller's wait, the recognition worker pool's use, the outbox's delivery by
//! HTTP and SMTP, flow reloads, RTP ports, the calls in progress, and the metrics' names. The
//! `ivr` binary wires it to its command line, signals and admin HTTP.

pub mod call;
pub mod clock;
pub mod deliver;
pub mod distributor;
mod done;
mod effects;
pub mod flows;
pub mod hold_music;
pub mod line_stats;
pub mod live;
pub mod messages;
pub mod metrics;
pub mod ports;
mod queue;
mod recognition;

use crate::config::EngineConfig;
use crate::http_lookup::HttpLookup;
use crate::speech::SpeechModels;
use crate::tts::CallPrompts;
use clock::CallClock;
use flows::FlowLibrary;
use ivr_sip::registrar::Registrar;
use ivr_speech::pool::RecognitionPool;
use live::LiveCalls;
use ports::RtpPorts;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What every call shares: loaded once per process.
pub struct Shared {
    pub config: EngineConfig,
    pub flows: FlowLibrary,
    pub models: Arc<SpeechModels>,
    /// Recognition runs here, off the async runtime, with a bounded queue.
    pub recognition: RecognitionPool,
    /// End of speech to result, at most; then the utterance takes the no-match path.
    pub recognition_timeout_ms: u64,
    pub prompts: CallPrompts,
    /// What callers waiting for an agent hear.
    pub hold_music: hold_music::HoldMusicLibrary,
    pub http: HttpLookup,
    pub rtp_ports: RtpPorts,
    /// The call records file.
    pub records: PathBuf,
    /// Fired when a drain runs out of time: calls still up are hung up (BYE).
    pub stop_calls: ivr_sip_server::CancellationToken,
    /// Where RTP sockets bind.
    pub bind_ip: IpAddr,
    /// The address SDP answers give callers.
    pub media_ip: IpAddr,
    pub clock: CallClock,
    pub live: Arc<LiveCalls>,
    /// Recent recognition latency and today's intents, for the supervisor page.
    pub line_stats: line_stats::LineStats,
    /// Callbacks and the message outbox.
    pub store: Arc<crate::store::Store>,
    /// Wakes the outbox deliverer when a call queues a message.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Agents' phone registrations.
    pub registrar: Arc<Mutex<Registrar>>,
    /// Agents and the callers waiting for them: who rings whom, in what order.
    pub acd: Arc<distributor::Distributor>,
    /// Places calls to agents; set once SIP is bound.
    pub dialer: std::sync::OnceLock<ivr_sip_server::Dialer>,
}
