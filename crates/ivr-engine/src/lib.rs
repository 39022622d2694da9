//! A call session: media, speech and the flow interpreter wired together, sans-IO, plus the
//! pieces its IO layers share (speech models, prompt audio, engine configuration, call
//! records).

pub mod acd;
pub mod announce;
pub mod call_distributor;
pub mod cdr;
pub mod config;
pub mod live_call;
pub mod notify;
pub mod queue_wait;
pub mod session;
pub mod speech;
pub mod store;
pub mod tts;
