//! Sequence numbers and timestamps of the stream we send, and the packets that carry them.

use super::RtpError;
use rtp_rs::RtpPacketBuilder;

/// The state of one outgoing RTP stream (one SSRC).
///
/// The caller picks the initial sequence number and timestamp at random (RFC 3550 §5.1 asks for
/// unpredictable values); keeping randomness outside makes the stream reproducible in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpSender {
    ssrc: u32,
    next_seq: u16,
    timestamp: u32,
}

impl RtpSender {
    /// A stream with the given SSRC whose first packet carries `initial_seq` and
    /// `initial_timestamp`.
    pub fn new(ssrc: u32, initial_seq: u16, initial_timestamp: u32) -> Self {
        RtpSender {
            ssrc,
            next_seq: initial_seq,
            timestamp: initial_timestamp,
        }
    }

    /// The SSRC every packet carries.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The sequence number the next packet will carry.
    pub fn next_seq(&self) -> u16 {
        self.next_seq
    }

    /// The media timestamp of the next media packet.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Moves the media clock on by `samples` (160 per 20 ms frame at 8 kHz), whether or not a
    /// packet was sent for them: silence and DTMF still take time.
    pub fn advance_timestamp(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
    }

    /// Builds a media packet at the current timestamp into `out`, returns its length, and
    /// moves the clock on by `samples`.
    pub fn build_into(
        &mut self,
        payload_type: u8,
        marker: bool,
        payload: &[u8],
        samples: u32,
        out: &mut [u8],
    ) -> Result<usize, RtpError> {
        let len = self.build_at(self.timestamp, payload_type, marker, payload, out)?;
        self.advance_timestamp(samples);
        Ok(len)
    }

    /// Builds a packet with an explicit timestamp into `out` and returns its length. RFC 4733
    /// events use this: every packet of one event carries the event's start timestamp.
    pub fn build_at(
        &mut self,
        timestamp: u32,
        payload_type: u8,
        marker: bool,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, RtpError> {
        let len = RtpPacketBuilder::new()
            .payload_type(payload_type)
            .marked(marker)
            .sequence(self.next_seq.into())
            .ssrc(self.ssrc)
            .timestamp(timestamp)
            .payload(payload)
            .build_into(out)
            .map_err(|e| RtpError::Build {
                detail: format!("{e:?}"),
            })?;
        // A sequence number is spent only on a packet that exists.
        self.next_seq = self.next_seq.wrapping_add(1);
        Ok(len)
    }
}
