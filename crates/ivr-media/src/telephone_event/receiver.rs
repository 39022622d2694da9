//! Turning the packets of RFC 4733 events into key presses, each reported once.
//!
//! One key press is sent as many packets sharing one RTP timestamp (§2.5.1): a start packet,
//! continuations with growing durations, and the end packet (E bit) sent three times. Any of
//! them may be lost, duplicated or reordered. The timestamp identifies the event, so the
//! receiver keeps only the newest event's state and ignores anything about older ones.

use super::{EVENT_CLOCK_RATE, TelephoneEvent, TelephoneEventError, event_to_key};

/// A key the caller pressed, reported once when its event ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfKey {
    /// `0`-`9`, `*`, `#` or `A`-`D`.
    pub key: char,
    /// How long the key was held, as far as the packets received tell.
    pub duration_ms: u32,
}

/// Silence after which an event whose end packets were all lost is reported anyway. Longer
/// than the 3 x 50 ms the end packets span, short enough that a caller does not notice.
const DEFAULT_TIMEOUT_MS: u64 = 800;

/// A packet whose timestamp is at most this far behind the newest event belongs to an older
/// event (60 s of 8 kHz clock). Further back, the far end restarted its stream with a new
/// random timestamp, and the packet starts a new event.
const MAX_STALE_TIMESTAMP: u32 = 60 * EVENT_CLOCK_RATE;

/// Same idea for sequence numbers, with RFC 3550 A.1's MAX_DROPOUT.
const MAX_STALE_SEQ: u16 = 3000;

/// Reassembles RFC 4733 DTMF events from one RTP stream. Sans-IO: arrival times are passed in.
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    clock_rate: u32,
    timeout_ms: u64,
    /// The event being received, until its end packet or the timeout.
    current: Option<ActiveEvent>,
    /// Timestamp and first sequence number of the newest event seen, reported or not.
    newest: Option<(u32, u16)>,
}

#[derive(Debug, Clone)]
struct ActiveEvent {
    event: u8,
    /// Timestamp of the segment being received (long events are split, §2.5.1.3).
    timestamp: u32,
    /// Durations of the earlier segments of this event.
    earlier_segments: u32,
    /// Longest duration seen in this segment: continuations may arrive out of order.
    duration: u16,
    last_arrival_ms: u64,
}

impl Default for DtmfReceiver {
    fn default() -> Self {
        Self::new()
    }
}

impl DtmfReceiver {
    /// A receiver for events clocked at 8 kHz, reporting lost-end events after 800 ms.
    pub fn new() -> Self {
        DtmfReceiver {
            clock_rate: EVENT_CLOCK_RATE,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            current: None,
            newest: None,
        }
    }

    /// Events clocked at `clock_rate` Hz (the rate in SDP's `telephone-event/<rate>`).
    pub fn with_clock_rate(mut self, clock_rate: u32) -> Self {
        self.clock_rate = clock_rate.max(1);
        self
    }

