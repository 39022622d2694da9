//! Turning what a caller said or keyed into a typed slot value.

use super::email::email_from_speech;
use super::phone::{phone_from_dtmf, phone_from_speech};
use super::receipt::{KNOWN_PREFIXES, receipt_from_dtmf, receipt_from_speech};
use super::spoken_digits::spoken_digits;
use super::yes_no::{yes_no_from_dtmf, yes_no_from_speech};

/// What kind of value a slot collects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotType {
    /// A digit string whose length is within `min..=max`.
    Digits {
        min: usize,
        max: usize,
    },
    /// "yes" or "no".
    YesNo,
    /// USCIS receipt number, e.g. "IOE0123456789".
    Receipt,
    /// US phone number in E.164, e.g. "+18003755283".
    Phone,
    Email,
    FreeText,
}

/// Words a caller uses to give a value of this type in `lang`, for a recognizer's hint or
/// grammar: without them a recognizer tuned to the state's intents hears "yes" as "good".
pub fn slot_phrases(slot: &SlotType, lang: &str) -> &'static [&'static str] {
    let spanish = lang.split(['-', '_']).next() == Some("es");
    match (slot, spanish) {
        (SlotType::YesNo, false) => &["yes", "no"],
        (SlotType::YesNo, true) => &["sí", "no"],
        // Receipt numbers start with the code of the service center that took the case; said
        // letter by letter they are hard to hear ("I O E" in Spanish is three vowels).
        (SlotType::Receipt, _) => &KNOWN_PREFIXES,
        (SlotType::Email, false) => &["at", "dot com"],
        (SlotType::Email, true) => &["arroba", "punto com"],
        _ => &[],
    }
}

/// Value from a recognized utterance, None if it does not fit the type.
pub fn slot_from_speech(slot: &SlotType, text: &str) -> Option<String> {
    match slot {
        SlotType::Digits { min, max } => {
            spoken_digits(text).filter(|digits| (*min..=*max).contains(&digits.len()))
        }
        SlotType::YesNo => yes_no_from_speech(text),
        SlotType::Receipt => receipt_from_speech(text),
        SlotType::Phone => phone_from_speech(text),
        SlotType::Email => email_from_speech(text),
        SlotType::FreeText => {
            let trimmed = text.trim();
            (!trimmed.is_empty()).then(|| trimmed.to_owned())
        }
    }
}

/// Value from keypad digits (terminator '#' already removed), None if it does not fit.
pub fn slot_from_dtmf(slot: &SlotType, keys: &str) -> Option<String> {
    match slot {
        SlotType::Digits { min, max } => {
            let fits =
                (*min..=*max).contains(&keys.len()) && keys.bytes().all(|b| b.is_ascii_digit());
            fits.then(|| keys.to_owned())
        }
        SlotType::YesNo => yes_no_from_dtmf(keys),
        SlotType::Receipt => receipt_from_dtmf(keys),
        SlotType::Phone => phone_from_dtmf(keys),
        // Letters cannot be keyed unambiguously, and free text has no keypad form.
        SlotType::Email | SlotType::FreeText => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FOUR_TO_SIX: SlotType = SlotType::Digits { min: 4, max: 6 };

    #[test]
    fn digits() {
        assert_eq!(
            slot_from_speech(&FOUR_TO_SIX, "one two three four").as_deref(),
            Some("1234")
        );
        assert_eq!(
            slot_from_speech(&FOUR_TO_SIX, "uno dos tres cuatro cinco").as_deref(),
            Some("12345")
        );
        assert_eq!(
            slot_from_speech(&FOUR_TO_SIX, "12 34").as_deref(),
            Some("1234")
        );
        assert_eq!(
            slot_from_speech(&FOUR_TO_SIX, "four oh oh one").as_deref(),
            Some("4001")
        );
        assert_eq!(slot_from_speech(&FOUR_TO_SIX, "one two three"), None);
        assert_eq!(slot_from_speech(&FOUR_TO_SIX, "1234567"), None);
        assert_eq!(slot_from_speech(&FOUR_TO_SIX, "I don't know"), None);
        assert_eq!(
            slot_from_dtmf(&FOUR_TO_SIX, "1234").as_deref(),
            Some("1234")
        );
        assert_eq!(slot_from_dtmf(&FOUR_TO_SIX, "123"), None);
        assert_eq!(slot_from_dtmf(&FOUR_TO_SIX, "12*4"), None);
    }

    #[test]
    fn dispatches_each_type() {
        assert_eq!(
            slot_from_speech(&SlotType::YesNo, "sí").as_deref(),
            Some("yes")
        );
        assert_eq!(slot_from_dtmf(&SlotType::YesNo, "2").as_deref(), Some("no"));
        assert_eq!(
            slot_from_speech(&SlotType::Receipt, "IOE 012 345 6789").as_deref(),
            Some("IOE0123456789")
        );
        assert_eq!(
            slot_from_dtmf(&SlotType::Receipt, "4630123456789").as_deref(),
            Some("IOE0123456789")
        );
        assert_eq!(
            slot_from_speech(&SlotType::Phone, "800 375 5283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(
            slot_from_dtmf(&SlotType::Phone, "18003755283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(
            slot_from_speech(&SlotType::Email, "a at b dot co").as_deref(),
            Some("a@b.co")
        );
        assert_eq!(slot_from_dtmf(&SlotType::Email, "123"), None);
        assert_eq!(
            slot_from_speech(&SlotType::FreeText, "  my dog ate my notice  ").as_deref(),
            Some("my dog ate my notice")
        );
        assert_eq!(slot_from_speech(&SlotType::FreeText, "   "), None);
        assert_eq!(slot_from_dtmf(&SlotType::FreeText, "123"), None);
    }

    proptest! {
        #[test]
        fn keyed_digits_within_bounds_are_accepted(keys in "[0-9]{0,10}") {
            let accepted = slot_from_dtmf(&FOUR_TO_SIX, &keys);
            prop_assert_eq!(accepted.is_some(), (4..=6).contains(&keys.len()));
        }

        #[test]
        fn spoken_digit_words_round_trip(digits in "[0-9]{4,6}", spanish in any::<bool>()) {
            const EN: [&str; 10] = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
            const ES: [&str; 10] = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"];
            let names = if spanish { ES } else { EN };
            let text: Vec<&str> = digits.bytes().map(|b| names[usize::from(b - b'0')]).collect();
            prop_assert_eq!(slot_from_speech(&FOUR_TO_SIX, &text.join(" ")), Some(digits.clone()));
        }

        #[test]
        fn no_slot_parser_panics(text in any::<String>()) {
            for slot in [FOUR_TO_SIX, SlotType::YesNo, SlotType::Receipt, SlotType::Phone, SlotType::Email, SlotType::FreeText] {
                let _ = slot_from_speech(&slot, &text);
                let _ = slot_from_dtmf(&slot, &text);
            }
        }
    }
}
