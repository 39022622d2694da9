//! Reading a session description.

use std::net::IpAddr;

use super::{Direction, Media, RtpMap, SdpError, SessionDescription};

/// More `m=` sections than any telephone offer has; beyond it the offer is refused rather than
/// answered with a huge list of rejected streams.
const MAX_MEDIA: usize = 16;

fn malformed(line: usize, reason: impl Into<String>) -> SdpError {
    SdpError::Malformed {
        line,
        reason: reason.into(),
    }
}

/// Parses SDP text. Lines may end in CRLF or LF; unknown line types and attributes are skipped
/// (RFC 8866 asks receivers to ignore what they do not understand).
pub fn parse(text: &str) -> Result<SessionDescription, SdpError> {
    let mut sdp = SessionDescription {
        origin_username: String::new(),
        session_id: 0,
        session_version: 0,
        origin_address: String::new(),
        session_name: String::new(),
        connection: None,
        direction: None,
        media: Vec::new(),
    };
    let mut seen_version = false;
    let mut seen_origin = false;
    for (index, raw) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let (kind, value) = match line.as_bytes() {
            [kind, b'=', ..] if kind.is_ascii_alphabetic() => (*kind, &line[2..]),
            _ => return Err(malformed(number, format!("not a `x=value` line: {line:?}"))),
        };
        if !seen_version && kind != b'v' {
            return Err(malformed(number, "the first line must be v=0"));
        }
        match kind {
            b'v' => {
                if seen_version || value.trim() != "0" {
                    return Err(malformed(number, "expected one v=0"));
                }
                seen_version = true;
            }
            b'o' => {
                origin(&mut sdp, value).map_err(|reason| malformed(number, reason))?;
                seen_origin = true;
            }
            b's' => sdp.session_name = value.to_string(),
            b'c' => {
                let address = connection(value).map_err(|reason| malformed(number, reason))?;
                match sdp.media.last_mut() {
                    Some(media) => media.connection = Some(address),
                    None => sdp.connection = Some(address),
                }
            }
            b'm' => {
                if sdp.media.len() == MAX_MEDIA {
                    return Err(malformed(number, format!("more than {MAX_MEDIA} m= lines")));
                }
                sdp.media
                    .push(media(value).map_err(|reason| malformed(number, reason))?);
            }
            b'a' => attribute(&mut sdp, value).map_err(|reason| malformed(number, reason))?,
            _ => {}
        }
    }
    if !seen_version {
        return Err(malformed(1, "empty description (no v=0)"));
    }
    if !seen_origin {
        return Err(malformed(1, "no o= line"));
    }
    Ok(sdp)
}

fn origin(sdp: &mut SessionDescription, value: &str) -> Result<(), String> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let [username, id, version, "IN", _address_type, address] = fields[..] else {
        return Err(format!(
            "o= needs 6 fields (`- id version IN IP4 addr`): {value:?}"
        ));
    };
    sdp.origin_username = username.to_string();
    sdp.session_id = id
        .parse()
        .map_err(|_| format!("o= session id is not a number: {id:?}"))?;
    sdp.session_version = version
        .parse()
        .map_err(|_| format!("o= session version is not a number: {version:?}"))?;
    sdp.origin_address = address.to_string();
    Ok(())
}

/// `IN IP4 192.0.2.1` (a multicast `/ttl` suffix is dropped).
fn connection(value: &str) -> Result<IpAddr, String> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let ["IN", address_type, address] = fields[..] else {
        return Err(format!("c= needs `IN IP4|IP6 address`: {value:?}"));
    };
    let address = address.split('/').next().unwrap_or(address);
    let ip: IpAddr = address
        .parse()
        .map_err(|_| format!("c= address is not an IP address: {address:?}"))?;
    match (address_type, ip) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Ok(ip),
        _ => Err(format!("c= address {address} is not {address_type}")),
    }
}

/// `audio 49170[/2] RTP/AVP 0 8 101`.
fn media(value: &str) -> Result<Media, String> {
    let mut fields = value.split_whitespace();
    let (Some(kind), Some(port), Some(protocol)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(format!("m= needs `media port protocol formats`: {value:?}"));
    };
    let port = port.split('/').next().unwrap_or(port);
    let port: u16 = port
        .parse()
        .map_err(|_| format!("m= port is not a number from 0 to 65535: {port:?}"))?;
    Ok(Media {
        kind: kind.to_string(),
        port,
        protocol: protocol.to_string(),
        formats: fields.map(str::to_string).collect(),
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        ptime_ms: None,
        direction: None,
    })
}

