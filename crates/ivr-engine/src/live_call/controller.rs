//! One answered call and its legs, sans-IO: the caller's leg and the flow's session, a
//! transfer by REFER, the wait for an agent, then the caller and the agent bridged. Each input
//! comes with the time (`now`, the IO layer's one monotonic clock; the call's wall time is
//! derived from it), outputs are polled, and `next_deadline` says when to tick next.

use super::leg::{Leg, ReofferAnswer};
use super::output::{LegId, Output};
use super::transfer::{Route, Routes, Step, Transfer};
use crate::cdr::{CallRecord, TransferRecord};
use crate::session::{CallSession, LogEvent, SessionOutput};
use ivr_flow::interpreter::CallEvent;
use ivr_flow::interpreter::{Action, Input};
use ivr_media::hold_music::HoldMusic;
use ivr_sip::refer_progress::ReferProgress;
use ivr_speech::{RecognizerError, Transcript};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The media cadence: one 20 ms frame each way per tick.
pub const TICK: Duration = Duration::from_millis(20);

/// Who ended a call, as its record says it.
pub type EndedBy = &'static str;

enum Phase {
    /// The flow talks with the caller; a REFER or a queue wait may be under way.
    Flow {
        transfer: Option<Transfer>,
        waiting: Option<String>,
    },
    /// The caller and an agent talk through the engine.
    Bridged {
        agent: Box<Leg>,
        name: String,
        since: Instant,
    },
    Ended(EndedBy),
}

/// Packets lost and late on the caller's leg, and frames of prompt silence, so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaCounts {
    pub lost: u64,
    pub late: u64,
    pub prompt_underruns: u64,
}

pub struct CallController {
    session: CallSession,
    caller: Leg,
    phase: Phase,
    routes: Routes,
    record: CallRecord,
    started: Instant,
    wall_at_start: jiff::Timestamp,
    next_tick: Instant,
    out: VecDeque<Output>,
    /// What a caller waiting for an agent hears between (and under) announcements.
    hold_music: Option<HoldMusic>,
}

