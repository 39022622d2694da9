//! The decode of one utterance: features, language, a greedy decoder run, clean-up.

use std::fmt::Display;

use ct2rs::Tokenizer as _;
use ct2rs::sys::{Device, StorageView, WhisperOptions as DecodeOptions};

use super::recognizer::{Hint, LanguageHints};
use super::{Inner, cleanup, hints, lang, mel, resample};
use crate::{Alternative, RecognitionConfig, RecognizerError, Transcript};

const RATE: usize = 8000;
/// Under 0.2 s there is no word to hear, only a click the VAD let through.
const MIN_SAMPLES: usize = RATE / 5;
/// Whisper's own rule for "nothing was said": the no-speech token is likely and the text the
/// decoder produced anyway is improbable.
const NO_SPEECH_PROB: f32 = 0.6;
const NO_SPEECH_LOGPROB: f32 = -1.0;
/// A no-speech probability this high means silence whatever the text's score: a hint prompt
/// makes the decoder confidently invent a hint-like phrase over noise. Measured here: hiss
/// (-50 to -25 dBFS) gave 0.87-0.93; espeak-ng speech 0.05-0.58.
const NO_SPEECH_ALONE: f32 = 0.85;

fn decode_error(e: impl Display) -> RecognizerError {
    RecognizerError::Decode(format!("{e:#}"))
}

/// Loudness of the utterance in dB relative to full scale.
fn rms_dbfs(samples: &[i16]) -> f32 {
    let energy: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (energy / samples.len().max(1) as f64).sqrt() / 32768.0;
    (20.0 * rms.max(1e-10).log10()) as f32
}

