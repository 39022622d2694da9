//! Which intent a caller's utterance expresses, from example phrases per intent and language.
//!
//! Each intent is scored by its best-matching example (see `scoring`), plus credit for
//! utterance words its other examples explain. Word importance is an inverse intent
//! frequency over all examples, so words many intents share ("case", "online") count less
//! than words that single one out ("address", "tty").

use indexmap::IndexMap;
use std::collections::HashSet;

use super::normalize::tokens;
use super::query::{Query, content_words};
use super::scoring::{ExampleMatch, intent_coverage, score_example, share_explained_only_by};
use super::vocabulary::{TermId, Vocabulary};
use super::word_evidence::{TermCounts, posteriors};

/// How well an utterance matches one intent.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentScore {
    pub intent: String,
    /// Language of the example that matched best.
    pub lang: String,
    /// 0.0 (nothing in common) ..= 1.0 (same wording as an example, and no other intent's
    /// examples sharing its words).
    pub score: f32,
    /// How well the best example alone fits: 1.0 is an example word for word, whatever the
    /// other intents say. Tells which language's example the caller spoke.
    pub example_score: f32,
}

/// Outcome of matching an utterance against the active intents.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchDecision {
    Match(IntentScore),
    NoMatch {
        best: Option<IntentScore>,
    },
    /// Two intents fit about equally well; callers treat this as a no-match and re-prompt.
    Ambiguous {
        first: IntentScore,
        second: IntentScore,
    },
}

/// Thresholds turning scores into a decision.
#[derive(Debug, Clone, Copy)]
pub struct MatchPolicy {
    /// Best score below this is a no-match.
    pub min_score: f32,
    /// Best minus second-best below this is ambiguous.
    pub min_margin: f32,
}

/// Share of an intent's score that is the pooled-examples posterior.
const POSTERIOR_WEIGHT: f32 = 0.4;

/// Weight of the part of the utterance the intent's words explain beyond its best example.
const INTENT_WORDS_WEIGHT: f32 = 0.25;

/// A runner-up that alone accounts for this share of the utterance makes the match
/// ambiguous: the caller asked for two things ("representative or main menu").
const SECOND_TOPIC_SHARE: f32 = 0.25;
/// ... and scores this much on its own: a weak runner-up explaining one stray word ("file" in
/// "update my address on file") is not a second request.
const SECOND_TOPIC_MIN_SCORE: f32 = 0.55;

/// An intent that hangs up must be clearly meant: a caller wrongly dropped has to call again.
const ENDS_CALL_MIN_SCORE: f32 = 0.4;
const ENDS_CALL_EXAMPLE_SAID: f32 = 0.8;
const ENDS_CALL_UTTERANCE_SAID: f32 = 0.6;
const ENDS_CALL_MIN_MARGIN: f32 = 0.15;

impl Default for MatchPolicy {
    /// Tuned on the contact-center intents: paraphrases there score 0.52 and up while
    /// off-topic speech stays below 0.43 and a lone vague word ("no") near 0.48; clear
    /// matches lead the runner-up by 0.2 or more, two-topic requests by under 0.03.
    fn default() -> Self {
        MatchPolicy {
            min_score: 0.4,
            min_margin: 0.08,
        }
    }
}

#[derive(Debug, Clone)]
struct Example {
    lang: String,
    /// Content words in spoken order.
    terms: Vec<TermId>,
}

#[derive(Debug, Clone, Default)]
struct Intent {
    examples: Vec<Example>,
    /// Every term of every example, once.
    terms: Vec<TermId>,
    /// Every term of every example, counted.
    counts: TermCounts,
}

/// What `decide` needs to know about a ranked intent beyond its score.
struct Ranked<'a> {
    best_example: &'a Example,
    /// Weighted share of the best example the caller said.
    example_said: f32,
    terms: &'a [TermId],
}

/// Scores utterances against example phrases. Immutable once built; share it in an `Arc`.
#[derive(Debug, Clone, Default)]
pub struct IntentMatcher {
    vocabulary: Vocabulary,
    intents: IndexMap<String, Intent>,
    /// Number of intents whose examples use each term.
    intent_frequency: Vec<u32>,
    /// Weight of each term, refreshed whenever an example is added.
    idf: Vec<f32>,
    /// Intents that hang up: matched only when clearly meant.
    ends_call: HashSet<String>,
}

