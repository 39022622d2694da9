//! One live call's IO: the SDP answer, then a loop that feeds the call's controller
//! (ivr-engine's `live_call`) every datagram, SIP signal, finished job and tick, and does what
//! it asks: send RTP, load prompts, recognize, look up, refer, wait for an agent, hang up.

use super::Shared;
use super::clock::unix_ms;
use super::done::Done;
use super::effects::{announce, keep_event, start_effect, start_session_work};
use super::live::LiveCall;
use super::metrics as names;
use super::queue::{self, Answered, OfferResult, Waiting};
use super::recognition::CallRecognition;
use crate::cdr::{CallRecord, Latency};
use crate::live_call::{
    CallController, Leg, LegId, MAX_DATAGRAM, MediaCounts, Output, ReofferAnswer, random_seed,
    transfer::Routes,
};
use crate::notify::request::Requester;
use crate::session::CallSession;
use ivr_flow::Flow;
use ivr_flow::interpreter::CallInfo;
use ivr_sip::rtp_peer::RtpPolicy;
use ivr_sip::sdp::{self, LocalMedia, SdpError};
use ivr_sip_server::{CallDialog, CallSignal, IncomingCall, OutgoingCall, Reoffer};
use ivr_speech::endpointer::VadParams;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// Media counters go to the metrics once a second (every 50 ticks).
const METRICS_EVERY_TICKS: u32 = 50;

pub async fn run(shared: Arc<Shared>, call: IncomingCall) {
    let IncomingCall {
        call_id,
        caller,
        source,
        from_trunk,
        called,
        offer,
        dialog,
        mut signals,
    } = call;
    let requester = Requester {
        caller: caller.number.clone(),
        caller_verified: caller.verified,
        source,
    };
    let flow_path = shared.config.flow_for(called.as_deref()).to_path_buf();
    let Some((flow, flow_version)) = shared.flows.get(&flow_path) else {
        tracing::error!("flow {} is not loaded", flow_path.display());
        dialog.reject(500, "no flow");
        return;
    };
    let record = CallRecord {
        call_id: call_id.clone(),
        caller: caller.number.clone(),
        caller_verified: caller.verified,
        called: called.clone(),
        flow: flow_path.display().to_string(),
        start: shared.clock.now().to_string(),
        answer: None,
        end: String::new(),
        language: flow.spec.default_language.value.clone(),
        states: Vec::new(),
        ended_by: String::new(),
        transfer: None,
        recognition: Latency::default(),
        events: Vec::new(),
        events_dropped: 0,
    };
    let in_progress = shared.live.track(LiveCall {
        call_id: call_id.clone(),
        caller: caller.number,
        called,
        flow: record.flow.clone(),
        flow_version,
        start: record.start.clone(),
        answered: false,
        state: None,
        language: record.language.clone(),
        waiting_in: None,
        agent: None,
    });
    let arrival = Arrival {
        requester,
        from_trunk,
    };
    let record = answer_and_run(&shared, flow, record, arrival, offer, &dialog, &mut signals).await;
    drop(in_progress);
    metrics::counter!(names::CALLS, "outcome" => record.ended_by.clone()).increment(1);
    let path = shared.records.clone();
    let written = tokio::task::spawn_blocking(move || record.append_to(&path)).await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(call_id, "call record not written: {e}"),
        Err(e) => tracing::warn!(call_id, "call record not written: {e}"),
    }
}

/// Answers the call and runs it to its end; returns its record.
/// Who called, as the engine can tell.
struct Arrival {
    requester: Requester,
    from_trunk: bool,
}