    /// Report an event whose end packets never came after `timeout_ms` without packets.
    pub fn with_timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.timeout_ms = timeout_ms;
        self
    }

    /// Forgets all events, for when the far end's SSRC changes.
    pub fn reset(&mut self) {
        self.current = None;
        self.newest = None;
    }

    /// Takes one telephone-event packet (its RTP timestamp, sequence number and payload) that
    /// arrived at `now_ms`. Returns the keys this packet completes: usually none; one when an
    /// event ends; two when this packet both reveals that the previous event's end was lost
    /// and is itself an end packet.
    pub fn feed(
        &mut self,
        timestamp: u32,
        seq: u16,
        payload: &[u8],
        now_ms: u64,
    ) -> Result<Vec<DtmfKey>, TelephoneEventError> {
        let packet = TelephoneEvent::decode(payload)?;
        if packet.event > 15 {
            return Err(TelephoneEventError::NotDtmf {
                event: packet.event,
            });
        }
        let mut keys = Vec::new();

        if let Some(current) = &mut self.current {
            if current.timestamp == timestamp {
                current.duration = current.duration.max(packet.duration);
                current.last_arrival_ms = now_ms;
                if packet.end {
                    keys.extend(self.finish());
                }
                return Ok(keys);
            }
            if current.continues_in(timestamp, packet.event) {
                // Saturating: a sender can chain segments without end (65537 of them overflow
                // a u32 of clock units, about 1 MB of packets sent in a burst).
                current.earlier_segments = current
                    .earlier_segments
                    .saturating_add(u32::from(current.duration));
                current.timestamp = timestamp;
                current.duration = packet.duration;
                current.last_arrival_ms = now_ms;
                self.newest = Some((timestamp, seq));
                if packet.end {
                    keys.extend(self.finish());
                }
                return Ok(keys);
            }
        }

        if !self.is_new_event(timestamp, seq) {
            // A late or repeated packet of an event already reported: the three end packets,
            // or a continuation overtaken by the end.
            return Ok(keys);
        }
        // A new timestamp while an event is open means all of that event's end packets were
        // lost: it ended before this one began.
        keys.extend(self.finish());
        self.current = Some(ActiveEvent {
            event: packet.event,
            timestamp,
            earlier_segments: 0,
            duration: packet.duration,
            last_arrival_ms: now_ms,
        });
        self.newest = Some((timestamp, seq));
        if packet.end {
            keys.extend(self.finish());
        }
        Ok(keys)
    }

    /// Call periodically (every frame is fine). Reports the open event if no packet has come
    /// for the timeout: its end packets were all lost.
    pub fn poll(&mut self, now_ms: u64) -> Option<DtmfKey> {
        let current = self.current.as_ref()?;
        if now_ms.saturating_sub(current.last_arrival_ms) >= self.timeout_ms {
            self.finish()
        } else {
            None
        }
    }

    /// Whether a key is being held (an event started and has not ended).
    pub fn is_receiving(&self) -> bool {
        self.current.is_some()
    }

    fn is_new_event(&self, timestamp: u32, seq: u16) -> bool {
        let Some((newest_timestamp, newest_seq)) = self.newest else {
            return true;
        };
        // Packets of older events sit a little behind in timestamp and near in sequence
        // number. Far from both, the far end has restarted its stream: a new event.
        let behind_timestamp = newest_timestamp.wrapping_sub(timestamp);
        let seq_distance = newest_seq
            .wrapping_sub(seq)
            .min(seq.wrapping_sub(newest_seq));
        let stale = behind_timestamp <= MAX_STALE_TIMESTAMP && seq_distance <= MAX_STALE_SEQ;
        !stale
    }

    fn finish(&mut self) -> Option<DtmfKey> {
        let event = self.current.take()?;
        let units = u64::from(event.earlier_segments) + u64::from(event.duration);
        let duration_ms = units * 1000 / u64::from(self.clock_rate);
        Some(DtmfKey {
            key: event_to_key(event.event)?,
            duration_ms: u32::try_from(duration_ms).unwrap_or(u32::MAX),
        })
    }
}

impl ActiveEvent {
    /// A long event is sent in segments of at most 0xFFFF units (§2.5.1.3); the next segment's
    /// timestamp is this one's plus its full duration, and carries the same event code.
    fn continues_in(&self, timestamp: u32, event: u8) -> bool {
        self.duration == u16::MAX
            && event == self.event
            && timestamp == self.timestamp.wrapping_add(u32::from(u16::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a key held for ever (segment after full segment, RFC 4733 §2.5.1.3) overflowed
    /// the count of earlier segments' units, a panic where overflow is checked.
    #[test]
    fn an_endless_chain_of_segments_saturates() {
        let mut receiver = DtmfReceiver::new();
        let segment = TelephoneEvent {
            event: 5,
            end: false,
            volume: 10,
            duration: u16::MAX,
        }
        .encode();
        let mut timestamp = 0u32;
        for i in 0..70_000u32 {
            assert_eq!(
                receiver.feed(timestamp, i as u16, &segment, u64::from(i)),
                Ok(Vec::new())
            );
            timestamp = timestamp.wrapping_add(u32::from(u16::MAX));
        }
        let key = receiver.poll(70_000 + DEFAULT_TIMEOUT_MS);
        assert_eq!(key.map(|k| k.key), Some('5'));
        assert!(key.is_some_and(|k| k.duration_ms >= u32::MAX / EVENT_CLOCK_RATE * 1000 - 1000));
    }
}
