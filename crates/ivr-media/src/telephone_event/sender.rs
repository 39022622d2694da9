//! The packets that send one key press as an RFC 4733 event (§2.5.1).

use super::{EVENT_CLOCK_RATE, TelephoneEvent, TelephoneEventError, key_to_event};

/// One packet of an event, to be sent `send_at_ms` after the key press began, wrapped in RTP
/// with the negotiated telephone-event payload type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// When to send it, in milliseconds after the first packet.
    pub send_at_ms: u32,
    /// RTP marker bit: set on the first packet of the event only (§2.5.1.2).
    pub marker: bool,
    /// RTP timestamp: the event's start, the same for every packet of the event.
    pub timestamp: u32,
    /// The 4-byte event payload.
    pub payload: [u8; 4],
}

/// How an event is paced. Stateless: each call to [`DtmfSender::packets`] is one key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfSender {
    clock_rate: u32,
    interval_ms: u32,
    volume: u8,
}

impl Default for DtmfSender {
    fn default() -> Self {
        Self::new()
    }
}

/// The end packet is sent three times so a single loss cannot hide the event's end (§2.5.1.4).
const END_PACKET_COPIES: u32 = 3;

impl DtmfSender {
    /// Events at 8 kHz, a packet every 50 ms (§2.5.1.2's suggestion), volume -10 dBm0.
    pub fn new() -> Self {
        DtmfSender {
            clock_rate: EVENT_CLOCK_RATE,
            interval_ms: 50,
            volume: 10,
        }
    }

    /// Send an update every `interval_ms` (at least 1).
    pub fn with_interval_ms(mut self, interval_ms: u32) -> Self {
        self.interval_ms = interval_ms.max(1);
        self
    }

    /// Power level in -dBm0, 0-63.
    pub fn with_volume(mut self, volume: u8) -> Result<Self, TelephoneEventError> {
        if volume > 63 {
            return Err(TelephoneEventError::OutOfRange {
                detail: format!("volume {volume} -dBm0 is out of range; use 0-63"),
            });
        }
        self.volume = volume;
        Ok(self)
    }

    /// Events clocked at `clock_rate` Hz.
    pub fn with_clock_rate(mut self, clock_rate: u32) -> Self {
        self.clock_rate = clock_rate.max(1);
        self
    }

    /// The packets for `key` held `duration_ms`, starting at RTP `timestamp`: a start packet
    /// with the marker bit, an update every interval with the duration so far, then the end
    /// packet three times, one interval apart. Durations that would need the long-event
    /// segmentation of §2.5.1.3 (over 8.19 s at 8 kHz) are refused: no key is held that long.
    pub fn packets(
        &self,
        key: char,
        duration_ms: u32,
        timestamp: u32,
    ) -> Result<Vec<DtmfPacket>, TelephoneEventError> {
        let event = key_to_event(key).ok_or(TelephoneEventError::UnknownKey { key })?;
        let units = |ms: u32| u64::from(ms) * u64::from(self.clock_rate) / 1000;
        let total = u16::try_from(units(duration_ms))
            .ok()
            .filter(|_| duration_ms > 0)
            .ok_or_else(|| TelephoneEventError::OutOfRange {
                detail: format!(
                    "a key held {duration_ms} ms cannot be sent as one event; use 1-{} ms",
                    u64::from(u16::MAX) * 1000 / u64::from(self.clock_rate)
                ),
            })?;

        let packet = |send_at_ms: u32, duration: u16, end: bool| DtmfPacket {
            send_at_ms,
            marker: send_at_ms == 0,
            timestamp,
            payload: TelephoneEvent {
                event,
                end,
                volume: self.volume,
                duration,
            }
            .encode(),
        };
        let mut packets: Vec<DtmfPacket> = (0..duration_ms)
            .step_by(self.interval_ms as usize)
            // In range: every `at` is below `duration_ms`, whose units fit in 16 bits.
            .map(|at| packet(at, units(at) as u16, false))
            .collect();
        packets.extend((0..END_PACKET_COPIES).map(|i| {
            let at = duration_ms.saturating_add(i.saturating_mul(self.interval_ms));
            packet(at, total, true)
        }));
        Ok(packets)
    }
}
