//! Plays one caller recording into a live call's controller in virtual time, the way a call
//! arrives: the recorded phone's RTP (PCMU, keys as RFC 4733 events) through the caller's
//! leg and its jitter buffer into the session. The caller's audio keeps running while
//! prompts play (so barge-in happens as it would live), then silence until the flow ends or
//! the time limit.

use ivr_engine::cdr::{CallRecord, Latency};
use ivr_engine::http_lookup::HttpLookup;
use ivr_engine::live_call::{
    CallController, Leg, LegId, Output, RECORDED_CALLER, RecordedCaller, transfer::Routes,
};
use ivr_engine::session::{CallSession, LogLine, SessionOutput};
use ivr_engine::speech::{CallRecognizers, SpeechModels};
use ivr_engine::tts::CallPrompts;
use ivr_flow::Flow;
use ivr_flow::interpreter::{Action, CallInfo, Input};
use ivr_sip::refer_progress::ReferProgress;
use ivr_sip::rtp_peer::RtpPolicy;
use ivr_sip::sdp::{self, LocalMedia};
use ivr_speech::endpointer::VadParams;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A recognition result and the call time it is handed over at: (due ms, utterance, result).
type Pending = (
    u64,
    u64,
    Result<ivr_speech::Transcript, ivr_speech::RecognizerError>,
);

/// The recorded phone never goes quiet for this long; the timeout only has to be longer
/// than any call.
const RTP_TIMEOUT: Duration = Duration::from_secs(3600);

pub struct CallPlan {
    pub flow: Arc<Flow>,
    pub caller_audio: Vec<i16>,
    pub at: jiff::Timestamp,
    pub caller: Option<String>,
    pub lang: Option<String>,
    /// (ms from answer, key)
    pub dtmf: Vec<(u64, char)>,
    /// The call is cut after this much call time.
    pub limit_ms: u64,
}

pub struct Replayed {
    pub log: Vec<LogLine>,
    pub language: String,
    pub ended_by_flow: bool,
}

pub struct Replayer<'a> {
    pub models: &'a SpeechModels,
    pub prompts: &'a CallPrompts,
    pub http: &'a HttpLookup,
    /// Deliver results this long after they were asked for (virtual time) instead of after
    /// the measured recognition time.
    pub result_delay_ms: Option<u64>,
}

