//! A call session: media, speech and the flow interpreter wired together, sans-IO, with a
//! live call's controller and its legs, the agents' distributor and a caller's wait; plus the
//! pieces its IO layers share (speech models, prompt audio, engine configuration, the store,
//! call records) and `serve`, the tokio runtime that answers calls with them.

pub mod acd;
pub mod announce;
pub mod call_distributor;
pub mod cdr;
pub mod config;
pub mod escalation;
pub mod flow_file;
pub mod http_lookup;
pub mod live_call;
pub mod notify;
pub mod queue_wait;
pub mod redact;
pub mod serve;
pub mod session;
pub mod speech;
pub mod store;
pub mod tts;
