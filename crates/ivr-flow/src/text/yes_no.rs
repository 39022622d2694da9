//! Yes/no answers in English and Spanish.

use super::normalize::tokens;

/// "yes" or "no" from a spoken answer; None when it has neither or both ("yes no").
///
/// Politeness ("please", "por favor") answers yes only when nothing says no, so "no
/// thanks" and "please don't" stay no.
pub(crate) fn yes_no_from_speech(text: &str) -> Option<String> {
    let words = tokens(text);
    let pairs = words
        .windows(2)
        .map(|pair| (pair[0].as_str(), pair[1].as_str()));
    let mut yes = words.iter().any(|word| is_yes(word))
        || pairs.clone().any(|pair| {
            matches!(
                pair,
                ("of", "course")
                    | ("por", "supuesto")
                    | ("de", "acuerdo")
                    | ("esta", "bien")
                    | ("please", "do")
            )
        });
    let no = words.iter().any(|word| is_no(word))
        || pairs.clone().any(|pair| matches!(pair, ("not", "now")));
    if !yes && !no {
        yes = words
            .iter()
            .any(|word| matches!(word.as_str(), "please" | "favor"));
    }
    match (yes, no) {
        (true, false) => Some("yes".to_owned()),
        (false, true) => Some("no".to_owned()),
        _ => None,
    }
}

/// Keypad convention of the prompts: 1 for yes, 2 for no.
pub(crate) fn yes_no_from_dtmf(keys: &str) -> Option<String> {
    match keys {
        "1" => Some("yes".to_owned()),
        "2" => Some("no".to_owned()),
        _ => None,
    }
}

fn is_yes(word: &str) -> bool {
    matches!(
        word,
        "yes"
            | "yeah"
            | "yep"
            | "yup"
            | "sure"
            | "correct"
            | "right"
            | "ok"
            | "okay"
            | "affirmative"
            | "absolutely"
            | "exactly"
            | "si"
            | "claro"
            | "correcto"
            | "exacto"
            | "okey"
            | "vale"
            | "bueno"
            // Recognizers transcribe a lone "sí" as the letter "C."
            | "c"
    )
}

fn is_no(word: &str) -> bool {
    matches!(
        word,
        "no" | "nope"
            | "nah"
            | "not"
            | "dont"
            | "never"
            | "negative"
            | "incorrect"
            | "wrong"
            | "ninguno"
            | "ninguna"
            | "nada"
            | "incorrecto"
            | "tampoco"
            | "nunca"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speech(text: &str) -> Option<&'static str> {
        yes_no_from_speech(text).map(|value| if value == "yes" { "yes" } else { "no" })
    }

    #[test]
    fn yes_answers() {
        for text in [
            "yes",
            "Yeah.",
            "yep",
            "sure",
            "correct",
            "please do",
            "OK",
            "Sí",
            "si",
            "claro",
            "correcto",
            "por favor",
            "C.",
            "sí, por favor",
            "that's right",
            "of course",
        ] {
            assert_eq!(speech(text), Some("yes"), "{text}");
        }
    }

    #[test]
    fn no_answers() {
        for text in [
            "no",
            "nope",
            "no thanks",
            "No, gracias",
            "ninguno",
            "not now",
            "please don't",
            "no por favor",
        ] {
            assert_eq!(speech(text), Some("no"), "{text}");
        }
    }

    #[test]
    fn unclear_answers() {
        for text in [
            "yes no",
            "sí no",
            "",
            "maybe",
            "I want to check my case",
            "um",
        ] {
            assert_eq!(speech(text), None, "{text}");
        }
    }

    #[test]
    fn keypad() {
        assert_eq!(yes_no_from_dtmf("1").as_deref(), Some("yes"));
        assert_eq!(yes_no_from_dtmf("2").as_deref(), Some("no"));
        assert_eq!(yes_no_from_dtmf("3"), None);
        assert_eq!(yes_no_from_dtmf("12"), None);
    }
}
