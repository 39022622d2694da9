//! RFC 4733 telephone events: DTMF keys carried as RTP packets instead of tones.

mod error;
mod payload;
mod receiver;
mod sender;

pub use error::TelephoneEventError;
pub use payload::{TelephoneEvent, event_to_key, key_to_event};
pub use receiver::{DtmfKey, DtmfReceiver};
pub use sender::{DtmfPacket, DtmfSender};

/// Clock rate of `telephone-event` when negotiated alongside 8 kHz audio (RFC 4733 §2.3.1
/// says it follows the audio's rate); durations are counted in these units.
pub const EVENT_CLOCK_RATE: u32 = 8000;
