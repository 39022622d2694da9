//! One live call: SDP answer, then a 20 ms loop that feeds the call session the caller's audio
//! and sends back the engine's, while prompt loading, recognition and lookups run off the
//! loop and report back.

use super::Shared;
use super::media::{MAX_DATAGRAM, MediaLeg};
use crate::replay::drive::PromptSource;
use ivr_engine::session::{CallSession, SessionOutput};
use ivr_engine::speech::CallRecognizers;
use ivr_flow::interpreter::{Action, CallInfo, Input};
use ivr_sip::rtp_peer::RtpPeer;
use ivr_sip::sdp::{self, LocalMedia, SdpError};
use ivr_sip::server::{CallSignal, IncomingCall};
use ivr_speech::endpointer::VadParams;
use ivr_speech::{RecognizerError, Transcript};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

/// Work done off the loop, coming back.
enum Done {
    Prompt {
        play_id: u64,
        samples: Option<Vec<i16>>,
    },
    Recognized {
        utterance_id: u64,
        result: Result<Transcript, RecognizerError>,
        recognizers: Box<CallRecognizers>,
    },
    Flow(Input),
}

pub async fn run(shared: Arc<Shared>, call: IncomingCall) {
    let IncomingCall {
        call_id,
        caller,
        called,
        offer,
        dialog,
        mut signals,
    } = call;
    let offer = match sdp::parse(&String::from_utf8_lossy(&offer)) {
        Ok(offer) => offer,
        Err(e) => {
            dialog.reject(400, &e.to_string());
            return;
        }
    };
    let socket = match UdpSocket::bind(SocketAddr::new(shared.sip_ip, 0)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("no RTP port: {e}");
            dialog.reject(503, "no media port");
            return;
        }
    };
    let Ok(local_addr) = socket.local_addr() else {
        dialog.reject(500, "no media port");
        return;
    };
    let local = LocalMedia {
        address: local_addr.ip(),
        rtp_port: local_addr.port(),
        session_id: u64::from(local_addr.port()),
        session_version: 1,
    };
    let (answer, negotiated) = match sdp::answer(&offer, &local) {
        Ok(a) => a,
        Err(e @ SdpError::NotAcceptable(_)) => {
            dialog.reject(488, &e.to_string());
            return;
        }
        Err(e) => {
            dialog.reject(400, &e.to_string());
            return;
        }
    };
    let now = Instant::now();
    let peer = RtpPeer::new(
        negotiated.remote,
        negotiated.direction.receives(),
        shared.rtp_timeout,
        now,
    );
    let mut media = MediaLeg::new(socket, &negotiated, peer, now);
    let info = CallInfo {
        call_id: call_id.clone(),
        caller,
        called,
        language: None,
    };
    let mut session = match CallSession::new(
        Arc::clone(&shared.flow),
        info,
        jiff::Timestamp::now(),
        VadParams::default(),
    ) {
        Ok(s) => s,
        Err(e) => {
            dialog.reject(500, &e);
            return;
        }
    };
    if let Err(e) = dialog.answer(&answer.to_string()) {
        tracing::warn!(call_id, "{e}");
        return;
    }
    let (done_tx, mut done) = mpsc::unbounded_channel::<Done>();
    let mut recognizers = Some(Box::new(CallRecognizers::default()));
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    // A late tick is made up at once, so the call clock never drifts from the wall clock.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    let hangup_by_engine = loop {
        tokio::select! {
            _ = ticker.tick() => {
                let now = Instant::now();
                if media.peer.timed_out(now) {
                    tracing::info!(call_id, "no RTP: hanging up");
                    session.flow_input(Input::Hangup, jiff::Timestamp::now());
                    break true;
                }
                let (frame, lost_key) = media.next_frame(now);
                let wall = jiff::Timestamp::now();
                if let Some(key) = lost_key {
                    session.dtmf(&key.to_string(), wall);
                }
                let out = session.tick(wall, &frame);
                media.send(&out).await;
                if carry_out(&shared, &mut session, &mut recognizers, &done_tx) {
                    break true;
                }
                if session.is_ended() {
                    break true;
                }
            }
            received = media.socket.recv_from(&mut buf) => {
                if let Ok((len, from)) = received && len <= MAX_DATAGRAM {
                    let keys = media.receive(&buf[..len], from, Instant::now());
                    for key in keys {
                        session.dtmf(&key.to_string(), jiff::Timestamp::now());
                    }
                }
            }
            signal = signals.recv() => match signal {
                Some(CallSignal::Dtmf(key)) => session.dtmf(&key.to_string(), jiff::Timestamp::now()),
                Some(CallSignal::Confirmed) => {}
                Some(CallSignal::Ended(_)) | None => {
                    session.flow_input(Input::Hangup, jiff::Timestamp::now());
                    break false;
                }
            },
            Some(work) = done.recv() => {
                let now = jiff::Timestamp::now();
                match work {
                    Done::Prompt { play_id, samples } => session.prompt_audio(play_id, samples, now),
                    Done::Recognized { utterance_id, result, recognizers: back } => {
                        recognizers = Some(back);
                        session.recognized(utterance_id, result, now);
                    }
                    Done::Flow(input) => session.flow_input(input, now),
                }
            }
        }
    };
    // The last events (hangup) go to the log too.
    while let Some(output) = session.poll_output() {
        if let SessionOutput::Log(line) = output {
            tracing::info!(event = %serde_json::to_string(&line).unwrap_or_default());
        }
    }
    if hangup_by_engine {
        dialog.hang_up().await;
    }
}

