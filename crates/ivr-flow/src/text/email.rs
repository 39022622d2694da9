//! Spoken e-mail addresses: "john dot smith at gmail dot com" -> "john.smith@gmail.com".

use super::normalize::fold_accent;
use super::numbers::digit_word;

/// The address spoken (or transcribed literally) in `text`, if it looks like local@domain.tld.
pub(crate) fn email_from_speech(text: &str) -> Option<String> {
    let pieces = spoken_pieces(&split_keeping_symbols(text));
    let at = pieces.iter().position(|piece| piece == "@")?;
    // "my email is ...", "mi correo es ...": everything up to the last such word is preamble.
    let start = pieces[..at]
        .iter()
        .rposition(|piece| is_preamble(piece))
        .map_or(0, |index| index + 1);
    let mut end = pieces.len();
    // The sentence's own full stop ("... at outlook.com.") and words after the address.
    while end > at + 1 && (is_closing(&pieces[end - 1]) || pieces[end - 1] == ".") {
        end -= 1;
    }
    let address: String = pieces[start..end].concat();
    is_plausible_address(&address).then_some(address)
}

/// Lowercased, accent-folded words, with the address symbols as words of their own.
fn split_keeping_symbols(text: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        match c {
            '@' | '.' | '_' | '-' => {
                spaced.push(' ');
                spaced.push(c);
                spaced.push(' ');
            }
            '\'' | '\u{2019}' => {}
            c if c.is_ascii_alphanumeric() => spaced.push(c),
            _ => spaced.push(' '),
        }
    }
    spaced.split_whitespace().map(str::to_owned).collect()
}

/// Replaces spoken symbol names and digit words with what they stand for.
fn spoken_pieces(words: &[String]) -> Vec<String> {
    let mut pieces = Vec::with_capacity(words.len());
    let mut index = 0;
    while index < words.len() {
        let word = words[index].as_str();
        let next = words.get(index + 1).map(String::as_str);
        let (piece, used) = match (word, next) {
            ("guion" | "low", Some("bajo" | "dash")) | ("under", Some("score")) => {
                ("_".to_owned(), 2)
            }
            ("underscore" | "underline", _) => ("_".to_owned(), 1),
            ("at" | "arroba", _) => ("@".to_owned(), 1),
            ("dot" | "punto" | "period", _) => (".".to_owned(), 1),
            ("dash" | "hyphen" | "guion" | "minus", _) => ("-".to_owned(), 1),
            _ => match digit_word(word) {
                Some(digit) => (digit.to_string(), 1),
                None => (word.to_owned(), 1),
            },
        };
        pieces.push(piece);
        index += used;
    }
    pieces
}

fn is_preamble(word: &str) -> bool {
    matches!(
        word,
        "is" | "es" | "its" | "email" | "mail" | "correo" | "electronico" | "address"
    )
}

fn is_closing(word: &str) -> bool {
    matches!(
        word,
        "thank" | "thanks" | "you" | "please" | "gracias" | "por" | "favor" | "ok" | "okay"
    )
}

fn is_plausible_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    local_ok && labels_ok && tld_ok
}

#[cfg(test)]
mod tests {
    use super::email_from_speech;

    #[test]
    fn spoken_addresses() {
        for (text, expected) in [
            ("john dot smith at gmail dot com", "john.smith@gmail.com"),
            ("John.Smith@Gmail.com", "john.smith@gmail.com"),
            // Whisper ends the sentence with a full stop.
            (
                "My email is John Smith at outlook.com.",
                "johnsmith@outlook.com",
            ),
            (
                "my email is john dot smith at gmail dot com thank you",
                "john.smith@gmail.com",
            ),
            (
                "mi correo es maría punto lópez arroba hotmail punto com",
                "maria.lopez@hotmail.com",
            ),
            (
                "ana guion bajo perez arroba yahoo punto com punto mx",
                "ana_perez@yahoo.com.mx",
            ),
            (
                "j underscore doe dash one two at example dot org",
                "j_doe-12@example.org",
            ),
            (
                "pedro guion ruiz arroba correo punto es",
                "pedro-ruiz@correo.es",
            ),
        ] {
            assert_eq!(email_from_speech(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn not_addresses() {
        for text in [
            "john smith",
            "john at gmail",
            "at gmail dot com",
            "john dot at gmail dot com",
            "",
            "john at gmail dot 1",
        ] {
            assert_eq!(email_from_speech(text), None, "{text}");
        }
    }
}