impl Replayer<'_> {
    pub fn run(&mut self, plan: &CallPlan, name: &str) -> Result<Replayed, String> {
        let info = CallInfo {
            call_id: format!("replay-{name}"),
            caller: plan.caller.clone().filter(|c| !c.is_empty()),
            // A recorded caller stands for one reaching the line through the carrier.
            caller_verified: plan.caller.as_ref().is_some_and(|c| !c.is_empty()),
            called: Some("8003755283".into()),
            language: plan.lang.clone(),
        };
        let record = CallRecord {
            call_id: info.call_id.clone(),
            caller: info.caller.clone(),
            caller_verified: info.caller_verified,
            called: info.called.clone(),
            flow: String::new(),
            start: plan.at.to_string(),
            answer: Some(plan.at.to_string()),
            end: String::new(),
            language: String::new(),
            states: Vec::new(),
            ended_by: String::new(),
            transfer: None,
            recognition: Latency::default(),
            events: Vec::new(),
            events_dropped: 0,
        };
        let session =
            CallSession::new(Arc::clone(&plan.flow), info, plan.at, VadParams::default())?;
        // The virtual clock: call time from an arbitrary origin, never read from the machine.
        let origin = Instant::now();
        let leg = answered_leg(origin)?;
        let mut call =
            CallController::new(session, leg, Routes::replayed(), record, origin, plan.at);
        let mut phone = RecordedCaller::new(plan.caller_audio.clone(), plan.dtmf.clone());
        let mut recognizers = CallRecognizers::default();
        // A recognition result waits until the virtual clock reaches the moment it would
        // have arrived live: the request plus the real time it took (or the fixed delay).
        let mut pending: Vec<Pending> = Vec::new();
        let mut call_ms: u64 = 0;
        loop {
            let now = origin + Duration::from_millis(call_ms);
            self.serve(&mut call, &mut recognizers, &mut pending, now, call_ms);
            if call.ended().is_some() || call_ms >= plan.limit_ms {
                break;
            }
            for (_, id, result) in pending.extract_if(.., |(due, _, _)| *due <= call_ms) {
                call.recognized(id, result, now);
            }
            for datagram in phone.datagrams(call_ms) {
                call.datagram(LegId::Caller, &datagram, RECORDED_CALLER, now);
            }
            call.tick(now);
            call_ms += 20;
        }
        let ended_by_flow = call.flow_ended();
        let language = call.language().to_string();
        let record = call.into_record(origin + Duration::from_millis(call_ms));
        Ok(Replayed {
            log: record.events,
            language,
            ended_by_flow,
        })
    }

    /// Carries out everything the call asked for.
    fn serve(
        &mut self,
        call: &mut CallController,
        recognizers: &mut CallRecognizers,
        pending: &mut Vec<Pending>,
        now: Instant,
        call_ms: u64,
    ) {
        while let Some(output) = call.poll_output() {
            match output {
                Output::Session(SessionOutput::LoadPrompt {
                    play_id,
                    prompt,
                    lang,
                    text,
                    audio,
                    has_variables,
                }) => {
                    let samples = self
                        .prompts
                        .load(&prompt, &lang, &text, audio.as_deref(), has_variables)
                        .map_err(|e| eprintln!("ivr replay: {e}"))
                        .ok();
                    call.prompt_audio(play_id, samples, now);
                }
                Output::Session(SessionOutput::Recognize {
                    utterance_id,
                    audio,
                    config,
                    ..
                }) => {
                    // A decode ahead of the endpoint runs here like any other: one call
                    // replayed alone always finds a worker idle.
                    let started = Instant::now();
                    let result = recognizers.recognize(self.models, &audio, &config);
                    let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    let delay = self.result_delay_ms.unwrap_or(took);
                    pending.push((call_ms.saturating_add(delay), utterance_id, result));
                }
                Output::Session(SessionOutput::CancelRecognition { utterance_id }) => {
                    pending.retain(|(_, id, _)| *id != utterance_id);
                }
                Output::Effect(action) => {
                    if let Some(input) = self.flow_action(action) {
                        call.flow_input(input, now);
                    }
                }
                // The phone takes the REFER and the new call is answered.
                Output::Refer(_) => {
                    call.refer_answered(Ok(202), now);
                    let answered = ReferProgress {
                        status: 200,
                        finished: true,
                    };
                    call.refer_progress(answered, now);
                }
                // The engine's audio, events (kept in the record) and whatever only a live
                // call with agents does.
                _ => {}
            }
        }
    }

    /// What the engine would answer to a flow action. Messages and callbacks are accepted
    /// (a replay sends nothing); lookups are real HTTP requests.
    fn flow_action(&mut self, action: Action) -> Option<Input> {
        match action {
            Action::Lookup {
                method,
                url,
                body,
                timeout_ms,
                ..
            } => Some(Input::LookupResult {
                result: self.http.fetch(method, &url, body.as_ref(), timeout_ms),
            }),
            Action::Notify { .. } => Some(Input::NotifyResult { ok: true }),
            Action::Callback { .. } => Some(Input::CallbackResult { ok: true }),
            // Replay checks what a caller is understood to want, not the database: the
            // request is taken as recorded, like a callback.
            Action::Escalate { .. } => Some(Input::EscalateResult {
                recorded: Some(ivr_flow::interpreter::Escalated {
                    id: 1,
                    estimate_days: 10,
                    estimate_date: "2026-12-12".into(),
                }),
            }),
            _ => None,
        }
    }
}

/// The caller's leg as a live answer to the recorded phone's offer makes it.
fn answered_leg(now: Instant) -> Result<Leg, String> {
    let local = LocalMedia {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        rtp_port: 20000,
        session_id: 1,
        session_version: 1,
    };
    let offer = sdp::parse(&RecordedCaller::offer()).map_err(|e| e.to_string())?;
    let (answer, negotiated) = sdp::answer(&offer, &local).map_err(|e| e.to_string())?;
    Ok(Leg::new(
        local,
        answer.to_string(),
        &negotiated,
        RtpPolicy::trusting(RTP_TIMEOUT),
        now,
        1,
    ))
}
