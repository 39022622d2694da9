//! How much delay the jitter buffer may add, and how much it may hold.

use crate::frame::FRAME_MS;

/// Limits of the jitter buffer. Values are tidied by [`JitterConfig::normalized`]: delays are
/// rounded up to whole 20 ms frames, the maximum is at least the minimum, and the packet cap
/// holds at least the maximum delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Delay kept even on a perfect network: one frame of margin for the pop phase.
    pub min_delay_ms: u32,
    /// Delay never exceeded: beyond this, frames are dropped to catch up. Conversation
    /// suffers above about 150 ms one way; an IVR tolerates more than people do.
    pub max_delay_ms: u32,
    /// Most packets held at once; bounds memory whatever the far end sends.
    pub max_packets: usize,
    /// Largest payload accepted, in bytes; a 20 ms G.711 frame is 160.
    pub max_payload_bytes: usize,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            min_delay_ms: 40,
            max_delay_ms: 400,
            max_packets: 64,
            max_payload_bytes: 1500,
        }
    }
}

impl JitterConfig {
    /// This configuration made consistent (see the type's documentation).
    pub fn normalized(self) -> JitterConfig {
        let min_frames = self.min_delay_ms.div_ceil(FRAME_MS).max(1);
        let max_frames = self.max_delay_ms.div_ceil(FRAME_MS).max(min_frames);
        // Two frames beyond the maximum delay: the frame being played and one arriving.
        let needed_packets = max_frames as usize + 2;
        JitterConfig {
            min_delay_ms: min_frames * FRAME_MS,
            max_delay_ms: max_frames * FRAME_MS,
            max_packets: self.max_packets.max(needed_packets),
            max_payload_bytes: self.max_payload_bytes,
        }
    }

    pub(super) fn min_frames(&self) -> u32 {
        self.min_delay_ms / FRAME_MS
    }

    pub(super) fn max_frames(&self) -> u32 {
        self.max_delay_ms / FRAME_MS
    }
}
