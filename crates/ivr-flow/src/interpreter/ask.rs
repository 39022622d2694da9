//! The `ask` state: prompts, listening, and deciding what the caller's words or keys mean.

use super::ask_turn::{AskTurn, HeardSpeech};
use super::call::{Call, Phase};
use super::io::{Action, Alternative, CallEvent, ListenParams};
use crate::schema::{AskSpec, RetryPolicy};
use crate::text::{
    IntentScore, MatchDecision, MatchPolicy, SlotType, detect_language, slot_from_speech,
    slot_phrases,
};
use std::sync::Arc;

const DEFAULT_NO_INPUT_MS: u64 = 5000;
const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// A speech match this sure, in another language than the call's, switches the call's language
/// even when the words alone do not show which language they are.
const SWITCH_ON_SCORE: f32 = 0.9;

/// How much better the words must fit another language's examples than the recognizer's
/// language to overrule the recognizer's language identification. Small on purpose: it only
/// has to separate a word-for-word example (1.0) from a lookalike spelling ("agente" against
/// English "agent" scores 0.925), while words both languages share score equal and never switch.
const LANGUAGE_EVIDENCE_MARGIN: f32 = 0.05;
/// An alternative reading is tried only if it is at least this likely relative to the first
/// (confidences are geometric means of token probabilities: 0.6 is about 0.5 nats per token).
/// Measured on the fixtures: the right reading, when not first, was within 0.2-0.3 nats.
const ALTERNATIVE_RATIO: f32 = 0.6;

/// What the caller's turn amounted to.
pub(super) enum Outcome {
    Intent {
        name: String,
        score: f32,
        lang: Option<String>,
    },
    Slot(String),
    /// Two intents fit about equally and both can be named: ask which one.
    Ambiguous([String; 2]),
    NoMatch,
    NoInput,
}

impl Call {
    /// Enters an ask state: plays its prompts and starts listening.
    pub(super) fn start_ask(&mut self, state: &str, now: jiff::Timestamp) {
        let flow = Arc::clone(&self.flow);
        let Some(ask) = current_ask(&flow, state) else {
            return;
        };
        let defaults = &flow.spec.ask_defaults;
        let turn = AskTurn {
            state: state.into(),
            pending: Vec::new(),
            no_input_at: None,
            no_input_ms: ask
                .no_input_timeout_ms
                .as_ref()
                .or(defaults.no_input_timeout_ms.as_ref())
                .map_or(DEFAULT_NO_INPUT_MS, |t| t.value),
            speaking: false,
            barge_in: ask.barge_in.or(defaults.barge_in).unwrap_or(true),
            no_inputs: 0,
            no_matches: 0,
            keys: String::new(),
            keys_deadline: None,
            choices: None,
        };
        let prompts: Vec<String> = ask.prompts.iter().map(|p| p.value.clone()).collect();
        self.prompt_and_listen(turn, &prompts, now);
    }

    /// Plays `prompts` and (re)starts listening in the turn's state.
    fn prompt_and_listen(&mut self, mut turn: AskTurn, prompts: &[String], now: jiff::Timestamp) {
        turn.pending = prompts
            .iter()
            .map(|p| self.play(p, turn.barge_in))
            .collect();
        turn.speaking = false;
        turn.keys.clear();
        turn.keys_deadline = None;
        turn.no_input_at = None;
        if turn.pending.is_empty() {
            turn.start_no_input_timer(now);
        }
        let params = self.listen_params(&turn);
        self.action(Action::Listen(params));
        self.event(CallEvent::Listen {
            state: turn.state.clone(),
        });
        self.phase = Phase::Asking(Box::new(turn));
    }

    fn listen_params(&self, turn: &AskTurn) -> ListenParams {
        let flow = &self.flow;
        let ask = current_ask(flow, &turn.state);
        let candidates = ask.map(|a| self.candidates(a)).unwrap_or_default();
        let slot = ask.and_then(|a| self.slot_type(a));
        // The slot's own words first: they are what the state asks for.
        let phrases_in = |lang: &str| -> Vec<String> {
            let slot_words = slot.map_or(&[][..], |s| slot_phrases(s, lang));
            slot_words
                .iter()
                .map(|w| w.to_string())
                .chain(
                    candidates
                        .iter()
                        .filter_map(|intent| flow.spec.intents.get(intent))
                        .filter_map(|i| i.examples.get(lang))
                        .flat_map(|examples| examples.iter().map(|e| e.value.clone())),
                )
                .collect()
        };
        let other_languages = flow
            .spec
            .languages
            .iter()
            .filter(|l| l.value != self.language)
            .map(|l| (l.value.clone(), phrases_in(&l.value)))
            .collect();
        ListenParams {
            state: turn.state.clone(),
            lang: self.language.clone(),
            no_input_timeout_ms: turn.no_input_ms,
            barge_in: turn.barge_in,
            min_confidence: self.min_confidence(ask),
            phrases: phrases_in(&self.language),
            other_languages,
            slot: slot.cloned(),
        }
    }

