//! Why a datagram is not usable RTP, or why a packet could not be built.

use std::fmt;

/// A datagram that is neither RTP nor RTCP, or a packet we could not build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtpError {
    /// Fewer bytes than the smallest header of the protocol the datagram claims to be.
    TooShort {
        /// Bytes received.
        len: usize,
        /// Bytes the smallest valid header needs.
        needed: usize,
    },
    /// The version bits are not 2: STUN, DTLS, or stray traffic sent to the media port.
    NotVersion2 {
        /// The first byte of the datagram, which RFC 7983 uses to tell the protocols apart.
        first_byte: u8,
    },
    /// The RTP header is internally inconsistent (CSRC count, extension length or padding
    /// pointing past the end of the datagram).
    Malformed {
        /// What rtp-rs found wrong.
        detail: String,
    },
    /// We asked for a packet that cannot exist (a payload type above 127, a buffer too small).
    Build {
        /// What rtp-rs refused.
        detail: String,
    },
}

impl fmt::Display for RtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtpError::TooShort { len, needed } => write!(
                f,
                "datagram of {len} bytes is too short for RTP/RTCP (needs at least {needed}); \
                 it was truncated or is not media: drop it"
            ),
            RtpError::NotVersion2 { first_byte } => write!(
                f,
                "datagram starting with byte {first_byte:#04x} is not RTP version 2 \
                 (STUN is 0x00-0x03, DTLS 0x14-0x3f); if the peer expects ICE or DTLS-SRTP, \
                 offer plain RTP/AVP in SDP instead"
            ),
            RtpError::Malformed { detail } => {
                write!(f, "malformed RTP header ({detail}); drop the packet")
            }
            RtpError::Build { detail } => write!(
                f,
                "cannot build RTP packet ({detail}); use a payload type 0-127 and a buffer of at \
                 least 12 bytes plus the payload"
            ),
        }
    }
}

impl std::error::Error for RtpError {}
