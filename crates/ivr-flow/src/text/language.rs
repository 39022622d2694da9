//! Whether a caller is speaking English or Spanish.
//!
//! Decided from words only one of the languages uses (articles, pronouns, common verbs),
//! not from content words: "agente", "ok" or a receipt number say nothing about it.

use super::normalize::tokens;

/// "en-US" or "es-US" when the words clearly show one language (function words, typical verbs), None when unclear
/// (e.g. "ok", "agente", a receipt number).
pub fn detect_language(text: &str) -> Option<&'static str> {
    let words = tokens(text);
    let mut english = 0usize;
    let mut spanish = usize::from(has_spanish_marks(text));
    for (index, word) in words.iter().enumerate() {
        if is_english_marker(word) && !is_spelled_letter(&words, index) {
            english += 1;
        }
        if is_spanish_marker(word) {
            spanish += 1;
        }
    }
    // One language must clearly outweigh the other; a single stray word of the other
    // language (a name, a borrowed word) does not flip the decision.
    if english > 2 * spanish {
        Some("en-US")
    } else if spanish > 2 * english {
        Some("es-US")
    } else {
        None
    }
}

/// Inverted punctuation, ñ and accented vowels occur in Spanish transcripts, not English ones.
fn has_spanish_marks(text: &str) -> bool {
    text.chars()
        .flat_map(char::to_lowercase)
        .any(|c| matches!(c, '¿' | '¡' | 'ñ' | 'á' | 'é' | 'í' | 'ó' | 'ú'))
}

/// "I" in a spelled-out code ("i o e 0 1 2") is a letter, not the English pronoun.
fn is_spelled_letter(words: &[String], index: usize) -> bool {
    words[index] == "i"
        && words
            .get(index + 1)
            .is_none_or(|next| next.len() == 1 || next.bytes().all(|b| b.is_ascii_digit()))
}

fn is_english_marker(word: &str) -> bool {
    matches!(
        word,
        "the"
            | "i"
            | "im"
            | "id"
            | "ive"
            | "my"
            | "me"
            | "you"
            | "your"
            | "is"
            | "are"
            | "was"
            | "to"
            | "of"
            | "and"
            | "what"
            | "whats"
            | "where"
            | "how"
            | "when"
            | "why"
            | "with"
            | "for"
            | "can"
            | "cant"
            | "dont"
            | "didnt"
            | "do"
            | "does"
            | "did"
            | "have"
            | "has"
            | "want"
            | "need"
            | "would"
            | "like"
            | "please"
            | "speak"
            | "talk"
            | "know"
            | "check"
            | "get"
            | "got"
            | "this"
            | "that"
            | "thats"
            | "it"
            | "its"
            | "am"
            | "be"
            | "from"
            | "about"
            | "thank"
            | "thanks"
            | "yes"
            | "an"
            | "at"
            | "in"
            | "on"
            | "calling"
    )
}

fn is_spanish_marker(word: &str) -> bool {
    matches!(
        word,
        "el" | "la"
            | "los"
            | "las"
            | "del"
            | "al"
            | "de"
            | "mi"
            | "mis"
            | "su"
            | "que"
            | "es"
            | "esta"
            | "estoy"
            | "con"
            | "por"
            | "para"
            | "una"
            | "un"
            | "yo"
            | "quiero"
            | "quisiera"
            | "necesito"
            | "tengo"
            | "puedo"
            | "puede"
            | "hablar"
            | "saber"
            | "llamo"
            | "llamando"
            | "como"
            | "cuanto"
            | "donde"
            | "cual"
            | "porque"
            | "gracias"
            | "favor"
            | "hola"
            | "bueno"
            | "pues"
            | "este"
            | "ya"
            | "se"
            | "le"
            | "lo"
            | "nos"
            | "usted"
            | "hay"
            | "muy"
            | "tambien"
            | "pero"
            | "ayuda"
            | "nada"
            | "otra"
            | "vez"
    )
}

#[cfg(test)]
mod tests {
    use super::detect_language;

    #[test]
    fn english_sentences() {
        for text in [
            "I need to talk to a representative",
            "what's the status of my case",
            "I can't log into my online account",
            "Spanish please",
        ] {
            assert_eq!(detect_language(text), Some("en-US"), "{text}");
        }
    }

    #[test]
    fn spanish_sentences() {
        for text in [
            "quiero hablar con un agente",
            "quisiera saber el estado de mi caso",
            "cuanto tarda mi solicitud",
            "¿Cuánto tarda?",
            "en español por favor",
        ] {
            assert_eq!(detect_language(text), Some("es-US"), "{text}");
        }
    }

    #[test]
    fn unclear_text() {
        for text in [
            "ok",
            "agente",
            "IOE0123456789",
            "I O E 0 1 2 3 4 5 6 7 8 9",
            "",
            "Emma",
            "no",
        ] {
            assert_eq!(detect_language(text), None, "{text}");
        }
    }
}
