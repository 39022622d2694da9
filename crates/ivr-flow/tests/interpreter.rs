#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The interpreter, state kind by state kind, driven with explicit times as the engine and
//! `ivr chat` drive it.

use ivr_flow::Flow;
use ivr_flow::interpreter::{
    Action, Alternative, Call, CallEvent, CallInfo, Completeness, Input, Output, TransferTarget,
};
use ivr_flow::schema::HttpMethod;
use std::sync::Arc;

const FLOW: &str = r#"languages: [en-US, es-US]
default_language: en-US
timezone: America/New_York
start: menu
variables:
  status_url: "http://127.0.0.1:9/status"
schedules:
  office: { weekly: { mon-fri: ["08:00-20:00"] } }
queues:
  q-en: { language: en-US, schedule: office }
  q-es: { language: es-US, schedule: office }
prompts:
  hello: { text: { en-US: "Hello, how can I help?", es-US: "Hola, ¿en qué le ayudo?" } }
  sorry: { text: { en-US: "Sorry.", es-US: "Perdón." } }
  ask_pin: { text: { en-US: "Key in your PIN.", es-US: "Marque su PIN." } }
  status: { text: { en-US: "Case {pin|spell}: {status}.", es-US: "Caso {pin|spell}: {status}." } }
  offer: { text: { en-US: "Want a text?", es-US: "¿Quiere un texto?" } }
  bye: { text: { en-US: "Bye.", es-US: "Adiós." } }
intents:
  balance: { dtmf: "1", examples: { en-US: ["check my balance", "how much money do I have"], es-US: ["consultar mi saldo", "cuánto dinero tengo"] } }
  agent: { dtmf: "0", examples: { en-US: ["talk to an agent", "a representative"], es-US: ["hablar con un agente", "un representante"] } }
  repeat: { dtmf: "*", examples: { en-US: ["repeat that", "say that again"], es-US: ["repita eso", "dígalo otra vez"] } }
  spanish: { examples: { en-US: ["spanish"], es-US: ["español"] } }
  english: { examples: { en-US: ["english"], es-US: ["inglés"] } }
slots:
  pin: { type: digits, length: 4 }
  confirm: { type: yes_no }
templates:
  link:
    sms: { en-US: "Your case: {status}", es-US: "Su caso: {status}" }
global:
  agent: { goto: agent }
  repeat: { repeat: true }
  spanish: { language: es-US }
  english: { language: en-US }
ask_defaults:
  no_input_timeout_ms: 5000
  min_confidence: 0.5
  no_input: { reprompts: [[sorry, hello]], max: 3, then: bye }
  no_match: { reprompts: [sorry], max: 3, then: bye }
states:
  menu:
    ask: { prompts: [hello], intents: { balance: ask_pin } }
  ask_pin:
    ask: { prompts: [ask_pin], slot: pin, next: lookup, dtmf: { "*": repeat } }
  lookup:
    lookup:
      name: status
      method: POST
      url: "{status_url}?pin={pin}&lang={language}"
      body: { pin: "{pin}" }
      timeout_ms: 2000
      result: { status: /case/status }
      next: read
      on_failure: failed
  read:
    say: { prompts: [status], next: offer }
  failed:
    say: { prompts: [sorry], next: bye }
  offer:
    ask: { prompts: [offer], slot: confirm, on_value: { "yes": send, "no": bye } }
  send:
    notify: { channel: sms, template: link, to: "{caller}", next: bye, on_failure: failed }
  agent:
    branch:
      cases:
        - when: { open: office }
          goto: connect
      otherwise: callback
  connect:
    transfer: { queue_by_language: { en-US: q-en, es-US: q-es }, on_failure: callback }
  callback:
    callback: { queue_by_language: { en-US: q-en, es-US: q-es }, next: bye, on_failure: failed }
  bye:
    say: { prompts: [bye], next: end }
  end:
    hangup: { reason: done }
"#;

/// Tuesday 2026-12-01, 10:00 Eastern: the office is open.
const OPEN: &str = "2026-12-01T15:00:00Z";
/// The same day at 21:00 Eastern: closed.
const CLOSED: &str = "2026-12-02T02:00:00Z";

struct Harness {
    call: Call,
    now: jiff::Timestamp,
    log: Vec<Output>,
    /// Plays already reported finished (or cut by barge-in).
    done: Vec<u64>,
}

impl Harness {
    fn start(at: &str, caller: Option<&str>) -> Harness {
        Harness::start_flow(FLOW, at, caller, None)
    }

    /// A call to `source`, answered at `at`, from `caller`, in `language` (the flow's default
    /// when None).
    fn start_flow(source: &str, at: &str, caller: Option<&str>, language: Option<&str>) -> Harness {
        let info = CallInfo {
            call_id: "test".into(),
            caller: caller.map(str::to_string),
            caller_verified: caller.is_some(),
            called: None,
            language: language.map(str::to_string),
        };
        Harness::start_call(source, at, info)
    }

    fn start_call(source: &str, at: &str, info: CallInfo) -> Harness {
        let (flow, warnings) = Flow::from_source(source).unwrap();
        assert!(warnings.is_empty(), "{warnings:#?}");
        let now: jiff::Timestamp = at.parse().unwrap();
        let call = Call::new(Arc::new(flow), info, now);
        let mut h = Harness {
            call,
            now,
            log: Vec::new(),
            done: Vec::new(),
        };
        h.drain();
        h
    }