async fn answer_and_run(
    shared: &Arc<Shared>,
    flow: Arc<Flow>,
    mut record: CallRecord,
    arrival: Arrival,
    offer: Vec<u8>,
    dialog: &CallDialog,
    signals: &mut mpsc::UnboundedReceiver<CallSignal>,
) -> CallRecord {
    let refused = |mut record: CallRecord, ended_by: String| {
        record.ended_by = ended_by;
        record.end = shared.clock.now().to_string();
        record.summarize();
        record
    };
    let offer = match sdp::parse(&String::from_utf8_lossy(&offer)) {
        Ok(offer) => offer,
        Err(e) => return refused(record, refuse(dialog, 400, &e.to_string())),
    };
    let Some(socket) = shared.rtp_ports.bind(shared.bind_ip).await else {
        tracing::warn!("no free RTP port in the configured range");
        return refused(record, refuse(dialog, 503, "no media port"));
    };
    let Ok(local_addr) = socket.local_addr() else {
        return refused(record, refuse(dialog, 500, "no media port"));
    };
    let local = LocalMedia {
        address: shared.media_ip,
        rtp_port: local_addr.port(),
        session_id: u64::from(local_addr.port()),
        session_version: 1,
    };
    let (answer, negotiated) = match sdp::answer(&offer, &local) {
        Ok(a) => a,
        Err(e @ SdpError::NotAcceptable(_)) => {
            return refused(record, refuse(dialog, 488, &e.to_string()));
        }
        Err(e) => return refused(record, refuse(dialog, 400, &e.to_string())),
    };
    if let Some(cancelled) = ring(shared, dialog, signals).await {
        return refused(record, cancelled);
    }
    let info = CallInfo {
        call_id: record.call_id.clone(),
        caller: record.caller.clone(),
        caller_verified: record.caller_verified,
        called: record.called.clone(),
        language: None,
    };
    let wall = shared.clock.now();
    let zone = flow.timezone.clone();
    let mut session = match CallSession::new(flow, info, wall, VadParams::default()) {
        Ok(s) => s,
        Err(e) => return refused(record, refuse(dialog, 500, &e)),
    };
    session.set_recognition_timeout_ms(shared.recognition_timeout_ms);
    let answer = answer.to_string();
    if let Err(e) = dialog.answer(&answer) {
        tracing::warn!(call_id = record.call_id, "{e}");
        return refused(record, "answer_failed".to_string());
    }
    let now = Instant::now();
    let caller = Leg::new(
        local,
        answer,
        &negotiated,
        rtp_policy(shared, arrival.from_trunk),
        now,
        random_seed(),
    );
    record.answer = Some(wall.to_string());
    metrics::gauge!(names::ACTIVE_CALLS).increment(1.0);
    shared.live.update(&record.call_id, |c| c.answered = true);
    let routes = Routes::of(&shared.config);
    let controller = CallController::new(session, caller, routes, record, now, wall);
    let (driver, returns) = Driver::new(
        shared,
        dialog,
        socket,
        Asking {
            requester: arrival.requester,
            zone,
        },
        &controller,
    );
    driver.run(returns, controller, signals).await
}

/// A trunk whose gateway may send nothing until the caller speaks is spoken to at once and
/// given the whole RTP timeout; anyone else hears nothing before their first packet, and a
/// call that never sends one is given up sooner.
fn rtp_policy(shared: &Shared, from_trunk: bool) -> RtpPolicy {
    let rtp = &shared.config.rtp;
    let timeout = Duration::from_secs(rtp.timeout_s.max(1));
    if from_trunk && rtp.speak_first_to_trunks {
        return RtpPolicy::trusting(timeout);
    }
    RtpPolicy {
        timeout,
        first_packet_timeout: Duration::from_secs(rtp.first_packet_timeout_s.max(1)),
        wait_for_first_packet: true,
    }
}

/// The agent's side of a bridged call, as far as IO goes.
struct AgentSide {
    call: OutgoingCall,
    socket: UdpSocket,
    keys: mpsc::UnboundedSender<char>,
}

/// Who a call's requests come from, and the line's time zone their dates are in.
pub(super) struct Asking {
    pub requester: Requester,
    pub zone: jiff::tz::TimeZone,
}

