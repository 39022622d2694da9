//! One phone call running a flow.

use super::ask_turn::{AskTurn, HeardSpeech};
use super::conditions::{Facts, holds};
use super::contact::{is_valid_email, normalize_phone};
use super::io::{Action, CallEvent, CallInfo, Escalated, Input, Output, TransferTarget};
use crate::flow::Flow;
use crate::schema::{At, Channel, HttpMethod, IdMap, StateSpec};
use crate::template;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// States entered without waiting for anything before the flow is declared stuck. The checker
/// rejects loops it can see; this stops the rest (e.g. a branch loop decided by variables).
const MAX_HOPS: usize = 64;
/// How long past its own timeout a lookup may take before the call stops waiting for it.
const LOOKUP_GRACE_MS: i64 = 1000;

pub struct Call {
    pub(super) flow: Arc<Flow>,
    pub(super) info: CallInfo,
    pub(super) started: jiff::Timestamp,
    pub(super) language: String,
    pub(super) vars: HashMap<String, String>,
    pub(super) phase: Phase,
    out: VecDeque<Output>,
    next_play_id: u64,
    /// Prompts played since the caller last answered: what "repeat" plays again.
    pub(super) heard: Vec<String>,
}

pub(super) enum Phase {
    Idle,
    Saying {
        state: String,
        pending: Vec<u64>,
    },
    Asking(Box<AskTurn>),
    Waiting {
        state: String,
        deadline: Option<jiff::Timestamp>,
    },
    Ended,
}