    fn drain(&mut self) -> Vec<Output> {
        let mut new = Vec::new();
        while let Some(o) = self.call.poll_output() {
            new.push(o);
        }
        self.log.extend(new.iter().cloned());
        new
    }

    fn after_ms(&mut self, ms: i64) {
        self.now = self
            .now
            .checked_add(jiff::SignedDuration::from_millis(ms))
            .unwrap();
    }

    fn send(&mut self, input: Input) -> Vec<Output> {
        self.call.handle(input, self.now);
        self.drain()
    }

    /// Plays every queued prompt to its end, one second each.
    fn finish_prompts(&mut self) -> Vec<Output> {
        let mut all = Vec::new();
        loop {
            let ids = self.pending_plays();
            if ids.is_empty() {
                return all;
            }
            for id in ids {
                self.after_ms(1000);
                all.extend(self.send(Input::PromptFinished { play_id: id }));
            }
        }
    }

    /// Plays started and not yet finished or cut.
    fn pending_plays(&mut self) -> Vec<u64> {
        let mut pending = Vec::new();
        for o in &self.log {
            match o {
                Output::Action(Action::Play { play_id, .. }) => pending.push(*play_id),
                Output::Action(Action::StopPlayback) => pending.clear(),
                _ => {}
            }
        }
        pending.retain(|id| !self.done.contains(id));
        self.done.extend(pending.iter().copied());
        pending
    }

    fn say(&mut self, text: &str) -> Vec<Output> {
        self.send(Input::SpeechStarted);
        self.after_ms(1500);
        self.send(Input::Utterance {
            text: text.into(),
            confidence: 0.9,
            lang: None,
            latency_ms: None,
            alternatives: Vec::new(),
        })
    }

    /// A recognition result with its N-best list: (text, confidence) best first.
    fn heard(&mut self, readings: &[(&str, f32)], lang: Option<&str>) -> Vec<Output> {
        self.send(Input::SpeechStarted);
        self.after_ms(1500);
        let (first, rest) = readings.split_first().expect("at least one reading");
        self.send(Input::Utterance {
            text: first.0.into(),
            confidence: first.1,
            lang: lang.map(str::to_string),
            latency_ms: None,
            alternatives: rest
                .iter()
                .map(|(text, confidence)| Alternative {
                    text: (*text).into(),
                    confidence: *confidence,
                    lang: None,
                })
                .collect(),
        })
    }

    fn silence(&mut self) -> Vec<Output> {
        let deadline = self.call.next_deadline().expect("a no-input deadline");
        self.now = deadline;
        self.send(Input::Timeout)
    }

    fn events(&self) -> Vec<CallEvent> {
        events(&self.log)
    }
}

fn events(outputs: &[Output]) -> Vec<CallEvent> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn actions(outputs: &[Output]) -> Vec<Action> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Action(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn states(events: &[CallEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            CallEvent::State { name } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

fn intent(events: &[CallEvent]) -> Option<String> {
    events.iter().find_map(|e| match e {
        CallEvent::Intent { name, .. } => Some(name.clone()),
        _ => None,
    })
}

#[test]
fn answering_plays_the_prompt_then_waits_for_no_input() {
    let mut h = Harness::start(OPEN, Some("+12025550143"));
    let ev = h.events();
    assert_eq!(
        ev[0],
        CallEvent::State {
            name: "menu".into()
        }
    );
    assert_eq!(
        ev[1],
        CallEvent::Prompt {
            id: "hello".into(),
            lang: "en-US".into(),
            text: "Hello, how can I help?".into()
        }
    );
    assert_eq!(
        ev[2],
        CallEvent::Listen {
            state: "menu".into()
        }
    );
    // The no-input timer starts only once the prompt has finished.
    assert_eq!(h.call.next_deadline(), None);
    h.finish_prompts();
    let expected = h
        .now
        .checked_add(jiff::SignedDuration::from_millis(5000))
        .unwrap();
    assert_eq!(h.call.next_deadline(), Some(expected));
}

#[test]
fn no_input_reprompts_then_gives_up() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let first = h.silence();
    let ev = events(&first);
    assert_eq!(ev[0], CallEvent::Noinput { count: 1 });
    let ids: Vec<&str> = ev
        .iter()
        .filter_map(|e| match e {
            CallEvent::Prompt { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["sorry", "hello"]);
    h.finish_prompts();
    h.silence();
    h.finish_prompts();
    let last = events(&h.silence());
    assert_eq!(last[0], CallEvent::Noinput { count: 3 });
    assert_eq!(states(&last), ["bye"]);
    h.finish_prompts();
    assert!(h.call.is_ended());
    assert_eq!(
        h.events().last(),
        Some(&CallEvent::Hangup {
            reason: "done".into()
        })
    );
}

#[test]
fn speech_during_a_prompt_barges_in() {
    let mut h = Harness::start(OPEN, None);
    let out = h.send(Input::SpeechStarted);
    assert_eq!(actions(&out), [Action::StopPlayback]);
    assert_eq!(
        h.call.next_deadline(),
        None,
        "no no-input timer while the caller talks"
    );
}

#[test]
fn a_paraphrase_selects_its_intent() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let out = h.say("how much money do I have");
    let ev = events(&out);
    assert!(
        matches!(&ev[0], CallEvent::Recognized { text, .. } if text == "how much money do I have")
    );
    assert_eq!(intent(&ev).as_deref(), Some("balance"));
    assert_eq!(states(&ev), ["ask_pin"]);
}

fn understood_as(events: &[CallEvent]) -> Option<Alternative> {
    events.iter().find_map(|e| match e {
        CallEvent::Recognized { understood_as, .. } => understood_as.clone(),
        _ => None,
    })
}

#[test]
fn a_less_likely_reading_is_used_when_the_first_is_not_understood() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let ev = events(&h.heard(
        &[("chuck my bell ants", 0.8), ("check my balance", 0.7)],
        None,
    ));
    assert_eq!(intent(&ev).as_deref(), Some("balance"));
    assert_eq!(
        understood_as(&ev),
        Some(Alternative {
            text: "check my balance".into(),
            confidence: 0.7,
            lang: None,
        })
    );
    assert!(
        matches!(&ev[0], CallEvent::Recognized { text, .. } if text == "chuck my bell ants"),
        "the event keeps what was heard first: {ev:?}"
    );
}

#[test]
fn a_much_less_likely_reading_is_not_used() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    // 0.55 passes the flow's floor (0.5) but is under 0.6 of the first reading's 0.95.
    let ev = events(&h.heard(
        &[("chuck my bell ants", 0.95), ("check my balance", 0.55)],
        None,
    ));
    assert_eq!(intent(&ev), None);
    assert_eq!(understood_as(&ev), None);
    assert!(ev.contains(&CallEvent::Nomatch { count: 1 }), "{ev:?}");
}

#[test]
fn an_understood_first_reading_wins_over_the_others() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let ev = events(&h.heard(
        &[("talk to an agent", 0.8), ("check my balance", 0.79)],
        None,
    ));
    assert_eq!(intent(&ev).as_deref(), Some("agent"));
    assert_eq!(understood_as(&ev), None);
}