/// The IO around one answered call's controller.
struct Driver<'a> {
    shared: &'a Arc<Shared>,
    dialog: &'a CallDialog,
    call_id: String,
    asking: Asking,
    socket: UdpSocket,
    done_tx: mpsc::UnboundedSender<Done>,
    recognition: CallRecognition,
    waiting: Option<Waiting>,
    agent: Option<AgentSide>,
    /// The agent's dialog's signals, apart from `agent` so the loop can wait on both.
    agent_signals: Option<mpsc::UnboundedReceiver<CallSignal>>,
    offers_tx: mpsc::UnboundedSender<OfferResult>,
    counters: MediaCounters,
}

/// What comes back to a call's loop from off it: finished work, and agents' answers.
struct Returns {
    done: mpsc::UnboundedReceiver<Done>,
    offers: mpsc::UnboundedReceiver<OfferResult>,
}

impl<'a> Driver<'a> {
    fn new(
        shared: &'a Arc<Shared>,
        dialog: &'a CallDialog,
        socket: UdpSocket,
        asking: Asking,
        controller: &CallController,
    ) -> (Self, Returns) {
        let (done_tx, done) = mpsc::unbounded_channel();
        let (offers_tx, offers) = mpsc::unbounded_channel();
        let driver = Driver {
            shared,
            dialog,
            call_id: controller.call_id().to_string(),
            asking,
            socket,
            done_tx,
            recognition: CallRecognition::default(),
            waiting: None,
            agent: None,
            agent_signals: None,
            offers_tx,
            counters: MediaCounters::default(),
        };
        (driver, Returns { done, offers })
    }

    async fn run(
        mut self,
        returns: Returns,
        mut controller: CallController,
        signals: &mut mpsc::UnboundedReceiver<CallSignal>,
    ) -> CallRecord {
        let shared = self.shared;
        let Returns {
            mut done,
            mut offers,
        } = returns;
        let mut from_caller = vec![0u8; MAX_DATAGRAM + 1];
        let mut from_agent = vec![0u8; MAX_DATAGRAM + 1];
        self.carry_out(&mut controller).await;
        // One timer for the call, moved only when the deadline does: a new one per wake-up
        // (every datagram) would cost a timer-wheel insert and removal each time.
        let timer = tokio::time::sleep_until(controller.next_deadline().into());
        tokio::pin!(timer);
        while controller.ended().is_none() {
            let deadline = tokio::time::Instant::from_std(controller.next_deadline());
            if timer.deadline() != deadline {
                timer.as_mut().reset(deadline);
            }
            tokio::select! {
                () = &mut timer => {
                    let now = Instant::now();
                    controller.tick(now);
                    self.counters.tick(controller.media_counts());
                    self.queue_tick(&mut controller, now).await;
                }
                received = self.socket.recv_from(&mut from_caller) => {
                    if let Ok((len, from)) = received {
                        controller.datagram(LegId::Caller, &from_caller[..len], from, Instant::now());
                    }
                }
                received = agent_datagram(self.agent.as_ref(), &mut from_agent) => {
                    if let Ok((len, from)) = received {
                        controller.datagram(LegId::Agent, &from_agent[..len], from, Instant::now());
                    }
                }
                Some(offer) = offers.recv() => self.offer_answered(&mut controller, offer),
                () = shared.stop_calls.cancelled() => controller.shut_down(Instant::now()),
                signal = signals.recv() => {
                    self.caller_signal(&mut controller, signal).await;
                }
                signal = agent_signal(self.agent_signals.as_mut()) => {
                    let now = Instant::now();
                    match signal {
                        Some(CallSignal::Reoffer(reoffer)) => {
                            let answer = controller.reoffer(LegId::Agent, &reoffer.offer, now);
                            reply(reoffer, answer).await;
                        }
                        Some(CallSignal::Ended(_)) | None => controller.leg_ended(LegId::Agent, now),
                        Some(_) => {}
                    }
                }
                Some(work) = done.recv() => self.work_done(&mut controller, work),
            }
            self.carry_out(&mut controller).await;
        }
        // An agent who answered as the wait ended must not sit on a call nobody is on: offers
        // still on their way are refused from here on (their task hangs up), and those already
        // here are hung up.
        offers.close();
        while let Ok(offer) = offers.try_recv() {
            queue::decline(offer);
        }
        self.counters.report(controller.media_counts());
        controller.into_record(Instant::now())
    }

