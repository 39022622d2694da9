//! The decode of one utterance: features, language, a greedy decoder run, clean-up.

use std::fmt::Display;

use ct2rs::Tokenizer as _;
use ct2rs::sys::{Device, StorageView, WhisperOptions as DecodeOptions};

use super::recognizer::LanguageHints;
use super::{Inner, cleanup, hints, lang, resample};
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

/// Detection this sure of one allowed language (its share of the allowed languages'
/// probability) decodes in it alone; less sure, the runner-up is decoded too. Measured on the
/// fixtures' first utterances: English callers 0.92-1.00, Spanish espeak-ng callers 0.51-0.99
/// (Whisper base often hears Italian or Thai in them), "gracias, adiós" 0.25 Spanish.
const SURE_LANGUAGE_SHARE: f32 = 0.9;

/// The language an utterance is decoded in.
struct Detected {
    code: String,
    /// The other likely language, when detection was unsure.
    runner_up: Option<String>,
}

impl Detected {
    fn sure(code: &str) -> Detected {
        Detected {
            code: code.to_string(),
            runner_up: None,
        }
    }
}

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
    /// The language to decode in: fixed by the call, or the likeliest allowed one; with a
    /// runner-up when detection is unsure between the allowed languages.
    fn language(
        &self,
        encoded: &StorageView,
        config: &RecognitionConfig,
    ) -> Result<Detected, RecognizerError> {
        if !self.options.multilingual {
            return Ok(Detected::sure("en"));
        }
        let fixed = lang::primary(&config.lang);
        if !config.detect_language {
            return Ok(Detected::sure(&fixed));
        }
        let ranked = self
            .whisper
            .detect_language(encoded)
            .map_err(decode_error)?;
        // Best first. The call's own language is always allowed.
        let allowed =
            |code: &str| code == fixed || self.options.detect_languages.iter().any(|l| l == code);
        let candidates: Vec<(String, f32)> = ranked
            .into_iter()
            .next()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| {
                lang::code_of(&d.language)
                    .filter(|code| allowed(code))
                    .map(|code| (code.to_string(), d.probability))
            })
            .collect();
        let Some((best, p_best)) = candidates.first().cloned() else {
            return Ok(Detected::sure(&fixed));
        };
        let total: f32 = candidates.iter().map(|(_, p)| p).sum();
        let runner_up = candidates
            .get(1)
            .filter(|_| total > 0.0 && p_best / total < SURE_LANGUAGE_SHARE)
            .map(|(code, _)| code.clone());
        Ok(Detected {
            code: best,
            runner_up,
        })
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
        let frames = self.options.encoder_window.frames(audio.len());
        let mut features = self.mel.features(&audio, frames);
        let n_mels = features.len() / frames;
        let view = StorageView::new(&[1, n_mels, frames], &mut features, Device::CPU)
            .map_err(decode_error)?;
        // Encode once: language detection and decoding (and a retry) all start from it.
        let encoded = self.whisper.encode(&view, false).map_err(decode_error)?;
        let detected = self.language(&encoded, config)?;
        let decoded = self.decode_with_hint(&encoded, &detected.code, hints, samples.len())?;
        let silent = decoded.no_speech_prob > NO_SPEECH_ALONE
            || (decoded.no_speech_prob > NO_SPEECH_PROB && decoded.avg_logprob < NO_SPEECH_LOGPROB);
        if silent || decoded.text.is_empty() {
            return Ok(Transcript::default());
        }
        let tag = |code: &str| {
            lang::report_tag(
                code,
                std::iter::once(config.lang.as_str())
                    .chain(config.other_languages.keys().map(String::as_str)),
            )
        };
        let reading = |(text, avg_logprob): (String, f32), lang: &str| Alternative {
            text,
            confidence: confidence(avg_logprob),
            lang: Some(tag(lang)),
        };
        let mut alternatives: Vec<Alternative> = decoded
            .alternatives
            .into_iter()
            .map(|r| reading(r, &detected.code))
            .collect();
        if let Some(other) = &detected.runner_up {
            // Unsure which language: the other one's readings go last, for the flow to use if
            // the first language's make no sense ("Thank you, I'm yours" / "Gracias, adiós").
            let again = self.decode_with_hint(&encoded, other, hints, samples.len())?;
            alternatives.extend(
                std::iter::once((again.text, again.avg_logprob))
                    .chain(again.alternatives)
                    .map(|r| reading(r, other)),
            );
        }
        let alternatives = distinct_readings(&decoded.text, alternatives);
        Ok(Transcript {
            text: decoded.text,
            confidence: confidence(decoded.avg_logprob),
            lang: Some(tag(&detected.code)),
            words: Vec::new(),
            alternatives,
        })
    }

    /// A decode in `code` with that language's hint, and again without it if the decoder
    /// recited the hint instead of listening.
    fn decode_with_hint(
        &self,
        encoded: &StorageView,
        code: &str,
        hints: &LanguageHints,
        samples: usize,
    ) -> Result<Decoded, RecognizerError> {
        // Hints in the language the utterance is decoded in: English phrases would pull a
        // Spanish answer toward English words.
        let Some(hint) = hints.get(code).filter(|h| !h.tokens.is_empty()) else {
            return self.decode(encoded, code, &[], samples);
        };
        let decoded = self.decode(encoded, code, &hint.tokens, samples)?;
        if hints::copies_prompt(&decoded.text, &hint.chosen) {
            return self.decode(encoded, code, &[], samples);
        }
        Ok(decoded)
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
        let alternatives = readings.collect();
        Ok(Decoded {
            text,
            avg_logprob,
            no_speech_prob: result.no_speech_prob,
            alternatives,
        })
    }
}

/// The readings that say something other than `first` and than each other, in order. "No." and
/// "no!" are one reading (a beam spends many of its slots on such), and a runner-up language's
/// reading with the same words as one already kept would tell the flow nothing new.
fn distinct_readings(first: &str, readings: Vec<Alternative>) -> Vec<Alternative> {
    let mut seen = vec![hints::words(first)];
    readings
        .into_iter()
        .filter(|reading| {
            let words = hints::words(&reading.text);
            let new = !words.is_empty() && !seen.contains(&words);
            if new {
                seen.push(words);
            }
            new
        })
        .collect()
}

/// exp(mean token log-probability): the geometric mean of the token probabilities.
fn confidence(avg_logprob: f32) -> f32 {
    avg_logprob.exp().clamp(0.0, 1.0)
}

struct Decoded {
    text: String,
    avg_logprob: f32,
    no_speech_prob: f32,
    /// The beam's other readings with their mean token log-probability, best first, as
    /// decoded (repeats included).
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
