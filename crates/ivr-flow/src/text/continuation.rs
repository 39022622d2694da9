//! Whether a transcript stops in the middle of a sentence: "my receipt number is...",
//! "quiero saber el estado de mi". A caller who pauses there is still talking.

use super::normalize::tokens;

/// Words that cannot end a sentence in English or Spanish: articles, possessives,
/// prepositions, conjunctions, a verb waiting for its complement, and fillers. Normalized
/// (lowercase, no accents), as `tokens` returns them; so no Spanish "si" (if), which would
/// also be "sí" (yes).
const CONTINUATIONS: &[&str] = &[
    // English
    "a", "an", "the", "my", "our", "your", "his", "her", "their", "is", "are", "was", "am", "to",
    "of", "for", "and", "or", "but", "with", "about", "from", "at", "by", "because", "if", "um",
    "uh", "er", "hmm", "number", "i'm", "im", // Spanish
    "el", "la", "los", "las", "un", "una", "unos", "unas", "mi", "mis", "su", "sus", "tu", "es",
    "son", "de", "del", "al", "para", "por", "con", "sobre", "y", "e", "o", "u", "pero", "que",
    "porque", "este", "eh", "em", "pues", "numero",
];

/// The transcript ends where a sentence cannot: on a word from `CONTINUATIONS`, or on the
/// trailing "..." or "," a recognizer writes when the speech seemed to go on.
pub fn ends_unfinished(text: &str) -> bool {
    let trimmed = text.trim_end();
    if trimmed.ends_with("...") || trimmed.ends_with('…') || trimmed.ends_with(',') {
        return true;
    }
    tokens(text)
        .last()
        .is_some_and(|word| CONTINUATIONS.contains(&word.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_cut_short_are_unfinished() {
        for text in [
            "My receipt number is",
            "my receipt number is...",
            "I want to check the",
            "Quiero saber el estado de mi",
            "Mi número de recibo es",
            "I O E 0 1 2,",
            "um",
        ] {
            assert!(ends_unfinished(text), "{text}");
        }
    }

    #[test]
    fn whole_answers_are_not() {
        for text in [
            "I want to check my case status.",
            "Yes.",
            "no",
            "Quiero hablar con un agente.",
            "I O E 0 1 2 3 4 5 6 7 8 9",
            "",
        ] {
            assert!(!ends_unfinished(text), "{text}");
        }
    }
}
