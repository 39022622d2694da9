//! Text understanding for speech and keypad input: normalization, intent matching, language
//! detection and slot values.
//!
//! Everything works on recognizer output in English or Spanish, so it tolerates missing
//! accents, number words versus digits, fillers and typical transcription slips.

mod continuation;
mod email;
mod language;
mod matcher;
mod normalize;
mod numbers;
pub(crate) mod phone;
mod query;
mod receipt;
mod scoring;
mod similarity;
mod slot_value;
mod spelling;
mod spoken_digits;
mod stopwords;
mod synonyms;
mod vocabulary;
mod word_evidence;
mod written_date;
mod yes_no;

#[cfg(test)]
mod intent_acceptance_tests;

pub use continuation::ends_unfinished;
pub use language::detect_language;
pub use matcher::{IntentMatcher, IntentScore, MatchDecision, MatchPolicy};
pub use normalize::{normalize, tokens};
pub use slot_value::{SlotType, slot_from_dtmf, slot_from_speech, slot_phrases};
pub(crate) use spoken_digits::spoken_digits;
pub(crate) use written_date::MONTHS_EN;
pub use written_date::written_date;
