//! One UDP datagram from the media port: RTP, RTCP multiplexed on the same port, or neither.

use super::RtpError;
use rtp_rs::{RtpReader, RtpReaderError};

/// What arrived on the media port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// An RTP packet, header parsed.
    Rtp(RtpPacket<'a>),
    /// An RTCP compound packet, left whole for whoever reads reports.
    Rtcp(&'a [u8]),
}

/// The fields of an RTP packet the call needs; the payload borrows from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Synchronization source: changes when the far end restarts its stream.
    pub ssrc: u32,
    /// Sequence number, wrapping at 65536.
    pub seq: u16,
    /// Media timestamp in clock-rate units (8000 per second for G.711 and telephone-event).
    pub timestamp: u32,
    /// Payload type (0-127): what the payload is, as negotiated in SDP.
    pub payload_type: u8,
    /// Marker bit: start of a talkspurt, or the first packet of an RFC 4733 event.
    pub marker: bool,
    /// The payload, without CSRCs, header extension or padding.
    pub payload: &'a [u8],
}

/// The fixed RTP header is 12 bytes; RTCP's common header is 4.
const RTP_HEADER_LEN: usize = 12;
const RTCP_HEADER_LEN: usize = 4;

/// Tells RTP from RTCP and parses RTP.
///
/// RTCP is recognized first, by the second byte: RFC 5761 §4 reserves RTP payload types
/// 64-95 so that RTCP packet types 192-223 (200-204 in practice: SR, RR, SDES, BYE, APP) never
/// look like RTP with or without the marker bit. Parsing RTCP as RTP would yield nonsense.
pub fn classify(datagram: &[u8]) -> Result<Datagram<'_>, RtpError> {
    let [first, second, ..] = *datagram else {
        return Err(RtpError::TooShort {
            len: datagram.len(),
            needed: RTCP_HEADER_LEN,
        });
    };
    if first >> 6 != 2 {
        return Err(RtpError::NotVersion2 { first_byte: first });
    }
    if (64..=95).contains(&(second & 0x7F)) {
        if datagram.len() < RTCP_HEADER_LEN {
            return Err(RtpError::TooShort {
                len: datagram.len(),
                needed: RTCP_HEADER_LEN,
            });
        }
        return Ok(Datagram::Rtcp(datagram));
    }
    let reader = RtpReader::new(datagram).map_err(|e| reader_error(datagram.len(), e))?;
    Ok(Datagram::Rtp(RtpPacket {
        ssrc: reader.ssrc(),
        seq: reader.sequence_number().into(),
        timestamp: reader.timestamp(),
        payload_type: reader.payload_type(),
        marker: reader.mark(),
        payload: reader.payload(),
    }))
}

fn reader_error(len: usize, error: RtpReaderError) -> RtpError {
    match error {
        RtpReaderError::BufferTooShort(_) => RtpError::TooShort {
            len,
            needed: RTP_HEADER_LEN,
        },
        // The version was checked before parsing; kept for completeness.
        RtpReaderError::UnsupportedVersion(v) => RtpError::Malformed {
            detail: format!("version {v}"),
        },
        RtpReaderError::HeadersTruncated {
            header_len,
            buffer_len,
        } => RtpError::Malformed {
            detail: format!("headers need {header_len} bytes but the datagram has {buffer_len}"),
        },
        RtpReaderError::PaddingLengthInvalid(pad) => RtpError::Malformed {
            detail: format!("padding length {pad} does not fit the datagram"),
        },
    }
}
