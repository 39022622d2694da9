#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The call session in virtual time: real VAD on real speech (espeak-ng), the real player, the
//! real interpreter. This test plays the IO layer: it answers the session's requests itself.

use ivr_engine::session::{CallSession, LogEvent, MediaEvent, SessionOutput};
use ivr_flow::Flow;
use ivr_flow::interpreter::{Action, CallEvent, CallInfo, TransferTarget};
use ivr_speech::Transcript;
use ivr_speech::endpointer::VadParams;
use std::sync::Arc;

const FLOW: &str = r#"languages: [en-US]
default_language: en-US
timezone: America/New_York
start: menu
queues:
  agents: { language: en-US }
prompts:
  hello: { text: { en-US: "Hello, how can I help?" } }
  bye: { text: { en-US: "Bye." } }
intents:
  agent: { examples: { en-US: ["talk to an agent"] } }
ask_defaults:
  no_input: { then: bye }
  no_match: { then: bye }
states:
  menu:
    ask: { prompts: [hello], intents: { agent: transfer } }
  transfer:
    transfer: { queue: agents, on_failure: bye }
  bye:
    say: { prompts: [bye], next: end }
  end:
    hangup: {}
"#;

/// "talk to an agent" spoken by espeak-ng, at 8 kHz.
fn speech() -> Vec<i16> {
    ivr_engine::tts::Synthesizer::uncached()
        .synthesize("en-US", "talk to an agent")
        .expect("espeak-ng is needed (make test installs it)")
}

struct Run {
    session: CallSession,
    now: jiff::Timestamp,
    log: Vec<SessionOutput>,
}

impl Run {
    fn start() -> Run {
        let (flow, _) = Flow::from_source(FLOW).unwrap();
        let now: jiff::Timestamp = "2026-12-01T15:00:00Z".parse().unwrap();
        let session = CallSession::new(
            Arc::new(flow),
            CallInfo::default(),
            now,
            VadParams::default(),
        )
        .unwrap();
        let mut run = Run {
            session,
            now,
            log: Vec::new(),
        };
        run.serve();
        run
    }

    /// Answers prompt loads with 2 s of tone; leaves recognition requests in the log.
    fn serve(&mut self) {
        while let Some(out) = self.session.poll_output() {
            if let SessionOutput::LoadPrompt { play_id, .. } = &out {
                let tone: Vec<i16> = (0..16_000)
                    .map(|i| ((i as f32 * 0.3).sin() * 3000.0) as i16)
                    .collect();
                self.session.prompt_audio(*play_id, Some(tone), self.now);
            }
            self.log.push(out);
        }
    }

    /// Plays `caller` then silence, frame by frame, for `ms` of call time.
    fn play(&mut self, caller: &[i16], ms: u64) -> Vec<[i16; 160]> {
        let mut sent = Vec::new();
        for i in 0..(ms / 20) as usize {
            let frame = caller.get(i * 160..i * 160 + 160).unwrap_or(&[0; 160]);
            sent.push(self.session.tick(self.now, frame));
            self.now += jiff::SignedDuration::from_millis(20);
            self.serve();
        }
        sent
    }

    fn recognition_requests(&self) -> Vec<(u64, usize)> {
        self.log
            .iter()
            .filter_map(|o| match o {
                SessionOutput::Recognize {
                    utterance_id,
                    audio,
                    ..
                } => Some((*utterance_id, audio.len())),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn speech_over_a_prompt_cuts_it_and_is_recognized() {
    let mut run = Run::start();
    let mut caller = vec![0i16; 8000]; // one second into the 2 s prompt
    let words = speech();
    caller.extend(&words);
    let sent = run.play(&caller, 5000);
    // The prompt was cut within a frame of speech start: the tone stops.
    let stopped = run.log.iter().find_map(|o| match o {
        SessionOutput::Log(line) => match &line.event {
            LogEvent::Media(MediaEvent::PromptStopped { id, reason }) => {
                Some((line.t_ms, id.clone(), reason.clone()))
            }
            _ => None,
        },
        _ => None,
    });
    let (t_ms, id, reason) = stopped.expect("the prompt was stopped");
    assert_eq!((id.as_str(), reason.as_str()), ("hello", "barge_in"));
    assert!((1000..1700).contains(&t_ms), "stopped at {t_ms} ms");
    let after = (t_ms / 20) as usize + 1;
    assert!(
        sent[after..].iter().all(|f| f.iter().all(|s| *s == 0)),
        "silence after barge-in"
    );
    // One utterance went to recognition, about as long as the speech (plus pre-roll).
    let requests = run.recognition_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].1 >= words.len() / 2 && requests[0].1 <= words.len() + 8000,
        "{requests:?}"
    );

    // The IO layer answers: the flow hears the words and transfers.
    let transcript = Transcript {
        text: "talk to an agent".into(),
        confidence: 0.9,
        lang: Some("en-US".into()),
        words: vec![],
        alternatives: vec![],
    };
    run.session
        .recognized(requests[0].0, Ok(transcript), run.now);
    run.serve();
    assert!(run.log.iter().any(|o| matches!(o, SessionOutput::Flow(Action::Transfer(TransferTarget::Queue(q))) if q == "agents")));
    let latency = run.log.iter().find_map(|o| match o {
        SessionOutput::Log(line) => match &line.event {
            LogEvent::Flow(CallEvent::Recognized { latency_ms, .. }) => *latency_ms,
            _ => None,
        },
        _ => None,
    });
    assert!(latency.is_some());
}

#[test]
fn a_failed_recognizer_counts_as_silence_and_the_call_goes_on() {
    let mut run = Run::start();
    let mut caller = vec![0i16; 24_000];
    caller.extend(speech());
    run.play(&caller, 6000);
    let (id, _) = run.recognition_requests()[0];
    run.session.recognized(
        id,
        Err(ivr_speech::RecognizerError::Decode("model crashed".into())),
        run.now,
    );
    run.serve();
    let events: Vec<&LogEvent> = run
        .log
        .iter()
        .filter_map(|o| match o {
            SessionOutput::Log(l) => Some(&l.event),
            _ => None,
        })
        .collect();
    assert!(events.iter().any(|e| matches!(e, LogEvent::Media(MediaEvent::Warning { message }) if message.contains("model crashed"))));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, LogEvent::Flow(CallEvent::Noinput { count: 1 })))
    );
    assert!(!run.session.is_ended());
}

#[test]
fn silence_runs_the_no_input_path_to_the_end() {
    let mut run = Run::start();
    run.play(&[], 60_000);
    assert!(run.session.is_ended());
    assert!(run.recognition_requests().is_empty());
    assert!(
        run.log
            .iter()
            .any(|o| matches!(o, SessionOutput::Flow(Action::Hangup { .. })))
    );
}
