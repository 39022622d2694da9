//! Canonical text form shared by intent matching, language detection and slot parsing.
//!
//! Speech recognizers disagree on case, accents, punctuation and whether numbers come out as
//! words or digits, so everything downstream compares this form instead of raw transcripts.

use super::numbers::number_words_to_digits;

/// Lowercase, strip accents/diacritics (á->a, é->e, í->i, ó->o, ú->u, ü->u, ñ->n), punctuation and symbols -> space
/// (keep apostrophes inside words removed: "what's" -> "whats", "I'd" -> "id"), number words -> digits in English and
/// Spanish ("twenty one" -> "21", "veintiuno" -> "21", "one two three" -> "1 2 3", "cero" -> "0"), collapse whitespace.
pub fn normalize(text: &str) -> String {
    let folded = fold_characters(text);
    let words: Vec<&str> = folded.split_whitespace().collect();
    number_words_to_digits(&words).join(" ")
}

/// `normalize` then split on spaces.
pub fn tokens(text: &str) -> Vec<String> {
    normalize(text)
        .split(' ')
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Character-level pass: lowercase, accent folding, punctuation to spaces.
pub(crate) fn fold_characters(text: &str) -> String {
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(text.len());
    for (index, &c) in chars.iter().enumerate() {
        if is_combining_mark(c) {
            // Decomposed input ("e" + U+0301) must fold like the precomposed form.
            continue;
        }
        if is_apostrophe(c) {
            // Contractions stay one word ("what's" -> "whats") so they can be stopwords.
            let joins_word = out.chars().next_back().is_some_and(char::is_alphanumeric)
                && next_visible(&chars, index + 1).is_some_and(char::is_alphanumeric);
            if !joins_word {
                out.push(' ');
            }
            continue;
        }
        let base = fold_accent(c);
        if base.is_alphanumeric() {
            out.push(base);
        } else {
            out.push(' ');
        }
    }
    out
}

/// The next character that is not a combining mark, since those are dropped.
fn next_visible(chars: &[char], from: usize) -> Option<char> {
    chars[from.min(chars.len())..]
        .iter()
        .copied()
        .find(|&c| !is_combining_mark(c))
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}'
    )
}

/// Maps the Latin letters callers and recognizers actually produce to ASCII.
pub(crate) fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ł' => 'l',
        'š' | 'ś' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lowercases_and_strips_accents_and_punctuation() {
        assert_eq!(
            normalize("¿Cuál es el ESTADO de mi caso?"),
            "cual es el estado de mi caso"
        );
        assert_eq!(
            normalize("Me mudé, ¡quiero cambiar mi dirección!"),
            "me mude quiero cambiar mi direccion"
        );
        assert_eq!(normalize("pingüino  Ñandú"), "pinguino nandu");
        assert_eq!(normalize("e\u{301}xito"), "exito");
    }

    #[test]
    fn contractions_become_one_word() {
        assert_eq!(normalize("What's the status?"), "whats the status");
        assert_eq!(normalize("I'd like to know"), "id like to know");
        assert_eq!(normalize("I can\u{2019}t log in"), "i cant log in");
        assert_eq!(normalize("'quoted'"), "quoted");
    }

    #[test]
    fn symbols_split_words() {
        assert_eq!(normalize("IOE-0123456789"), "ioe 0123456789");
        assert_eq!(normalize("I.O.E. 0123456789"), "i o e 0123456789");
        assert_eq!(normalize("john@gmail.com"), "john gmail com");
    }

    #[test]
    fn number_words_become_digits() {
        assert_eq!(normalize("twenty one"), "21");
        assert_eq!(normalize("veintiuno"), "21");
        assert_eq!(normalize("Veintiún días"), "21 dias");
        assert_eq!(normalize("one two three"), "1 2 3");
        assert_eq!(normalize("cero"), "0");
        assert_eq!(normalize("ninety days"), "90 days");
        assert_eq!(normalize("noventa días"), "90 dias");
    }

    #[test]
    fn tokens_split_the_normalized_text() {
        assert_eq!(tokens("  Hello,   WORLD!! "), vec!["hello", "world"]);
        assert!(tokens(" ...  ").is_empty());
        assert!(tokens("").is_empty());
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(text in any::<String>()) {
            let once = normalize(&text);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn normalize_is_idempotent_on_number_phrases(
            words in prop::collection::vec(prop::sample::select(vec![
                "one", "two", "twenty", "hundred", "and", "thousand", "y", "un", "una", "treinta",
                "ciento", "mil", "millon", "cero", "zero", "veintiun", "case", "a", "oh", "5",
            ]), 0..8)
        ) {
            let once = normalize(&words.join(" "));
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn normalized_text_has_single_spaces_and_no_uppercase(text in any::<String>()) {
            let out = normalize(&text);
            prop_assert!(!out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "));
            prop_assert!(out.chars().all(|c| c == ' ' || c.is_alphanumeric()));
        }
    }
}
