//! One call's media and speech around the flow interpreter, sans-IO.
//!
//! The IO layer calls `tick` every 20 ms with the caller's audio for that frame (silence when
//! nothing arrived) and sends back the frame `tick` returns. Everything else the session needs
//! (prompt audio, recognition, HTTP, messages) it asks for through `poll_output`, and gets
//! back through `prompt_audio`, `recognized` and `flow_input`. A live call and a replayed WAV
//! drive the very same code; only the clock and the edges differ.

mod io;
mod speculation;

pub use io::{LogEvent, LogLine, MediaEvent, SessionOutput};

use ivr_flow::Flow;
use ivr_flow::interpreter::{Action, Alternative, Call, CallInfo, Input, ListenParams, Output};
use ivr_media::frame::FRAME_SAMPLES;
use ivr_media::player::PromptPlayer;
use ivr_speech::endpointer::{EndpointEvent, Endpointer, VadParams};
use ivr_speech::{RecognitionConfig, RecognizerError, Transcript};
use speculation::{Speculation, SpeculationState};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

const SAMPLES_PER_MS: u64 = 8;
/// How long after the end of speech a result may come before the utterance is given up as
/// not recognized (the flow's no-match path): past this a caller thinks the line is dead.
pub const DEFAULT_RECOGNITION_TIMEOUT_MS: u64 = 4_000;
/// Trailing silence added to an utterance whose words so far stop mid-sentence or mid-value
/// ("my receipt number is"): callers reading a number pause between its groups.
const UNFINISHED_EXTRA_SILENCE_MS: u64 = 1_000;
/// Play ids from here up are the engine's own announcements, not the flow's prompts.
const FIRST_ANNOUNCEMENT_ID: u64 = 1 << 62;

pub struct CallSession {
    flow: Arc<Flow>,
    call: Call,
    endpointer: Endpointer,
    player: PromptPlayer,
    /// Caller samples consumed: the session's own clock, immune to wall-clock jumps.
    samples_in: u64,
    listening: Option<ListenParams>,
    /// Utterance sent for recognition and when its speech ended (call ms).
    recognizing: Option<(u64, u64)>,
    /// The decode of the caller's current pause, if one was asked for.
    speculation: Option<Speculation>,
    recognition_timeout_ms: u64,
    next_utterance: u64,
    /// Prompt id of each play the player knows, for `prompt_stopped` events.
    prompts: HashMap<u64, String>,
    /// Until the caller has been understood once or has chosen a language, recognition
    /// detects the language: the language a call starts in (the flow's default, or the one
    /// its number is routed with) says nothing about the language the caller speaks.
    language_known: bool,
    /// Frames played as silence while a prompt's audio was still on its way.
    prompt_underruns: u64,
    next_announcement: u64,
    out: VecDeque<SessionOutput>,
}

impl CallSession {
    /// Answers the call. Fails only on VAD parameters that do not validate.
    pub fn new(
        flow: Arc<Flow>,
        info: CallInfo,
        now: jiff::Timestamp,
        vad: VadParams,
    ) -> Result<CallSession, String> {
        let endpointer = Endpointer::new(vad).map_err(|e| e.to_string())?;
        let call = Call::new(Arc::clone(&flow), info, now);
        let mut session = CallSession {
            flow,
            call,
            endpointer,
            player: PromptPlayer::new(),
            samples_in: 0,
            listening: None,
            recognizing: None,
            speculation: None,
            recognition_timeout_ms: DEFAULT_RECOGNITION_TIMEOUT_MS,
            next_utterance: 1,
            prompts: HashMap::new(),
            language_known: false,
            prompt_underruns: 0,
            next_announcement: FIRST_ANNOUNCEMENT_ID,
            out: VecDeque::new(),
        };
        session.drain_call();
        Ok(session)
    }

