//! The `ask` state's keypad: a key the state maps to an intent, a routed or global intent's
//! key, or the digits of a slot (`#` or the slot's length ends the entry; otherwise a pause).

use super::ask::{Outcome, current_ask};
use super::call::{Call, Phase};
use super::io::CallEvent;
use crate::schema::AskSpec;
use crate::text::{SlotType, slot_from_dtmf};
use std::sync::Arc;

/// Pause after the last key of an entry of unknown length before taking it as complete.
const INTER_DIGIT_MS: i64 = 3000;

impl Call {
    pub(super) fn ask_dtmf(&mut self, digits: &str, now: jiff::Timestamp) {
        self.event(CallEvent::Dtmf {
            digits: digits.into(),
        });
        self.barge_in_if_playing();
        let Phase::Asking(turn) = &self.phase else {
            return;
        };
        let state = turn.state.clone();
        let flow = Arc::clone(&self.flow);
        let Some(ask) = current_ask(&flow, &state) else {
            return;
        };
        let slot = self.slot_type(ask).cloned();
        let collects_keys = matches!(
            slot,
            Some(SlotType::Digits { .. } | SlotType::Receipt | SlotType::Phone | SlotType::YesNo)
        );
        for key in digits.chars() {
            let Phase::Asking(turn) = &mut self.phase else {
                return;
            };
            let starting = turn.keys.is_empty();
            // The state's own key map wins on the first key, so `*` or `0` can still mean
            // "repeat" or "agent" while entering digits.
            if starting && let Some(intent) = ask.dtmf.get(&key.to_string()) {
                let name = intent.value.clone();
                return self.resolve(
                    Outcome::Intent {
                        name,
                        score: 1.0,
                        lang: None,
                    },
                    now,
                );
            }
            if !collects_keys {
                let outcome = match self.intent_for_key(ask, key) {
                    Some(name) => Outcome::Intent {
                        name,
                        score: 1.0,
                        lang: None,
                    },
                    None => Outcome::NoMatch,
                };
                return self.resolve(outcome, now);
            }
            if key == '#' {
                return self.finish_keys(now);
            }
            turn.keys.push(key);
            let complete = match &slot {
                Some(SlotType::YesNo) => true,
                Some(SlotType::Digits { max, .. }) => turn.keys.len() >= *max,
                Some(SlotType::Receipt) => turn.keys.len() >= 13,
                _ => false,
            };
            if complete {
                return self.finish_keys(now);
            }
        }
        if let Phase::Asking(turn) = &mut self.phase
            && !turn.keys.is_empty()
        {
            turn.no_input_at = None;
            turn.keys_deadline = now
                .checked_add(jiff::SignedDuration::from_millis(INTER_DIGIT_MS))
                .ok();
        }
    }

    /// The intent a key selects here: a routed intent's key, else a global intent's.
    fn intent_for_key(&self, ask: &AskSpec, key: char) -> Option<String> {
        let key = key.to_string();
        let has_key = |intent: &str| {
            self.flow
                .spec
                .intents
                .get(intent)
                .and_then(|i| i.dtmf.as_ref())
                .is_some_and(|k| k.value == key)
        };
        self.candidates(ask).into_iter().find(|i| has_key(i))
    }

    pub(super) fn finish_keys(&mut self, now: jiff::Timestamp) {
        let Phase::Asking(turn) = &mut self.phase else {
            return;
        };
        let keys = std::mem::take(&mut turn.keys);
        turn.keys_deadline = None;
        let state = turn.state.clone();
        let flow = Arc::clone(&self.flow);
        let slot = current_ask(&flow, &state).and_then(|a| self.slot_type(a));
        let outcome = match slot.and_then(|s| slot_from_dtmf(s, &keys)) {
            Some(value) => Outcome::Slot(value),
            None if keys.is_empty() => Outcome::NoInput,
            None => Outcome::NoMatch,
        };
        self.resolve(outcome, now);
    }

    /// The no-input wait or the pause after the last key ran out.
    pub(super) fn ask_timeout(&mut self, now: jiff::Timestamp) {
        let Phase::Asking(turn) = &self.phase else {
            return;
        };
        if turn.keys_deadline.is_some_and(|d| d <= now) {
            return self.finish_keys(now);
        }
        self.resolve(Outcome::NoInput, now);
    }
}
