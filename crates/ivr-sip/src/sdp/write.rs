//! Writing a session description.

use std::fmt;
use std::net::IpAddr;

use super::{Media, SessionDescription};

fn address_type(ip: &IpAddr) -> &'static str {
    if ip.is_ipv4() { "IP4" } else { "IP6" }
}

impl fmt::Display for SessionDescription {
    /// RFC 8866 text with CRLF line ends, fields in the order the grammar requires.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin_type = match self.origin_address.parse::<IpAddr>() {
            Ok(ip) => address_type(&ip),
            Err(_) => "IP4",
        };
        write!(f, "v=0\r\n")?;
        write!(
            f,
            "o={} {} {} IN {origin_type} {}\r\n",
            nonempty(&self.origin_username),
            self.session_id,
            self.session_version,
            self.origin_address
        )?;
        write!(f, "s={}\r\n", nonempty(&self.session_name))?;
        if let Some(ip) = &self.connection {
            write!(f, "c=IN {} {ip}\r\n", address_type(ip))?;
        }
        write!(f, "t=0 0\r\n")?;
        if let Some(direction) = self.direction {
            write!(f, "a={}\r\n", direction.attribute())?;
        }
        for media in &self.media {
            write_media(f, media)?;
        }
        Ok(())
    }
}

/// `s=` and the `o=` username may not be empty; "-" is the conventional blank.
fn nonempty(s: &str) -> &str {
    if s.trim().is_empty() { "-" } else { s }
}

fn write_media(f: &mut fmt::Formatter<'_>, media: &Media) -> fmt::Result {
    write!(f, "m={} {} {}", media.kind, media.port, media.protocol)?;
    for format in &media.formats {
        write!(f, " {format}")?;
    }
    write!(f, "\r\n")?;
    if let Some(ip) = &media.connection {
        write!(f, "c=IN {} {ip}\r\n", address_type(ip))?;
    }
    for map in &media.rtpmaps {
        write!(
            f,
            "a=rtpmap:{} {}/{}",
            map.payload_type, map.encoding, map.clock_rate
        )?;
        if let Some(channels) = map.channels {
            write!(f, "/{channels}")?;
        }
        write!(f, "\r\n")?;
    }
    for (format, parameters) in &media.fmtps {
        write!(f, "a=fmtp:{format} {parameters}\r\n")?;
    }
    if let Some(ms) = media.ptime_ms {
        write!(f, "a=ptime:{ms}\r\n")?;
    }
    if let Some(direction) = media.direction {
        write!(f, "a={}\r\n", direction.attribute())?;
    }
    Ok(())
}
