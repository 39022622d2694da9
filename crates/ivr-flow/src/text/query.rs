//! An utterance prepared for scoring against many examples.
//!
//! Everything that depends only on the utterance (tokens, weights, similarity to each known
//! word) is computed once here, so scoring an example is a few table lookups.

use super::normalize::tokens;
use super::stopwords::{is_stopword, without_filler_pairs};
use super::vocabulary::{TermId, Vocabulary};

/// Weight of a number no example uses, as a share of an unknown word's.
const UNKNOWN_NUMBER_SHARE: f32 = 0.25;

pub(crate) struct Query {
    /// Importance of each content word of the utterance.
    pub(crate) weights: Vec<f32>,
    /// For each content word, its similarity to every vocabulary term (indexed by TermId).
    pub(crate) similarity: Vec<Vec<f32>>,
}

impl Query {
    /// `term_weight` gives a known word's weight; `unknown_weight` is used for unseen words.
    pub(crate) fn new(
        utterance: &str,
        vocabulary: &Vocabulary,
        term_weight: impl Fn(TermId) -> f32,
        unknown_weight: f32,
    ) -> Self {
        // No stopword fallback here: an utterance of only fillers ("um", "hello") means nothing.
        let words: Vec<String> =
            join_split_words(without_filler_pairs(tokens(utterance)), vocabulary)
                .into_iter()
                .filter(|word| !is_stopword(word))
                .collect();
        let mut weights = Vec::with_capacity(words.len());
        let mut similarity = Vec::with_capacity(words.len());
        for word in &words {
            let unknown = if word.bytes().all(|b| b.is_ascii_digit()) {
                // An unknown number says little: "one of your offices", Spanish "uno" as an
                // article, a date; numbers that do name something ("90 days") are known.
                unknown_weight * UNKNOWN_NUMBER_SHARE
            } else {
                unknown_weight
            };
            weights.push(vocabulary.id(word).map_or(unknown, &term_weight));
            let mut row = vec![0.0; vocabulary.len()];
            for &(id, score) in vocabulary.similar(word).iter() {
                if let Some(cell) = row.get_mut(id as usize) {
                    *cell = score;
                }
            }
            similarity.push(row);
        }
        Query {
            weights,
            similarity,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

/// Words of an example that carry meaning; all words if every one of them is a stopword.
///
/// Falling back keeps examples such as "that's it" from disappearing entirely.
pub(crate) fn content_words(words: &[String]) -> Vec<String> {
    let content: Vec<String> = words
        .iter()
        .filter(|word| !is_stopword(word))
        .cloned()
        .collect();
    if content.is_empty() {
        words.to_vec()
    } else {
        content
    }
}

/// Rejoins words a recognizer split apart ("a gente" -> "agente", "e mail" -> "email") when the
/// joined form is a known word and a part on its own is unknown or meaningless.
fn join_split_words(words: Vec<String>, vocabulary: &Vocabulary) -> Vec<String> {
    let weak = |word: &str| vocabulary.id(word).is_none() || is_stopword(word);
    let mut out = Vec::with_capacity(words.len());
    let mut index = 0;
    while index < words.len() {
        if let Some(next) = words.get(index + 1) {
            let joined = format!("{}{}", words[index], next);
            if vocabulary.id(&joined).is_some() && (weak(&words[index]) || weak(next)) {
                out.push(joined);
                index += 2;
                continue;
            }
        }
        out.push(words[index].clone());
        index += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(words: &[&str]) -> Vocabulary {
        let mut vocabulary = Vocabulary::default();
        for word in words {
            vocabulary.intern(word);
        }
        vocabulary
    }

    fn owned(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn split_words_are_rejoined_only_when_known() {
        let vocabulary = vocabulary(&["agente", "hablar", "email", "main", "menu"]);
        let joined = join_split_words(owned(&["hablar", "con", "a", "gente"]), &vocabulary);
        assert_eq!(joined, owned(&["hablar", "con", "agente"]));
        assert_eq!(
            join_split_words(owned(&["e", "mail"]), &vocabulary),
            owned(&["email"])
        );
        assert_eq!(
            join_split_words(owned(&["main", "menu"]), &vocabulary),
            owned(&["main", "menu"])
        );
    }

    #[test]
    fn stopwords_are_dropped_unless_nothing_is_left() {
        assert_eq!(
            content_words(&owned(&["um", "the", "agent"])),
            owned(&["agent"])
        );
        assert_eq!(
            content_words(&owned(&["that", "is", "it"])),
            owned(&["that", "is", "it"])
        );
    }

    #[test]
    fn unknown_words_get_the_unknown_weight() {
        let vocabulary = vocabulary(&["agent"]);
        let query = Query::new("um agent banana", &vocabulary, |_| 1.0, 3.0);
        assert_eq!(query.weights, vec![1.0, 3.0]);
        assert_eq!(query.similarity[0], vec![1.0]);
        assert_eq!(query.similarity[1], vec![0.0]);
        assert!(Query::new("", &vocabulary, |_| 1.0, 3.0).is_empty());
        assert!(Query::new("um hello", &vocabulary, |_| 1.0, 3.0).is_empty());
    }
}
