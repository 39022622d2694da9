//! How well one example explains an utterance, in 0.0..=1.0.
//!
//! Two coverages are combined: how much of what the caller said the example accounts for
//! (so extra topics lower the score) and how much of the example the caller said (so a
//! single shared word does not match a long example). Both are weighted by word importance.
//! Word order adds a small bonus, enough to separate "status of my case" from a bag of the
//! same words used elsewhere.

use super::query::Query;
use super::vocabulary::TermId;

/// Share of the score that depends on matching word pairs in order.
const ORDER_WEIGHT: f32 = 0.15;
/// A word pair counts as in order only if both words are this close.
const ORDER_MIN_SIMILARITY: f32 = 0.8;

/// How one example matched.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct ExampleMatch {
    pub(crate) score: f32,
    /// Weighted share of the utterance the example accounts for.
    pub(crate) said_covered: f32,
    /// Weighted share of the example the caller said.
    pub(crate) example_covered: f32,
}

/// Score of `example` (content terms in order) against `query`; `idf` weighs example terms.
pub(crate) fn score_example(query: &Query, example: &[TermId], idf: &[f32]) -> ExampleMatch {
    if query.is_empty() || example.is_empty() {
        return ExampleMatch::default();
    }
    let similarity = |word: usize, term: TermId| -> f32 {
        query.similarity[word]
            .get(term as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let term_weight = |term: TermId| idf.get(term as usize).copied().unwrap_or(0.0);

    let (mut said_covered, mut said_total) = (0.0f32, 0.0f32);
    for (&weight, covered) in query.weights.iter().zip(word_coverage(query, example)) {
        said_covered += weight * covered;
        said_total += weight;
    }
    let (mut example_covered, mut example_total) = (0.0f32, 0.0f32);
    for &term in example {
        let best = (0..query.weights.len())
            .map(|word| similarity(word, term))
            .fold(0.0, f32::max);
        example_covered += term_weight(term) * best;
        example_total += term_weight(term);
    }
    if said_total <= 0.0 || example_total <= 0.0 {
        return ExampleMatch::default();
    }
    let said_covered = said_covered / said_total;
    let coverage = (said_covered * (example_covered / example_total)).sqrt();
    let order = in_order_share(query, example, similarity);
    let score = (coverage * (1.0 - ORDER_WEIGHT + ORDER_WEIGHT * order)).clamp(0.0, 1.0);
    ExampleMatch {
        score,
        said_covered,
        example_covered: example_covered / example_total,
    }
}

/// For each word of the utterance, how well the example accounts for it.
pub(crate) fn word_coverage(query: &Query, example: &[TermId]) -> impl Iterator<Item = f32> {
    query.similarity.iter().map(move |row| {
        example
            .iter()
            .map(|&term| row.get(term as usize).copied().unwrap_or(0.0))
            .fold(0.0, f32::max)
    })
}

/// Weighted share of the utterance that some word of an intent accounts for.
///
/// Callers combine details that no single example holds together ("tarjeta" from one
/// example, "error" from another); the part of this beyond the best example's coverage
/// credits the intent for them.
pub(crate) fn intent_coverage(query: &Query, intent_terms: &[TermId]) -> f32 {
    let total: f32 = query.weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let covered: f32 = query
        .weights
        .iter()
        .zip(word_coverage(query, intent_terms))
        .map(|(w, c)| w * c)
        .sum();
    covered / total
}

/// Weighted share of the utterance that `other` accounts for better than `winner` does.
///
/// Large when the caller asked for two things at once: each intent explains its own half.
pub(crate) fn share_explained_only_by(query: &Query, other: &[TermId], winner: &[TermId]) -> f32 {
    let total: f32 = query.weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let extra: f32 = query
        .weights
        .iter()
        .zip(word_coverage(query, other).zip(word_coverage(query, winner)))
        .map(|(weight, (other, winner))| weight * (other - winner).max(0.0))
        .sum();
    extra / total
}

/// Share of the example's adjacent word pairs that the caller said adjacently too.
fn in_order_share(
    query: &Query,
    example: &[TermId],
    similarity: impl Fn(usize, TermId) -> f32,
) -> f32 {
    if example.len() < 2 {
        return 1.0;
    }
    let said = query.weights.len();
    let matched = example
        .windows(2)
        .filter(|pair| {
            (1..said).any(|word| {
                similarity(word - 1, pair[0]) >= ORDER_MIN_SIMILARITY
                    && similarity(word, pair[1]) >= ORDER_MIN_SIMILARITY
            })
        })
        .count();
    matched as f32 / (example.len() - 1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query whose words match terms exactly: word i is term `terms[i]`, each of weight 1.
    fn query(terms: &[TermId], vocabulary_size: usize) -> Query {
        let similarity = terms
            .iter()
            .map(|&term| {
                (0..vocabulary_size)
                    .map(|id| if id == term as usize { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect();
        Query {
            weights: vec![1.0; terms.len()],
            similarity,
        }
    }

    #[test]
    fn identical_wording_scores_one() {
        let idf = [1.0; 4];
        assert!((score_example(&query(&[0, 1, 2], 4), &[0, 1, 2], &idf).score - 1.0).abs() < 1e-6);
    }

    #[test]
    fn partial_overlap_scores_between() {
        let idf = [1.0; 4];
        let partial = score_example(&query(&[0, 3], 4), &[0, 1], &idf);
        assert!(partial.score > 0.3 && partial.score < 0.6, "{partial:?}");
        assert!((partial.said_covered - 0.5).abs() < 1e-6);
        assert_eq!(
            score_example(&query(&[3], 4), &[0, 1], &idf),
            ExampleMatch::default()
        );
    }

    #[test]
    fn order_counts_a_little() {
        let idf = [1.0; 4];
        let in_order = score_example(&query(&[0, 1], 4), &[0, 1], &idf).score;
        let reversed = score_example(&query(&[1, 0], 4), &[0, 1], &idf).score;
        assert!(in_order > reversed && reversed > 0.8);
    }

    #[test]
    fn separate_topics_are_measured() {
        let two_topics = query(&[0, 1, 2, 3], 4);
        assert!((share_explained_only_by(&two_topics, &[2, 3], &[0, 1]) - 0.5).abs() < 1e-6);
        assert_eq!(share_explained_only_by(&two_topics, &[0], &[0, 1]), 0.0);
    }

    #[test]
    fn rare_words_weigh_more() {
        let idf = [3.0, 0.5, 1.0, 1.0];
        let rare = score_example(&query(&[0], 4), &[0, 1], &idf).score;
        let common = score_example(&query(&[1], 4), &[0, 1], &idf).score;
        assert!(rare > common);
    }
}