#[test]
fn a_reading_in_the_other_language_can_decide() {
    // Language detection was unsure; the recognizer decoded in both languages.
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    h.send(Input::SpeechStarted);
    h.after_ms(1500);
    let ev = events(&h.send(Input::Utterance {
        text: "I'm blah blah, gentle".into(),
        confidence: 0.6,
        lang: Some("en-US".into()),
        latency_ms: None,
        alternatives: vec![Alternative {
            text: "hablar con un agente".into(),
            confidence: 0.5,
            lang: Some("es-US".into()),
        }],
    }));
    assert_eq!(
        understood_as(&ev).and_then(|u| u.lang).as_deref(),
        Some("es-US")
    );
    assert!(ev.contains(&CallEvent::Language {
        lang: "es-US".into()
    }));
    assert!(ev.contains(&CallEvent::Transfer {
        queue: Some("q-es".into()),
        uri: None
    }));
}

#[test]
fn another_languages_words_overrule_the_recognizers_language() {
    // Whisper's language identification is unsure on a word or two; "un representante" is a
    // Spanish example word for word and only looks like the English one.
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let ev = events(&h.heard(&[("un representante", 0.9)], Some("en-US")));
    assert!(ev.contains(&CallEvent::Language {
        lang: "es-US".into()
    }));
    assert!(ev.contains(&CallEvent::Transfer {
        queue: Some("q-es".into()),
        uri: None
    }));
}

#[test]
fn the_recognizers_language_stands_when_the_words_fit_it() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let ev = events(&h.heard(&[("a representative", 0.9)], Some("en-US")));
    assert!(!ev.iter().any(|e| matches!(e, CallEvent::Language { .. })));
    assert!(ev.contains(&CallEvent::Transfer {
        queue: Some("q-en".into()),
        uri: None
    }));
}

#[test]
fn low_confidence_is_a_no_match() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    h.send(Input::SpeechStarted);
    let out = h.send(Input::Utterance {
        text: "check my balance".into(),
        confidence: 0.2,
        lang: None,
        latency_ms: None,
        alternatives: Vec::new(),
    });
    assert!(events(&out).contains(&CallEvent::Nomatch { count: 1 }));
}

#[test]
fn an_empty_result_counts_as_no_input() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let out = h.send(Input::Utterance {
        text: " ... ".into(),
        confidence: 0.9,
        lang: None,
        latency_ms: None,
        alternatives: Vec::new(),
    });
    assert!(events(&out).contains(&CallEvent::Noinput { count: 1 }));
}

#[test]
fn a_key_selects_its_intent() {
    let mut h = Harness::start(OPEN, None);
    let out = h.send(Input::Dtmf { digits: "1".into() });
    let ev = events(&out);
    assert_eq!(ev[0], CallEvent::Dtmf { digits: "1".into() });
    assert_eq!(
        ev[1],
        CallEvent::Intent {
            name: "balance".into(),
            score: 1.0
        }
    );
    // A key pressed during the prompt cuts it.
    assert!(actions(&out).contains(&Action::StopPlayback));
}

