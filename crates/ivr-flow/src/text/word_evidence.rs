//! A second reading of an utterance: which intent's examples, pooled, make the caller's words
//! most likely (multinomial naive Bayes over the flow's vocabulary, with fuzzy and synonym
//! matches counted as partial occurrences).
//!
//! The example scorer asks "which single example is this most like"; callers often mix the
//! words of two examples of one intent, or add words of their own. Pooling an intent's
//! examples answers that, and its posterior is a probability over the candidate intents, so
//! it reads the same in English and Spanish however many examples each language has.

use super::query::Query;
use super::vocabulary::TermId;
use indexmap::IndexMap;

/// Additive smoothing: an intent that never used a word still might.
const SMOOTHING: f32 = 0.5;

/// How often each term occurs in one intent's examples.
#[derive(Debug, Clone, Default)]
pub(crate) struct TermCounts {
    /// In first-seen order, so sums (and scores) come out the same on every run.
    counts: IndexMap<TermId, f32>,
    total: f32,
}

impl TermCounts {
    pub(crate) fn add(&mut self, terms: &[TermId]) {
        for &term in terms {
            *self.counts.entry(term).or_default() += 1.0;
            self.total += 1.0;
        }
    }

    /// Occurrences of the query's `word` among these terms, a fuzzy match counting its
    /// similarity.
    fn soft_count(&self, query: &Query, word: usize) -> f32 {
        self.counts
            .iter()
            .map(|(&term, &count)| {
                query.similarity[word]
                    .get(term as usize)
                    .copied()
                    .unwrap_or(0.0)
                    * count
            })
            .sum()
    }
}

/// The posterior probability of each intent (same order as `intents`) given the query's
/// words, with equal priors. Words no intent's examples come near are left out: they say
/// nothing about which intent it is. All equal when no word is known.
pub(crate) fn posteriors(
    query: &Query,
    intents: &[&TermCounts],
    vocabulary_size: usize,
) -> Vec<f32> {
    let n = intents.len();
    if n == 0 {
        return Vec::new();
    }
    let mut log_likelihood = vec![0.0f32; n];
    let v = vocabulary_size.max(1) as f32;
    for word in 0..query.weights.len() {
        let soft: Vec<f32> = intents.iter().map(|i| i.soft_count(query, word)).collect();
        if soft.iter().all(|&c| c <= 0.0) {
            continue;
        }
        for (ll, (intent, count)) in log_likelihood.iter_mut().zip(intents.iter().zip(&soft)) {
            *ll += ((count + SMOOTHING) / (intent.total + SMOOTHING * v)).ln();
        }
    }
    let max = log_likelihood
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = log_likelihood.iter().map(|ll| (ll - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}
