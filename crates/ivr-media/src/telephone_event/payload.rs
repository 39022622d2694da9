//! The 4-byte RFC 4733 event payload (§2.3):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::TelephoneEventError;

/// DTMF keys in event-code order (RFC 4733 §3.2, table 7).
const KEYS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/// One telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelephoneEvent {
    /// Event code; 0-15 are the DTMF keys.
    pub event: u8,
    /// E bit: this packet ends the event.
    pub end: bool,
    /// Power level in -dBm0 (0-63); receivers ignore it for keys.
    pub volume: u8,
    /// Time since the event began, in clock-rate units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Reads the first 4 bytes of `payload`. Codes above 15 are accepted here; the DTMF
    /// receiver decides what to do with them. The reserved R bit is ignored, as §2.3.4 asks.
    pub fn decode(payload: &[u8]) -> Result<TelephoneEvent, TelephoneEventError> {
        let [event, flags, high, low, ..] = *payload else {
            return Err(TelephoneEventError::TooShort { len: payload.len() });
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([high, low]),
        })
    }

    /// The 4 payload bytes; the volume is cut to its 6 bits.
    pub fn encode(&self) -> [u8; 4] {
        let flags = (if self.end { 0x80 } else { 0 }) | (self.volume & 0x3F);
        let [high, low] = self.duration.to_be_bytes();
        [self.event, flags, high, low]
    }

    /// The DTMF key of this event, if it is one.
    pub fn key(&self) -> Option<char> {
        event_to_key(self.event)
    }
}

/// The key for a DTMF event code (0-15).
pub fn event_to_key(event: u8) -> Option<char> {
    KEYS.get(usize::from(event)).copied()
}

/// The DTMF event code for a key; letters may be lower case.
pub fn key_to_event(key: char) -> Option<u8> {
    let key = key.to_ascii_uppercase();
    KEYS.iter().position(|&k| k == key).map(|i| i as u8)
}