/// Starts everything the session asked for; true when the flow hung up.
fn carry_out(
    shared: &Arc<Shared>,
    session: &mut CallSession,
    recognizers: &mut Option<Box<CallRecognizers>>,
    done: &mpsc::UnboundedSender<Done>,
) -> bool {
    let mut hang_up = false;
    while let Some(output) = session.poll_output() {
        match output {
            SessionOutput::Log(line) => {
                tracing::info!(event = %serde_json::to_string(&line).unwrap_or_default());
            }
            SessionOutput::LoadPrompt {
                play_id,
                prompt,
                lang,
                text,
                audio,
                has_variables,
            } => {
                let shared = Arc::clone(shared);
                let done = done.clone();
                tokio::task::spawn_blocking(move || {
                    let samples = shared.prompts.lock().ok().and_then(|mut p| {
                        p.load(&prompt, &lang, &text, audio.as_deref(), has_variables)
                    });
                    done.send(Done::Prompt { play_id, samples }).ok();
                });
            }
            SessionOutput::Recognize {
                utterance_id,
                audio,
                config,
            } => {
                // The session asks for one utterance at a time, so the call's recognizers are
                // always back before the next request.
                let Some(mut mine) = recognizers.take() else {
                    continue;
                };
                let shared = Arc::clone(shared);
                let done = done.clone();
                tokio::task::spawn_blocking(move || {
                    let result = mine.recognize(&shared.models, &audio, &config);
                    done.send(Done::Recognized {
                        utterance_id,
                        result,
                        recognizers: mine,
                    })
                    .ok();
                });
            }
            SessionOutput::Flow(action) => match action {
                Action::Hangup { .. } => hang_up = true,
                Action::Lookup {
                    method,
                    url,
                    body,
                    timeout_ms,
                    ..
                } => {
                    let shared = Arc::clone(shared);
                    let done = done.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = shared.http.fetch(method, &url, body.as_ref(), timeout_ms);
                        done.send(Done::Flow(Input::LookupResult { result })).ok();
                    });
                }
                // Messages, callbacks and transfers are not delivered by this engine yet: the
                // flow hears that they failed and takes its fallback.
                Action::Notify { .. } => {
                    done.send(Done::Flow(Input::NotifyResult { ok: false }))
                        .ok();
                }
                Action::Callback { .. } => {
                    done.send(Done::Flow(Input::CallbackResult { ok: false }))
                        .ok();
                }
                Action::Transfer(_) => {
                    done.send(Done::Flow(Input::TransferResult { ok: false }))
                        .ok();
                }
                _ => {}
            },
        }
    }
    hang_up
}
