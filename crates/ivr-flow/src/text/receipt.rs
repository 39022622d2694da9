//! USCIS receipt numbers: three letters (the service center) and ten digits, e.g. IOE0123456789.

use super::normalize::tokens;
use super::spelling::{Symbol, spelled_symbols};

const LETTERS: usize = 3;
const DIGITS: usize = 10;

/// Service-center prefixes a caller can key in; their keypad codes are all distinct. Also the
/// receipt slot's recognition hint.
pub(crate) const KNOWN_PREFIXES: [&str; 8] =
    ["EAC", "WAC", "LIN", "SRC", "NBC", "MSC", "IOE", "YSC"];

/// The receipt number spoken in `text`, uppercase without spaces.
///
/// The ten digits must form a run of exactly ten, directly preceded by three spelled letters;
/// words before the code ("my receipt number is") are ignored. Two different codes in one
/// utterance are rejected rather than guessed between.
pub(crate) fn receipt_from_speech(text: &str) -> Option<String> {
    let symbols = spelled_symbols(&tokens(text));
    let plain = receipt_in(&symbols, LETTERS);
    let repaired = receipt_in(&symbols, LETTERS + 1);
    match (plain, repaired) {
        (Some(plain), Some(repaired)) if !KNOWN_PREFIXES.contains(&&plain[..LETTERS]) => {
            Some(repaired)
        }
        (plain, repaired) => plain
            .or(repaired)
            .map(|receipt| with_known_prefix(&receipt)),
    }
}

/// Letters a listener (or a recognizer) confuses when they are spoken: the "e-set" rhymes,
/// M and N, S and F, I and Y, and Spanish "ese", "ce" and "zeta", which the Americas say with
/// the same /s/ (seseo: "ce" is "se").
const CONFUSABLE: [&str; 6] = ["BCDEGPTVZ", "MN", "SFX", "AJK", "IY", "SCZ"];

/// `receipt` with its prefix snapped to a known one when the spoken letters are not a known
/// prefix but differ from exactly one in a single confusable letter ("LIM" for LIN).
fn with_known_prefix(receipt: &str) -> String {
    let (prefix, digits) = receipt.split_at(LETTERS);
    if KNOWN_PREFIXES.contains(&prefix) {
        return receipt.to_owned();
    }
    let confusable = |a: char, b: char| {
        CONFUSABLE
            .iter()
            .any(|set| set.contains(a) && set.contains(b))
    };
    let near: Vec<&str> = KNOWN_PREFIXES
        .iter()
        .copied()
        .filter(|known| {
            let differing: Vec<(char, char)> = known
                .chars()
                .zip(prefix.chars())
                .filter(|(k, p)| k != p)
                .collect();
            matches!(differing.as_slice(), [(k, p)] if confusable(*k, *p))
        })
        .collect();
    match near.as_slice() {
        [only] => format!("{only}{digits}"),
        _ => receipt.to_owned(),
    }
}

/// The receipt in `symbols` with `letters` letter symbols before the ten digits. Four
/// letters are read only as a known prefix whose last letter came twice: recognizers given
/// the prefixes as hints write "WAC, C" for a caller's "doble ve, a, ce".
fn receipt_in(symbols: &[Symbol], letters: usize) -> Option<String> {
    let mut found: Option<String> = None;
    for end in letters + DIGITS..=symbols.len() {
        let run_ends_here = symbols
            .get(end)
            .is_none_or(|next| next.as_digit().is_none());
        if !run_ends_here {
            continue;
        }
        let window = &symbols[end - letters - DIGITS..end];
        let receipt = if letters == LETTERS {
            receipt_ending_at(window)
        } else {
            receipt_with_letter_twice(window)
        };
        let Some(receipt) = receipt else {
            continue;
        };
        match &found {
            Some(previous) if *previous != receipt => return None,
            _ => found = Some(receipt),
        }
    }
    found
}

fn receipt_with_letter_twice(window: &[Symbol]) -> Option<String> {
    let (prefix, rest) = window.split_at(LETTERS);
    let (again, digits) = rest.split_first()?;
    let joined: Vec<Symbol> = prefix.iter().chain(digits).copied().collect();
    let receipt = receipt_ending_at(&joined)?;
    let repeated = again.as_letter() == receipt[..LETTERS].chars().last();
    (repeated && KNOWN_PREFIXES.contains(&&receipt[..LETTERS])).then_some(receipt)
}