    /// How long after the end of speech a recognition result may come (default
    /// `DEFAULT_RECOGNITION_TIMEOUT_MS`) before the utterance counts as not recognized.
    pub fn set_recognition_timeout_ms(&mut self, ms: u64) {
        self.recognition_timeout_ms = ms;
    }

    pub fn poll_output(&mut self) -> Option<SessionOutput> {
        self.out.pop_front()
    }

    /// The flow this call runs.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    pub fn is_ended(&self) -> bool {
        self.call.is_ended()
    }

    pub fn language(&self) -> &str {
        self.call.language()
    }

    /// Plays something of the engine's own (a queue announcement) after whatever is playing;
    /// the flow is not told when it ends.
    pub fn announce(&mut self, text: &str, samples: Vec<i16>) {
        if samples.is_empty() {
            return;
        }
        self.log(LogEvent::Media(MediaEvent::Announcement {
            text: text.to_string(),
        }));
        self.player.enqueue(self.next_announcement, samples);
        self.next_announcement += 1;
    }

    /// Whether a prompt or announcement is playing (or waiting to play) for the caller.
    pub fn is_playing(&self) -> bool {
        self.player.is_playing()
    }

    /// 20 ms frames the caller heard silence in because a prompt's audio was not ready yet.
    pub fn prompt_underruns(&self) -> u64 {
        self.prompt_underruns
    }

    /// Milliseconds of call time, counted in caller audio.
    pub fn call_ms(&self) -> u64 {
        self.samples_in / SAMPLES_PER_MS
    }

    /// One 20 ms frame: caller audio in, audio for the caller out.
    pub fn tick(&mut self, now: jiff::Timestamp, caller: &[i16]) -> [i16; FRAME_SAMPLES] {
        if !self.player.is_playing() && !self.prompts.is_empty() {
            self.prompt_underruns += 1;
        }
        let frame = self.player.next_frame();
        for play_id in frame.finished {
            if play_id >= FIRST_ANNOUNCEMENT_ID {
                continue;
            }
            self.prompts.remove(&play_id);
            self.call.handle(Input::PromptFinished { play_id }, now);
        }
        self.drain_call();
        // The VAD hears every frame so its sample offsets are call time; only speech in a
        // listening state means anything.
        match self.endpointer.push_frame(caller) {
            Ok(events) if self.listening.is_some() => {
                for event in events {
                    self.endpoint_event(event, now);
                }
            }
            Ok(_) => {}
            Err(e) => self.warn(format!("voice activity detection: {e}")),
        }
        self.samples_in += caller.len() as u64;
        self.check_recognition_deadline(now);
        if self.call.next_deadline().is_some_and(|d| d <= now) {
            self.call.handle(Input::Timeout, now);
            self.drain_call();
        }
        frame.samples
    }

    fn endpoint_event(&mut self, event: EndpointEvent, now: jiff::Timestamp) {
        match event {
            EndpointEvent::SpeechStarted { .. } => {
                self.call.handle(Input::SpeechStarted, now);
                self.drain_call();
            }
            EndpointEvent::Paused {
                end_sample, audio, ..
            } => self.speculate(end_sample / SAMPLES_PER_MS, audio),
            EndpointEvent::Resumed { .. } => self.drop_speculation(),
            EndpointEvent::SpeechEnded {
                start_sample,
                end_sample,
                audio,
                ..
            } => {
                let (start_ms, end_ms) =
                    (start_sample / SAMPLES_PER_MS, end_sample / SAMPLES_PER_MS);
                self.log(LogEvent::Media(MediaEvent::Speech { start_ms, end_ms }));
                // One utterance at a time: speech while the last one is still being recognized
                // belongs to the same turn and is dropped rather than queued behind it.
                if self.recognizing.is_some() || self.listening.is_none() {
                    return;
                }
                // The pause was the end: its decode is the utterance's, done or on its way.
                if let Some(spec) = self.speculation.take_if(|s| s.done_for(end_ms))
                    && let SpeculationState::Done(transcript) = spec.state
                {
                    self.deliver(Ok(transcript), end_ms, now);
                    return;
                }
                if let Some(spec) = self.speculation.take_if(|s| s.running_for(end_ms)) {
                    self.recognizing = Some((spec.utterance_id, end_ms));
                    return;
                }
                let Some(config) = self.recognition_config() else {
                    return;
                };
                let utterance_id = self.new_utterance_id();
                self.recognizing = Some((utterance_id, end_ms));
                self.out.push_back(SessionOutput::Recognize {
                    utterance_id,
                    audio,
                    config,
                    speculative: false,
                });
            }
            EndpointEvent::NoInput { .. } => {}
        }
    }

    fn recognition_config(&self) -> Option<RecognitionConfig> {
        let listen = self.listening.as_ref()?;
        Some(RecognitionConfig {
            lang: listen.lang.clone(),
            detect_language: !self.language_known,
            phrases: listen.phrases.clone(),
            other_languages: listen.other_languages.clone(),
        })
    }

    fn new_utterance_id(&mut self) -> u64 {
        let id = self.next_utterance;
        self.next_utterance += 1;
        id
    }

    /// An utterance whose result has not come within the recognition timeout is given up:
    /// the flow hears it as not recognized and asks again.
    fn check_recognition_deadline(&mut self, now: jiff::Timestamp) {
        let Some((utterance_id, end_ms)) = self.recognizing else {
            return;
        };
        let waited_ms = self.call_ms().saturating_sub(end_ms);
        if waited_ms < self.recognition_timeout_ms {
            return;
        }
        self.recognizing = None;
        self.out
            .push_back(SessionOutput::CancelRecognition { utterance_id });
        self.warn(format!(
            "no recognition result {waited_ms} ms after the end of speech: taken as not \
             recognized"
        ));
        self.call.handle(Input::NotRecognized { waited_ms }, now);
        self.drain_call();
    }

    /// The audio of a prompt the session asked for; `None` if it could not be had (the prompt
    /// is then skipped, the call goes on).
    pub fn prompt_audio(&mut self, play_id: u64, samples: Option<Vec<i16>>, now: jiff::Timestamp) {
        if !self.prompts.contains_key(&play_id) {
            // Stopped (barge-in) before its audio came.
            return;
        }
        match samples {
            Some(samples) if !samples.is_empty() => self.player.enqueue(play_id, samples),
            _ => {
                let id = self.prompts.remove(&play_id).unwrap_or_default();
                self.warn(format!("prompt {id} has no audio; skipped"));
                self.call.handle(Input::PromptFinished { play_id }, now);
                self.drain_call();
            }
        }
    }

    /// A recognition result. A failed recognizer counts as silence: the flow reprompts, and
    /// the keypad still works.
    pub fn recognized(
        &mut self,
        utterance_id: u64,
        result: Result<Transcript, RecognizerError>,
        now: jiff::Timestamp,
    ) {
        if let Some((expected, end_ms)) = self.recognizing
            && expected == utterance_id
        {
            self.recognizing = None;
            self.deliver(result, end_ms, now);
            return;
        }
        let Some(spec) = &self.speculation else {
            return;
        };
        if spec.utterance_id != utterance_id {
            return;
        }
        match (&spec.state, result) {
            (SpeculationState::Running, Ok(transcript)) if self.listening.is_some() => {
                self.speculation_done(transcript, now);
            }
            // A failed or unwanted speculation: the endpoint decodes the utterance itself.
            _ => self.speculation = None,
        }
    }

    /// Hands the flow the result for the utterance that ended at `end_ms`.
    fn deliver(
        &mut self,
        result: Result<Transcript, RecognizerError>,
        end_ms: u64,
        now: jiff::Timestamp,
    ) {
        // Only a real result has a latency: a refused or failed recognition would show as the
        // fastest one.
        let latency_ms = result
            .is_ok()
            .then(|| self.call_ms().saturating_sub(end_ms));
        let transcript = match result {
            Ok(t) => t,
            Err(e) => {
                self.warn(format!("{e}"));
                Transcript::default()
            }
        };
        if !transcript.text.trim().is_empty() {
            self.language_known = true;
        }
        let alternatives = alternatives(&transcript);
        self.call.handle(
            Input::Utterance {
                text: transcript.text,
                confidence: transcript.confidence,
                lang: transcript.lang,
                latency_ms,
                alternatives,
            },
            now,
        );
        self.drain_call();
    }

    pub fn dtmf(&mut self, keys: &str, now: jiff::Timestamp) {
        self.call.handle(
            Input::Dtmf {
                digits: keys.into(),
            },
            now,
        );
        self.drain_call();
    }

    /// The result of a `Flow` action: lookup, notify, callback or transfer result, or hangup.
    pub fn flow_input(&mut self, input: Input, now: jiff::Timestamp) {
        self.call.handle(input, now);
        self.drain_call();
    }

    fn drain_call(&mut self) {
        while let Some(output) = self.call.poll_output() {
            match output {
                Output::Event(event) => self.log(LogEvent::Flow(event)),
                Output::Action(action) => self.act(action),
            }
        }
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Play {
                play_id,
                prompt,
                lang,
                text,
                audio,
                ..
            } => {
                self.prompts.insert(play_id, prompt.clone());
                let has_variables = self
                    .flow
                    .spec
                    .prompts
                    .get(&prompt)
                    .and_then(|p| p.text.get(&lang))
                    .is_some_and(|t| {
                        ivr_flow::template::variables(&t.value).is_ok_and(|v| !v.is_empty())
                    });
                self.out.push_back(SessionOutput::LoadPrompt {
                    play_id,
                    prompt,
                    lang,
                    text,
                    audio,
                    has_variables,
                });
            }
            Action::Listen(params) => {
                self.endpointer.start_listening();
                self.listening = Some(params);
            }
            Action::StopListening => {
                self.endpointer.stop_listening();
                self.listening = None;
                // A pause decode still on a worker stays counted until it is back: the next
                // listening state starts no second one meanwhile.
                self.call_off_speculation();
            }
            Action::StopPlayback => {
                let mut stopped = self.player.stop();
                // Plays whose audio is still loading stop too: it is dropped when it comes.
                let mut loading: Vec<u64> = self
                    .prompts
                    .keys()
                    .filter(|id| !stopped.contains(id))
                    .copied()
                    .collect();
                loading.sort_unstable();
                stopped.extend(loading);
                for play_id in stopped {
                    if let Some(id) = self.prompts.remove(&play_id) {
                        self.log(LogEvent::Media(MediaEvent::PromptStopped {
                            id,
                            reason: "barge_in".into(),
                        }));
                    }
                }
            }
            Action::SetLanguage { .. } => self.language_known = true,
            other @ (Action::Lookup { .. }
            | Action::Notify { .. }
            | Action::Callback { .. }
            | Action::Escalate { .. }
            | Action::Transfer(_)
            | Action::Hangup { .. }) => self.out.push_back(SessionOutput::Flow(other)),
        }
    }

    fn warn(&mut self, message: String) {
        self.log(LogEvent::Media(MediaEvent::Warning { message }));
    }

    fn log(&mut self, event: LogEvent) {
        let t_ms = self.call_ms();
        self.out
            .push_back(SessionOutput::Log(LogLine { t_ms, event }));
    }
}

/// The recognizer's other readings, as the flow takes them.
fn alternatives(transcript: &Transcript) -> Vec<Alternative> {
    transcript
        .alternatives
        .iter()
        .map(|a| Alternative {
            text: a.text.clone(),
            confidence: a.confidence,
            lang: a.lang.clone(),
        })
        .collect()
}
