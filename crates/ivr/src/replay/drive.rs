//! Plays one caller recording into a call session in virtual time: the caller's audio keeps
//! running while prompts play (so barge-in happens as it would live), then silence until the
//! flow ends or the time limit.

use crate::http_lookup::HttpLookup;
use ivr_engine::session::{CallSession, LogLine, SessionOutput};
use ivr_engine::speech::{CallRecognizers, SpeechModels};
use ivr_engine::tts::CallPrompts;
use ivr_flow::Flow;
use ivr_flow::interpreter::{Action, CallInfo, Input};
use ivr_media::frame::FRAME_SAMPLES;
use ivr_speech::endpointer::VadParams;
use std::sync::Arc;
use std::time::Instant;

/// A recognition result and the call time it is handed over at: (due ms, utterance, result).
type Pending = (
    u64,
    u64,
    Result<ivr_speech::Transcript, ivr_speech::RecognizerError>,
);

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
            called: Some("8003755283".into()),
            language: plan.lang.clone(),
        };
        let mut session =
            CallSession::new(Arc::clone(&plan.flow), info, plan.at, VadParams::default())?;
        let mut recognizers = CallRecognizers::default();
        let mut log = Vec::new();
        // A recognition result waits until the virtual clock reaches the moment it would
        // have arrived live: the request plus the real time it took (or the fixed delay).
        let mut pending: Vec<Pending> = Vec::new();
        let mut keys = plan.dtmf.iter().peekable();
        let mut frame_index: u64 = 0;
        let silence = [0i16; FRAME_SAMPLES];
        loop {
            let call_ms = frame_index * 20;
            let now = plan.at + jiff::SignedDuration::from_millis(call_ms as i64);
            self.serve(
                &mut session,
                &mut recognizers,
                &mut pending,
                &mut log,
                now,
                call_ms,
            );
            if session.is_ended() || call_ms >= plan.limit_ms {
                break;
            }
            while let Some((_, key)) = keys.next_if(|(at, _)| *at <= call_ms) {
                session.dtmf(&key.to_string(), now);
            }
            for (_, id, result) in pending.extract_if(.., |(due, _, _)| *due <= call_ms) {
                session.recognized(id, result, now);
            }
            let start = frame_index as usize * FRAME_SAMPLES;
            let frame = plan
                .caller_audio
                .get(start..start + FRAME_SAMPLES)
                .unwrap_or(&silence);
            session.tick(now, frame);
            frame_index += 1;
        }
        let ended_by_flow = session.is_ended();
        Ok(Replayed {
            log,
            language: session.language().to_string(),
            ended_by_flow,
        })
    }

    /// Carries out everything the session asked for.
    fn serve(
        &mut self,
        session: &mut CallSession,
        recognizers: &mut CallRecognizers,
        pending: &mut Vec<Pending>,
        log: &mut Vec<LogLine>,
        now: jiff::Timestamp,
        call_ms: u64,
    ) {
        while let Some(output) = session.poll_output() {
            match output {
                SessionOutput::Log(line) => log.push(line),
                SessionOutput::LoadPrompt {
                    play_id,
                    prompt,
                    lang,
                    text,
                    audio,
                    has_variables,
                } => {
                    let samples = self
                        .prompts
                        .load(&prompt, &lang, &text, audio.as_deref(), has_variables)
                        .map_err(|e| eprintln!("ivr replay: {e}"))
                        .ok();
                    session.prompt_audio(play_id, samples, now);
                }
                SessionOutput::Recognize {
                    utterance_id,
                    audio,
                    config,
                    ..
                } => {
                    // A decode ahead of the endpoint runs here like any other: one call
                    // replayed alone always finds a worker idle.
                    let started = Instant::now();
                    let result = recognizers.recognize(self.models, &audio, &config);
                    let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    let delay = self.result_delay_ms.unwrap_or(took);
                    pending.push((call_ms.saturating_add(delay), utterance_id, result));
                }
                SessionOutput::CancelRecognition { utterance_id } => {
                    pending.retain(|(_, id, _)| *id != utterance_id);
                }
                SessionOutput::Flow(action) => {
                    if let Some(input) = self.flow_action(action) {
                        session.flow_input(input, now);
                    }
                }
            }
        }
    }

    /// What the engine would answer to a flow action. Messages, callbacks and transfers are
    /// accepted (a replay sends nothing); lookups are real HTTP requests.
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
            Action::Transfer(_) => Some(Input::TransferResult { ok: true }),
            _ => None,
        }
    }
}