fn receipt_ending_at(window: &[Symbol]) -> Option<String> {
    let (letters, digits) = window.split_at(LETTERS);
    let mut receipt: String = letters
        .iter()
        .map(|symbol| symbol.as_letter())
        .collect::<Option<_>>()?;
    // A "y" is I or Y (see `Symbol::IOrY`): whichever makes a known prefix, else Y.
    if let Some(at) = letters.iter().position(|s| *s == Symbol::IOrY) {
        let as_i: String = receipt
            .char_indices()
            .map(|(i, c)| if i == at { 'I' } else { c })
            .collect();
        if !KNOWN_PREFIXES.contains(&receipt.as_str()) && KNOWN_PREFIXES.contains(&as_i.as_str()) {
            receipt = as_i;
        }
    }
    for symbol in digits {
        receipt.push(symbol.as_digit()?);
    }
    Some(receipt)
}

/// The receipt number keyed as 13 keys: the prefix letters by their keypad digits, then the
/// ten digits. Only known prefixes can be recovered, since each key stands for 3-4 letters.
pub(crate) fn receipt_from_dtmf(keys: &str) -> Option<String> {
    if keys.len() != LETTERS + DIGITS || !keys.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (prefix_keys, digits) = keys.split_at(LETTERS);
    let prefix = KNOWN_PREFIXES
        .iter()
        .find(|prefix| keypad_code(prefix) == prefix_keys)?;
    Some(format!("{prefix}{digits}"))
}