impl CallController {
    /// A call answered at `now` (`wall_at_start` on the call's clock), its session started.
    pub fn new(
        session: CallSession,
        caller: Leg,
        routes: Routes,
        record: CallRecord,
        now: Instant,
        wall_at_start: jiff::Timestamp,
    ) -> CallController {
        let mut controller = CallController {
            session,
            caller,
            phase: Phase::Flow {
                transfer: None,
                waiting: None,
            },
            routes,
            record,
            started: now,
            wall_at_start,
            next_tick: now,
            out: VecDeque::new(),
            hold_music: None,
        };
        controller.settle(Step::Waiting, now);
        controller
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When `tick` is due next.
    pub fn next_deadline(&self) -> Instant {
        self.next_tick
    }

    /// Who ended the call, once it has ended: the IO layer then stops and writes the record.
    pub fn ended(&self) -> Option<EndedBy> {
        match self.phase {
            Phase::Ended(by) => Some(by),
            _ => None,
        }
    }

    pub fn call_id(&self) -> &str {
        &self.record.call_id
    }

    /// The calling number, if not withheld.
    pub fn caller(&self) -> Option<&str> {
        self.record.caller.as_deref()
    }

    /// Whether the flow has run to its end (a hangup or a finished transfer), rather than the
    /// call being cut.
    pub fn flow_ended(&self) -> bool {
        self.session.is_ended()
    }

    /// Whether the caller is talking to an agent.
    pub fn is_bridged(&self) -> bool {
        matches!(self.phase, Phase::Bridged { .. })
    }

    pub fn language(&self) -> &str {
        self.session.language()
    }

    pub fn media_counts(&self) -> MediaCounts {
        let (lost, late) = self.caller.lost_and_late();
        MediaCounts {
            lost,
            late,
            prompt_underruns: self.session.prompt_underruns(),
        }
    }

    /// The call's record, completed at `end` (RFC 3339 on the call's clock).
    pub fn into_record(self, now: Instant) -> CallRecord {
        let mut record = self.record;
        record.ended_by = match self.phase {
            Phase::Ended(by) => by.to_string(),
            _ => "engine".to_string(),
        };
        record.language = self.session.language().to_string();
        record.end = wall(self.wall_at_start, self.started, now).to_string();
        record.summarize();
        record
    }

    fn wall(&self, now: Instant) -> jiff::Timestamp {
        wall(self.wall_at_start, self.started, now)
    }

    /// The 20 ms beat: a frame each way, and every timeout (RTP silence, the REFER's answer).
    pub fn tick(&mut self, now: Instant) {
        if now < self.next_tick {
            return;
        }
        // A late tick is made up at once (the driver calls again), so the call's media clock
        // never drifts from real time.
        self.next_tick += TICK;
        let wall = self.wall(now);
        match &mut self.phase {
            Phase::Ended(_) => {}
            Phase::Flow { transfer, .. } => {
                if self.caller.timed_out(now) {
                    tracing::info!("no RTP: hanging up");
                    self.session.flow_input(Input::Hangup, wall);
                    return self.end("rtp_timeout", &[LegId::Caller]);
                }
                let step = transfer.as_ref().map_or(Step::Waiting, |t| t.on_tick(now));
                let (frame, lost_key) = self.caller.next_frame(now);
                let step = match lost_key {
                    Some(key) => self.key_in_flow(key, wall).then(step),
                    None => step,
                };
                let speech = self.session.is_playing();
                let mut audio = self.session.tick(wall, &frame);
                let waiting = matches!(
                    self.phase,
                    Phase::Flow {
                        waiting: Some(_),
                        ..
                    }
                );
                if waiting && let Some(music) = &mut self.hold_music {
                    music.mix_into(&mut audio, speech);
                }
                send(&mut self.out, &mut self.caller, LegId::Caller, &audio);
                self.settle(step, now);
            }
            Phase::Bridged { agent, .. } => {
                if self.caller.timed_out(now) {
                    return self.end("rtp_timeout", &[LegId::Caller, LegId::Agent]);
                }
                if agent.timed_out(now) {
                    return self.end("agent_rtp_timeout", &[LegId::Caller, LegId::Agent]);
                }
                let (from_caller, lost_key) = self.caller.next_frame(now);
                let (from_agent, _) = agent.next_frame(now);
                send(&mut self.out, agent, LegId::Agent, &from_caller);
                send(&mut self.out, &mut self.caller, LegId::Caller, &from_agent);
                if let Some(key) = lost_key {
                    self.out.push_back(Output::KeyToAgent(key));
                }
            }
        }
    }

    /// A datagram on one leg's socket.
    pub fn datagram(&mut self, leg: LegId, bytes: &[u8], from: SocketAddr, now: Instant) {
        let keys = match (leg, &mut self.phase) {
            (LegId::Caller, _) => self.caller.receive(bytes, from, now),
            (LegId::Agent, Phase::Bridged { agent, .. }) => {
                // Keys from the agent's phone are the agent's business, not the flow's.
                agent.receive(bytes, from, now);
                Vec::new()
            }
            (LegId::Agent, _) => Vec::new(),
        };
        for key in keys {
            self.key(key, now);
        }
    }

    /// A key from the caller's phone (RFC 4733 or SIP INFO). While waiting, star leaves the
    /// queue (the flow's fallback offers a callback); bridged, keys go to the agent.
    pub fn key(&mut self, key: char, now: Instant) {
        match self.phase {
            Phase::Flow { .. } => {
                let step = self.key_in_flow(key, self.wall(now));
                self.settle(step, now);
            }
            Phase::Bridged { .. } => self.out.push_back(Output::KeyToAgent(key)),
            Phase::Ended(_) => {}
        }
    }

    fn key_in_flow(&mut self, key: char, wall: jiff::Timestamp) -> Step {
        let waiting = matches!(
            self.phase,
            Phase::Flow {
                waiting: Some(_),
                ..
            }
        );
        if waiting && key == '*' {
            return Step::Failed("the caller asked for a callback instead".to_string());
        }
        self.session.dtmf(&key.to_string(), wall);
        Step::Waiting
    }

    /// A re-INVITE from one leg's phone: answered from that leg's session; the other leg
    /// goes on (it hears what the holding phone sends, or silence).
    pub fn reoffer(&mut self, leg: LegId, offer: &[u8], now: Instant) -> ReofferAnswer {
        match (leg, &mut self.phase) {
            (LegId::Caller, _) => self.caller.answer_reoffer(offer, now),
            (LegId::Agent, Phase::Bridged { agent, .. }) => agent.answer_reoffer(offer, now),
            (LegId::Agent, _) => ReofferAnswer::Reject(481),
        }
    }

    /// A leg's phone hung up (BYE, or its dialog failed).
    pub fn leg_ended(&mut self, leg: LegId, now: Instant) {
        let wall = self.wall(now);
        match (&mut self.phase, leg) {
            (Phase::Ended(_), _) => {}
            (Phase::Flow { transfer, waiting }, LegId::Caller) => {
                self.session.flow_input(Input::Hangup, wall);
                if waiting.take().is_some() {
                    self.out.push_back(Output::StopWaiting);
                }
                // A phone that took the REFER often hangs up on us before it reports.
                if let Some(t) = transfer.take_if(|t| t.accepted) {
                    self.record.transfer = Some(referred(t, "connected"));
                    return self.end("transferred", &[]);
                }
                self.end("caller", &[]);
            }
            (Phase::Flow { .. }, LegId::Agent) => {}
            (Phase::Bridged { .. }, LegId::Caller) => self.end("caller", &[LegId::Agent]),
            (Phase::Bridged { .. }, LegId::Agent) => self.end("agent", &[LegId::Caller]),
        }
    }

    /// The engine is shutting down and the drain ran out: every leg is hung up.
    pub fn shut_down(&mut self, now: Instant) {
        let wall = self.wall(now);
        match &mut self.phase {
            Phase::Ended(_) => {}
            Phase::Flow { waiting, .. } => {
                self.session.flow_input(Input::Hangup, wall);
                if waiting.take().is_some() {
                    self.out.push_back(Output::StopWaiting);
                }
                self.end("shutdown", &[LegId::Caller]);
            }
            Phase::Bridged { .. } => self.end("shutdown", &[LegId::Caller, LegId::Agent]),
        }
    }

    pub fn prompt_audio(&mut self, play_id: u64, samples: Option<Vec<i16>>, now: Instant) {
        if matches!(self.phase, Phase::Flow { .. }) {
            self.session.prompt_audio(play_id, samples, self.wall(now));
            self.settle(Step::Waiting, now);
        }
    }

    pub fn recognized(
        &mut self,
        utterance_id: u64,
        result: Result<Transcript, RecognizerError>,
        now: Instant,
    ) {
        if matches!(self.phase, Phase::Flow { .. }) {
            self.session
                .recognized(utterance_id, result, self.wall(now));
            self.settle(Step::Waiting, now);
        }
    }

    /// A lookup's, message's or callback's answer for the flow.
    pub fn flow_input(&mut self, input: Input, now: Instant) {
        if matches!(self.phase, Phase::Flow { .. }) {
            self.session.flow_input(input, self.wall(now));
            self.settle(Step::Waiting, now);
        }
    }

    /// The music this call's wait plays (the queue's), given when the controller asks to
    /// `Wait`: it loops while the caller waits, ducked under announcements.
    pub fn hold_music(&mut self, samples: Arc<[i16]>) {
        self.hold_music = Some(HoldMusic::new(samples));
    }

    /// What the queue says about the caller's wait, synthesized: played while they wait.
    pub fn announcement(&mut self, text: &str, samples: Vec<i16>, now: Instant) {
        if let Phase::Flow {
            waiting: Some(_), ..
        } = self.phase
        {
            self.session.announce(text, samples);
            self.settle(Step::Waiting, now);
        }
    }

    /// The REFER's final response, or why none came.
    pub fn refer_answered(&mut self, status: Result<u16, String>, now: Instant) {
        if let Phase::Flow {
            transfer: Some(t), ..
        } = &mut self.phase
        {
            let step = t.on_refer_response(&status);
            self.settle(step, now);
        }
    }

    /// A NOTIFY from the caller's phone about the call the REFER started.
    pub fn refer_progress(&mut self, progress: ReferProgress, now: Instant) {
        if let Phase::Flow {
            transfer: Some(t), ..
        } = &mut self.phase
        {
            let step = t.on_progress(progress);
            self.settle(step, now);
        }
    }

    /// The wait for an agent is over without one (nobody free who speaks the language, the
    /// longest wait passed): the flow's fallback.
    pub fn wait_failed(&mut self, why: String, now: Instant) {
        if let Phase::Flow {
            waiting: Some(_), ..
        } = self.phase
        {
            self.settle(Step::Failed(why), now);
        }
    }

    /// An agent answered the caller's wait: the two are bridged from now on.
    pub fn agent_answered(&mut self, name: String, agent: Leg, now: Instant) {
        let Phase::Flow {
            waiting: Some(queue),
            ..
        } = &mut self.phase
        else {
            // Nobody waits for this agent any more: their call is ended at once.
            self.out.push_back(Output::HangUp(LegId::Agent));
            return;
        };
        tracing::info!(agent = name, "agent answered: bridged");
        self.record.transfer = Some(TransferRecord {
            refer_to: None,
            queue: Some(std::mem::take(queue)),
            agent: Some(name.clone()),
            result: "connected".to_string(),
        });
        self.session
            .flow_input(Input::TransferResult { ok: true }, self.wall(now));
        self.drain_session_events();
        self.phase = Phase::Bridged {
            agent: Box::new(agent),
            name,
            since: now,
        };
    }

    /// Applies a turn's transfer outcome, then carries out everything the session asked for,
    /// until it asks for nothing more.
    fn settle(&mut self, step: Step, now: Instant) {
        let wall = self.wall(now);
        match step {
            Step::Waiting => {}
            Step::Connected => {
                tracing::info!("transferred");
                if let Phase::Flow { transfer, .. } = &mut self.phase
                    && let Some(t) = transfer.take()
                {
                    self.record.transfer = Some(referred(t, "connected"));
                }
                self.session
                    .flow_input(Input::TransferResult { ok: true }, wall);
            }
            Step::Failed(why) => {
                tracing::info!("transfer failed: {why}");
                if let Phase::Flow { transfer, waiting } = &mut self.phase {
                    if let Some(t) = transfer.take() {
                        self.record.transfer = Some(referred(t, &why));
                    }
                    if let Some(queue) = waiting.take() {
                        self.out.push_back(Output::StopWaiting);
                        self.record.transfer = Some(queued(queue, why));
                    }
                }
                self.session
                    .flow_input(Input::TransferResult { ok: false }, wall);
            }
        }
        let mut hang_up = false;
        while let Some(output) = self.session.poll_output() {
            match output {
                SessionOutput::Log(line) => self.keep(line),
                SessionOutput::Flow(Action::Hangup { .. }) => hang_up = true,
                SessionOutput::Flow(Action::Transfer(target)) => self.transfer(&target, now),
                SessionOutput::Flow(
                    action @ (Action::Lookup { .. }
                    | Action::Notify { .. }
                    | Action::Callback { .. }
                    | Action::Escalate { .. }),
                ) => self.out.push_back(Output::Effect(action)),
                SessionOutput::Flow(_) => {}
                other => self.out.push_back(Output::Session(other)),
            }
        }
        if hang_up || self.session.is_ended() {
            let connected = self
                .record
                .transfer
                .as_ref()
                .is_some_and(|t| t.result == "connected");
            self.end(
                if connected { "transferred" } else { "engine" },
                &[LegId::Caller],
            );
        }
    }

    /// The flow asked for a transfer: a REFER, a wait in the engine's own queue, or (when the
    /// configuration has no way there) the flow's fallback at once.
    fn transfer(&mut self, target: &ivr_flow::interpreter::TransferTarget, now: Instant) {
        let Phase::Flow { transfer, waiting } = &mut self.phase else {
            return;
        };
        let failed = |why: &str| {
            tracing::warn!("transfer failed: {why}");
            Input::TransferResult { ok: false }
        };
        let input = match self.routes.route(target) {
            Ok(Route::Refer(uri)) => {
                tracing::info!("transfer: REFER to {uri}");
                self.out.push_back(Output::Refer(uri.clone()));
                *transfer = Some(Transfer::new(uri, now));
                return;
            }
            Ok(Route::Agents(queue)) => {
                tracing::info!(queue, "waiting for an agent");
                // A queue says which language its agents must speak; else the caller's.
                let lang = match self.session.flow().spec.queues.get(&queue) {
                    Some(spec) => spec.language.value.clone(),
                    None => self.session.language().to_string(),
                };
                self.out.push_back(Output::Wait {
                    queue: queue.clone(),
                    lang,
                });
                *waiting = Some(queue);
                return;
            }
            Err(why) => failed(&why),
        };
        self.session.flow_input(input, self.wall(now));
    }

    /// Into the record and the log, up to the record's cap: a caller sending keys at packet
    /// rate must not grow either without bound. Past it, state and language changes still
    /// reach the IO layer (the live view), paced by the flow's prompts, not the caller.
    fn keep(&mut self, line: crate::session::LogLine) {
        if self.record.events.len() >= crate::cdr::MAX_EVENTS {
            self.record.events_dropped += 1;
            let flow_moved = matches!(
                line.event,
                LogEvent::Flow(CallEvent::State { .. } | CallEvent::Language { .. })
            );
            if flow_moved {
                self.out.push_back(Output::Event(line));
            }
            return;
        }
        self.record.events.push(line.clone());
        self.out.push_back(Output::Event(line));
    }

    /// The last events of the flow (its hangup) go to the record too.
    fn drain_session_events(&mut self) {
        while let Some(output) = self.session.poll_output() {
            if let SessionOutput::Log(line) = output {
                self.keep(line);
            }
        }
    }

    /// Ends the call: `hang_up` are the legs whose phones are still on it.
    fn end(&mut self, by: EndedBy, hang_up: &[LegId]) {
        if let Phase::Ended(_) = self.phase {
            return;
        }
        self.drain_session_events();
        let previous = std::mem::replace(&mut self.phase, Phase::Ended(by));
        match previous {
            Phase::Bridged { name, since, .. } => {
                let call_ms =
                    u64::try_from(self.next_tick.saturating_duration_since(since).as_millis())
                        .unwrap_or(u64::MAX);
                self.out.push_back(Output::AgentCallEnded {
                    agent: name,
                    call_ms,
                });
            }
            Phase::Flow {
                waiting: Some(_), ..
            } => self.out.push_back(Output::StopWaiting),
            _ => {}
        }
        for leg in hang_up {
            self.out.push_back(Output::HangUp(*leg));
        }
    }
}

fn send(out: &mut VecDeque<Output>, leg: &mut Leg, id: LegId, samples: &[i16]) {
    if let Some((to, packet)) = leg.packet_for(samples) {
        out.push_back(Output::Rtp {
            leg: id,
            to,
            packet: packet.to_vec(),
        });
    }
}

fn wall(at_start: jiff::Timestamp, started: Instant, now: Instant) -> jiff::Timestamp {
    let elapsed = now.saturating_duration_since(started);
    jiff::SignedDuration::try_from(elapsed)
        .ok()
        .and_then(|d| at_start.checked_add(d).ok())
        .unwrap_or(at_start)
}

fn referred(t: Transfer, result: &str) -> TransferRecord {
    TransferRecord {
        refer_to: Some(t.uri),
        queue: None,
        agent: None,
        result: result.to_string(),
    }
}

fn queued(queue: String, result: String) -> TransferRecord {
    TransferRecord {
        refer_to: None,
        queue: Some(queue),
        agent: None,
        result,
    }
}
