//! One live call: SDP answer, then a 20 ms loop that feeds the call session the caller's audio
//! and sends back the engine's, while prompt loading, recognition, lookups and transfers run
//! off the loop and report back.

use super::Shared;
use super::done::Done;
use super::effects::{announce, carry_out, keep_event};
use super::live::LiveCall;
use super::media::{MAX_DATAGRAM, MediaLeg};
use super::metrics as names;
use super::queue::{self, Answered, OfferResult, Waiting};
use super::recognition::CallRecognition;
use super::reoffer;
use super::transfer::{self, Route, Step, Transfer};
use ivr_engine::cdr::{CallRecord, Latency, TransferRecord};
use ivr_engine::session::{CallSession, SessionOutput};
use ivr_flow::interpreter::{CallInfo, Input};
use ivr_sip::rtp_peer::RtpPeer;
use ivr_sip::sdp::{self, LocalMedia, SdpError};
use ivr_sip_server::{CallDialog, CallSignal, IncomingCall};
use ivr_speech::endpointer::VadParams;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

/// Media counters go to the metrics once a second (every 50 frames).
const METRICS_EVERY_TICKS: u32 = 50;

pub async fn run(shared: Arc<Shared>, call: IncomingCall) {
    let IncomingCall {
        call_id,
        caller,
        called,
        offer,
        dialog,
        mut signals,
    } = call;
    let flow_path = shared.config.flow_for(called.as_deref()).to_path_buf();
    let Some((flow, flow_version)) = shared.flows.get(&flow_path) else {
        tracing::error!("flow {} is not loaded", flow_path.display());
        dialog.reject(500, "no flow");
        return;
    };
    let start = shared.clock.now();
    let mut record = CallRecord {
        call_id: call_id.clone(),
        caller: caller.clone(),
        called: called.clone(),
        flow: flow_path.display().to_string(),
        start: start.to_string(),
        answer: None,
        end: String::new(),
        language: flow.spec.default_language.value.clone(),
        states: Vec::new(),
        ended_by: String::new(),
        transfer: None,
        recognition: Latency::default(),
        events: Vec::new(),
    };
    let in_progress = shared.live.track(LiveCall {
        call_id: call_id.clone(),
        caller,
        called,
        flow: record.flow.clone(),
        flow_version,
        start: record.start.clone(),
        answered: false,
        state: None,
        language: record.language.clone(),
    });
    let ended_by = answer_and_run(&shared, flow, &mut record, offer, &dialog, &mut signals).await;
    drop(in_progress);
    metrics::counter!(names::CALLS, "outcome" => ended_by.clone()).increment(1);
    record.ended_by = ended_by;
    record.end = shared.clock.now().to_string();
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
    flow: Arc<ivr_flow::Flow>,
    record: &mut CallRecord,
    offer: Vec<u8>,
    dialog: &CallDialog,
    signals: &mut mpsc::UnboundedReceiver<CallSignal>,
) -> String {
    let call_id = record.call_id.clone();
    let offer = match sdp::parse(&String::from_utf8_lossy(&offer)) {
        Ok(offer) => offer,
        Err(e) => return refuse(dialog, 400, &e.to_string()),
    };
    let Some(socket) = shared.rtp_ports.bind(shared.bind_ip).await else {
        tracing::warn!("no free RTP port in the configured range");
        return refuse(dialog, 503, "no media port");
    };
    let Ok(local_addr) = socket.local_addr() else {
        return refuse(dialog, 500, "no media port");
    };
    let mut local = LocalMedia {
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
    if let Some(cancelled) = ring(shared, dialog, signals).await {
        return cancelled;
    }
    let now = Instant::now();
    let peer = RtpPeer::new(
        negotiated.remote,
        negotiated.direction.receives(),
        Duration::from_secs(shared.config.rtp.timeout_s.max(1)),
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
        Arc::clone(&flow),
        info,
        shared.clock.now(),
        VadParams::default(),
    ) {
        Ok(s) => s,
        Err(e) => return refuse(dialog, 500, &e),
    };
    session.set_recognition_timeout_ms(shared.recognition_timeout_ms);
    let mut current_answer = answer.to_string();
    if let Err(e) = dialog.answer(&current_answer) {
        tracing::warn!(call_id, "{e}");
        return "answer_failed".to_string();
    }
    record.answer = Some(shared.clock.now().to_string());
    metrics::gauge!(names::ACTIVE_CALLS).increment(1.0);
    shared.live.update(&call_id, |c| c.answered = true);
    let log = &mut record.events;
    let (done_tx, mut done) = mpsc::unbounded_channel::<Done>();
    let mut recognition = CallRecognition::default();
    let mut transfer: Option<Transfer> = None;
    let mut waiting: Option<Waiting> = None;
    let mut bridge: Option<Answered> = None;
    let (offers_tx, mut offers) = mpsc::unbounded_channel::<OfferResult>();
    let mut counters = MediaCounters::default();
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    // A late tick is made up at once, so the call clock never drifts from the wall clock.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    let mut caller_gone = false;
    let ended_by = loop {
        let mut step = Step::Waiting;
        tokio::select! {
            _ = ticker.tick() => {
                let now = Instant::now();
                if media.peer.timed_out(now) {
                    tracing::info!(call_id, "no RTP: hanging up");
                    session.flow_input(Input::Hangup, shared.clock.now());
                    break "rtp_timeout";
                }
                let (frame, lost_key) = media.next_frame(now);
                let wall = shared.clock.now();
                if let Some(key) = lost_key {
                    step = step.then(caller_key(key, &mut session, waiting.is_some(), wall));
                }
                let out = session.tick(wall, &frame);
                media.send(&out).await;
                counters.tick(&media, &session);
                if let Some(t) = &transfer {
                    step = step.then(t.on_tick(now));
                }
                if let Some(w) = &mut waiting {
                    if let Err(why) = w.tick(shared, record.caller.as_deref(), &offers_tx, now).await {
                        step = step.then(Step::Failed(why));
                    }
                    if let Some(text) = w.announcement(shared, now) {
                        announce(shared, w.lang(), text, &done_tx);
                    }
                }
            }
            Some(offer) = offers.recv() => match &mut waiting {
                Some(w) => {
                    if let Some(answered) = w.offer_result(shared, offer) {
                        step = Step::Connected;
                        bridge = Some(answered);
                    }
                }
                None => queue::decline(offer),
            },
            received = media.socket.recv_from(&mut buf) => {
                if let Ok((len, from)) = received && len <= MAX_DATAGRAM {
                    let keys = media.receive(&buf[..len], from, Instant::now());
                    for key in keys {
                        step = step.then(caller_key(key, &mut session, waiting.is_some(), shared.clock.now()));
                    }
                }
            }
            () = shared.stop_calls.cancelled() => {
                session.flow_input(Input::Hangup, shared.clock.now());
                break "shutdown";
            }
            signal = signals.recv() => match signal {
                Some(CallSignal::Dtmf(key)) => {
                    step = step.then(caller_key(key, &mut session, waiting.is_some(), shared.clock.now()));
                }
                Some(CallSignal::Confirmed) => {}
                Some(CallSignal::Reoffer(reoffer)) => {
                    reoffer::answer(reoffer, &mut local, &mut current_answer, &mut media).await;
                }
                Some(CallSignal::Transfer(progress)) => {
                    if let Some(t) = &mut transfer {
                        step = t.on_progress(progress);
                    }
                }
                Some(CallSignal::Ended(_)) | None => {
                    session.flow_input(Input::Hangup, shared.clock.now());
                    caller_gone = true;
                    if let Some(w) = &mut waiting {
                        w.abandon(shared);
                    }
                    // A phone that took the REFER often hangs up on us before it reports.
                    if transfer.as_ref().is_some_and(|t| t.accepted) {
                        record_transfer(&mut record.transfer, transfer.take(), "connected");
                        break "transferred";
                    }
                    break "caller";
                }
            },
            Some(work) = done.recv() => {
                let now = shared.clock.now();
                match work {
                    Done::Prompt { play_id, samples } => session.prompt_audio(play_id, samples, now),
                    Done::Recognized { utterance_id, result, recognizers: back } => {
                        recognition.returned(utterance_id, back);
                        metrics::gauge!(names::RECOGNITION_QUEUE)
                            .set(shared.recognition.queue_depth() as f64);
                        session.recognized(utterance_id, result, now);
                    }
                    Done::Flow(input) => session.flow_input(input, now),
                    Done::Announcement { text, samples } => {
                        if waiting.is_some() && let Some(samples) = samples {
                            session.announce(&text, samples);
                        }
                    }
                    Done::Referred(status) => {
                        if let Some(t) = &mut transfer {
                            step = t.on_refer_response(&status);
                        }
                    }
                }
            }
        }
        match step {
            Step::Waiting => {}
            Step::Connected => {
                tracing::info!(call_id, "transferred");
                record_transfer(&mut record.transfer, transfer.take(), "connected");
                if let (Some(w), Some(answered)) = (waiting.take(), &bridge) {
                    record.transfer = Some(TransferRecord {
                        refer_to: None,
                        queue: Some(w.queue),
                        agent: Some(answered.agent.clone()),
                        result: "connected".to_string(),
                    });
                }
                session.flow_input(Input::TransferResult { ok: true }, shared.clock.now());
            }
            Step::Failed(why) => {
                tracing::info!(call_id, "transfer failed: {why}");
                record_transfer(&mut record.transfer, transfer.take(), &why);
                if let Some(mut w) = waiting.take() {
                    w.abandon(shared);
                    record.transfer = Some(TransferRecord {
                        refer_to: None,
                        queue: Some(w.queue),
                        agent: None,
                        result: why,
                    });
                }
                session.flow_input(Input::TransferResult { ok: false }, shared.clock.now());
            }
        }
        let work = carry_out(
            shared,
            &call_id,
            &mut session,
            &mut recognition,
            &done_tx,
            log,
        );
        if let Some(target) = work.transfer {
            match transfer::route(&shared.config, &target) {
                Ok(Route::Refer(uri)) => transfer = Some(refer(dialog, uri, &done_tx)),
                Ok(Route::Agents(queue)) => {
                    let lang = session.language().to_string();
                    match queue::join(shared, &flow, &queue, &call_id, &lang) {
                        Ok(w) => {
                            tracing::info!(call_id, queue, "waiting for an agent");
                            waiting = Some(w);
                        }
                        Err(why) => {
                            tracing::info!(call_id, "transfer failed: {why}");
                            record.transfer = Some(TransferRecord {
                                refer_to: None,
                                queue: Some(queue),
                                agent: None,
                                result: why,
                            });
                            done_tx
                                .send(Done::Flow(Input::TransferResult { ok: false }))
                                .ok();
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(call_id, "transfer failed: {e}");
                    done_tx
                        .send(Done::Flow(Input::TransferResult { ok: false }))
                        .ok();
                }
            }
        }
        if bridge.is_some() {
            break "bridged";
        }
        if work.hang_up || session.is_ended() {
            let connected = record
                .transfer
                .as_ref()
                .is_some_and(|t| t.result == "connected");
            break if connected { "transferred" } else { "engine" };
        }
    };
    // An agent who answered as the wait ended must not sit on a call nobody is on: offers
    // still on their way are refused from here on (their task hangs up), and those already
    // here are hung up.
    offers.close();
    while let Ok(offer) = offers.try_recv() {
        queue::decline(offer);
    }
    // The last events (hangup) go to the log too.
    while let Some(output) = session.poll_output() {
        if let SessionOutput::Log(line) = output {
            keep_event(shared, &call_id, log, line);
        }
    }
    counters.tick_final(&media, &session);
    record.language = session.language().to_string();
    let ended_by = match bridge {
        Some(answered) => {
            let who = super::bridge::run(
                shared,
                &mut media,
                signals,
                answered,
                &mut local,
                &mut current_answer,
            )
            .await;
            caller_gone = who == "caller";
            who
        }
        None => ended_by,
    };
    if !caller_gone {
        dialog.hang_up().await;
    }
    ended_by.to_string()
}

/// 180 Ringing, then the configured wait before the answer. Returns who ended the call if
/// it ended while ringing (a CANCEL, or shutdown).
async fn ring(
    shared: &Shared,
    dialog: &CallDialog,
    signals: &mut mpsc::UnboundedReceiver<CallSignal>,
) -> Option<String> {
    dialog.ring();
    let wait = tokio::time::sleep(Duration::from_millis(shared.config.sip.answer_after_ms));
    tokio::pin!(wait);
    loop {
        tokio::select! {
            () = &mut wait => return None,
            () = shared.stop_calls.cancelled() => return Some(refuse(dialog, 503, "shutting down")),
            signal = signals.recv() => match signal {
                // rsipstack has answered the CANCEL (200) and the INVITE (487).
                Some(CallSignal::Ended(_)) | None => return Some("caller_cancelled".to_string()),
                Some(_) => {}
            },
        }
    }
}

/// A key from the caller: star while waiting for an agent leaves the queue (the flow's
/// fallback offers a callback); any other goes to the flow.
fn caller_key(key: char, session: &mut CallSession, waiting: bool, now: jiff::Timestamp) -> Step {
    if waiting && key == '*' {
        return Step::Failed("the caller asked for a callback instead".to_string());
    }
    session.dtmf(&key.to_string(), now);
    Step::Waiting
}

/// Sends the REFER for a flow's transfer; its answer comes back as `Done::Referred`.
fn refer(dialog: &CallDialog, uri: String, done: &mpsc::UnboundedSender<Done>) -> Transfer {
    tracing::info!("transfer: REFER to {uri}");
    let dialog = dialog.clone();
    let done = done.clone();
    let to = uri.clone();
    tokio::spawn(async move {
        let status = dialog.refer(&to).await;
        done.send(Done::Referred(status)).ok();
    });
    Transfer::new(uri, Instant::now())
}

fn record_transfer(slot: &mut Option<TransferRecord>, transfer: Option<Transfer>, result: &str) {
    if let Some(t) = transfer {
        *slot = Some(TransferRecord {
            refer_to: Some(t.uri),
            queue: None,
            agent: None,
            result: result.to_string(),
        });
    }
}

/// Refuses the call with a final error response; the status is also who ended it, for the
/// call record.
fn refuse(dialog: &CallDialog, status: u16, reason: &str) -> String {
    dialog.reject(status, reason);
    status.to_string()
}

/// Media counters reported to the metrics as they grow.
#[derive(Default)]
struct MediaCounters {
    ticks: u32,
    lost: u64,
    late: u64,
    underruns: u64,
}

impl MediaCounters {
    fn tick(&mut self, media: &MediaLeg, session: &CallSession) {
        self.ticks += 1;
        if self.ticks.is_multiple_of(METRICS_EVERY_TICKS) {
            self.tick_final(media, session);
        }
    }

    fn tick_final(&mut self, media: &MediaLeg, session: &CallSession) {
        let (lost, late) = media.lost_and_late();
        let underruns = session.prompt_underruns();
        metrics::counter!(names::RTP_LOST).increment(lost.saturating_sub(self.lost));
        metrics::counter!(names::RTP_LATE).increment(late.saturating_sub(self.late));
        metrics::counter!(names::PROMPT_UNDERRUNS)
            .increment(underruns.saturating_sub(self.underruns));
        (self.lost, self.late, self.underruns) = (lost, late, underruns);
    }
}
