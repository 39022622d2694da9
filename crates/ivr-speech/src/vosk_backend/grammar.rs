//! Turning a listening state's phrases (written for people) into a Vosk grammar.

use crate::recognizer::RecognizerError;

/// Vosk vocabularies are lower case without punctuation, and the `vosk` crate pastes phrases
/// into a JSON list unescaped: lower-case, turn everything but letters, digits and apostrophes
/// ("don't") into spaces, and collapse runs of spaces.
pub(super) fn normalize_phrase(phrase: &str) -> String {
    let cleaned: String = phrase
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .to_lowercase();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The grammar for `phrases`: normalized, without duplicates and phrases that have a word the
/// model does not know (Vosk would drop them with only a log line), plus `[unk]` when the
/// model has it, so speech outside the list comes back as "[unk]" rather than as the closest
/// phrase. An error when no phrase is left: the state could then never be answered by voice.
pub(super) fn build(
    phrases: &[String],
    has_unk: bool,
    mut knows_word: impl FnMut(&str) -> bool,
) -> Result<Vec<String>, RecognizerError> {
    let mut grammar: Vec<String> = Vec::new();
    for phrase in phrases {
        let normalized = normalize_phrase(phrase);
        if normalized.is_empty() || grammar.contains(&normalized) {
            continue;
        }
        if normalized.split(' ').all(&mut knows_word) {
            grammar.push(normalized);
        }
    }
    if grammar.is_empty() {
        let shown: Vec<&str> = phrases.iter().take(3).map(String::as_str).collect();
        return Err(RecognizerError::Config(format!(
            "none of the {} phrases (e.g. {shown:?}) is in the Vosk model's vocabulary: check \
             that the model's language is the flow's",
            phrases.len()
        )));
    }
    if has_unk {
        grammar.push("[unk]".into());
    }
    Ok(grammar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn normalizes_case_punctuation_and_quotes() {
        assert_eq!(
            normalize_phrase("  I'd like an AGENT, please! "),
            "i'd like an agent please"
        );
        assert_eq!(normalize_phrase("say \"yes\"\\now"), "say yes now");
        assert_eq!(normalize_phrase("상담원."), "상담원");
        assert_eq!(normalize_phrase("?!"), "");
    }

    #[test]
    fn drops_unknown_and_duplicate_phrases_and_adds_unk_only_when_known() {
        let known = |w: &str| w != "zzz";
        let list = phrases(&["Yes", "yes!", "zzz top", "no"]);
        assert_eq!(
            build(&list, false, known).ok(),
            Some(phrases(&["yes", "no"]))
        );
        assert_eq!(
            build(&list, true, known).ok(),
            Some(phrases(&["yes", "no", "[unk]"]))
        );
    }

    #[test]
    fn no_usable_phrase_is_a_config_error() {
        let result = build(&phrases(&["zzz"]), true, |_| false);
        assert!(
            matches!(&result, Err(RecognizerError::Config(m)) if m.contains("vocabulary")),
            "{result:?}"
        );
    }
}