impl IntentMatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares words that mean the same (a flow's `synonyms:`); call before adding examples.
    pub fn add_synonyms(&mut self, words: &[&str]) {
        let normalized: Vec<String> = words.iter().flat_map(|w| tokens(w)).collect();
        self.vocabulary
            .add_synonyms(normalized.iter().map(String::as_str));
    }

    /// Holds `intent` to the higher bar of intents that end the call.
    pub fn mark_ends_call(&mut self, intent: &str) {
        self.ends_call.insert(intent.to_owned());
    }

    pub fn ends_call(&self, intent: &str) -> bool {
        self.ends_call.contains(intent)
    }

    /// Every intent with examples, in the order first added.
    pub fn intents(&self) -> impl Iterator<Item = &str> {
        self.intents.keys().map(String::as_str)
    }

    /// Adds an example phrase; it is normalized like utterances. An example with no words is ignored.
    pub fn add_example(&mut self, intent: &str, lang: &str, example: &str) {
        let words = content_words(&tokens(example));
        if words.is_empty() {
            return;
        }
        let terms: Vec<TermId> = words
            .iter()
            .map(|word| self.vocabulary.intern(word))
            .collect();
        self.intent_frequency.resize(self.vocabulary.len(), 0);
        let entry = self.intents.entry(intent.to_owned()).or_default();
        for &term in &terms {
            if !entry.terms.contains(&term) {
                entry.terms.push(term);
                if let Some(count) = self.intent_frequency.get_mut(term as usize) {
                    *count += 1;
                }
            }
        }
        entry.counts.add(&terms);
        entry.examples.push(Example {
            lang: lang.to_owned(),
            terms,
        });
        self.refresh_weights();
    }

    /// One score per candidate intent (its best example over all languages), sorted best first.
    /// `candidates` restricts which intents are considered (the ones active in the current listening state).
    /// An empty `candidates` means every known intent; unknown ids are ignored.
    pub fn rank(&self, utterance: &str, candidates: &[&str]) -> Vec<IntentScore> {
        let query = self.query(utterance);
        self.ranked(&query, candidates)
            .into_iter()
            .map(|(score, _)| score)
            .collect()
    }

    /// Low best score -> NoMatch; top two intents closer than min_margin -> Ambiguous (a no-match to the caller).
    /// Also Ambiguous when the runner-up is a match on its own for a part of the utterance
    /// the winner does not explain, i.e. the caller asked for two things.
    pub fn decide(
        &self,
        utterance: &str,
        candidates: &[&str],
        policy: MatchPolicy,
    ) -> MatchDecision {
        let query = self.query(utterance);
        let mut ranked = self.ranked(&query, candidates).into_iter();
        let Some((first, first_intent)) = ranked.next() else {
            return MatchDecision::NoMatch { best: None };
        };
        let ends_call = self.ends_call.contains(&first.intent);
        let min_score = if ends_call {
            policy.min_score.max(ENDS_CALL_MIN_SCORE)
        } else {
            policy.min_score
        };
        // "Buenos días" shares two words with "que tenga buen día" but is a greeting, and
        // "... de todo abismo" holds all of "eso es todo": an intent that hangs up needs one
        // of its examples said nearly whole, and its words to be most of what was said.
        let half_said = ends_call
            && (first_intent.example_said < ENDS_CALL_EXAMPLE_SAID
                || intent_coverage(&query, first_intent.terms) < ENDS_CALL_UTTERANCE_SAID);
        if first.score < min_score || half_said {
            return MatchDecision::NoMatch { best: Some(first) };
        }
        let Some((second, second_intent)) = ranked.next() else {
            return MatchDecision::Match(first);
        };
        let margin = if ends_call {
            policy.min_margin.max(ENDS_CALL_MIN_MARGIN)
        } else {
            policy.min_margin
        };
        let near_tie = first.score - second.score < margin;
        let second_topic = second.example_score >= SECOND_TOPIC_MIN_SCORE
            && share_explained_only_by(
                &query,
                &second_intent.best_example.terms,
                first_intent.terms,
            ) >= SECOND_TOPIC_SHARE;
        if near_tie || second_topic {
            MatchDecision::Ambiguous { first, second }
        } else {
            MatchDecision::Match(first)
        }
    }

    /// How well the utterance matches `intent` counting only its examples in `lang`; None if
    /// the intent has none in that language. Tells "agente" (a Spanish example word for word)
    /// from "no" (an example in both languages) when deciding which language a caller spoke.
    pub fn score_in_language(&self, utterance: &str, intent: &str, lang: &str) -> Option<f32> {
        let query = self.query(utterance);
        let intent = self.intents.get(intent)?;
        self.score_intent(&query, intent, Some(lang))
            .map(|(score, _, _)| score)
    }

    /// An intent's score: its best example (among those in `lang`, when given; ties keep the
    /// first), plus a part for the utterance its other examples' words explain.
    fn score_intent<'a>(
        &self,
        query: &Query,
        intent: &'a Intent,
        lang: Option<&str>,
    ) -> Option<(f32, &'a Example, f32)> {
        let (best, example) = intent
            .examples
            .iter()
            .filter(|example| lang.is_none_or(|l| example.lang == l))
            .map(|example| (score_example(query, &example.terms, &self.idf), example))
            .fold(
                None,
                |best: Option<(ExampleMatch, &Example)>, current| match best {
                    Some(best) if best.0.score >= current.0.score => Some(best),
                    _ => Some(current),
                },
            )?;
        let beyond_example = (intent_coverage(query, &intent.terms) - best.said_covered).max(0.0);
        Some((
            (best.score + INTENT_WORDS_WEIGHT * beyond_example).min(1.0),
            example,
            best.example_covered,
        ))
    }

    fn query(&self, utterance: &str) -> Query {
        Query::new(
            utterance,
            &self.vocabulary,
            |term| self.idf.get(term as usize).copied().unwrap_or(0.0),
            self.unknown_weight(),
        )
    }

    /// Candidate intents with their best example, best first (ties keep definition order).
    ///
    /// An intent's score blends how well its best example explains the words with the
    /// posterior of the pooled-examples reading (see `word_evidence`).
    fn ranked<'a>(&'a self, query: &Query, candidates: &[&str]) -> Vec<(IntentScore, Ranked<'a>)> {
        let scored: Vec<(&String, &Intent, f32, &Example, f32)> = self
            .intents
            .iter()
            .filter(|(id, _)| candidates.is_empty() || candidates.contains(&id.as_str()))
            .filter_map(|(id, intent)| {
                let (score, example, example_said) = self.score_intent(query, intent, None)?;
                Some((id, intent, score, example, example_said))
            })
            .collect();
        let counts: Vec<&TermCounts> = scored.iter().map(|(_, i, ..)| &i.counts).collect();
        let posterior = posteriors(query, &counts, self.vocabulary.len());
        let mut ranked: Vec<(IntentScore, Ranked<'a>)> = scored
            .into_iter()
            .zip(posterior)
            .map(|((id, intent, score, example, example_said), posterior)| {
                let blended = if query.is_empty() || score <= 0.0 {
                    score
                } else {
                    (1.0 - POSTERIOR_WEIGHT) * score + POSTERIOR_WEIGHT * posterior
                };
                (
                    IntentScore {
                        intent: id.clone(),
                        lang: example.lang.clone(),
                        score: blended,
                        example_score: score,
                    },
                    Ranked {
                        best_example: example,
                        example_said,
                        terms: &intent.terms,
                    },
                )
            })
            .collect();
        ranked.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
        ranked
    }

    fn refresh_weights(&mut self) {
        let intents = self.intents.len() as f32;
        self.idf = self
            .intent_frequency
            .iter()
            .map(|&count| (1.0 + intents / count.max(1) as f32).ln())
            .collect();
    }

    /// A word no example uses is as telling as the rarest known word: the caller said
    /// something none of the intents account for.
    fn unknown_weight(&self) -> f32 {
        (1.0 + self.intents.len() as f32).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> IntentMatcher {
        let mut matcher = IntentMatcher::new();
        matcher.add_example("change_address", "en-US", "I need to change my address");
        matcher.add_example("change_address", "es-US", "quiero cambiar mi dirección");
        matcher.add_example("case_status", "en-US", "check my case status");
        matcher.add_example("case_status", "es-US", "estado de mi caso");
        matcher.add_example("agent", "en-US", "talk to an agent");
        matcher
    }

    #[test]
    fn scores_one_language_at_a_time() {
        let mut m = matcher();
        m.add_example("agent", "es-US", "agente");
        let spanish = m.score_in_language("agente", "agent", "es-US");
        let english = m.score_in_language("agente", "agent", "en-US");
        assert!(spanish.is_some_and(|s| s > 0.9), "{spanish:?}");
        assert!(english.is_some_and(|e| e < 0.6), "{english:?}");
        assert_eq!(m.score_in_language("agente", "agent", "fr-FR"), None);
        assert_eq!(m.score_in_language("agente", "nope", "es-US"), None);
    }

    #[test]
    fn ranks_every_candidate_best_first() {
        let ranked = matcher().rank("I changed my address", &[]);
        assert_eq!(ranked.len(), 3);
        assert_eq!(ranked[0].intent, "change_address");
        assert_eq!(ranked[0].lang, "en-US");
        assert!(ranked.windows(2).all(|pair| pair[0].score >= pair[1].score));
        assert!(
            ranked
                .iter()
                .all(|score| (0.0..=1.0).contains(&score.score))
        );
    }

    #[test]
    fn candidates_restrict_the_ranking() {
        let ranked = matcher().rank(
            "estado de mi caso",
            &["agent", "case_status", "nonexistent"],
        );
        let intents: Vec<&str> = ranked.iter().map(|score| score.intent.as_str()).collect();
        assert_eq!(intents, ["case_status", "agent"]);
        assert_eq!(ranked[0].lang, "es-US");
    }

    #[test]
    fn decisions() {
        let matcher = matcher();
        let policy = MatchPolicy::default();
        assert!(matches!(
            matcher.decide("cambiar dirección", &[], policy),
            MatchDecision::Match(IntentScore { ref intent, .. }) if intent == "change_address"
        ));
        assert!(matches!(
            matcher.decide("banana", &[], policy),
            MatchDecision::NoMatch { .. }
        ));
        assert_eq!(
            matcher.decide("agent", &["case_status"], policy),
            MatchDecision::NoMatch {
                best: Some(IntentScore {
                    intent: "case_status".into(),
                    lang: "en-US".into(),
                    score: 0.0,
                    example_score: 0.0,
                })
            }
        );
        assert_eq!(
            IntentMatcher::new().decide("agent", &[], policy),
            MatchDecision::NoMatch { best: None }
        );
    }

    #[test]
    fn is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<IntentMatcher>();
    }
}
