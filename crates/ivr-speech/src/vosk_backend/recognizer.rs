//! One call's Vosk recognizer.

use std::sync::Arc;

use super::{Shared, grammar};
use crate::recognizer::{RecognitionConfig, Recognizer, RecognizerError, Transcript, Word};

/// Telephone audio; Vosk resamples to the model's rate itself.
const SAMPLE_RATE: f32 = 8000.0;

pub(super) struct VoskRecognizer {
    shared: Arc<Shared>,
    /// Kept across utterances while the phrase list stays the same: building a grammar
    /// recognizer costs ~70 ms, a reset nothing.
    active: Option<Active>,
    /// The utterance begun and not finished yet.
    utterance: Option<Utterance>,
}

struct Active {
    vosk: vosk::Recognizer,
    /// The phrases it was built for, as given (empty: free dictation).
    phrases: Vec<String>,
    /// Samples fed since it was built: Vosk's word times count from then, across resets.
    fed: u64,
}

struct Utterance {
    lang: String,
    /// Where this utterance starts on Vosk's clock, to make word times utterance-relative.
    start_ms: u64,
    /// Parts Vosk already finalized: its own endpointer cuts at pauses inside an utterance,
    /// and a finalized part is lost unless collected before more audio goes in.
    parts: Vec<Part>,
}

struct Part {
    text: String,
    words: Vec<Word>,
}

impl VoskRecognizer {
    pub(super) fn new(shared: Arc<Shared>) -> VoskRecognizer {
        VoskRecognizer {
            shared,
            active: None,
            utterance: None,
        }
    }

    fn build(&self, phrases: &[String]) -> Result<vosk::Recognizer, RecognizerError> {
        let grammar = if phrases.is_empty() {
            None
        } else {
            Some(grammar::build(phrases, self.shared.has_unk, |word| {
                self.shared.knows_word(word)
            })?)
        };
        let model = self.shared.lock();
        let created = match &grammar {
            None => vosk::Recognizer::new(&model, SAMPLE_RATE),
            Some(grammar) => vosk::Recognizer::new_with_grammar(&model, SAMPLE_RATE, grammar),
        };
        let mut vosk = created.ok_or_else(|| {
            RecognizerError::Config(format!(
                "Vosk could not create a recognizer at {SAMPLE_RATE} Hz{} (its log says why)",
                if grammar.is_some() {
                    " with a grammar"
                } else {
                    ""
                }
            ))
        })?;
        vosk.set_words(true);
        Ok(vosk)
    }
}

/// The recognizer and the utterance in progress (borrowed apart from `shared`, so the model
/// lock can be held meanwhile).
fn parts<'a>(
    active: &'a mut Option<Active>,
    utterance: &'a mut Option<Utterance>,
) -> Result<(&'a mut Active, &'a mut Utterance), RecognizerError> {
    match (active, utterance) {
        (Some(active), Some(utterance)) => Ok((active, utterance)),
        _ => Err(RecognizerError::Decode(
            "no utterance in progress: call begin first".into(),
        )),
    }
}

impl Drop for VoskRecognizer {
    fn drop(&mut self) {
        // Freeing a Vosk recognizer releases its share of the model's graph: under the lock.
        let _model = self.shared.lock();
        self.active = None;
    }
}

impl Recognizer for VoskRecognizer {
    fn begin(&mut self, config: &RecognitionConfig) -> Result<(), RecognizerError> {
        self.utterance = None;
        match &mut self.active {
            Some(active) if active.phrases == config.phrases => {
                let _model = self.shared.lock();
                active.vosk.reset();
            }
            _ => {
                // Drop the old one first: two live recognizers would double the memory.
                if let Some(old) = self.active.take() {
                    let _model = self.shared.lock();
                    drop(old);
                }
                let vosk = self.build(&config.phrases)?;
                self.active = Some(Active {
                    vosk,
                    phrases: config.phrases.clone(),
                    fed: 0,
                });
            }
        }
        let fed = self.active.as_ref().map_or(0, |active| active.fed);
        self.utterance = Some(Utterance {
            lang: config.lang.clone(),
            start_ms: fed * 1000 / SAMPLE_RATE as u64,
            parts: Vec::new(),
        });
        Ok(())
    }

