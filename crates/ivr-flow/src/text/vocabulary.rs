//! Every word seen in intent examples, with its fuzzy neighbours precomputed.
//!
//! Most words a caller says also occur in some example; keeping each known word's similar
//! words lets ranking skip edit-distance work for them and only scan for unseen words.

use std::borrow::Cow;
use std::collections::HashMap;

use super::similarity::{SYNONYM, Term, similarity};
use super::synonyms::Synonyms;

/// Index of a word in the vocabulary.
pub(crate) type TermId = u32;

#[derive(Debug, Clone)]
pub(crate) struct Vocabulary {
    terms: Vec<Term>,
    /// For each term, the synonym groups it belongs to (looked up once, not per comparison).
    term_groups: Vec<Vec<u32>>,
    ids: HashMap<String, TermId>,
    /// For each term, every term (itself included) with a non-zero similarity.
    neighbors: Vec<Vec<(TermId, f32)>>,
    /// The built-in synonym groups and the flow's own.
    synonyms: Synonyms,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            terms: Vec::new(),
            term_groups: Vec::new(),
            ids: HashMap::new(),
            neighbors: Vec::new(),
            synonyms: Synonyms::builtin().clone(),
        }
    }
}

impl Vocabulary {
    pub(crate) fn len(&self) -> usize {
        self.terms.len()
    }

    /// Adds a synonym group; must come before the words it joins are interned.
    pub(crate) fn add_synonyms<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) {
        self.synonyms.add_group(words);
    }

    /// How alike a word (with its synonym groups) and a known term are, synonyms included.
    fn relatedness(&self, term: &Term, groups: &[u32], other: usize) -> f32 {
        let Some(other_term) = self.terms.get(other) else {
            return 0.0;
        };
        let score = similarity(term, other_term);
        if score > 0.0 {
            return score;
        }
        let shared = self
            .term_groups
            .get(other)
            .is_some_and(|theirs| theirs.iter().any(|group| groups.contains(group)));
        if shared { SYNONYM } else { 0.0 }
    }

    pub(crate) fn id(&self, word: &str) -> Option<TermId> {
        self.ids.get(word).copied()
    }

    /// The id of `word`, adding it (and linking its neighbours) if new.
    pub(crate) fn intern(&mut self, word: &str) -> TermId {
        if let Some(id) = self.id(word) {
            return id;
        }
        let id = TermId::try_from(self.terms.len()).unwrap_or(TermId::MAX);
        let term = Term::new(word);
        let groups = self.synonyms.groups_of(word).to_vec();
        let mut own = vec![(id, 1.0)];
        for (other_id, other) in (0..).zip(0..self.terms.len()) {
            let score = self.relatedness(&term, &groups, other);
            if score > 0.0 {
                own.push((other_id, score));
                if let Some(list) = self.neighbors.get_mut(other_id as usize) {
                    list.push((id, score));
                }
            }
        }
        self.terms.push(term);
        self.term_groups.push(groups);
        self.neighbors.push(own);
        self.ids.insert(word.to_owned(), id);
        id
    }

    /// Known terms similar to `word` (which need not be known), with their similarity.
    pub(crate) fn similar(&self, word: &str) -> Cow<'_, [(TermId, f32)]> {
        if let Some(id) = self.id(word)
            && let Some(list) = self.neighbors.get(id as usize)
        {
            return Cow::Borrowed(list);
        }
        let term = Term::new(word);
        let groups = self.synonyms.groups_of(word);
        (0..)
            .zip(0..self.terms.len())
            .filter_map(|(id, other)| {
                let score = self.relatedness(&term, groups, other);
                (score > 0.0).then_some((id, score))
            })
            .collect::<Vec<_>>()
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable() {
        let mut vocabulary = Vocabulary::default();
        let a = vocabulary.intern("change");
        let b = vocabulary.intern("address");
        assert_eq!(vocabulary.intern("change"), a);
        assert_ne!(a, b);
        assert_eq!(vocabulary.len(), 2);
    }

    #[test]
    fn neighbours_are_found_for_known_and_unknown_words() {
        let mut vocabulary = Vocabulary::default();
        let change = vocabulary.intern("change");
        let changed = vocabulary.intern("changed");
        vocabulary.intern("address");
        let known = vocabulary.similar("change");
        assert!(
            known
                .iter()
                .any(|&(id, score)| id == change && score == 1.0)
        );
        assert!(
            known
                .iter()
                .any(|&(id, score)| id == changed && score > 0.8)
        );
        let unknown = vocabulary.similar("changing");
        assert!(unknown.iter().any(|&(id, _)| id == change));
        assert!(vocabulary.similar("banana").is_empty());
    }
}
