//! One call's recognizer: buffers an utterance, hands it to the model at the end.

use std::sync::Arc;

use ct2rs::Tokenizer as _;

use super::{Inner, hints, lang};
use crate::{RecognitionConfig, Recognizer, RecognizerError, Transcript};

/// Whisper hears at most 30 s; later audio of one utterance is dropped (the VAD ends
/// utterances long before that).
const MAX_SAMPLES: usize = 30 * 8000;

/// The hint prompt for the phrase list it was made from, so a state's phrases are tokenized
/// once per call rather than once per utterance.
#[derive(Default)]
pub(super) struct Hint {
    phrases: Vec<String>,
    /// The phrases that made it into the prompt.
    pub(super) chosen: Vec<String>,
    pub(super) tokens: Vec<String>,
}

impl Hint {
    fn is_for(&self, phrases: &[String]) -> bool {
        self.phrases == phrases
    }
}

/// The hint of each language an utterance may be decoded in: the call's own first.
#[derive(Default)]
pub(super) struct LanguageHints {
    by_language: Vec<(String, Hint)>,
}

impl LanguageHints {
    /// The hint for a primary language subtag ("es"); none if no phrases were given for it.
    pub(super) fn get(&self, code: &str) -> Option<&Hint> {
        self.by_language
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, h)| h)
    }
}

pub(super) struct WhisperRecognizer {
    model: Arc<Inner>,
    config: RecognitionConfig,
    samples: Vec<i16>,
    hints: LanguageHints,
}

impl WhisperRecognizer {
    pub(super) fn new(model: Arc<Inner>) -> WhisperRecognizer {
        WhisperRecognizer {
            model,
            config: RecognitionConfig::default(),
            samples: Vec::new(),
            hints: LanguageHints::default(),
        }
    }
}

impl Recognizer for WhisperRecognizer {
    fn begin(&mut self, config: &RecognitionConfig) -> Result<(), RecognizerError> {
        self.model.check_language(config)?;
        let mut wanted: Vec<(String, &[String])> =
            vec![(lang::primary(&config.lang), config.phrases.as_slice())];
        if config.detect_language {
            for (tag, phrases) in &config.other_languages {
                let code = lang::primary(tag);
                if !wanted.iter().any(|(c, _)| *c == code) {
                    wanted.push((code, phrases.as_slice()));
                }
            }
        }
        // Reuse the hints already made for the same phrases: a call asks the same states often.
        let mut previous = std::mem::take(&mut self.hints.by_language);
        for (code, phrases) in wanted {
            let hint = match previous.iter().position(|(_, h)| h.is_for(phrases)) {
                Some(i) => previous.swap_remove(i).1,
                None => self.model.hint(phrases),
            };
            self.hints.by_language.push((code, hint));
        }
        self.config = config.clone();
        self.samples.clear();
        Ok(())
    }

    fn feed(&mut self, samples: &[i16]) -> Result<Option<String>, RecognizerError> {
        let room = MAX_SAMPLES.saturating_sub(self.samples.len());
        self.samples
            .extend_from_slice(&samples[..samples.len().min(room)]);
        // Whisper does not stream: no partial results.
        Ok(None)
    }

    fn finish(&mut self) -> Result<Transcript, RecognizerError> {
        let samples = std::mem::take(&mut self.samples);
        let result = self.model.transcribe(&samples, &self.config, &self.hints);
        // Keep the allocation for the next utterance of the call.
        self.samples = samples;
        self.samples.clear();
        result
    }
}

impl Inner {
    /// Refuses a language the model or the options cannot decode.
    fn check_language(&self, config: &RecognitionConfig) -> Result<(), RecognizerError> {
        let code = lang::primary(&config.lang);
        if code == "en" {
            return Ok(());
        }
        if !self.options.multilingual {
            return Err(RecognizerError::Config(format!(
                "{} is set up for English only and cannot recognize {}",
                self.name, config.lang
            )));
        }
        if !config.detect_language && self.tokenizer.token_to_id(&lang::token(&code)).is_none() {
            return Err(RecognizerError::Config(format!(
                "{} does not know the language {}",
                self.name, config.lang
            )));
        }
        Ok(())
    }

    /// The hint prompt for these phrases (no tokens: no hint).
    fn hint(&self, phrases: &[String]) -> Hint {
        let budget = self.options.max_hint_tokens;
        if budget == 0 || phrases.is_empty() {
            return Hint {
                phrases: phrases.to_vec(),
                ..Hint::default()
            };
        }
        // A phrase the tokenizer rejects counts as too long, so it is left out.
        let count = |s: &str| self.tokenizer.encode(s).map_or(usize::MAX, |t| t.len());
        let chosen = hints::select_phrases(phrases, budget, &count);
        let mut tokens = self
            .tokenizer
            .encode(&hints::prompt_text(&chosen))
            .unwrap_or_default();
        tokens.truncate(budget);
        Hint {
            phrases: phrases.to_vec(),
            chosen,
            tokens,
        }
    }
}