    /// Intents the caller may say here: the state's own, then the global ones.
    pub(super) fn candidates(&self, ask: &AskSpec) -> Vec<String> {
        self.with_globals(ask, ask.intents.keys().map(str::to_string).collect())
    }

    /// `own`, then the global intents when the state takes them.
    fn with_globals(&self, ask: &AskSpec, mut out: Vec<String>) -> Vec<String> {
        if ask.global.unwrap_or(true) {
            for global in self.flow.spec.global.keys() {
                if !out.iter().any(|i| i == global) {
                    out.push(global.to_string());
                }
            }
        }
        out
    }

    pub(super) fn slot_type<'f>(&'f self, ask: &AskSpec) -> Option<&'f SlotType> {
        ask.slot
            .as_ref()
            .and_then(|s| self.flow.slot_types.get(&s.value))
    }

    pub(super) fn ask_speech_started(&mut self, turn: &mut AskTurn) {
        turn.speaking = true;
        turn.no_input_at = None;
        if turn.barge_in && !turn.pending.is_empty() {
            turn.pending.clear();
            self.action(Action::StopPlayback);
        }
    }

    pub(super) fn ask_utterance(&mut self, heard: HeardSpeech, now: jiff::Timestamp) {
        let Phase::Asking(turn) = &self.phase else {
            return;
        };
        let state = turn.state.clone();
        self.barge_in_if_playing();
        let flow = Arc::clone(&self.flow);
        let Some(ask) = current_ask(&flow, &state) else {
            return;
        };
        let (outcome, understood_as) = self.outcome_of(ask, &heard);
        self.event(CallEvent::Recognized {
            text: heard.text,
            confidence: heard.confidence,
            lang: heard.lang,
            latency_ms: heard.latency_ms,
            understood_as,
        });
        self.resolve(outcome, now);
    }

    /// Speech whose result never came: a no-match, so the caller is asked again (or offered
    /// the keypad) instead of waiting in silence.
    pub(super) fn ask_not_recognized(&mut self, waited_ms: u64, now: jiff::Timestamp) {
        self.barge_in_if_playing();
        self.event(CallEvent::NotRecognized { waited_ms });
        self.resolve(Outcome::NoMatch, now);
    }

    /// What the words mean in this ask state, and the other reading they were understood as
    /// when the first reading meant nothing.
    pub(super) fn outcome_of(
        &self,
        ask: &AskSpec,
        heard: &HeardSpeech,
    ) -> (Outcome, Option<Alternative>) {
        if crate::text::normalize(&heard.text).is_empty() {
            return (Outcome::NoInput, None);
        }
        let first = if heard.confidence < self.min_confidence(Some(ask)) {
            Outcome::NoMatch
        } else {
            self.understand(ask, &heard.text, heard.lang.clone())
        };
        match first {
            Outcome::NoMatch => match self.understand_another_reading(ask, heard) {
                Some((alt, outcome)) => (outcome, Some(alt)),
                None => (Outcome::NoMatch, None),
            },
            outcome => (outcome, None),
        }
    }

    /// The first of the recognizer's other readings, likely enough, that means something here.
    fn understand_another_reading(
        &self,
        ask: &AskSpec,
        heard: &HeardSpeech,
    ) -> Option<(Alternative, Outcome)> {
        let floor = self
            .min_confidence(Some(ask))
            .max(heard.confidence * ALTERNATIVE_RATIO);
        heard
            .alternatives
            .iter()
            .filter(|alt| alt.confidence >= floor)
            .find_map(|alt| {
                let lang = alt.lang.clone().or_else(|| heard.lang.clone());
                match self.understand(ask, &alt.text, lang) {
                    Outcome::NoMatch | Outcome::NoInput => None,
                    outcome => Some((alt.clone(), outcome)),
                }
            })
    }

    /// The state's confidence floor, else the flow's default, else none.
    fn min_confidence(&self, ask: Option<&AskSpec>) -> f32 {
        ask.and_then(|a| a.min_confidence.as_ref())
            .or(self.flow.spec.ask_defaults.min_confidence.as_ref())
            .map_or(0.0, |c| c.value)
    }

    pub(super) fn barge_in_if_playing(&mut self) {
        if let Phase::Asking(turn) = &mut self.phase {
            turn.speaking = false;
            turn.no_input_at = None;
            if !turn.pending.is_empty() {
                turn.pending.clear();
                self.action(Action::StopPlayback);
            }
        }
    }

    /// Words -> a slot value or an intent. Slots are tried first (a receipt number is not an
    /// intent), except free text, which would swallow "agent" or "goodbye".
    fn understand(&self, ask: &AskSpec, text: &str, lang: Option<String>) -> Outcome {
        let slot = self.slot_type(ask);
        if let Some(slot) = slot.filter(|s| **s != SlotType::FreeText)
            && let Some(value) = slot_from_speech(slot, text)
        {
            return Outcome::Slot(value);
        }
        let choices = match &self.phase {
            Phase::Asking(turn) => turn.choices.clone(),
            _ => None,
        };
        let candidates = match &choices {
            // The answer to "did you mean A or B": one of the two (or a global intent).
            Some(choices) => self.with_globals(ask, choices.to_vec()),
            None => self.candidates(ask),
        };
        // No intent offered here (a free-text question with `global: false`): the matcher
        // takes an empty list as every intent, so ask it nothing.
        if candidates.is_empty() {
            return match slot.and_then(|s| slot_from_speech(s, text)) {
                Some(value) => Outcome::Slot(value),
                None => Outcome::NoMatch,
            };
        }
        let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
        match self
            .flow
            .matcher
            .decide(text, &refs, MatchPolicy::default())
        {
            MatchDecision::Ambiguous { first, second }
                if choices.is_none()
                    && slot.and_then(|s| slot_from_speech(s, text)).is_none()
                    && self.can_clarify(&first.intent, &second.intent) =>
            {
                Outcome::Ambiguous([first.intent, second.intent])
            }
            MatchDecision::Match(m) => {
                let heard_in = lang
                    .filter(|l| self.flow.spec.languages.iter().any(|d| d.value == *l))
                    .filter(|l| !self.words_belong_elsewhere(text, &m, l));
                let said_in = heard_in
                    .or_else(|| detect_language(text).map(str::to_string))
                    .or_else(|| (m.example_score >= SWITCH_ON_SCORE).then(|| m.lang.clone()));
                Outcome::Intent {
                    name: m.intent,
                    score: m.score,
                    lang: said_in,
                }
            }
            _ => match slot.and_then(|s| slot_from_speech(s, text)) {
                Some(value) => Outcome::Slot(value),
                None => Outcome::NoMatch,
            },
        }
    }

    /// Whether the words are an example of another language, word for word, and fit the
    /// recognizer's language clearly worse: a lone "agente" is Spanish even when the
    /// recognizer's language identification, unsure on one word, called it English.
    fn words_belong_elsewhere(&self, text: &str, m: &IntentScore, heard_lang: &str) -> bool {
        if m.lang == heard_lang || m.example_score < SWITCH_ON_SCORE {
            return false;
        }
        let in_heard = self
            .flow
            .matcher
            .score_in_language(text, &m.intent, heard_lang)
            .unwrap_or(0.0);
        m.example_score - in_heard >= LANGUAGE_EVIDENCE_MARGIN
    }

    pub(super) fn resolve(&mut self, outcome: Outcome, now: jiff::Timestamp) {
        let Phase::Asking(turn) = std::mem::replace(&mut self.phase, Phase::Idle) else {
            return;
        };
        let mut turn = *turn;
        turn.choices = None;
        let flow = Arc::clone(&self.flow);
        let Some(ask) = current_ask(&flow, &turn.state) else {
            return;
        };
        match outcome {
            Outcome::Ambiguous(choices) => self.clarify(turn, choices, now),
            Outcome::Slot(value) => {
                let Some(slot) = &ask.slot else { return };
                self.event(CallEvent::Slot {
                    name: slot.value.clone(),
                    value: value.clone(),
                });
                self.vars.insert(slot.value.clone(), value.clone());
                self.heard.clear();
                let next = ask.on_value.get(&value).or(ask.next.as_ref());
                self.action(Action::StopListening);
                match next {
                    Some(next) => self.goto(&next.value, now),
                    None => self.hang_up("no_next_state"),
                }
            }
            Outcome::Intent { name, score, lang } => {
                self.event(CallEvent::Intent {
                    name: name.clone(),
                    score,
                });
                // "inglés" is Spanish words asking for English: a language intent decides the
                // language itself (in route_intent), not the language it was said in.
                let chooses_language = flow
                    .spec
                    .global
                    .get(&name)
                    .is_some_and(|g| g.language.is_some());
                if let Some(lang) = lang.filter(|l| *l != self.language && !chooses_language) {
                    self.set_language(&lang);
                }
                self.route_intent(turn, ask, &name, now);
            }
            Outcome::NoMatch => self.retry(turn, ask, false, now),
            Outcome::NoInput => self.retry(turn, ask, true, now),
        }
    }

    /// Whether "did you mean A or B" can be asked: the flow has the prompt and both intents
    /// have a label in the call's language.
    fn can_clarify(&self, first: &str, second: &str) -> bool {
        self.flow.spec.ask_defaults.clarify.is_some()
            && [first, second]
                .iter()
                .all(|intent| self.intent_label(intent).is_some())
    }

    fn intent_label(&self, intent: &str) -> Option<String> {
        self.flow
            .spec
            .intents
            .get(intent)
            .and_then(|i| i.label.get(&self.language))
            .map(|label| label.value.clone())
    }

    /// Asks which of two close intents the caller meant, then listens for the answer in the
    /// same state (the answer is matched against those two and the global intents only).
    fn clarify(&mut self, mut turn: AskTurn, choices: [String; 2], now: jiff::Timestamp) {
        let flow = Arc::clone(&self.flow);
        let Some(prompt) = &flow.spec.ask_defaults.clarify else {
            return;
        };
        self.event(CallEvent::Clarify {
            first: choices[0].clone(),
            second: choices[1].clone(),
        });
        for (var, intent) in ["choice_1", "choice_2"].into_iter().zip(&choices) {
            let label = self.intent_label(intent).unwrap_or_else(|| intent.clone());
            self.vars.insert(var.to_string(), label);
        }
        turn.choices = Some(choices);
        self.prompt_and_listen(turn, std::slice::from_ref(&prompt.value), now);
    }

    fn route_intent(&mut self, turn: AskTurn, ask: &AskSpec, intent: &str, now: jiff::Timestamp) {
        let flow = Arc::clone(&self.flow);
        let global = flow.spec.global.get(intent);
        // A language intent switches language wherever it is said.
        if let Some(lang) = global.and_then(|g| g.language.as_ref()) {
            self.set_language(&lang.value);
        }
        if let Some(target) = ask.intents.get(intent) {
            self.heard.clear();
            self.action(Action::StopListening);
            return self.goto(&target.value, now);
        }
        match global {
            Some(g) if g.goto.is_some() => {
                self.heard.clear();
                self.action(Action::StopListening);
                if let Some(goto) = &g.goto {
                    self.goto(&goto.value, now);
                }
            }
            // Repeat, or a new language: say again what the caller heard, in the call's
            // language now, and keep listening.
            Some(_) => {
                let again = if self.heard.is_empty() {
                    ask.prompts.iter().map(|p| p.value.clone()).collect()
                } else {
                    std::mem::take(&mut self.heard)
                };
                self.prompt_and_listen(turn, &again, now);
            }
            None => self.retry(turn, ask, false, now),
        }
    }

    fn retry(&mut self, mut turn: AskTurn, ask: &AskSpec, no_input: bool, now: jiff::Timestamp) {
        let flow = Arc::clone(&self.flow);
        let defaults = &flow.spec.ask_defaults;
        let (own, default) = if no_input {
            (&ask.no_input, &defaults.no_input)
        } else {
            (&ask.no_match, &defaults.no_match)
        };
        let count = if no_input {
            turn.no_inputs += 1;
            self.event(CallEvent::Noinput {
                count: turn.no_inputs,
            });
            turn.no_inputs
        } else {
            turn.no_matches += 1;
            self.event(CallEvent::Nomatch {
                count: turn.no_matches,
            });
            turn.no_matches
        };
        let max =
            pick(own, default, |r| r.max.as_ref().map(|m| m.value)).unwrap_or(DEFAULT_MAX_ATTEMPTS);
        if count >= max {
            self.heard.clear();
            self.action(Action::StopListening);
            match pick(own, default, |r| r.then.as_ref().map(|t| t.value.clone())) {
                Some(then) => self.goto(&then, now),
                None => self.hang_up("max_attempts"),
            }
            return;
        }
        let reprompts = own
            .as_ref()
            .filter(|r| !r.reprompts.is_empty())
            .or(default.as_ref())
            .map(|r| &r.reprompts);
        let prompts: Vec<String> = match reprompts.filter(|r| !r.is_empty()) {
            Some(list) => {
                let idx = (count as usize - 1).min(list.len() - 1);
                list[idx].iter().map(|p| p.value.clone()).collect()
            }
            None => ask.prompts.iter().map(|p| p.value.clone()).collect(),
        };
        self.heard.clear();
        turn.speaking = false;
        self.prompt_and_listen(turn, &prompts, now);
    }
}

pub(super) fn current_ask<'f>(flow: &'f crate::flow::Flow, state: &str) -> Option<&'f AskSpec> {
    match flow.spec.states.get(state).map(|s| &s.value) {
        Some(crate::schema::StateSpec::Ask(ask)) => Some(ask),
        _ => None,
    }
}

/// A retry setting from the state, else from `ask_defaults`.
fn pick<T>(
    own: &Option<RetryPolicy>,
    default: &Option<RetryPolicy>,
    get: impl Fn(&RetryPolicy) -> Option<T>,
) -> Option<T> {
    own.as_ref()
        .and_then(&get)
        .or_else(|| default.as_ref().and_then(&get))
}