#[test]
fn an_unassigned_key_is_a_no_match() {
    let mut h = Harness::start(OPEN, None);
    let out = h.send(Input::Dtmf { digits: "7".into() });
    assert!(events(&out).contains(&CallEvent::Nomatch { count: 1 }));
}

#[test]
fn digits_fill_a_slot_and_a_lookup_reads_the_result() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.finish_prompts();
    let out = h.send(Input::Dtmf {
        digits: "12".into(),
    });
    assert!(
        events(&out)
            .iter()
            .all(|e| !matches!(e, CallEvent::Slot { .. }))
    );
    let out = h.send(Input::Dtmf {
        digits: "34".into(),
    });
    let ev = events(&out);
    assert!(ev.contains(&CallEvent::Slot {
        name: "pin".into(),
        value: "1234".into()
    }));
    let lookup = actions(&out)
        .into_iter()
        .find(|a| matches!(a, Action::Lookup { .. }))
        .unwrap();
    assert_eq!(
        lookup,
        Action::Lookup {
            name: "status".into(),
            method: HttpMethod::Post,
            url: "http://127.0.0.1:9/status?pin=1234&lang=en-US".into(),
            body: Some(serde_json::json!({ "pin": "1234" })),
            timeout_ms: 2000,
        }
    );
    let out = h.send(Input::LookupResult {
        result: Ok(serde_json::json!({ "case": { "status": "Approved" } })),
    });
    let ev = events(&out);
    assert!(ev.contains(&CallEvent::Lookup {
        name: "status".into(),
        ok: true
    }));
    assert!(ev.contains(&CallEvent::Prompt {
        id: "status".into(),
        lang: "en-US".into(),
        text: "Case 1 2 3 4: Approved.".into()
    }));
}

#[test]
fn a_slot_can_be_spoken() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.finish_prompts();
    let ev = events(&h.say("one two three four"));
    assert!(ev.contains(&CallEvent::Slot {
        name: "pin".into(),
        value: "1234".into()
    }));
}

#[test]
fn a_state_key_works_before_digits_start() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.finish_prompts();
    let ev = events(&h.send(Input::Dtmf { digits: "*".into() }));
    assert!(ev.contains(&CallEvent::Intent {
        name: "repeat".into(),
        score: 1.0
    }));
    assert!(ev.contains(&CallEvent::Prompt {
        id: "ask_pin".into(),
        lang: "en-US".into(),
        text: "Key in your PIN.".into()
    }));
}

#[test]
fn a_short_entry_ends_at_the_inter_digit_timeout() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.finish_prompts();
    h.send(Input::Dtmf {
        digits: "12".into(),
    });
    let deadline = h.call.next_deadline().unwrap();
    assert_eq!(
        deadline,
        h.now
            .checked_add(jiff::SignedDuration::from_secs(3))
            .unwrap()
    );
    h.now = deadline;
    let ev = events(&h.send(Input::Timeout));
    assert!(ev.contains(&CallEvent::Nomatch { count: 1 }), "{ev:#?}");
}

#[test]
fn a_failed_lookup_takes_the_failure_branch() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.send(Input::Dtmf {
        digits: "1234".into(),
    });
    let ev = events(&h.send(Input::LookupResult {
        result: Err("connection refused".into()),
    }));
    assert!(ev.contains(&CallEvent::Lookup {
        name: "status".into(),
        ok: false
    }));
    assert_eq!(states(&ev), ["failed"]);
}

#[test]
fn a_lookup_missing_a_field_is_a_failure() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.send(Input::Dtmf {
        digits: "1234".into(),
    });
    let ev = events(&h.send(Input::LookupResult {
        result: Ok(serde_json::json!({ "other": 1 })),
    }));
    assert_eq!(states(&ev), ["failed"]);
}

#[test]
fn a_lookup_that_never_answers_times_out() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.send(Input::Dtmf {
        digits: "1234".into(),
    });
    let deadline = h.call.next_deadline().unwrap();
    assert_eq!(
        deadline,
        h.now
            .checked_add(jiff::SignedDuration::from_millis(3000))
            .unwrap()
    );
    h.now = deadline;
    let ev = events(&h.send(Input::Timeout));
    assert!(ev.contains(&CallEvent::Lookup {
        name: "status".into(),
        ok: false
    }));
    // A late answer after giving up changes nothing.
    let late = h.send(Input::LookupResult {
        result: Ok(serde_json::json!({})),
    });
    assert!(
        events(&late)
            .iter()
            .all(|e| !matches!(e, CallEvent::Lookup { .. }))
    );
}

fn to_offer(h: &mut Harness) {
    h.send(Input::Dtmf { digits: "1".into() });
    h.send(Input::Dtmf {
        digits: "1234".into(),
    });
    h.send(Input::LookupResult {
        result: Ok(serde_json::json!({ "case": { "status": "Approved" } })),
    });
    h.finish_prompts();
}

#[test]
fn yes_sends_a_text_to_the_caller() {
    let mut h = Harness::start(OPEN, Some("(202) 555-0143"));
    to_offer(&mut h);
    let out = h.say("yes please");
    let ev = events(&out);
    assert!(ev.contains(&CallEvent::Slot {
        name: "confirm".into(),
        value: "yes".into()
    }));
    assert!(ev.contains(&CallEvent::Notify {
        channel: ivr_flow::schema::Channel::Sms,
        template: "link".into(),
        to: "+12025550143".into()
    }));
    assert!(
        actions(&out)
            .iter()
            .any(|a| matches!(a, Action::Notify { body, .. } if body == "Your case: Approved"))
    );
    let ev = events(&h.send(Input::NotifyResult { ok: true }));
    assert_eq!(states(&ev), ["bye"]);
}

