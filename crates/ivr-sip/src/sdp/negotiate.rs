//! Answering an offer (RFC 3264): pick the audio stream and codec, reject the rest.

use std::net::{IpAddr, SocketAddr};

use super::{Direction, Media, RtpMap, SdpError, SessionDescription};

/// The RTP clock of G.711 and of the telephone-events that go with it.
const CLOCK_RATE: u32 = 8000;
/// The packet time the engine sends: 20 ms frames.
const PTIME_MS: u32 = 20;
/// Events answered: DTMF 0-9, *, #, A-D (RFC 4733 section 3.2). Flash (16) is not a key.
const EVENTS: &str = "0-15";

/// The G.711 laws an answer can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    Pcmu,
    Pcma,
}

impl AudioCodec {
    fn name(self) -> &'static str {
        match self {
            AudioCodec::Pcmu => "PCMU",
            AudioCodec::Pcma => "PCMA",
        }
    }
}

/// Where the engine receives this call's RTP, and the version of its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    pub address: IpAddr,
    pub rtp_port: u16,
    pub session_id: u64,
    /// One more for each new answer in the same dialog (re-INVITE), RFC 3264 section 8.
    pub session_version: u64,
}

/// The agreed audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub codec: AudioCodec,
    pub payload_type: u8,
    /// The payload type of RFC 4733 events, when the offer had them.
    pub telephone_event: Option<u8>,
    /// Where the offer asks for media; `None` on hold by `c=0.0.0.0` (send nothing).
    pub remote: Option<SocketAddr>,
    /// The answer's direction: whether the engine sends and receives.
    pub direction: Direction,
    /// The packet time the offerer prefers to receive, if it said.
    pub remote_ptime_ms: Option<u32>,
}

/// The answer to `offer` and what it agrees to; `NotAcceptable` (488) when no audio stream
/// offers PCMU or PCMA over RTP/AVP.
pub fn answer(
    offer: &SessionDescription,
    local: &LocalMedia,
) -> Result<(SessionDescription, Negotiated), SdpError> {
    let mut chosen: Option<(usize, Negotiated)> = None;
    for (index, media) in offer.media.iter().enumerate() {
        if chosen.is_none()
            && let Some(negotiated) = accept(offer, media)?
        {
            chosen = Some((index, negotiated));
        }
    }
    let Some((chosen_index, negotiated)) = chosen else {
        return Err(SdpError::NotAcceptable(
            "no audio stream with PCMU or PCMA over RTP/AVP".to_string(),
        ));
    };
    let media = offer
        .media
        .iter()
        .enumerate()
        .map(|(index, offered)| {
            if index == chosen_index {
                accepted_media(&negotiated, local)
            } else {
                rejected_media(offered)
            }
        })
        .collect();
    let description = SessionDescription {
        origin_username: "ivr".to_string(),
        session_id: local.session_id,
        session_version: local.session_version,
        origin_address: local.address.to_string(),
        session_name: "ivr".to_string(),
        connection: Some(local.address),
        direction: None,
        media,
    };
    Ok((description, negotiated))
}

/// The stream's terms if the engine can take it.
fn accept(offer: &SessionDescription, media: &Media) -> Result<Option<Negotiated>, SdpError> {
    let usable = media.kind.eq_ignore_ascii_case("audio")
        && media.port != 0
        && media.protocol.eq_ignore_ascii_case("RTP/AVP");
    if !usable {
        return Ok(None);
    }
    let Some((codec, payload_type)) = media.formats.iter().find_map(|format| g711(media, format))
    else {
        return Ok(None);
    };
    let Some(address) = media.connection.or(offer.connection) else {
        return Err(SdpError::Malformed {
            line: 0,
            reason: "the audio stream has no c= address".to_string(),
        });
    };
    let offered = media
        .direction
        .or(offer.direction)
        .unwrap_or(Direction::SendRecv);
    // RFC 2543 hold: an unspecified address means "do not send to me".
    let held = address.is_unspecified();
    let direction = match (offered.answer_to(), held) {
        (d, false) => d,
        (Direction::SendRecv | Direction::RecvOnly, true) => Direction::RecvOnly,
        (Direction::SendOnly | Direction::Inactive, true) => Direction::Inactive,
    };
    let telephone_event = media.formats.iter().find_map(|format| {
        let pt: u8 = format.parse().ok()?;
        let map = media.rtpmap(pt)?;
        (map.encoding.eq_ignore_ascii_case("telephone-event") && map.clock_rate == CLOCK_RATE)
            .then_some(pt)
    });
    Ok(Some(Negotiated {
        codec,
        payload_type,
        telephone_event,
        remote: (!held).then(|| SocketAddr::new(address, media.port)),
        direction,
        remote_ptime_ms: media.ptime_ms,
    }))
}

/// The G.711 law a format stands for: by its rtpmap, or by the static payload types 0 and 8
/// when it has none (RFC 3551).
fn g711(media: &Media, format: &str) -> Option<(AudioCodec, u8)> {
    let pt: u8 = format.parse().ok()?;
    let codec = match media.rtpmap(pt) {
        Some(map) => {
            let mono = map.channels.is_none_or(|c| c == 1);
            if map.clock_rate != CLOCK_RATE || !mono {
                return None;
            }
            if map.encoding.eq_ignore_ascii_case("PCMU") {
                AudioCodec::Pcmu
            } else if map.encoding.eq_ignore_ascii_case("PCMA") {
                AudioCodec::Pcma
            } else {
                return None;
            }
        }
        None => match pt {
            0 => AudioCodec::Pcmu,
            8 => AudioCodec::Pcma,
            _ => return None,
        },
    };
    Some((codec, pt))
}

fn accepted_media(negotiated: &Negotiated, local: &LocalMedia) -> Media {
    let mut formats = vec![negotiated.payload_type.to_string()];
    let mut rtpmaps = vec![RtpMap {
        payload_type: negotiated.payload_type,
        encoding: negotiated.codec.name().to_string(),
        clock_rate: CLOCK_RATE,
        channels: None,
    }];
    let mut fmtps = Vec::new();
    if let Some(pt) = negotiated.telephone_event {
        formats.push(pt.to_string());
        rtpmaps.push(RtpMap {
            payload_type: pt,
            encoding: "telephone-event".to_string(),
            clock_rate: CLOCK_RATE,
            channels: None,
        });
        fmtps.push((pt.to_string(), EVENTS.to_string()));
    }
    Media {
        kind: "audio".to_string(),
        port: local.rtp_port,
        protocol: "RTP/AVP".to_string(),
        formats,
        connection: None,
        rtpmaps,
        fmtps,
        ptime_ms: Some(PTIME_MS),
        direction: Some(negotiated.direction),
    }
}

/// A declined stream: port 0, the offered formats (RFC 3264 section 6).
fn rejected_media(offered: &Media) -> Media {
    Media {
        kind: offered.kind.clone(),
        port: 0,
        protocol: offered.protocol.clone(),
        formats: if offered.formats.is_empty() {
            vec!["0".to_string()]
        } else {
            offered.formats.clone()
        },
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        ptime_ms: None,
        direction: None,
    }
}