    async fn caller_signal(&mut self, controller: &mut CallController, signal: Option<CallSignal>) {
        let now = Instant::now();
        match signal {
            Some(CallSignal::Dtmf(key)) => controller.key(key, now),
            Some(CallSignal::Confirmed) => {}
            Some(CallSignal::Reoffer(reoffer)) => {
                let answer = controller.reoffer(LegId::Caller, &reoffer.offer, now);
                reply(reoffer, answer).await;
            }
            Some(CallSignal::Transfer(progress)) => controller.refer_progress(progress, now),
            Some(CallSignal::Ended(_)) | None => controller.leg_ended(LegId::Caller, now),
        }
    }

    /// A waiting caller's turn at the agents, and what the queue says about the wait.
    async fn queue_tick(&mut self, controller: &mut CallController, now: Instant) {
        let Some(w) = &mut self.waiting else {
            return;
        };
        let caller = self.asking.requester.caller.as_deref();
        if let Err(why) = w.tick(self.shared, caller, &self.offers_tx, now).await {
            controller.wait_failed(why, now);
        } else if let Some(text) = w.announcement(self.shared, now) {
            announce(self.shared, w.lang(), text, &self.done_tx);
        }
    }

    fn offer_answered(&mut self, controller: &mut CallController, offer: OfferResult) {
        let Some(w) = &mut self.waiting else {
            return queue::decline(offer);
        };
        let Some(Answered {
            agent,
            mut call,
            socket,
            leg,
        }) = w.offer_result(self.shared, offer)
        else {
            return;
        };
        // The distributor already counts the agent as taken: no `abandon` for this wait.
        self.waiting = None;
        let agent_name = agent.clone();
        self.shared.live.update(&self.call_id, |c| {
            c.waiting_in = None;
            c.agent = Some(agent_name);
        });
        // Keys go to the agent's phone off the media loop: an INFO awaiting its answer would
        // stall both legs' audio.
        let keys = call.key_relay();
        let (_, closed) = mpsc::unbounded_channel();
        self.agent_signals = Some(std::mem::replace(&mut call.signals, closed));
        self.agent = Some(AgentSide { call, socket, keys });
        controller.agent_answered(agent, leg, Instant::now());
    }

    fn work_done(&mut self, controller: &mut CallController, work: Done) {
        let now = Instant::now();
        match work {
            Done::Prompt { play_id, samples } => controller.prompt_audio(play_id, samples, now),
            Done::Recognized {
                utterance_id,
                result,
                recognizers,
            } => {
                self.recognition.returned(utterance_id, recognizers);
                metrics::gauge!(names::RECOGNITION_QUEUE)
                    .set(self.shared.recognition.queue_depth() as f64);
                controller.recognized(utterance_id, result, now);
            }
            Done::Flow(input) => controller.flow_input(input, now),
            Done::Announcement { text, samples } => {
                if let Some(samples) = samples {
                    controller.announcement(&text, samples, now);
                }
            }
            Done::Referred(status) => controller.refer_answered(status, now),
        }
    }

