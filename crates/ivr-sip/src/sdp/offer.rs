//! The engine as offerer (calling an agent, RFC 3264 section 5): the offer it sends, and what
//! the answer agreed to.

use super::negotiate::{LocalMedia, Negotiated, answer};
use super::{SdpError, SessionDescription};
use std::net::IpAddr;

/// The payload type the engine offers RFC 4733 telephone-events at.
pub const OFFERED_TELEPHONE_EVENT: u8 = 101;

/// An offer of PCMU, PCMA (in that order) and telephone-events, 20 ms packets, both ways.
pub fn offer(local: &LocalMedia) -> String {
    let ip = match local.address {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    };
    let address = local.address;
    let te = OFFERED_TELEPHONE_EVENT;
    format!(
        "v=0\r\no=ivr {} {} IN {ip} {address}\r\ns=ivr\r\nc=IN {ip} {address}\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0 8 {te}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-16\r\na=ptime:20\r\na=sendrecv\r\n",
        local.session_id, local.session_version, local.rtp_port
    )
}

/// What an answer to `offer` agreed to: its codec (one we offered), its telephone-event
/// payload type, where to send, and which way media flows for us. An answer naming nothing
/// we offered is `NotAcceptable`.
pub fn agreed(answer_sdp: &SessionDescription, local: &LocalMedia) -> Result<Negotiated, SdpError> {
    // The answer's rules mirror the offer's: what we may send and receive is what an answer
    // to it would allow, so the offer/answer decision is the same function read backwards.
    let (_, negotiated) = answer(answer_sdp, local)?;
    Ok(negotiated)
}

#[cfg(test)]
mod tests {
    use super::super::{AudioCodec, Direction, parse};
    use super::*;

    fn local() -> LocalMedia {
        LocalMedia {
            address: IpAddr::from([127, 0, 0, 1]),
            rtp_port: 30000,
            session_id: 7,
            session_version: 1,
        }
    }

    #[test]
    fn the_offer_parses_and_offers_both_codecs_and_events() {
        let text = offer(&local());
        let parsed = parse(&text);
        assert!(parsed.is_ok(), "{text}");
        assert!(text.contains("m=audio 30000 RTP/AVP 0 8 101\r\n"));
        assert!(text.contains("a=rtpmap:101 telephone-event/8000"));
    }

    #[test]
    fn an_answer_picks_what_we_send() {
        let answer_sdp = parse(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio 40000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n\
             a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
        );
        let agreed = answer_sdp.and_then(|a| agreed(&a, &local()));
        let agreed = agreed.map_err(|e| e.to_string());
        assert!(agreed.is_ok(), "{agreed:?}");
        if let Ok(n) = agreed {
            assert_eq!(n.codec, AudioCodec::Pcma);
            assert_eq!(n.telephone_event, Some(101));
            assert_eq!(n.remote.map(|r| r.port()), Some(40000));
            assert_eq!(n.direction, Direction::SendRecv);
        }
    }
}