impl Inner {
    /// The language to decode in: fixed by the call, or the likeliest allowed one.
    fn language(
        &self,
        encoded: &StorageView,
        config: &RecognitionConfig,
    ) -> Result<String, RecognizerError> {
        if !self.options.multilingual {
            return Ok("en".to_string());
        }
        let fixed = lang::primary(&config.lang);
        if !config.detect_language {
            return Ok(fixed);
        }
        let ranked = self
            .whisper
            .detect_language(encoded)
            .map_err(decode_error)?;
        // Best first; the first allowed one wins. The call's own language is always allowed.
        let allowed =
            |code: &str| code == fixed || self.options.detect_languages.iter().any(|l| l == code);
        let best = ranked
            .into_iter()
            .next()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| lang::code_of(&d.language).map(str::to_string))
            .find(|code| allowed(code));
        Ok(best.unwrap_or(fixed))
    }

    fn prompt(&self, code: &str, hint: &[String]) -> Vec<String> {
        let mut prompt = Vec::with_capacity(hint.len() + 5);
        if !hint.is_empty() {
            prompt.push("<|startofprev|>".to_string());
            prompt.extend_from_slice(hint);
        }
        prompt.push("<|startoftranscript|>".to_string());
        // English-only models have no language or task tokens.
        if self.whisper.is_multilingual() {
            prompt.push(lang::token(code));
            prompt.push("<|transcribe|>".to_string());
        }
        prompt.push("<|notimestamps|>".to_string());
        prompt
    }

    /// The transcript of one utterance of 8 kHz audio.
    pub(super) fn transcribe(
        &self,
        samples: &[i16],
        config: &RecognitionConfig,
        hints: &LanguageHints,
    ) -> Result<Transcript, RecognizerError> {
        if samples.len() < MIN_SAMPLES || rms_dbfs(samples) < self.options.silence_dbfs {
            return Ok(Transcript::default());
        }
        let audio = resample::upsample_8k_to_16k(samples);
        let mut features = self.mel.features(&audio);
        let n_mels = features.len() / mel::N_FRAMES;
        let view = StorageView::new(&[1, n_mels, mel::N_FRAMES], &mut features, Device::CPU)
            .map_err(decode_error)?;
        // Encode once: language detection and decoding (and a retry) all start from it.
        let encoded = self.whisper.encode(&view, false).map_err(decode_error)?;
        let code = self.language(&encoded, config)?;
        // Hints in the language the utterance is decoded in: English phrases would pull a
        // Spanish answer toward English words.
        let no_hint = Hint::default();
        let hint = hints.get(&code).unwrap_or(&no_hint);
        let mut decoded = self.decode(&encoded, &code, &hint.tokens, samples.len())?;
        if !hint.tokens.is_empty() && hints::copies_prompt(&decoded.text, &hint.chosen) {
            // The decoder recited the hint instead of listening: decode again without it.
            decoded = self.decode(&encoded, &code, &[], samples.len())?;
        }
        let silent = decoded.no_speech_prob > NO_SPEECH_ALONE
            || (decoded.no_speech_prob > NO_SPEECH_PROB && decoded.avg_logprob < NO_SPEECH_LOGPROB);
        if silent || decoded.text.is_empty() {
            return Ok(Transcript::default());
        }
        Ok(Transcript {
            text: decoded.text,
            confidence: confidence(decoded.avg_logprob),
            lang: Some(lang::report_tag(
                &code,
                std::iter::once(config.lang.as_str())
                    .chain(config.other_languages.keys().map(String::as_str)),
            )),
            words: Vec::new(),
            alternatives: decoded
                .alternatives
                .into_iter()
                .map(|(text, avg_logprob)| Alternative {
                    text,
                    confidence: confidence(avg_logprob),
                })
                .collect(),
        })
    }

    /// One decoder run over the encoded utterance: the best reading and, with a beam, the
    /// other distinct readings the beam ended with.
    fn decode(
        &self,
        encoded: &StorageView,
        code: &str,
        hint: &[String],
        samples: usize,
    ) -> Result<Decoded, RecognizerError> {
        let prompt = self.prompt(code, hint);
        let options = decode_options(
            samples,
            prompt.len(),
            self.options.beam_size,
            self.options.alternatives,
        );
        let results = self
            .whisper
            .generate(encoded, &[prompt], &options)
            .map_err(decode_error)?;
        let Some(result) = results.into_iter().next() else {
            return Err(decode_error("the decoder returned no result"));
        };
        let mut readings = Vec::with_capacity(result.sequences.len());
        for (tokens, score) in result.sequences.into_iter().zip(
            result
                .scores
                .into_iter()
                .chain(std::iter::repeat(f32::NEG_INFINITY)),
        ) {
            // The score is the summed log-probability (end-of-text included) over the token
            // count; turn it into the mean over all decoded tokens, as Whisper's own rules use it.
            let n = tokens.len() as f32;
            let avg_logprob = score * n / (n + 1.0);
            let text_tokens = tokens
                .into_iter()
                .filter(|t| !(t.starts_with("<|") && t.ends_with("|>")));
            let raw = self
                .tokenizer
                .decode(text_tokens.collect())
                .map_err(decode_error)?;
            readings.push((cleanup::clean_transcript(&raw), avg_logprob));
        }
        let mut readings = readings.into_iter();
        let Some((text, avg_logprob)) = readings.next() else {
            return Err(decode_error("the decoder returned no sequence"));
        };
        let mut seen = vec![hints::words(&text)];
        let mut alternatives = Vec::new();
        for (alt, score) in readings {
            let words = hints::words(&alt);
            // "No." and "no!" are one reading; a beam spends many of its slots on such.
            if !words.is_empty() && !seen.contains(&words) {
                seen.push(words);
                alternatives.push((alt, score));
            }
        }
        Ok(Decoded {
            text,
            avg_logprob,
            no_speech_prob: result.no_speech_prob,
            alternatives,
        })
    }
}

/// exp(mean token log-probability): the geometric mean of the token probabilities.
fn confidence(avg_logprob: f32) -> f32 {
    avg_logprob.exp().clamp(0.0, 1.0)
}

struct Decoded {
    text: String,
    avg_logprob: f32,
    no_speech_prob: f32,
    /// Other readings with their mean token log-probability, best first.
    alternatives: Vec<(String, f32)>,
}

/// Decoding with a length limit scaled to the audio: real speech is under ~8 tokens a second,
/// so anything longer is a loop, and stopping it early saves CPU. A beam returns up to
/// `alternatives` readings besides the best.
fn decode_options(
    samples: usize,
    prompt_len: usize,
    beam_size: usize,
    alternatives: usize,
) -> DecodeOptions {
    let beam_size = beam_size.max(1);
    let seconds = samples.div_ceil(RATE);
    let tokens = 16 + 10 * seconds;
    DecodeOptions {
        beam_size,
        num_hypotheses: alternatives.saturating_add(1).min(beam_size),
        // CTranslate2 decodes at most min(max_length / 2, max_length - prompt) tokens.
        max_length: (2 * tokens + prompt_len).min(448),
        return_scores: true,
        return_no_speech_prob: true,
        ..Default::default()
    }
}