#[test]
fn a_text_to_an_unusable_number_is_never_requested() {
    let mut h = Harness::start(OPEN, Some("anonymous"));
    to_offer(&mut h);
    let out = h.send(Input::Dtmf { digits: "1".into() });
    assert!(
        actions(&out)
            .iter()
            .all(|a| !matches!(a, Action::Notify { .. }))
    );
    assert!(states(&events(&out)).contains(&"failed".to_string()));
}

#[test]
fn agent_when_open_transfers_to_the_language_queue() {
    let mut h = Harness::start(OPEN, None);
    let out = h.say("I want to talk to an agent");
    let ev = events(&out);
    assert_eq!(intent(&ev).as_deref(), Some("agent"));
    assert!(ev.contains(&CallEvent::Transfer {
        queue: Some("q-en".into()),
        uri: None
    }));
    assert!(actions(&out).contains(&Action::Transfer(TransferTarget::Queue("q-en".into()))));
    h.send(Input::TransferResult { ok: true });
    assert!(h.call.is_ended());
}

#[test]
fn a_failed_transfer_falls_back() {
    let mut h = Harness::start(OPEN, Some("+12025550143"));
    h.say("talk to an agent");
    let ev = events(&h.send(Input::TransferResult { ok: false }));
    assert_eq!(states(&ev), ["callback"]);
    assert!(ev.contains(&CallEvent::Callback {
        queue: "q-en".into()
    }));
}

#[test]
fn agent_when_closed_records_a_callback() {
    let mut h = Harness::start(CLOSED, Some("+12025550143"));
    let out = h.say("talk to an agent");
    assert!(
        events(&out)
            .iter()
            .all(|e| !matches!(e, CallEvent::Transfer { .. }))
    );
    assert!(actions(&out).contains(&Action::Callback {
        queue: "q-en".into(),
        number: "+12025550143".into(),
        lang: "en-US".into()
    }));
    let ev = events(&h.send(Input::CallbackResult { ok: true }));
    assert_eq!(states(&ev), ["bye"]);
}

#[test]
fn speaking_spanish_switches_the_call_to_spanish() {
    let mut h = Harness::start(OPEN, None);
    let out = h.say("quiero hablar con un agente");
    let ev = events(&out);
    assert!(ev.contains(&CallEvent::Language {
        lang: "es-US".into()
    }));
    assert!(actions(&out).contains(&Action::SetLanguage {
        lang: "es-US".into()
    }));
    assert!(ev.contains(&CallEvent::Transfer {
        queue: Some("q-es".into()),
        uri: None
    }));
    assert_eq!(h.call.language(), "es-US");
}

#[test]
fn saying_a_language_asks_again_in_it() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let ev = events(&h.say("español"));
    assert!(ev.contains(&CallEvent::Language {
        lang: "es-US".into()
    }));
    assert!(ev.contains(&CallEvent::Prompt {
        id: "hello".into(),
        lang: "es-US".into(),
        text: "Hola, ¿en qué le ayudo?".into()
    }));
    assert!(ev.contains(&CallEvent::Listen {
        state: "menu".into()
    }));
}

