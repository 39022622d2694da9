//! Spelled-out codes: letter names and digits as a stream of symbols.
//!
//! Callers spell receipt numbers with letter names in either language ("eye oh ee",
//! "i latina o e") and recognizers may glue or split them ("IOE0123", "I.O.E."), so every
//! form is reduced to one symbol per spelled character.

/// One spelled character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Symbol {
    Letter(char),
    Digit(char),
    /// "oh"/"o": the letter O among letters, zero among digits.
    LetterOrZero,
    /// "y": the letter Y in English ("why"), but the letter I said in Spanish sounds the same
    /// as the word "y" and recognizers write it so.
    IOrY,
    /// A word that is not part of a spelling.
    Break,
}

impl Symbol {
    pub(crate) fn as_letter(self) -> Option<char> {
        match self {
            Symbol::Letter(c) => Some(c),
            Symbol::LetterOrZero => Some('O'),
            Symbol::IOrY => Some('Y'),
            _ => None,
        }
    }

    pub(crate) fn as_digit(self) -> Option<char> {
        match self {
            Symbol::Digit(c) => Some(c),
            Symbol::LetterOrZero => Some('0'),
            _ => None,
        }
    }
}

/// Reads normalized words as spelled symbols.
pub(crate) fn spelled_symbols(words: &[String]) -> Vec<Symbol> {
    let mut symbols = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = words[index].as_str();
        let next = words.get(index + 1).map(String::as_str);
        if let Some(letter) = next.and_then(|next| two_word_letter(word, next)) {
            symbols.push(Symbol::Letter(letter));
            index += 2;
            continue;
        }
        if let (Some(times), Some(repeated)) = (repeat_count(word), next.and_then(single_digit)) {
            symbols.extend(std::iter::repeat_n(repeated, times));
            index += 2;
            continue;
        }
        push_word(word, &mut symbols);
        index += 1;
    }
    symbols
}

fn push_word(word: &str, symbols: &mut Vec<Symbol>) {
    if matches!(word, "oh" | "o" | "owe") {
        symbols.push(Symbol::LetterOrZero);
    } else if word == "y" {
        symbols.push(Symbol::IOrY);
    } else if let Some(letter) = letter_name(word) {
        symbols.push(Symbol::Letter(letter));
    } else if is_glued_code(word) {
        symbols.extend(word.chars().map(|c| {
            if c.is_ascii_digit() {
                Symbol::Digit(c)
            } else {
                Symbol::Letter(c.to_ascii_uppercase())
            }
        }));
    } else {
        symbols.push(Symbol::Break);
    }
}

/// Digits, a few letters, or letters and digits run together ("ioe", "ioe0123456789").
///
/// Longer all-letter words are ordinary words, not spellings.
fn is_glued_code(word: &str) -> bool {
    let ascii_alnum = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric());
    let has_digit = word.bytes().any(|b| b.is_ascii_digit());
    ascii_alnum && (has_digit || word.len() <= 3)
}

fn single_digit(word: &str) -> Option<Symbol> {
    match word {
        "oh" => Some(Symbol::LetterOrZero),
        _ if word.len() == 1 && word.bytes().all(|b| b.is_ascii_digit()) => {
            word.chars().next().map(Symbol::Digit)
        }
        _ => None,
    }
}

fn repeat_count(word: &str) -> Option<usize> {
    match word {
        "double" => Some(2),
        "triple" => Some(3),
        _ => None,
    }
}

fn two_word_letter(first: &str, second: &str) -> Option<char> {
    let letter = match (first, second) {
        ("i", "latina") => 'I',
        ("i" | "y", "griega" | "grega") => 'Y',
        ("doble" | "double", "ve" | "u" | "uve" | "you" | "v") => 'W',
        ("be", "larga" | "grande" | "alta") => 'B',
        ("ve", "corta" | "chica" | "pequena" | "baja") => 'V',
        _ => return None,
    };
    Some(letter)
}

/// English and Spanish letter names, plus spellings recognizers produce for them.
pub(crate) fn letter_name(word: &str) -> Option<char> {
    let letter = match word {
        "ay" => 'A',
        "be" | "bee" => 'B',
        "see" | "sea" | "cee" | "ce" | "se" => 'C',
        "dee" | "de" => 'D',
        "ee" => 'E',
        "ef" | "eff" | "efe" => 'F',
        "gee" | "ge" => 'G',
        "aitch" | "haitch" | "hache" | "ache" => 'H',
        "eye" | "aye" => 'I',
        "jay" | "jota" => 'J',
        "kay" | "ka" | "ca" => 'K',
        "el" | "ell" | "elle" | "ele" => 'L',
        "em" | "eme" => 'M',
        "en" | "ene" => 'N',
        "pee" | "pea" | "pe" => 'P',
        "cue" | "queue" | "cu" | "kyu" => 'Q',
        "are" | "ar" | "erre" | "ere" => 'R',
        "ess" | "es" | "ese" => 'S',
        "tee" | "tea" | "te" => 'T',
        "you" | "yu" | "ewe" => 'U',
        "vee" | "ve" | "uve" => 'V',
        "ex" | "equis" => 'X',
        "why" | "wye" | "ye" => 'Y',
        "zee" | "zed" | "zeta" | "seta" => 'Z',
        _ => return None,
    };
    Some(letter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::tokens;

    fn spelled(text: &str) -> String {
        spelled_symbols(&tokens(text))
            .into_iter()
            .map(|symbol| match symbol {
                Symbol::Letter(c) | Symbol::Digit(c) => c,
                Symbol::LetterOrZero => '?',
                Symbol::IOrY => '~',
                Symbol::Break => '_',
            })
            .collect()
    }

    #[test]
    fn letter_names_in_both_languages() {
        assert_eq!(spelled("eye oh ee"), "I?E");
        assert_eq!(spelled("i latina o e"), "I?E");
        assert_eq!(spelled("doble ve a ce"), "WAC");
        assert_eq!(spelled("double u a see"), "WAC");
        assert_eq!(spelled("ye ese ce"), "YSC");
        assert_eq!(spelled("i griega ese ce"), "YSC");
        assert_eq!(spelled("Y Grega, S, C"), "YSC");
        assert_eq!(spelled("Y OE"), "~OE");
        assert_eq!(spelled("el i en"), "LIN");
    }

    #[test]
    fn glued_and_punctuated_codes() {
        assert_eq!(spelled("IOE0123"), "IOE0123");
        assert_eq!(spelled("I.O.E.-01"), "I?E01");
        assert_eq!(spelled("receipt ioe"), "_IOE");
    }

    #[test]
    fn repeated_digits() {
        assert_eq!(spelled("double five triple oh"), "55???");
        assert_eq!(spelled("double u"), "W");
    }
}
