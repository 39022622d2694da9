//! SIP signalling and SDP offer/answer for the engine.
//!
//! Everything here is sans-IO: text in, text and decisions out. The SIP transport and
//! transactions (rsipstack) sit in `ivr-sip-server`, behind the engine's IO layer, so these
//! decisions are tested without sockets.

pub mod admission;
pub mod caller_id;
pub mod digest;
pub mod dtmf_relay;
pub mod rate_limit;
pub mod refer_progress;
pub mod registrar;
pub mod rtp_peer;
pub mod sdp;
pub mod trunks;
pub mod via;
