//! Why a telephone-event payload or request was refused.

use std::fmt;

/// A payload that is not a usable RFC 4733 event, or a key we cannot send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelephoneEventError {
    /// The payload is shorter than the 4 bytes of an event.
    TooShort {
        /// Bytes received.
        len: usize,
    },
    /// An event code outside 0-15: a tone or signal other than a DTMF key (RFC 4733 §3.2 and
    /// RFC 4734), which this IVR does not act on.
    NotDtmf {
        /// The event code received.
        event: u8,
    },
    /// A key that has no DTMF event code.
    UnknownKey {
        /// The key asked for.
        key: char,
    },
    /// A duration or volume that the 16-bit duration or 6-bit volume field cannot carry.
    OutOfRange {
        /// What was out of range, and its limits.
        detail: String,
    },
}

impl fmt::Display for TelephoneEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TelephoneEventError::TooShort { len } => write!(
                f,
                "telephone-event payload of {len} bytes is shorter than the 4 bytes RFC 4733 \
                 requires; check that the payload type negotiated for telephone-event matches"
            ),
            TelephoneEventError::NotDtmf { event } => write!(
                f,
                "telephone-event code {event} is not a DTMF key (0-15); restrict the SDP fmtp to \
                 `0-15` so the far end sends only keys"
            ),
            TelephoneEventError::UnknownKey { key } => {
                write!(f, "{key:?} is not a DTMF key; use 0-9, *, # or A-D")
            }
            TelephoneEventError::OutOfRange { detail } => write!(f, "{detail}"),
        }
    }
}

impl std::error::Error for TelephoneEventError {}