fn attribute(sdp: &mut SessionDescription, value: &str) -> Result<(), String> {
    let (name, argument) = value.split_once(':').unwrap_or((value, ""));
    let direction = match name {
        "sendrecv" => Some(Direction::SendRecv),
        "sendonly" => Some(Direction::SendOnly),
        "recvonly" => Some(Direction::RecvOnly),
        "inactive" => Some(Direction::Inactive),
        _ => None,
    };
    let Some(media) = sdp.media.last_mut() else {
        // Session level: only the direction matters here.
        if direction.is_some() {
            sdp.direction = direction;
        }
        return Ok(());
    };
    if direction.is_some() {
        media.direction = direction;
        return Ok(());
    }
    match name {
        "rtpmap" => media.rtpmaps.push(rtpmap(argument)?),
        "fmtp" => {
            let (format, parameters) = argument.split_once(' ').unwrap_or((argument, ""));
            media
                .fmtps
                .push((format.to_string(), parameters.trim().to_string()));
        }
        "ptime" => {
            // A ptime the peer cannot state as whole milliseconds is ignored, not fatal: it is
            // only a preference.
            media.ptime_ms = argument.trim().parse().ok().filter(|&ms| ms > 0);
        }
        _ => {}
    }
    Ok(())
}

/// `101 telephone-event/8000` or `0 PCMU/8000/1`.
fn rtpmap(argument: &str) -> Result<RtpMap, String> {
    let bad = || format!("a=rtpmap needs `pt encoding/rate`: {argument:?}");
    let (pt, encoding) = argument.trim().split_once(' ').ok_or_else(bad)?;
    let payload_type: u8 = pt.parse().map_err(|_| bad())?;
    if payload_type > 127 {
        return Err(format!("RTP payload type {payload_type} is over 127"));
    }
    let mut parts = encoding.trim().split('/');
    let name = parts.next().filter(|n| !n.is_empty()).ok_or_else(bad)?;
    let clock_rate: u32 = parts.next().and_then(|r| r.parse().ok()).ok_or_else(bad)?;
    let channels = match parts.next() {
        Some(c) => Some(c.parse::<u8>().map_err(|_| bad())?),
        None => None,
    };
    Ok(RtpMap {
        payload_type,
        encoding: name.to_string(),
        clock_rate,
        channels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BARESIP_OFFER: &str = "v=0\r\n\
o=- 1863591186 3466093347 IN IP4 127.0.0.1\r\n\
s=-\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
m=audio 10002 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n\
a=rtcp-rsize\r\n";

    #[test]
    fn reads_a_softphone_offer() {
        let sdp = parse(BARESIP_OFFER).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sdp.session_id, 1863591186);
        assert_eq!(sdp.session_version, 3466093347);
        assert_eq!(
            sdp.connection,
            Some("127.0.0.1".parse().unwrap_or_else(|_| unreachable!()))
        );
        let audio = &sdp.media[0];
        assert_eq!(audio.kind, "audio");
        assert_eq!(audio.port, 10002);
        assert_eq!(audio.formats, ["0", "8", "101"]);
        assert_eq!(
            audio.rtpmap(101).map(|m| m.encoding.as_str()),
            Some("telephone-event")
        );
        assert_eq!(audio.fmtp("101"), Some("0-15"));
        assert_eq!(audio.ptime_ms, Some(20));
        assert_eq!(audio.direction, Some(Direction::SendRecv));
    }

    #[test]
    fn accepts_bare_line_feeds_and_media_level_connection() {
        let text = "v=0\no=user 1 2 IN IP6 ::1\ns=call\nt=0 0\nm=audio 4000/2 RTP/AVP 8\nc=IN IP6 ::1\na=inactive\n";
        let sdp = parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sdp.connection, None);
        assert_eq!(sdp.media[0].port, 4000);
        assert_eq!(
            sdp.media[0].connection,
            Some("::1".parse().unwrap_or_else(|_| unreachable!()))
        );
        assert_eq!(sdp.media[0].direction, Some(Direction::Inactive));
    }

    #[test]
    fn names_the_bad_line() {
        let cases = [
            ("", 1),
            ("o=- 1 1 IN IP4 127.0.0.1\r\n", 1),
            ("v=1\r\n", 1),
            ("v=0\r\ns=-\r\n", 1),
            ("v=0\r\no=- x 1 IN IP4 127.0.0.1\r\n", 2),
            (
                "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nc=IN IP4 not-an-address\r\n",
                3,
            ),
            (
                "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nc=IN IP6 127.0.0.1\r\n",
                3,
            ),
            (
                "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nm=audio 70000 RTP/AVP 0\r\n",
                3,
            ),
            (
                "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:200 X/8000\r\n",
                4,
            ),
            ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ngarbage\r\n", 3),
        ];
        for (text, line) in cases {
            match parse(text) {
                Err(SdpError::Malformed { line: got, reason }) => {
                    assert_eq!(got, line, "{text:?}: {reason}");
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }
}