    fn feed(&mut self, samples: &[i16]) -> Result<Option<String>, RecognizerError> {
        let _model = self.shared.lock();
        let (active, utterance) = parts(&mut self.active, &mut self.utterance)?;
        let vosk = &mut active.vosk;
        let state = vosk
            .accept_waveform(samples)
            .map_err(|e| RecognizerError::Decode(e.to_string()))?;
        active.fed += samples.len() as u64;
        let partial = match state {
            vosk::DecodingState::Failed => {
                return Err(RecognizerError::Decode(
                    "Vosk failed to decode the audio".into(),
                ));
            }
            vosk::DecodingState::Finalized => {
                utterance
                    .parts
                    .push(part(vosk.result(), utterance.start_ms));
                String::new()
            }
            vosk::DecodingState::Running => vosk.partial_result().partial.to_owned(),
        };
        let mut texts: Vec<&str> = utterance.parts.iter().map(|p| p.text.as_str()).collect();
        texts.push(partial.as_str());
        Ok(Some(join_nonempty(texts)))
    }

    fn finish(&mut self) -> Result<Transcript, RecognizerError> {
        let last = {
            let _model = self.shared.lock();
            let (active, utterance) = parts(&mut self.active, &mut self.utterance)?;
            part(active.vosk.final_result(), utterance.start_ms)
        };
        let Some(mut utterance) = self.utterance.take() else {
            return Err(RecognizerError::Decode("no utterance in progress".into()));
        };
        utterance.parts.push(last);
        let text = join_nonempty(utterance.parts.iter().map(|p| p.text.as_str()));
        let words: Vec<Word> = utterance.parts.into_iter().flat_map(|p| p.words).collect();
        Ok(Transcript {
            text,
            confidence: mean_confidence(&words),
            lang: Some(utterance.lang).filter(|lang| !lang.is_empty()),
            words,
            // A grammar already limits Vosk to the expected phrases; one reading is enough.
            alternatives: Vec::new(),
        })
    }
}

/// One finalized stretch of Vosk output. With a grammar that has `[unk]`, speech outside the
/// phrases comes back as the word "[unk]"; it stays in the text so the call counts it as a
/// no-match, not as silence.
fn part(result: vosk::CompleteResult<'_>, start_ms: u64) -> Part {
    match result {
        vosk::CompleteResult::Single(single) => Part {
            text: single.text.to_owned(),
            words: single
                .result
                .iter()
                .map(|w| Word {
                    text: w.word.to_owned(),
                    start_ms: utterance_ms(w.start, start_ms),
                    end_ms: utterance_ms(w.end, start_ms),
                    confidence: w.conf.clamp(0.0, 1.0),
                })
                .collect(),
        },
        // Only with max_alternatives > 0, which this backend never sets.
        vosk::CompleteResult::Multiple(multiple) => Part {
            text: multiple
                .alternatives
                .first()
                .map(|a| a.text.to_owned())
                .unwrap_or_default(),
            words: Vec::new(),
        },
    }
}

/// A Vosk time (seconds since the recognizer was built) in ms since `start_ms`.
fn utterance_ms(seconds: f32, start_ms: u64) -> u32 {
    // Saturating float-to-int casts: negative or NaN times become 0.
    let ms = (f64::from(seconds) * 1000.0).round() as u64;
    u32::try_from(ms.saturating_sub(start_ms)).unwrap_or(u32::MAX)
}

fn mean_confidence(words: &[Word]) -> f32 {
    if words.is_empty() {
        return 0.0;
    }
    words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32
}

fn join_nonempty<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    texts
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_is_the_mean_and_zero_without_words() {
        let word = |confidence| Word {
            text: "예".into(),
            start_ms: 0,
            end_ms: 1,
            confidence,
        };
        assert_eq!(mean_confidence(&[]), 0.0);
        assert_eq!(mean_confidence(&[word(1.0), word(0.5)]), 0.75);
    }

    #[test]
    fn times_count_from_the_utterance_and_never_go_negative() {
        assert_eq!(utterance_ms(1.2345, 0), 1235);
        assert_eq!(utterance_ms(3.5, 2000), 1500);
        assert_eq!(utterance_ms(1.0, 2000), 0);
        assert_eq!(utterance_ms(-0.5, 0), 0);
    }
}