impl Call {
    /// Answers the call: sets the built-in variables and enters the flow's start state.
    pub fn new(flow: Arc<Flow>, info: CallInfo, now: jiff::Timestamp) -> Call {
        let spec = &flow.spec;
        let language = info
            .language
            .clone()
            .filter(|l| spec.languages.iter().any(|d| d.value == *l))
            .unwrap_or_else(|| spec.default_language.value.clone());
        let mut vars: HashMap<String, String> = spec
            .variables
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect();
        vars.insert("caller".into(), info.caller.clone().unwrap_or_default());
        let verified = if info.caller_verified {
            "true"
        } else {
            "false"
        };
        vars.insert("caller_verified".into(), verified.into());
        vars.insert("called".into(), info.called.clone().unwrap_or_default());
        vars.insert("call_id".into(), info.call_id.clone());
        vars.insert("language".into(), language.clone());
        let start = spec.start.value.clone();
        let mut call = Call {
            flow,
            info,
            started: now,
            language,
            vars,
            phase: Phase::Idle,
            out: VecDeque::new(),
            next_play_id: 1,
            heard: Vec::new(),
        };
        call.goto(&start, now);
        call
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When to hand in `Input::Timeout` next, if anything is timed.
    pub fn next_deadline(&self) -> Option<jiff::Timestamp> {
        match &self.phase {
            Phase::Asking(turn) => turn.deadline(),
            Phase::Waiting { deadline, .. } => *deadline,
            _ => None,
        }
    }

    pub fn is_ended(&self) -> bool {
        matches!(self.phase, Phase::Ended)
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    pub fn started(&self) -> jiff::Timestamp {
        self.started
    }

    pub fn variable(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    pub fn handle(&mut self, input: Input, now: jiff::Timestamp) {
        if self.is_ended() {
            return;
        }
        match input {
            Input::Hangup => {
                self.out.push_back(Output::Action(Action::StopListening));
                self.end_with_event("caller");
            }
            Input::PromptFinished { play_id } => self.prompt_finished(play_id, now),
            Input::SpeechStarted => self.with_turn(|call, turn| call.ask_speech_started(turn)),
            Input::Utterance {
                text,
                confidence,
                lang,
                latency_ms,
                alternatives,
            } => {
                if matches!(self.phase, Phase::Asking(_)) {
                    let heard = HeardSpeech {
                        text,
                        confidence,
                        lang,
                        latency_ms,
                        alternatives,
                    };
                    self.ask_utterance(heard, now);
                }
            }
            Input::NotRecognized { waited_ms } => {
                if matches!(self.phase, Phase::Asking(_)) {
                    self.ask_not_recognized(waited_ms, now);
                }
            }
            Input::Dtmf { digits } => {
                if matches!(self.phase, Phase::Asking(_)) {
                    self.ask_dtmf(&digits, now);
                }
            }
            Input::Timeout => self.timeout(now),
            Input::LookupResult { result } => self.lookup_result(result, now),
            Input::NotifyResult { ok } => self.resume(
                ok,
                |s| match s {
                    StateSpec::Notify(n) => Some((&n.next, &n.on_failure)),
                    _ => None,
                },
                now,
            ),
            Input::CallbackResult { ok } => self.resume(
                ok,
                |s| match s {
                    StateSpec::Callback(c) => Some((&c.next, &c.on_failure)),
                    _ => None,
                },
                now,
            ),
            Input::EscalateResult { recorded } => self.escalate_result(recorded, now),
            Input::TransferResult { ok } => {
                if ok {
                    if self
                        .waiting_for(|s| matches!(s, StateSpec::Transfer(_)))
                        .is_some()
                    {
                        // Connected: the call now belongs to the queue or the far end.
                        self.phase = Phase::Ended;
                    }
                } else {
                    self.resume(
                        false,
                        |s| match s {
                            StateSpec::Transfer(t) => Some((&t.on_failure, &t.on_failure)),
                            _ => None,
                        },
                        now,
                    );
                }
            }
        }
    }

    fn with_turn(&mut self, f: impl FnOnce(&mut Call, &mut AskTurn)) {
        if let Phase::Asking(mut turn) = std::mem::replace(&mut self.phase, Phase::Idle) {
            f(self, &mut turn);
            if matches!(self.phase, Phase::Idle) {
                self.phase = Phase::Asking(turn);
            }
        }
    }

    fn prompt_finished(&mut self, play_id: u64, now: jiff::Timestamp) {
        match &mut self.phase {
            Phase::Saying { state, pending } => {
                pending.retain(|id| *id != play_id);
                if pending.is_empty() {
                    let state = state.clone();
                    if let Some(StateSpec::Say(say)) = self.state_spec(&state) {
                        let next = say.next.value.clone();
                        self.goto(&next, now);
                    }
                }
            }
            Phase::Asking(turn) => turn.prompt_finished(play_id, now),
            _ => {}
        }
    }

    fn timeout(&mut self, now: jiff::Timestamp) {
        match &self.phase {
            Phase::Asking(turn) if turn.deadline().is_some_and(|d| d <= now) => {
                self.ask_timeout(now);
            }
            Phase::Waiting {
                deadline: Some(d), ..
            } if *d <= now => self.lookup_result(Err("timed out".into()), now),
            _ => {}
        }
    }

    pub(super) fn state_spec(&self, name: &str) -> Option<&StateSpec> {
        self.flow.spec.states.get(name).map(|s| &s.value)
    }

    /// The state being waited on, if it matches.
    fn waiting_for(&self, is: impl Fn(&StateSpec) -> bool) -> Option<String> {
        match &self.phase {
            Phase::Waiting { state, .. } if self.state_spec(state).is_some_and(is) => {
                Some(state.clone())
            }
            _ => None,
        }
    }

    fn resume(
        &mut self,
        ok: bool,
        targets: impl Fn(&StateSpec) -> Option<(&At<String>, &At<String>)>,
        now: jiff::Timestamp,
    ) {
        let Phase::Waiting { state, .. } = &self.phase else {
            return;
        };
        let flow = Arc::clone(&self.flow);
        let Some((next, failure)) = flow.spec.states.get(state).and_then(|s| targets(&s.value))
        else {
            return;
        };
        let target = if ok { next } else { failure };
        self.goto(&target.value, now);
    }

    /// Enters `state` and follows every transition that needs no waiting.
    pub(super) fn goto(&mut self, state: &str, now: jiff::Timestamp) {
        let mut target = state.to_string();
        for _ in 0..MAX_HOPS {
            match self.enter(&target, now) {
                Some(next) => target = next,
                None => return,
            }
        }
        self.hang_up("flow_loop");
    }

    /// Runs a state's entry; returns the next state when it does not wait.
    fn enter(&mut self, name: &str, now: jiff::Timestamp) -> Option<String> {
        let flow = Arc::clone(&self.flow);
        let Some(state) = flow.spec.states.get(name) else {
            self.hang_up("undefined_state");
            return None;
        };
        self.phase = Phase::Idle;
        self.event(CallEvent::State { name: name.into() });
        match &state.value {
            StateSpec::Say(say) => {
                let pending = say
                    .prompts
                    .iter()
                    .map(|p| self.play(&p.value, false))
                    .collect();
                self.phase = Phase::Saying {
                    state: name.into(),
                    pending,
                };
                None
            }
            StateSpec::Ask(_) => {
                self.start_ask(name, now);
                None
            }
            StateSpec::Branch(branch) => {
                let facts = Facts {
                    flow: &flow,
                    vars: &self.vars,
                    language: &self.language,
                    caller: self.info.caller.as_deref(),
                    caller_verified: self.info.caller_verified,
                    now,
                };
                let case = branch.cases.iter().find(|c| holds(&c.when.value, &facts));
                Some(case.map_or(&branch.otherwise, |c| &c.goto).value.clone())
            }
            StateSpec::Set(set) => {
                let values: Vec<(String, String)> = set
                    .vars
                    .iter()
                    .map(|(k, v)| (k.value.clone(), self.render(&v.value)))
                    .collect();
                self.vars.extend(values);
                Some(set.next.value.clone())
            }
            StateSpec::Lookup(lookup) => {
                let url = template::render_url(&lookup.url.value, &self.vars);
                let body =
                    (lookup.method == HttpMethod::Post).then(|| self.render_object(&lookup.body));
                self.action(Action::Lookup {
                    name: lookup.name.value.clone(),
                    method: lookup.method,
                    url,
                    body,
                    timeout_ms: lookup.timeout_ms.value,
                });
                let wait = jiff::SignedDuration::from_millis(
                    i64::try_from(lookup.timeout_ms.value).unwrap_or(i64::MAX / 2)
                        + LOOKUP_GRACE_MS,
                );
                self.phase = Phase::Waiting {
                    state: name.into(),
                    deadline: now.checked_add(wait).ok(),
                };
                None
            }
            StateSpec::Notify(notify) => {
                let raw_to = self.render(&notify.to.value);
                let to = match notify.channel.value {
                    Channel::Sms => normalize_phone(&raw_to),
                    Channel::Email => Some(raw_to.trim().to_string()).filter(|a| is_valid_email(a)),
                };
                let template = flow.spec.templates.get(&notify.template.value);
                let (Some(to), Some(template)) = (to, template) else {
                    return Some(notify.on_failure.value.clone());
                };
                let lang = self.language.clone();
                let (subject, body) = match notify.channel.value {
                    Channel::Sms => (
                        None,
                        template
                            .sms
                            .as_ref()
                            .and_then(|t| t.value.get(&lang))
                            .map(|t| self.render(&t.value)),
                    ),
                    Channel::Email => {
                        let email = template.email.as_ref().map(|e| &e.value);
                        (
                            email
                                .and_then(|e| e.subject.get(&lang))
                                .map(|t| self.render(&t.value)),
                            email
                                .and_then(|e| e.body.get(&lang))
                                .map(|t| self.render(&t.value)),
                        )
                    }
                };
                let Some(body) = body else {
                    return Some(notify.on_failure.value.clone());
                };
                self.event(CallEvent::Notify {
                    channel: notify.channel.value,
                    template: notify.template.value.clone(),
                    to: to.clone(),
                });
                self.action(Action::Notify {
                    channel: notify.channel.value,
                    template: notify.template.value.clone(),
                    lang,
                    to,
                    subject,
                    body,
                });
                self.wait_for_result(name);
                None
            }
            StateSpec::Callback(callback) => {
                let raw = match &callback.number {
                    Some(n) => self.render(&n.value),
                    None => self.info.caller.clone().unwrap_or_default(),
                };
                let queue = self.pick_queue(&callback.queue, &callback.queue_by_language);
                let (Some(number), Some(queue)) = (normalize_phone(&raw), queue) else {
                    return Some(callback.on_failure.value.clone());
                };
                self.event(CallEvent::Callback {
                    queue: queue.clone(),
                });
                self.action(Action::Callback {
                    queue,
                    number,
                    lang: self.language.clone(),
                });
                self.wait_for_result(name);
                None
            }
            StateSpec::Escalate(escalate) => {
                let email = self.render(&escalate.email.value).trim().to_string();
                let lang = self.language.clone();
                let template = flow
                    .spec
                    .templates
                    .get(&escalate.template.value)
                    .and_then(|t| t.email.as_ref())
                    .and_then(|e| Some((e.value.subject.get(&lang)?, e.value.body.get(&lang)?)));
                let Some((subject, body)) = template.filter(|_| is_valid_email(&email)) else {
                    return Some(escalate.on_failure.value.clone());
                };
                self.event(CallEvent::Escalate {
                    template: escalate.template.value.clone(),
                });
                self.action(Action::Escalate {
                    topic: self.render(&escalate.topic.value),
                    email,
                    lang,
                    template: escalate.template.value.clone(),
                    subject: subject.value.clone(),
                    body: body.value.clone(),
                    vars: self
                        .vars
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                });
                self.wait_for_result(name);
                None
            }
            StateSpec::Transfer(transfer) => {
                let target = match (
                    &transfer.uri,
                    self.pick_queue(&transfer.queue, &transfer.queue_by_language),
                ) {
                    (Some(uri), _) => TransferTarget::Uri(self.render(&uri.value)),
                    // A queue off its schedule takes no calls: fall back at once rather than
                    // hand the engine a caller nobody will answer.
                    (None, Some(queue)) if !self.queue_open(&queue, now) => {
                        return Some(transfer.on_failure.value.clone());
                    }
                    (None, Some(queue)) => TransferTarget::Queue(queue),
                    (None, None) => return Some(transfer.on_failure.value.clone()),
                };
                let (queue, uri) = match &target {
                    TransferTarget::Queue(q) => (Some(q.clone()), None),
                    TransferTarget::Uri(u) => (None, Some(u.clone())),
                };
                self.event(CallEvent::Transfer { queue, uri });
                self.action(Action::Transfer(target));
                self.wait_for_result(name);
                None
            }
            StateSpec::Hangup(hangup) => {
                let reason = hangup.reason.clone().unwrap_or_else(|| "completed".into());
                self.hang_up(&reason);
                None
            }
        }
    }

    fn wait_for_result(&mut self, state: &str) {
        self.phase = Phase::Waiting {
            state: state.into(),
            deadline: None,
        };
    }

    /// A queue without a schedule is always open.
    fn queue_open(&self, queue: &str, now: jiff::Timestamp) -> bool {
        self.flow
            .spec
            .queues
            .get(queue)
            .and_then(|q| q.schedule.as_ref())
            .is_none_or(|schedule| self.flow.is_open(&schedule.value, now))
    }

    fn pick_queue(
        &self,
        queue: &Option<At<String>>,
        by_language: &IdMap<At<String>>,
    ) -> Option<String> {
        queue
            .as_ref()
            .or_else(|| by_language.get(&self.language))
            .map(|q| q.value.clone())
    }

    fn escalate_result(&mut self, recorded: Option<Escalated>, now: jiff::Timestamp) {
        let Phase::Waiting { state, .. } = &self.phase else {
            return;
        };
        let flow = Arc::clone(&self.flow);
        let Some(StateSpec::Escalate(escalate)) = flow.spec.states.get(state).map(|s| &s.value)
        else {
            return;
        };
        let next = match recorded {
            Some(escalated) => {
                self.vars.extend(escalated.variables());
                &escalate.next
            }
            None => &escalate.on_failure,
        };
        self.goto(&next.value, now);
    }

    fn lookup_result(&mut self, result: Result<serde_json::Value, String>, now: jiff::Timestamp) {
        let Phase::Waiting { state, .. } = &self.phase else {
            return;
        };
        let flow = Arc::clone(&self.flow);
        let Some(StateSpec::Lookup(lookup)) = flow.spec.states.get(state).map(|s| &s.value) else {
            return;
        };
        // Every mapped field must be there: a half-filled answer would read out gaps.
        let values: Option<Vec<(String, String)>> = result.ok().and_then(|json| {
            lookup
                .result
                .iter()
                .map(|(var, pointer)| {
                    json.pointer(&pointer.value)
                        .and_then(json_text)
                        .map(|v| (var.value.clone(), v))
                })
                .collect()
        });
        let ok = values.is_some();
        self.event(CallEvent::Lookup {
            name: lookup.name.value.clone(),
            ok,
        });
        if let Some(values) = values {
            self.vars.extend(values);
        }
        let next = if ok { &lookup.next } else { &lookup.on_failure };
        self.goto(&next.value, now);
    }

    pub(super) fn render(&self, text: &str) -> String {
        template::render(text, &self.vars, template::plain)
    }

    fn render_object(&self, fields: &IdMap<At<String>>) -> serde_json::Value {
        let map = fields
            .iter()
            .map(|(k, v)| {
                (
                    k.value.clone(),
                    serde_json::Value::String(self.render(&v.value)),
                )
            })
            .collect();
        serde_json::Value::Object(map)
    }

    /// Queues a prompt for playing in the call's language; returns its play id.
    pub(super) fn play(&mut self, prompt: &str, barge_in: bool) -> u64 {
        let play_id = self.next_play_id;
        self.next_play_id += 1;
        let flow = Arc::clone(&self.flow);
        let spec = flow.spec.prompts.get(prompt);
        let text = spec
            .and_then(|p| p.text.get(&self.language))
            .map(|t| self.render(&t.value))
            .unwrap_or_default();
        let audio = spec
            .and_then(|p| p.audio.get(&self.language))
            .map(|a| a.value.clone());
        self.heard.push(prompt.to_string());
        self.event(CallEvent::Prompt {
            id: prompt.into(),
            lang: self.language.clone(),
            text: text.clone(),
        });
        self.action(Action::Play {
            play_id,
            prompt: prompt.into(),
            lang: self.language.clone(),
            text,
            audio,
            barge_in,
        });
        play_id
    }

    pub(super) fn set_language(&mut self, lang: &str) {
        if lang == self.language {
            return;
        }
        self.language = lang.to_string();
        self.vars.insert("language".into(), lang.to_string());
        self.action(Action::SetLanguage { lang: lang.into() });
        self.event(CallEvent::Language { lang: lang.into() });
    }

    pub(super) fn hang_up(&mut self, reason: &str) {
        self.action(Action::StopListening);
        self.action(Action::Hangup {
            reason: reason.into(),
        });
        self.end_with_event(reason);
    }

    fn end_with_event(&mut self, reason: &str) {
        self.event(CallEvent::Hangup {
            reason: reason.into(),
        });
        self.phase = Phase::Ended;
    }

    pub(super) fn action(&mut self, action: Action) {
        self.out.push_back(Output::Action(action));
    }

    pub(super) fn event(&mut self, event: CallEvent) {
        self.out.push_back(Output::Event(event));
    }
}

fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
