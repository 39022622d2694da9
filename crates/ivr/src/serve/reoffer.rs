//! A re-INVITE on either leg of a call (a caller's or an agent's phone): hold, resume,
//! another codec or address. The leg's media follows the new agreement.

use super::media::MediaLeg;
use ivr_sip::sdp::{self, LocalMedia, SdpError};
use ivr_sip_server::Reoffer;
use std::time::Instant;

/// Answers a re-INVITE: a new offer gets a new answer (hold, resume, another codec or
/// address) and the media follows it; an offer we cannot take is refused and the session
/// stays as it was.
pub async fn answer(
    reoffer: Reoffer,
    local: &mut LocalMedia,
    current: &mut String,
    media: &mut MediaLeg,
) {
    if reoffer.offer.is_empty() {
        // An offerless re-INVITE (a refresh): offer the session as it stands. The answer
        // comes in the ACK, which the dialog layer keeps; the media stays as it is.
        let again = current.clone();
        reoffer.accept(&again).await;
        return;
    }
    let offer = match sdp::parse(&String::from_utf8_lossy(&reoffer.offer)) {
        Ok(offer) => offer,
        Err(e) => {
            tracing::info!("re-INVITE with bad SDP: {e}");
            reoffer.reject(400).await;
            return;
        }
    };
    let next = LocalMedia {
        session_version: local.session_version + 1,
        ..local.clone()
    };
    match sdp::answer(&offer, &next) {
        Ok((answer, negotiated)) => {
            *local = next;
            *current = answer.to_string();
            media.renegotiate(&negotiated, Instant::now());
            tracing::info!(
                codec = ?negotiated.codec,
                direction = ?negotiated.direction,
                "re-INVITE: media renegotiated"
            );
            reoffer.accept(current).await;
        }
        Err(e) => {
            tracing::info!("re-INVITE refused: {e}");
            let status = if matches!(e, SdpError::NotAcceptable(_)) {
                488
            } else {
                400
            };
            reoffer.reject(status).await;
        }
    }
}
