//! Whether words heard before the endpoint already answer the ask state: the session decodes
//! what a caller said when they pause, and ends the utterance at once when the answer is
//! complete, or waits longer when it is clearly not. A pure query: the call does not change.

use super::ask::{Outcome, current_ask};
use super::ask_turn::HeardSpeech;
use super::call::{Call, Phase};
use super::io::Alternative;
use crate::text::{SlotType, ends_unfinished, slot_from_speech, spoken_digits};

/// What a partial transcript means for the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// The words decide the state (an intent above its threshold, a whole slot value, a
    /// yes or no): the utterance can end now.
    Complete,
    /// The words stop mid-sentence or mid-value ("my receipt number is", six of ten digits):
    /// wait longer than usual before ending the utterance.
    Unfinished,
    /// Neither: wait for the usual endpoint.
    Open,
}

impl Call {
    /// How complete the answer to the current ask state is, judged from a speculative
    /// transcript (text, confidence, language, other readings) as `Input::Utterance` would
    /// give them.
    pub fn completeness(
        &self,
        text: &str,
        confidence: f32,
        lang: Option<&str>,
        alternatives: &[Alternative],
    ) -> Completeness {
        let Phase::Asking(turn) = &self.phase else {
            return Completeness::Open;
        };
        let Some(ask) = current_ask(&self.flow, turn.state()) else {
            return Completeness::Open;
        };
        if ends_unfinished(text) {
            return Completeness::Unfinished;
        }
        let slot = self.slot_type(ask);
        match slot {
            // Any words are free text, and an address is rarely whole at its first pause:
            // only the endpoint can tell where either ends.
            Some(SlotType::FreeText | SlotType::Email) => return Completeness::Open,
            Some(slot @ (SlotType::Digits { .. } | SlotType::Receipt | SlotType::Phone)) => {
                if let Some(partial) = partial_value(slot, text) {
                    return partial;
                }
            }
            Some(SlotType::YesNo) | None => {}
        }
        let heard = HeardSpeech {
            text: text.to_string(),
            confidence,
            lang: lang.map(str::to_string),
            latency_ms: None,
            alternatives: alternatives.to_vec(),
        };
        match self.outcome_of(ask, &heard).0 {
            Outcome::Intent { .. } | Outcome::Slot(_) => Completeness::Complete,
            // A close call may become clear with more words.
            Outcome::Ambiguous(_) | Outcome::NoMatch | Outcome::NoInput => Completeness::Open,
        }
    }
}

/// For a slot of digits: complete once the value is whole, unfinished while some digits are
/// there but not enough, open while a digit string of variable length is long enough but may
/// still grow; `None` when the words hold no digits at all (they may be an intent: "agent").
fn partial_value(slot: &SlotType, text: &str) -> Option<Completeness> {
    let digits = spoken_digits(text)?;
    Some(match slot {
        SlotType::Digits { max, .. } if digits.len() >= *max => Completeness::Complete,
        SlotType::Digits { min, .. } if digits.len() >= *min => Completeness::Open,
        SlotType::Digits { .. } => Completeness::Unfinished,
        _ if slot_from_speech(slot, text).is_some() => Completeness::Complete,
        _ => Completeness::Unfinished,
    })
}
