//! SDP (RFC 4566/8866) for telephone audio, and the offer/answer rules of RFC 3264 as an
//! IVR needs them: one audio stream of G.711 (PCMU or PCMA) with RFC 4733 telephone-events.
//!
//! `parse` reads what peers send (lenient where real peers differ: `\n` line ends, unknown
//! lines and attributes, missing `s=`), `answer` decides, `SessionDescription::to_string`
//! writes.

mod negotiate;
mod offer;
mod parse;
mod write;

pub use negotiate::{AudioCodec, LocalMedia, Negotiated, answer};
pub use offer::{agreed, offer};
pub use parse::parse;

use std::fmt;
use std::net::IpAddr;

/// Which way media flows, from the point of view of the description's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The answer's direction for an offered one (RFC 3264 section 6.1).
    pub fn answer_to(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    pub payload_type: u8,
    pub encoding: String,
    pub clock_rate: u32,
    pub channels: Option<u8>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// "audio", "video", ...
    pub kind: String,
    pub port: u16,
    /// "RTP/AVP", "RTP/SAVP", ...
    pub protocol: String,
    /// The formats in the `m=` line, in the author's order of preference.
    pub formats: Vec<String>,
    /// The media-level `c=` address, if any.
    pub connection: Option<IpAddr>,
    pub rtpmaps: Vec<RtpMap>,
    /// `a=fmtp:<format> <parameters>`.
    pub fmtps: Vec<(String, String)>,
    pub ptime_ms: Option<u32>,
    pub direction: Option<Direction>,
}

impl Media {
    pub fn rtpmap(&self, payload_type: u8) -> Option<&RtpMap> {
        self.rtpmaps.iter().find(|m| m.payload_type == payload_type)
    }

    pub fn fmtp(&self, format: &str) -> Option<&str> {
        self.fmtps
            .iter()
            .find(|(f, _)| f == format)
            .map(|(_, p)| p.as_str())
    }
}

/// A session description: the parts that matter for a telephone call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=<username> <sess-id> <sess-version> IN IP4|IP6 <address>`.
    pub origin_username: String,
    pub session_id: u64,
    pub session_version: u64,
    pub origin_address: String,
    pub session_name: String,
    /// The session-level `c=` address, if any.
    pub connection: Option<IpAddr>,
    /// A session-level direction attribute applies to every stream without its own.
    pub direction: Option<Direction>,
    pub media: Vec<Media>,
}

/// Why a description was not accepted; maps to the SIP response the caller gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdpError {
    /// Not valid SDP (answer 400): which line, and what is wrong with it.
    Malformed { line: usize, reason: String },
    /// Valid, but nothing in it that we can do (answer 488 Not Acceptable Here).
    NotAcceptable(String),
}

impl fmt::Display for SdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdpError::Malformed { line, reason } => write!(f, "SDP line {line}: {reason}"),
            SdpError::NotAcceptable(reason) => write!(f, "SDP offer not acceptable: {reason}"),
        }
    }
}

impl std::error::Error for SdpError {}
