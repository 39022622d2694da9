//! US phone numbers as E.164 ("+1" and ten digits).

use super::spoken_digits::spoken_digits;

/// The number spoken in `text` (digit by digit or in groups).
pub(crate) fn phone_from_speech(text: &str) -> Option<String> {
    spoken_digits(text).and_then(|digits| phone_from_digits(&digits))
}

/// The number keyed on the phone keypad.
pub(crate) fn phone_from_dtmf(keys: &str) -> Option<String> {
    if !keys.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    phone_from_digits(keys)
}

/// Ten digits, or eleven with the country code 1. Area code and exchange cannot start with
/// 0 or 1 in the North American plan, so such strings are misrecognitions.
pub(crate) fn phone_from_digits(digits: &str) -> Option<String> {
    let national = match digits.len() {
        10 => digits,
        11 => digits.strip_prefix('1')?,
        _ => return None,
    };
    let bytes = national.as_bytes();
    let valid_start = |b: u8| (b'2'..=b'9').contains(&b);
    (valid_start(bytes[0]) && valid_start(bytes[3])).then(|| format!("+1{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoken_numbers() {
        assert_eq!(
            phone_from_speech("800 375 5283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(
            phone_from_speech("one eight zero zero three seven five five two eight three")
                .as_deref(),
            Some("+18003755283")
        );
        // "eight hundred three" is the number 803, which leaves an invalid area code.
        assert_eq!(
            phone_from_speech("one eight hundred three seven five five two eight three"),
            None
        );
        assert_eq!(
            phone_from_speech("my number is two oh two, five five five, one two three four")
                .as_deref(),
            Some("+12025551234")
        );
        assert_eq!(
            phone_from_speech("uno ocho cero cero tres siete cinco cinco dos ocho tres").as_deref(),
            Some("+18003755283")
        );
    }

    #[test]
    fn keyed_numbers() {
        assert_eq!(
            phone_from_dtmf("8003755283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(
            phone_from_dtmf("18003755283").as_deref(),
            Some("+18003755283")
        );
        assert_eq!(phone_from_dtmf("28003755283"), None);
        assert_eq!(phone_from_dtmf("800375528"), None);
        assert_eq!(phone_from_dtmf("1003755283"), None);
        assert_eq!(phone_from_dtmf("8001755283"), None);
        assert_eq!(phone_from_dtmf("800375528*"), None);
    }
}