    /// Does everything the controller asked for, including what doing it makes it ask.
    async fn carry_out(&mut self, controller: &mut CallController) {
        let shared = self.shared;
        while let Some(output) = controller.poll_output() {
            match output {
                Output::Rtp { leg, to, packet } => {
                    let socket = match (leg, &self.agent) {
                        (LegId::Caller, _) => &self.socket,
                        (LegId::Agent, Some(agent)) => &agent.socket,
                        (LegId::Agent, None) => continue,
                    };
                    if let Err(e) = socket.send_to(&packet, to).await {
                        tracing::debug!("RTP to {to}: {e}");
                    }
                }
                Output::Session(work) => {
                    start_session_work(shared, work, &mut self.recognition, &self.done_tx);
                }
                Output::Effect(action) => {
                    start_effect(shared, &self.call_id, &self.asking, action, &self.done_tx)
                }
                Output::Event(line) => keep_event(shared, &self.call_id, &line),
                Output::Refer(uri) => self.refer(uri),
                Output::Wait { queue, lang } => {
                    match queue::join(shared, &queue, &self.call_id, &lang) {
                        Ok(w) => {
                            if let Some(music) = shared.hold_music.for_queue(&queue) {
                                controller.hold_music(music);
                            }
                            self.waiting = Some(w);
                            shared.live.update(&self.call_id, |c| {
                                c.waiting_in = Some(queue.clone());
                            });
                        }
                        Err(why) => controller.wait_failed(why, Instant::now()),
                    }
                }
                Output::StopWaiting => {
                    if let Some(mut w) = self.waiting.take() {
                        w.abandon(shared);
                    }
                    shared.live.update(&self.call_id, |c| c.waiting_in = None);
                }
                Output::KeyToAgent(key) => {
                    if let Some(agent) = &self.agent {
                        agent.keys.send(key).ok();
                    }
                }
                Output::AgentCallEnded { agent, call_ms } => {
                    shared.acd.decide(
                        |_| true,
                        |acd, _| acd.call_ended(&agent, call_ms, unix_ms()),
                    );
                }
                Output::HangUp(LegId::Caller) => self.dialog.hang_up().await,
                Output::HangUp(LegId::Agent) => {
                    self.agent_signals = None;
                    if let Some(agent) = self.agent.take() {
                        agent.call.hang_up().await;
                    }
                }
            }
        }
    }

    /// Sends the REFER for a flow's transfer; its answer comes back as `Done::Referred`.
    fn refer(&self, uri: String) {
        let dialog = self.dialog.clone();
        let done = self.done_tx.clone();
        tokio::spawn(async move {
            let status = dialog.refer(&uri).await;
            done.send(Done::Referred(status)).ok();
        });
    }
}

/// A datagram on the agent's socket; never, while there is no agent.
async fn agent_datagram(
    agent: Option<&AgentSide>,
    buf: &mut [u8],
) -> std::io::Result<(usize, SocketAddr)> {
    match agent {
        Some(agent) => agent.socket.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

/// A signal from the agent's dialog; never, while there is no agent.
async fn agent_signal(
    signals: Option<&mut mpsc::UnboundedReceiver<CallSignal>>,
) -> Option<CallSignal> {
    match signals {
        Some(signals) => signals.recv().await,
        None => std::future::pending().await,
    }
}

async fn reply(reoffer: Reoffer, answer: ReofferAnswer) {
    match answer {
        ReofferAnswer::Accept(sdp) => reoffer.accept(&sdp).await,
        ReofferAnswer::Reject(status) => reoffer.reject(status).await,
    }
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
    reported: MediaCounts,
}

impl MediaCounters {
    fn tick(&mut self, counts: MediaCounts) {
        self.ticks += 1;
        if self.ticks.is_multiple_of(METRICS_EVERY_TICKS) {
            self.report(counts);
        }
    }

    fn report(&mut self, counts: MediaCounts) {
        let before = self.reported;
        metrics::counter!(names::RTP_LOST).increment(counts.lost.saturating_sub(before.lost));
        metrics::counter!(names::RTP_LATE).increment(counts.late.saturating_sub(before.late));
        metrics::counter!(names::PROMPT_UNDERRUNS).increment(
            counts
                .prompt_underruns
                .saturating_sub(before.prompt_underruns),
        );
        self.reported = counts;
    }
}