/// The keys that type `letters` on a phone keypad (2 = ABC ... 9 = WXYZ).
fn keypad_code(letters: &str) -> String {
    letters
        .chars()
        .map(|letter| match letter {
            'A'..='C' => '2',
            'D'..='F' => '3',
            'G'..='I' => '4',
            'J'..='L' => '5',
            'M'..='O' => '6',
            'P'..='S' => '7',
            'T'..='V' => '8',
            'W'..='Z' => '9',
            _ => '*',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::spelling::letter_name;
    use proptest::prelude::*;

    const IOE: &str = "IOE0123456789";

    #[test]
    fn spoken_forms() {
        for text in [
            "I O E zero one two three four five six seven eight nine",
            "IOE 012 345 6789",
            "i o e cero uno dos tres cuatro cinco seis siete ocho nueve",
            "IOE-0123456789",
            "I.O.E. 0123456789",
            "eye oh ee oh one two three four five six seven eight nine",
            "my receipt number is IOE0123456789 thank you",
            "i latina o e 01234 56789",
        ] {
            assert_eq!(receipt_from_speech(text).as_deref(), Some(IOE), "{text}");
        }
        assert_eq!(
            receipt_from_speech("doble ve a ce 1 2 3 4 5 6 7 8 9 0").as_deref(),
            Some("WAC1234567890")
        );
        assert_eq!(
            receipt_from_speech("why ess see double oh 12345678").as_deref(),
            Some("YSC0012345678")
        );
        // What Whisper writes for Spanish speech: "i" as "y", grouped numbers, a hinted
        // prefix with its last letter twice.
        for (text, receipt) in [
            ("Y OE-0-1-2-3-4-5-6-7-8-9.", IOE),
            (
                "y o e cero uno dos tres cuatro cinco seis siete ocho nueve",
                IOE,
            ),
            (
                "Y griega, S, C, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8",
                "YSC0012345678",
            ),
            ("WAC, C, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0.", "WAC9876543210"),
            (
                "ele i ene veinte veinticinco cero dieciocho noventa y uno cero",
                "LIN2025018910",
            ),
            (
                "doble ve a ce noventa y ocho setenta y seis cincuenta y cuatro treinta y dos uno cero",
                "WAC9876543210",
            ),
        ] {
            assert_eq!(
                receipt_from_speech(text).as_deref(),
                Some(receipt),
                "{text}"
            );
        }
        // One confusable letter off a known prefix: the known one; other prefixes stay.
        assert_eq!(
            receipt_from_speech("L-I-M, 1 2 3 4 5 6 7 8 9 0.").as_deref(),
            Some("LIN1234567890")
        );
        // Spanish "ese erre ce" under line noise, written with the "ce" the first letter
        // sounds like.
        assert_eq!(
            receipt_from_speech("Y CRC, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0.").as_deref(),
            Some("SRC1234567890")
        );
        assert_eq!(
            receipt_from_speech("Z Z Z 1 2 3 4 5 6 7 8 9 0").as_deref(),
            Some("ZZZ1234567890")
        );
        // A repeated letter is repaired only into a known prefix.
        assert_eq!(
            receipt_from_speech("A B C C 0 1 2 3 4 5 6 7 8 9").as_deref(),
            Some("BCC0123456789")
        );
    }

    #[test]
    fn malformed_speech_is_rejected() {
        for text in [
            "IOE 012 345 678",
            "IOE 012 345 67890",
            "0123456789",
            "IO 0123456789",
            "I want to check my case",
            "",
            "IOE0123456789 and EAC0123456789",
        ] {
            assert_eq!(receipt_from_speech(text), None, "{text}");
        }
    }

    #[test]
    fn keypad_prefixes() {
        assert_eq!(receipt_from_dtmf("4630123456789").as_deref(), Some(IOE));
        assert_eq!(
            receipt_from_dtmf("3220123456789").as_deref(),
            Some("EAC0123456789")
        );
        assert_eq!(
            receipt_from_dtmf("9720123456789").as_deref(),
            Some("YSC0123456789")
        );
        assert_eq!(receipt_from_dtmf("1110123456789"), None);
        assert_eq!(receipt_from_dtmf("463012345678"), None);
        assert_eq!(receipt_from_dtmf("46301234567*9"), None);
    }

    #[test]
    fn known_prefixes_have_distinct_keypad_codes() {
        let mut codes: Vec<String> = KNOWN_PREFIXES
            .iter()
            .map(|prefix| keypad_code(prefix))
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), KNOWN_PREFIXES.len());
    }

    const ENGLISH_LETTERS: [&str; 26] = [
        "a", "bee", "see", "dee", "ee", "ef", "gee", "aitch", "eye", "jay", "kay", "el", "em",
        "en", "oh", "pee", "cue", "are", "ess", "tee", "you", "vee", "double u", "ex", "why",
        "zee",
    ];
    const SPANISH_LETTERS: [&str; 26] = [
        "a", "be", "ce", "de", "e", "efe", "ge", "hache", "i", "jota", "ka", "ele", "eme", "ene",
        "o", "pe", "cu", "erre", "ese", "te", "u", "uve", "doble ve", "equis", "i griega", "zeta",
    ];
    const ENGLISH_DIGITS: [&str; 10] = [
        "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    const SPANISH_DIGITS: [&str; 10] = [
        "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
    ];

    fn letter_index(letter: char) -> usize {
        (letter as u8 - b'A') as usize
    }

    fn digit_index(digit: char) -> usize {
        (digit as u8 - b'0') as usize
    }

    fn spoken(receipt: &str, style: usize) -> String {
        let (letters, digits) = receipt.split_at(LETTERS);
        let words = |letter_names: &[&str; 26], digit_names: &[&str; 10]| {
            let mut parts: Vec<&str> = letters
                .chars()
                .map(|c| letter_names[letter_index(c)])
                .collect();
            parts.extend(digits.chars().map(|c| digit_names[digit_index(c)]));
            parts.join(" ")
        };
        match style {
            0 => receipt.to_owned(),
            1 => format!("{letters}-{digits}"),
            2 => format!(
                "{}. {digits}",
                letters
                    .chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join(".")
            ),
            3 => format!(
                "{} {} {} {}",
                letters.to_lowercase(),
                &digits[..3],
                &digits[3..6],
                &digits[6..]
            ),
            4 => words(&ENGLISH_LETTERS, &ENGLISH_DIGITS),
            _ => format!(
                "mi número de recibo es {}",
                words(&SPANISH_LETTERS, &SPANISH_DIGITS)
            ),
        }
    }

    proptest! {
        #[test]
        fn spoken_receipts_round_trip(receipt in "[A-Z]{3}[0-9]{10}", style in 0usize..6) {
            // Three glued letters that spell a letter name ("SEA", "BEE") are read as that letter,
            // and those that spell a number word ("SIX", "DOS", "MIL") as that number: a
            // recognizer's "SIX-0000000000" is six and ten zeros. No service center has such a code.
            let glued = receipt[..LETTERS].to_lowercase();
            let spells_a_word = letter_name(&glued).is_some()
                || glued == "owe"
                || crate::text::numbers::number_words_to_digits(&[glued.as_str()]) != [glued.clone()];
            prop_assume!(!(matches!(style, 1 | 3) && spells_a_word));
            let text = spoken(&receipt, style);
            // One confusable letter off a known prefix is that prefix (`with_known_prefix`).
            prop_assert_eq!(receipt_from_speech(&text), Some(with_known_prefix(&receipt)), "{}", text);
        }

        #[test]
        fn keyed_receipts_round_trip(prefix in prop::sample::select(KNOWN_PREFIXES.to_vec()), digits in "[0-9]{10}") {
            let keys = format!("{}{digits}", keypad_code(prefix));
            prop_assert_eq!(receipt_from_dtmf(&keys), Some(format!("{prefix}{digits}")));
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = receipt_from_speech(&text);
        }
    }
}
