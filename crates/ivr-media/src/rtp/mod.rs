//! RTP (RFC 3550) on the wire: telling RTP from RTCP on a shared port, reading RTP packets and
//! building the ones we send.

mod classify;
mod error;
mod sender;

pub use classify::{Datagram, RtpPacket, classify};
pub use error::RtpError;
pub use sender::RtpSender;
