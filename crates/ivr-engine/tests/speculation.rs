#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Decoding before the endpoint, in virtual time: real VAD on real speech (espeak-ng), the
//! real interpreter, and a recognizer played by the test that answers each request after a
//! fixed delay with the text the test chooses.

use ivr_engine::session::{CallSession, LogEvent, MediaEvent, SessionOutput};
use ivr_flow::Flow;
use ivr_flow::interpreter::{Action, CallEvent, CallInfo};
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
  receipt: { text: { en-US: "Say your receipt number." } }
  got: { text: { en-US: "Thanks." } }
  bye: { text: { en-US: "Bye." } }
intents:
  agent: { examples: { en-US: ["talk to an agent"] } }
  status: { examples: { en-US: ["check my case status"] } }
slots:
  receipt: { type: receipt }
ask_defaults:
  no_input: { then: bye }
  no_match: { reprompts: [hello], max: 2, then: bye }
states:
  menu:
    ask: { prompts: [hello], intents: { agent: transfer, status: ask_receipt } }
  ask_receipt:
    ask: { prompts: [receipt], slot: receipt, next: thanks }
  thanks:
    say: { prompts: [got], next: end }
  transfer:
    transfer: { queue: agents, on_failure: bye }
  bye:
    say: { prompts: [bye], next: end }
  end:
    hangup: {}
"#;

/// `text` spoken by espeak-ng at 8 kHz, without the silence it adds before and after, so a
/// test's own silences are the caller's pauses.
fn say(text: &str) -> Vec<i16> {
    let audio = ivr_engine::tts::Synthesizer::uncached()
        .synthesize("en-US", text)
        .expect("espeak-ng is needed (make test installs it)");
    let loud = |s: &i16| s.unsigned_abs() > 300;
    let start = audio.iter().position(loud).unwrap_or(0);
    let end = audio.iter().rposition(loud).map_or(0, |i| i + 1);
    audio[start..end.max(start)].to_vec()
}

fn silence(ms: usize) -> Vec<i16> {
    vec![0; ms * 8]
}

fn heard(text: &str) -> Transcript {
    Transcript {
        text: text.into(),
        confidence: 0.9,
        lang: Some("en-US".into()),
        words: vec![],
        alternatives: vec![],
    }
}

/// A recognition request the session made, and what the test did with it.
#[derive(Debug, Clone)]
struct Request {
    id: u64,
    speculative: bool,
    samples: usize,
    at_ms: u64,
    cancelled: bool,
}

/// What the test's recognizer says to a request (None: it never answers).
type Answer = Box<dyn FnMut(&Request) -> Option<Transcript>>;

/// The recognizer the test plays: `answer` gives the text for a request.
struct Run {
    session: CallSession,
    now: jiff::Timestamp,
    ms: u64,
    log: Vec<SessionOutput>,
    requests: Vec<Request>,
    /// (due ms, id, transcript)
    due: Vec<(u64, u64, Transcript)>,
    delay_ms: u64,
    answer: Answer,
    /// Call ms of each frame the session sent that carried sound.
    sounded_at: Vec<u64>,
}

