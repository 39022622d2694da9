//! An SDP offer in an INVITE or re-INVITE body (as the engine reads it, lossy UTF-8): parsed,
//! answered against the engine's media address, and the answer the engine would send must
//! parse back to itself.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ivr_sip::sdp::{self, LocalMedia};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(offer) = sdp::parse(&text) else {
        return;
    };
    for address in [
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ] {
        let local = LocalMedia {
            address,
            rtp_port: 20000,
            session_id: 42,
            session_version: 2,
        };
        let Ok((answer, negotiated)) = sdp::answer(&offer, &local) else {
            continue;
        };
        assert_eq!(answer.media.len(), offer.media.len());
        let written = answer.to_string();
        let reparsed = sdp::parse(&written);
        assert_eq!(reparsed.as_ref(), Ok(&answer), "{written}");
        // The offerer's side reads the same terms out of the answer.
        let agreed = sdp::agreed(&answer, &local).map(|a| (a.codec, a.payload_type));
        assert_eq!(agreed, Ok((negotiated.codec, negotiated.payload_type)));
    }
});
