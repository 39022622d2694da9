//! One live call: SDP answer, then a 20 ms loop that feeds the call session the caller's audio
//! and sends back the engine's, while prompt loading, recognition and lookups run off the
//! loop and report back.

use super::Shared;
use super::media::{MAX_DATAGRAM, MediaLeg};
use super::record::{CallRecord, Latency};
use crate::replay::drive::PromptSource;
use ivr_engine::session::{CallSession, LogLine, SessionOutput};
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
    let start = jiff::Timestamp::now();
    let IncomingCall {
        call_id,
        caller,
        called,
        offer,
        dialog,
        mut signals,
    } = call;
    let mut record = CallRecord {
        call_id: call_id.clone(),
        caller: caller.clone(),
        called: called.clone(),
        start: start.to_string(),
        answer: None,
        end: String::new(),
        language: shared.flow.spec.default_language.value.clone(),
        states: Vec::new(),
        ended_by: String::new(),
        recognition: Latency::default(),
        events: Vec::new(),
    };
    let ended_by = answer_and_run(&shared, &mut record, offer, &dialog, &mut signals).await;
    record.ended_by = ended_by;
    record.end = jiff::Timestamp::now().to_string();
    record.summarize();
    let path = shared.records.clone();
    let written = tokio::task::spawn_blocking(move || record.append_to(&path)).await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(call_id, "call record not written: {e}"),
        Err(e) => tracing::warn!(call_id, "call record not written: {e}"),
    }
}

/// Answers the call and runs it to its end; returns who ended it.
async fn answer_and_run(
    shared: &Arc<Shared>,
    record: &mut CallRecord,
    offer: Vec<u8>,
    dialog: &ivr_sip::server::CallDialog,
    signals: &mut mpsc::UnboundedReceiver<CallSignal>,
) -> String {
    let call_id = record.call_id.clone();
    let offer = match sdp::parse(&String::from_utf8_lossy(&offer)) {
        Ok(offer) => offer,
        Err(e) => return refuse(dialog, 400, &e.to_string()),
    };
    let socket = match UdpSocket::bind(SocketAddr::new(shared.bind_ip, 0)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("no RTP port: {e}");
            return refuse(dialog, 503, "no media port");
        }
    };
    let Ok(local_addr) = socket.local_addr() else {
        return refuse(dialog, 500, "no media port");
    };
    let local = LocalMedia {
        address: shared.media_ip,
        rtp_port: local_addr.port(),
        session_id: u64::from(local_addr.port()),
        session_version: 1,
    };
    let (answer, negotiated) = match sdp::answer(&offer, &local) {
        Ok(a) => a,
        Err(e @ SdpError::NotAcceptable(_)) => return refuse(dialog, 488, &e.to_string()),
        Err(e) => return refuse(dialog, 400, &e.to_string()),
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
        caller: record.caller.clone(),
        called: record.called.clone(),
        language: None,
    };
    let mut session = match CallSession::new(
        Arc::clone(&shared.flow),
        info,
        jiff::Timestamp::now(),
        VadParams::default(),
    ) {
        Ok(s) => s,
        Err(e) => return refuse(dialog, 500, &e),
    };
    if let Err(e) = dialog.answer(&answer.to_string()) {
        tracing::warn!(call_id, "{e}");
        return "answer_failed".to_string();
    }
    record.answer = Some(jiff::Timestamp::now().to_string());
    let log = &mut record.events;
    let (done_tx, mut done) = mpsc::unbounded_channel::<Done>();
    let mut recognizers = Some(Box::new(CallRecognizers::default()));
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    // A late tick is made up at once, so the call clock never drifts from the wall clock.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    let ended_by = loop {
        tokio::select! {
            _ = ticker.tick() => {
                let now = Instant::now();
                if media.peer.timed_out(now) {
                    tracing::info!(call_id, "no RTP: hanging up");
                    session.flow_input(Input::Hangup, jiff::Timestamp::now());
                    break "rtp_timeout";
                }
                let (frame, lost_key) = media.next_frame(now);
                let wall = jiff::Timestamp::now();
                if let Some(key) = lost_key {
                    session.dtmf(&key.to_string(), wall);
                }
                let out = session.tick(wall, &frame);
                media.send(&out).await;
                if carry_out(shared, &mut session, &mut recognizers, &done_tx, log) {
                    break "engine";
                }
                if session.is_ended() {
                    break "engine";
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
            () = shared.stop_calls.cancelled() => {
                session.flow_input(Input::Hangup, jiff::Timestamp::now());
                break "shutdown";
            }
            signal = signals.recv() => match signal {
                Some(CallSignal::Dtmf(key)) => session.dtmf(&key.to_string(), jiff::Timestamp::now()),
                Some(CallSignal::Confirmed) => {}
                Some(CallSignal::Ended(_)) | None => {
                    session.flow_input(Input::Hangup, jiff::Timestamp::now());
                    break "caller";
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
            keep_event(log, line);
        }
    }
    record.language = session.language().to_string();
    if ended_by != "caller" {
        dialog.hang_up().await;
    }
    ended_by.to_string()
}

/// Refuses the call with a final error response; the status is also who ended it, for the
/// call record.
fn refuse(dialog: &ivr_sip::server::CallDialog, status: u16, reason: &str) -> String {
    dialog.reject(status, reason);
    status.to_string()
}

/// An event of the call: logged now (within the call's span), kept for its record.
fn keep_event(log: &mut Vec<LogLine>, line: LogLine) {
    tracing::info!(event = %serde_json::to_string(&line).unwrap_or_default());
    log.push(line);
}

/// Starts everything the session asked for; true when the flow hung up.
fn carry_out(
    shared: &Arc<Shared>,
    session: &mut CallSession,
    recognizers: &mut Option<Box<CallRecognizers>>,
    done: &mpsc::UnboundedSender<Done>,
    log: &mut Vec<LogLine>,
) -> bool {
    let mut hang_up = false;
    while let Some(output) = session.poll_output() {
        match output {
            SessionOutput::Log(line) => keep_event(log, line),
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
                let models = Arc::clone(&shared.models);
                let back = done.clone();
                let submitted = shared.recognition.try_submit(
                    move || {
                        let result = mine.recognize(&models, &audio, &config);
                        (result, mine)
                    },
                    move |outcome| {
                        let (result, recognizers) = match outcome {
                            Ok(done) => done,
                            Err(failed) => (
                                Err(RecognizerError::Decode(failed.to_string())),
                                Box::default(),
                            ),
                        };
                        back.send(Done::Recognized {
                            utterance_id,
                            result,
                            recognizers,
                        })
                        .ok();
                    },
                );
                if let Err(busy) = submitted {
                    // Every worker busy and the queue full: this utterance goes unheard (the
                    // flow re-prompts), rather than the caller waiting in silence.
                    done.send(Done::Recognized {
                        utterance_id,
                        result: Err(RecognizerError::Decode(busy.to_string())),
                        recognizers: Box::default(),
                    })
                    .ok();
                }
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