impl Run {
    fn start(delay_ms: u64, answer: impl FnMut(&Request) -> Option<Transcript> + 'static) -> Run {
        let (flow, warnings) = Flow::from_source(FLOW).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
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
            ms: 0,
            log: Vec::new(),
            requests: Vec::new(),
            due: Vec::new(),
            delay_ms,
            answer: Box::new(answer),
            sounded_at: Vec::new(),
        };
        run.serve();
        // The greeting (0.5 s of tone) plays out before the caller speaks.
        run.play(&[], 1000);
        run
    }

    fn serve(&mut self) {
        while let Some(out) = self.session.poll_output() {
            match &out {
                SessionOutput::LoadPrompt { play_id, .. } => {
                    let tone: Vec<i16> = (0..4_000)
                        .map(|i| ((i as f32 * 0.3).sin() * 3000.0) as i16)
                        .collect();
                    self.session.prompt_audio(*play_id, Some(tone), self.now);
                }
                SessionOutput::Recognize {
                    utterance_id,
                    audio,
                    speculative,
                    ..
                } => {
                    let request = Request {
                        id: *utterance_id,
                        speculative: *speculative,
                        samples: audio.len(),
                        at_ms: self.ms,
                        cancelled: false,
                    };
                    if let Some(t) = (self.answer)(&request) {
                        self.due.push((self.ms + self.delay_ms, request.id, t));
                    }
                    self.requests.push(request);
                }
                SessionOutput::CancelRecognition { utterance_id } => {
                    for r in &mut self.requests {
                        if r.id == *utterance_id {
                            r.cancelled = true;
                        }
                    }
                }
                _ => {}
            }
            self.log.push(out);
        }
    }

    /// Plays `caller` then silence for `ms` of call time, delivering results as they fall due.
    fn play(&mut self, caller: &[i16], ms: u64) {
        for i in 0..(ms / 20) as usize {
            let due: Vec<_> = self
                .due
                .extract_if(.., |(at, _, _)| *at <= self.ms)
                .collect();
            for (_, id, transcript) in due {
                self.session.recognized(id, Ok(transcript), self.now);
                self.serve();
            }
            let frame = caller.get(i * 160..i * 160 + 160).unwrap_or(&[0; 160]);
            let sent = self.session.tick(self.now, frame);
            if sent.iter().any(|s| *s != 0) {
                self.sounded_at.push(self.ms);
            }
            self.now += jiff::SignedDuration::from_millis(20);
            self.ms += 20;
            self.serve();
        }
    }

    /// Every logged event with its call time.
    fn logged(&self) -> impl Iterator<Item = (u64, &LogEvent)> {
        self.log.iter().filter_map(|o| match o {
            SessionOutput::Log(line) => Some((line.t_ms, &line.event)),
            _ => None,
        })
    }

    fn media(&self) -> Vec<(u64, MediaEvent)> {
        self.logged()
            .filter_map(|(t, e)| match e {
                LogEvent::Media(m) => Some((t, m.clone())),
                LogEvent::Flow(_) => None,
            })
            .collect()
    }

    fn flow_events(&self) -> Vec<(u64, CallEvent)> {
        self.logged()
            .filter_map(|(t, e)| match e {
                LogEvent::Flow(f) => Some((t, f.clone())),
                LogEvent::Media(_) => None,
            })
            .collect()
    }

    /// (start_ms, end_ms) of each utterance the endpointer ended.
    fn utterances(&self) -> Vec<(u64, u64)> {
        self.media()
            .into_iter()
            .filter_map(|(_, m)| match m {
                MediaEvent::Speech { start_ms, end_ms } => Some((start_ms, end_ms)),
                _ => None,
            })
            .collect()
    }

    /// Call time of the first Recognized event and its latency.
    fn recognized(&self) -> Vec<(u64, String, Option<u64>)> {
        self.flow_events()
            .into_iter()
            .filter_map(|(t, e)| match e {
                CallEvent::Recognized {
                    text, latency_ms, ..
                } => Some((t, text, latency_ms)),
                _ => None,
            })
            .collect()
    }

    fn transferred(&self) -> bool {
        self.log
            .iter()
            .any(|o| matches!(o, SessionOutput::Flow(Action::Transfer(_))))
    }
}

#[test]
fn a_decided_intent_ends_the_utterance_before_the_full_trailing_silence() {
    // The recognizer takes 150 ms and hears the words.
    let mut run = Run::start(150, |_| Some(heard("talk to an agent")));
    run.play(&say("talk to an agent"), 3000);

    let requests = run.requests.clone();
    assert_eq!(requests.len(), 1, "one decode, at the pause: {requests:?}");
    assert!(requests[0].speculative);
    let [(_, end_ms)] = run.utterances()[..] else {
        panic!("{:?}", run.utterances())
    };
    let [(t_ms, ref text, Some(latency_ms))] = run.recognized()[..] else {
        panic!("{:?}", run.recognized())
    };
    assert_eq!(text, "talk to an agent");
    // Pause (300 ms) + decode (150 ms), well before 700 ms of silence would end it.
    assert_eq!(t_ms - end_ms, latency_ms);
    assert!((300..700).contains(&latency_ms), "{latency_ms} ms");
    let saved = run.media().into_iter().find_map(|(_, m)| match m {
        MediaEvent::EarlyEndpoint { saved_ms } => Some(saved_ms),
        _ => None,
    });
    assert_eq!(saved, Some(700 - latency_ms));
    assert!(run.transferred());
}

#[test]
fn a_speculative_decode_is_dropped_when_the_caller_goes_on() {
    // Slow recognizer (400 ms): the caller is talking again before the pause's result comes.
    let mut run = Run::start(400, |r| {
        Some(heard(if r.samples < 20_000 {
            "check my"
        } else {
            "talk to an agent"
        }))
    });
    let first = say("check my");
    let mut caller = first.clone();
    caller.extend(silence(450));
    caller.extend(say("case status please, talk to an agent"));
    run.play(&caller, 8000);

    let requests = run.requests.clone();
    assert!(requests.len() >= 2, "{requests:?}");
    let dropped = &requests[0];
    assert!(dropped.speculative && dropped.cancelled, "{requests:?}");
    assert!(
        run.media()
            .iter()
            .any(|(_, m)| *m == MediaEvent::SpeculationDropped)
    );
    // One utterance, covering both parts; the flow heard only the whole of it, once.
    assert_eq!(run.utterances().len(), 1, "{:?}", run.utterances());
    let recognized = run.recognized();
    assert_eq!(recognized.len(), 1, "{recognized:?}");
    assert_eq!(recognized[0].1, "talk to an agent");
    // Never two decodes of this call at once: each request came after the one before was
    // answered or its result came back.
    for pair in requests.windows(2) {
        assert!(pair[1].at_ms >= pair[0].at_ms + 400, "{requests:?}");
    }
}