#[test]
fn repeat_plays_again_what_was_heard() {
    let mut h = Harness::start(OPEN, None);
    to_offer(&mut h);
    let ev = events(&h.say("say that again"));
    let ids: Vec<&str> = ev
        .iter()
        .filter_map(|e| match e {
            CallEvent::Prompt { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["status", "offer"]);
}

#[test]
fn the_caller_hanging_up_ends_the_call() {
    let mut h = Harness::start(OPEN, None);
    let ev = events(&h.send(Input::Hangup));
    assert_eq!(
        ev,
        [CallEvent::Hangup {
            reason: "caller".into()
        }]
    );
    assert!(h.call.is_ended());
    assert!(h.send(Input::Dtmf { digits: "1".into() }).is_empty());
    assert_eq!(h.call.next_deadline(), None);
}

#[test]
fn a_minute_long_call_runs_deterministically() {
    let run = || {
        let mut h = Harness::start(OPEN, Some("+12025550143"));
        for _ in 0..2 {
            h.finish_prompts();
            h.silence();
        }
        h.finish_prompts();
        h.say("how much money do I have");
        h.finish_prompts();
        h.say("one two three four");
        h.send(Input::LookupResult {
            result: Ok(serde_json::json!({ "case": { "status": "Approved" } })),
        });
        h.finish_prompts();
        h.say("no");
        h.finish_prompts();
        assert!(h.call.is_ended());
        (h.events(), h.now)
    };
    let (first, end) = run();
    let (second, _) = run();
    assert_eq!(first, second);
    assert!(end.duration_since(OPEN.parse().unwrap()) > jiff::SignedDuration::from_secs(15));
}

#[test]
fn a_loop_decided_by_variables_is_stopped() {
    // The checker cannot see that `spin` always goes back to `check`; the call must not hang.
    let flow = FLOW
        .replace("start: menu", "start: check")
        .replace(
            "  end:\n",
            "  check:\n    branch:\n      cases:\n        - when: { var: status_url, is_set: true }\n          goto: spin\n      otherwise: bye\n  spin:\n    set: { vars: { status_url: again }, next: check }\n  end:\n",
        );
    let (flow, _) = Flow::from_source(&flow).unwrap();
    let now: jiff::Timestamp = OPEN.parse().unwrap();
    let mut call = Call::new(Arc::new(flow), CallInfo::default(), now);
    let mut outputs = Vec::new();
    while let Some(o) = call.poll_output() {
        outputs.push(o);
    }
    assert!(call.is_ended());
    assert_eq!(
        events(&outputs).last(),
        Some(&CallEvent::Hangup {
            reason: "flow_loop".into()
        })
    );
    assert!(actions(&outputs).contains(&Action::Hangup {
        reason: "flow_loop".into()
    }));
}

fn languages_set(events: &[CallEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            CallEvent::Language { lang } => Some(lang.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn ingles_said_on_an_english_call_changes_nothing() {
    // "inglés" is a Spanish word: the language it names decides, not the language it is in.
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let ev = events(&h.say("inglés"));
    assert_eq!(intent(&ev).as_deref(), Some("english"));
    assert_eq!(languages_set(&ev), Vec::<String>::new());
}

#[test]
fn ingles_said_on_a_spanish_call_switches_once() {
    let mut h = Harness::start_flow(FLOW, OPEN, None, Some("es-US"));
    h.finish_prompts();
    let out = h.say("inglés");
    assert_eq!(languages_set(&events(&out)), ["en-US"]);
    let switches: Vec<Action> = actions(&out)
        .into_iter()
        .filter(|a| matches!(a, Action::SetLanguage { .. }))
        .collect();
    assert_eq!(switches.len(), 1, "{switches:?}");
}

/// Every branch test, `set`, a GET lookup, transfers to SIP URIs and a question that cannot be
/// interrupted.
const ROUTING_FLOW: &str = r#"languages: [en-US, es-US]
default_language: en-US
timezone: America/New_York
start: by_language
variables:
  tier: basic
  api: "http://127.0.0.1:9/api"
prompts:
  notice: { text: { en-US: "Calls are recorded.", es-US: "Las llamadas se graban." } }
  which: { text: { en-US: "Which desk?", es-US: "¿Qué oficina?" } }
  vip: { text: { en-US: "Hello {name}, {tier} member.", es-US: "Hola {name}, miembro {tier}." } }
intents:
  desk: { dtmf: "1", examples: { en-US: ["front desk"], es-US: ["recepción"] } }
states:
  by_language:
    branch:
      cases:
        - when: { language: es-US }
          goto: spanish_desk
      otherwise: by_caller
  spanish_desk:
    transfer: { uri: "sip:recepcion@127.0.0.1:5080", on_failure: end }
  by_caller:
    branch:
      cases:
        - when: { caller_known: false }
          goto: end
        - when: { caller_prefix: "+1212" }
          goto: upgrade
      otherwise: by_tier
  upgrade:
    set: { vars: { tier: gold, name: "caller {caller}" }, next: by_tier }
  by_tier:
    branch:
      cases:
        - when: { var: tier, equals: basic }
          goto: menu
        - when: { var: tier, not_equals: basic }
          goto: find_name
      otherwise: end
  find_name:
    lookup:
      name: profile
      url: "{api}/profile?tier={tier}"
      timeout_ms: 1000
      result: { name: /name }
      next: greet
      on_failure: greet
  greet:
    say: { prompts: [vip], next: menu }
  menu:
    ask:
      prompts: [notice, which]
      intents: { desk: desk }
      barge_in: false
      no_input: { then: end }
      no_match: { then: end }
  desk:
    transfer: { uri: "sip:desk@127.0.0.1:5080", on_failure: end }
  end:
    hangup: { reason: no_route }
"#;

fn routed(caller: Option<&str>, language: Option<&str>) -> Harness {
    Harness::start_flow(ROUTING_FLOW, OPEN, caller, language)
}

#[test]
fn a_branch_on_the_language_sends_spanish_callers_to_a_sip_uri() {
    let h = routed(Some("+12025550143"), Some("es-US"));
    let ev = h.events();
    assert_eq!(states(&ev), ["by_language", "spanish_desk"]);
    assert!(ev.contains(&CallEvent::Transfer {
        queue: None,
        uri: Some("sip:recepcion@127.0.0.1:5080".into())
    }));
    assert!(
        actions(&h.log).contains(&Action::Transfer(TransferTarget::Uri(
            "sip:recepcion@127.0.0.1:5080".into()
        )))
    );
}

#[test]
fn a_withheld_caller_id_is_an_unknown_caller() {
    let h = routed(None, None);
    assert_eq!(
        states(&h.events()),
        ["by_language", "by_caller", "end"],
        "caller_known: false"
    );
    let h = routed(Some(""), None);
    assert_eq!(states(&h.events()).last().map(String::as_str), Some("end"));
}

#[test]
fn only_a_vouched_for_number_is_a_verified_caller() {
    let flow = ROUTING_FLOW.replace("caller_known: false", "caller_verified: false");
    let call = |verified: bool| {
        let info = CallInfo {
            call_id: "test".into(),
            caller: Some("+12125550143".into()),
            caller_verified: verified,
            called: None,
            language: None,
        };
        states(&Harness::start_call(&flow, OPEN, info).events())
    };
    assert_eq!(call(false), ["by_language", "by_caller", "end"]);
    assert_eq!(call(true)[..3], ["by_language", "by_caller", "upgrade"]);
}

#[test]
fn a_variable_equal_to_its_value_takes_that_case() {
    let h = routed(Some("+12025550143"), None);
    assert_eq!(
        states(&h.events()),
        ["by_language", "by_caller", "by_tier", "menu"]
    );
}

#[test]
fn a_caller_prefix_matches_the_number_however_it_was_written() {
    for caller in ["+12125550143", "2125550143", "1 (212) 555-0143"] {
        let h = routed(Some(caller), None);
        assert_eq!(
            states(&h.events())[..4],
            ["by_language", "by_caller", "upgrade", "by_tier"],
            "{caller}"
        );
    }
}

#[test]
fn set_variables_are_templates_and_not_equals_sees_them() {
    let mut h = routed(Some("+12125550143"), None);
    let ev = h.events();
    assert_eq!(
        states(&ev),
        [
            "by_language",
            "by_caller",
            "upgrade",
            "by_tier",
            "find_name"
        ]
    );
    let lookup = actions(&h.log)
        .into_iter()
        .find(|a| matches!(a, Action::Lookup { .. }))
        .unwrap();
    assert_eq!(
        lookup,
        Action::Lookup {
            name: "profile".into(),
            method: HttpMethod::Get,
            url: "http://127.0.0.1:9/api/profile?tier=gold".into(),
            body: None,
            timeout_ms: 1000,
        }
    );
    // The lookup fails: `name` keeps the value `set` rendered from the caller's number.
    let ev = events(&h.send(Input::LookupResult {
        result: Err("connection refused".into()),
    }));
    assert!(ev.contains(&CallEvent::Prompt {
        id: "vip".into(),
        lang: "en-US".into(),
        text: "Hello caller +12125550143, gold member.".into()
    }));
}

#[test]
fn a_get_lookup_fills_variables_from_the_json_answer() {
    let mut h = routed(Some("+12125550143"), None);
    let ev = events(&h.send(Input::LookupResult {
        result: Ok(serde_json::json!({ "name": "Ana" })),
    }));
    assert!(ev.contains(&CallEvent::Lookup {
        name: "profile".into(),
        ok: true
    }));
    assert!(ev.contains(&CallEvent::Prompt {
        id: "vip".into(),
        lang: "en-US".into(),
        text: "Hello Ana, gold member.".into()
    }));
}

#[test]
fn without_barge_in_speech_does_not_cut_the_prompt() {
    let mut h = routed(Some("+12025550143"), None);
    let plays: Vec<bool> = actions(&h.log)
        .iter()
        .filter_map(|a| match a {
            Action::Play { barge_in, .. } => Some(*barge_in),
            _ => None,
        })
        .collect();
    assert_eq!(plays, [false, false]);
    let out = h.send(Input::SpeechStarted);
    assert!(!actions(&out).contains(&Action::StopPlayback), "{out:?}");
    h.finish_prompts();
    let out = h.say("front desk");
    assert!(events(&out).contains(&CallEvent::Transfer {
        queue: None,
        uri: Some("sip:desk@127.0.0.1:5080".into())
    }));
}

#[test]
fn a_transfer_to_a_queue_off_its_schedule_falls_back_at_once() {
    // Skipping the flow's own `open:` check: the queue's schedule still decides.
    let flow = FLOW.replace(
        "goto: connect\n      otherwise: callback",
        "goto: connect\n      otherwise: connect",
    );
    let mut h = Harness::start_flow(&flow, CLOSED, Some("+12025550143"), None);
    let out = h.say("talk to an agent");
    let ev = events(&out);
    assert!(
        !ev.iter().any(|e| matches!(e, CallEvent::Transfer { .. })),
        "{ev:?}"
    );
    assert!(
        !actions(&out)
            .iter()
            .any(|a| matches!(a, Action::Transfer(_)))
    );
    assert_eq!(states(&ev), ["agent", "connect", "callback"]);
}

/// `Call::completeness` of a speculative transcript (confidence 0.9, no other readings).
fn completeness(h: &Harness, text: &str) -> Completeness {
    h.call.completeness(text, 0.9, None, &[])
}

#[test]
fn words_that_decide_the_state_are_complete() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    assert_eq!(completeness(&h, "check my balance"), Completeness::Complete);
    assert_eq!(
        completeness(&h, "hablar con un agente"),
        Completeness::Complete
    );
    // Understood only through another reading: still decided.
    let other = [Alternative {
        text: "how much money do I have".into(),
        confidence: 0.8,
        lang: None,
    }];
    assert_eq!(
        h.call
            .completeness("how much honey do I have", 0.9, None, &other),
        Completeness::Complete
    );
    // Judging changes nothing: the call still waits for the real result.
    assert!(h.call.poll_output().is_none());
}

#[test]
fn words_that_stop_mid_sentence_are_unfinished() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    assert_eq!(
        completeness(&h, "I want to check my"),
        Completeness::Unfinished
    );
    assert_eq!(
        completeness(&h, "quiero hablar con..."),
        Completeness::Unfinished
    );
    assert_eq!(completeness(&h, "the weather today"), Completeness::Open);
    assert_eq!(completeness(&h, ""), Completeness::Open);
    // Too unsure to decide anything.
    assert_eq!(
        h.call.completeness("check my balance", 0.2, None, &[]),
        Completeness::Open
    );
}

#[test]
fn a_slot_value_is_complete_only_when_whole() {
    let mut h = Harness::start(OPEN, None);
    h.send(Input::Dtmf { digits: "1".into() });
    h.finish_prompts();
    // The PIN is four digits.
    assert_eq!(completeness(&h, "one two"), Completeness::Unfinished);
    assert_eq!(
        completeness(&h, "my pin is 1 2 3"),
        Completeness::Unfinished
    );
    assert_eq!(
        completeness(&h, "one two three four"),
        Completeness::Complete
    );
    // No digits at all may still be an intent of the flow.
    assert_eq!(completeness(&h, "talk to an agent"), Completeness::Complete);
}

#[test]
fn outside_an_ask_state_nothing_is_complete() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    h.say("talk to an agent");
    assert_eq!(completeness(&h, "check my balance"), Completeness::Open);
}

#[test]
fn speech_that_is_never_recognized_is_a_no_match() {
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    h.send(Input::SpeechStarted);
    h.after_ms(4000);
    let ev = events(&h.send(Input::NotRecognized { waited_ms: 4000 }));
    assert_eq!(
        ev[..2],
        [
            CallEvent::NotRecognized { waited_ms: 4000 },
            CallEvent::Nomatch { count: 1 }
        ]
    );
    assert!(ev.contains(&CallEvent::Prompt {
        id: "sorry".into(),
        lang: "en-US".into(),
        text: "Sorry.".into()
    }));
}

/// FLOW with a clarifying question and labels for two intents.
fn clarifying_flow() -> String {
    FLOW.replace(
        "  bye: { text: { en-US: \"Bye.\", es-US: \"Adiós.\" } }\n",
        "  bye: { text: { en-US: \"Bye.\", es-US: \"Adiós.\" } }\n  clarify: { text: { en-US: \"Did you mean {choice_1}, or {choice_2}?\", es-US: \"¿Quiso decir {choice_1} o {choice_2}?\" } }\n",
    )
    .replace(
        "  balance: { dtmf: \"1\", examples:",
        "  balance: { dtmf: \"1\", label: { en-US: \"your balance\", es-US: \"su saldo\" }, examples:",
    )
    .replace(
        "  agent: { dtmf: \"0\", examples:",
        "  agent: { dtmf: \"0\", label: { en-US: \"an agent\", es-US: \"un agente\" }, examples:",
    )
    .replace("ask_defaults:\n", "ask_defaults:\n  clarify: clarify\n")
}

#[test]
fn a_close_call_between_two_labeled_intents_asks_which_one() {
    let mut h = Harness::start_flow(&clarifying_flow(), OPEN, None, None);
    h.finish_prompts();
    let out = h.say("check my balance or talk to an agent");
    let ev = events(&out);
    assert!(
        ev.contains(&CallEvent::Clarify {
            first: "balance".into(),
            second: "agent".into()
        }) || ev.contains(&CallEvent::Clarify {
            first: "agent".into(),
            second: "balance".into()
        }),
        "{ev:#?}"
    );
    assert!(!ev.iter().any(|e| matches!(e, CallEvent::Nomatch { .. })));
    let asked = ev.iter().find_map(|e| match e {
        CallEvent::Prompt { id, text, .. } if id == "clarify" => Some(text.clone()),
        _ => None,
    });
    let asked = asked.unwrap_or_else(|| panic!("no clarify prompt: {ev:#?}"));
    assert!(
        asked.contains("your balance") && asked.contains("an agent"),
        "{asked}"
    );
    // The answer is matched against the two offered intents.
    h.finish_prompts();
    let ev = events(&h.say("the balance"));
    assert!(
        ev.iter()
            .any(|e| matches!(e, CallEvent::Intent { name, .. } if name == "balance")),
        "{ev:#?}"
    );
    assert!(ev.contains(&CallEvent::State {
        name: "ask_pin".into()
    }));
}

#[test]
fn a_second_close_call_or_no_labels_is_a_no_match() {
    // Asked once; the same two-topic answer again is not asked about twice.
    let mut h = Harness::start_flow(&clarifying_flow(), OPEN, None, None);
    h.finish_prompts();
    h.say("check my balance or talk to an agent");
    h.finish_prompts();
    let ev = events(&h.say("check my balance or talk to an agent"));
    assert!(ev.contains(&CallEvent::Nomatch { count: 1 }), "{ev:#?}");
    assert!(!ev.iter().any(|e| matches!(e, CallEvent::Clarify { .. })));
    // The flow without labels: a close call is a no-match, as before.
    let mut h = Harness::start(OPEN, None);
    h.finish_prompts();
    let ev = events(&h.say("check my balance or talk to an agent"));
    assert!(ev.contains(&CallEvent::Nomatch { count: 1 }), "{ev:#?}");
}