#[test]
fn a_pause_inside_a_spoken_receipt_number_does_not_cut_it() {
    let mut run = Run::start(100, |r| {
        Some(heard(if r.samples < 40_000 {
            "check my case status"
        } else {
            "I O E 0 1 2 3 4 5 6 7 8 9"
        }))
    });
    run.play(&say("check my case status"), 2500);
    assert_eq!(run.utterances().len(), 1);
    let before = run.requests.len();

    // The caller reads the first half, stops for 1.1 s (longer than the usual 700 ms
    // endpoint), then reads the rest.
    let mut answers = vec!["I O E 0 1 2", "I O E 0 1 2 3 4 5 6 7 8 9"].into_iter();
    run.answer = Box::new(move |_| answers.next().map(heard));
    let mut caller = say("I O E 0 1 2");
    caller.extend(silence(1100));
    caller.extend(say("3 4 5 6 7 8 9"));
    run.play(&caller, 10_000);

    let utterances = run.utterances();
    assert_eq!(utterances.len(), 2, "the number was cut: {utterances:?}");
    let slot = run.flow_events().into_iter().find_map(|(_, e)| match e {
        CallEvent::Slot { value, .. } => Some(value),
        _ => None,
    });
    assert_eq!(slot.as_deref(), Some("IOE0123456789"));
    // The pause's decode said "unfinished"; the whole number was decoded again at its end.
    assert!(run.requests.len() >= before + 2, "{:?}", run.requests);
}

#[test]
fn words_that_decide_nothing_wait_for_the_endpoint_and_reuse_the_pause_decode() {
    let mut run = Run::start(100, |_| Some(heard("the weather today")));
    run.play(&say("the weather today"), 3000);
    assert_eq!(run.requests.len(), 1, "{:?}", run.requests);
    let [(_, end_ms)] = run.utterances()[..] else {
        panic!("{:?}", run.utterances())
    };
    let [(t_ms, _, Some(latency_ms))] = run.recognized()[..] else {
        panic!("{:?}", run.recognized())
    };
    // The result was ready before the endpoint: answered on the endpoint's own frame.
    assert!((600..=760).contains(&latency_ms), "{latency_ms} ms");
    assert_eq!(t_ms - end_ms, latency_ms);
    assert!(
        !run.media()
            .iter()
            .any(|(_, m)| matches!(m, MediaEvent::EarlyEndpoint { .. }))
    );
}

#[test]
fn an_utterance_without_a_result_in_time_takes_the_no_match_path() {
    // The pool is overloaded: the pause's decode is refused and the final one never comes.
    let mut run = Run::start(0, |_| None);
    run.session.set_recognition_timeout_ms(2_000);
    run.play(&say("talk to an agent"), 5000);
    let [(_, end_ms)] = run.utterances()[..] else {
        panic!("{:?}", run.utterances())
    };
    let waited = run.flow_events().into_iter().find_map(|(t, e)| match e {
        CallEvent::NotRecognized { waited_ms } => Some((t, waited_ms)),
        _ => None,
    });
    let (t_ms, waited_ms) = waited.expect("not recognized");
    assert_eq!(waited_ms, 2_000);
    assert_eq!(t_ms, end_ms + 2_000);
    assert!(
        run.flow_events()
            .iter()
            .any(|(_, e)| *e == CallEvent::Nomatch { count: 1 })
    );
    // Every request was called off, so no worker keeps decoding for a caller who moved on.
    assert!(
        run.requests.iter().all(|r| r.cancelled),
        "{:?}",
        run.requests
    );
    // The caller is asked again, and can still be heard.
    assert!(!run.session.is_ended());
    let late_id = run.requests[0].id;
    run.session
        .recognized(late_id, Ok(heard("talk to an agent")), run.now);
    run.serve();
    assert!(
        !run.transferred(),
        "a late result after the no-match changed nothing"
    );
}

#[test]
fn the_answer_prompt_starts_on_the_frame_after_the_result() {
    let mut run = Run::start(120, |_| Some(heard("check my case status")));
    run.play(&say("check my case status"), 3000);
    let [(t_ms, _, Some(_))] = run.recognized()[..] else {
        panic!("{:?}", run.recognized())
    };
    // The flow asks for the receipt number; its prompt's first frame is the next one sent.
    let first_sound = run.sounded_at.iter().find(|&&ms| ms >= t_ms).copied();
    assert_eq!(first_sound, Some(t_ms), "sounded at {:?}", run.sounded_at);
    assert!(
        run.flow_events()
            .iter()
            .any(|(_, e)| matches!(e, CallEvent::Prompt { id, .. } if id == "receipt"))
    );
}
