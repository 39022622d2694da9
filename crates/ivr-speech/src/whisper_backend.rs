//! Whisper speech recognition through CTranslate2 (the `ct2rs` crate), behind the `whisper`
//! feature.
//!
//! Whisper is not a streaming recognizer: it listens to a whole utterance (up to 30 s) at once.
//! So a recognizer buffers the call's 8 kHz audio between `begin` and `finish` and decodes it
//! when the VAD says the caller stopped talking. A decode costs about the same for 1 s as for
//! 10 s of speech, because the encoder always runs over a 30 s window.
//!
//! Threads: one loaded model serves every call. CTranslate2 runs decodes on its own worker
//! threads, one per replica; `WhisperOptions::parallel_decodes` replicas (each a copy of the
//! weights) with `threads_per_decode` threads each. With one replica, decodes from different
//! calls queue and run one after another.
//!
//! What a transcript holds: cleaned text (no "[BLANK_AUDIO]", no loops), confidence =
//! exp(mean token log-probability), the language decoded in, and no word timings. The
//! `RecognitionConfig::phrases` become a short hint prompt; when the decoder recites the hint
//! instead of the audio, the utterance is decoded again without it. Silence, hiss and clicks
//! give an empty transcript (energy gate, then Whisper's no-speech probability).
//!
//! ct2rs's convenient `Whisper::generate` cannot take a prompt nor return scores, so this uses
//! the lower-level `ct2rs::sys::Whisper` with features computed here (`mel`).

mod allocator;
mod cleanup;
mod decode;
mod files;
mod hints;
mod lang;
mod mel;
mod recognizer;
mod resample;

pub use allocator::keep_freed_memory;
pub use resample::upsample_8k_to_16k;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use ct2rs::sys;
use ct2rs::tokenizers::hf;

use crate::{Recognizer, RecognizerError, SpeechModel};

/// How to load and run a Whisper model.
#[derive(Debug, Clone, PartialEq)]
pub struct WhisperOptions {
    /// Use the model for languages other than English (Spanish and the others it knows). Needs a
    /// multilingual model such as `whisper-base`; `*.en` models are English-only. When false,
    /// every utterance is decoded as English.
    pub multilingual: bool,
    /// Decodes that can run at the same time, each on its own copy of the weights. 2 lets two
    /// calls decode at once on a 2-core machine, at the price of a second copy in memory.
    pub parallel_decodes: usize,
    /// CPU threads per decode. 1 keeps one decode per core, which serves concurrent calls better
    /// than splitting one decode over cores.
    pub threads_per_decode: usize,
    /// Hypotheses the decoder keeps at each step; 1 is greedy decoding.
    pub beam_size: usize,
    /// Other readings of an utterance to return besides the best (`Transcript::alternatives`),
    /// at most `beam_size - 1`: they come from the beam, at no extra decoding cost.
    pub alternatives: usize,
    /// Most tokens of hint text (from `RecognitionConfig::phrases`) given to the decoder. Long
    /// prompts make Whisper copy them instead of listening; 0 turns hints off.
    pub max_hint_tokens: usize,
    /// Languages language detection may choose from (primary subtags). Restricting it to the
    /// languages the service offers avoids mistaking a short Spanish answer for Portuguese.
    pub detect_languages: Vec<String>,
    /// Utterances quieter than this (RMS, dB relative to full scale) are taken as silence and
    /// not decoded: Whisper invents words ("Thank you.") for near-silent input.
    pub silence_dbfs: f32,
    /// How much of Whisper's 30 s input window the encoder runs over.
    pub encoder_window: EncoderWindow,
}

/// How much of Whisper's 30 s input window the encoder runs over. The encoder's cost grows with
/// the window, not with the speech in it, so a 2 s answer padded to 30 s pays for 28 s of
/// silence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EncoderWindow {
    /// Always the full 30 s, as the model was trained.
    #[default]
    Full,
    /// The utterance plus `pad_ms` of silence, at least `min_ms`, at most 30 s.
    Fit { min_ms: u32, pad_ms: u32 },
}

impl EncoderWindow {
    /// Encoder input frames (10 ms each, an even number) for `samples_16k` samples of audio.
    pub(crate) fn frames(self, samples_16k: usize) -> usize {
        match self {
            EncoderWindow::Full => mel::N_FRAMES,
            EncoderWindow::Fit { min_ms, pad_ms } => {
                let speech = samples_16k.div_ceil(160);
                let frames = (speech + pad_ms as usize / 10).max(min_ms as usize / 10);
                (frames.div_ceil(2) * 2).min(mel::N_FRAMES)
            }
        }
    }
}

impl Default for WhisperOptions {
    fn default() -> Self {
        WhisperOptions {
            multilingual: false,
            parallel_decodes: 2,
            threads_per_decode: 1,
            beam_size: 1,
            alternatives: 4,
            max_hint_tokens: 40,
            detect_languages: vec!["en".to_string(), "es".to_string()],
            silence_dbfs: -55.0,
            encoder_window: EncoderWindow::default(),
        }
    }
}

/// What every recognizer of one model shares.
struct Inner {
    name: String,
    whisper: sys::Whisper,
    tokenizer: hf::Tokenizer,
    mel: mel::MelExtractor,
    options: WhisperOptions,
}

/// A loaded Whisper model (a CTranslate2 folder: model.bin, config.json, tokenizer.json,
/// vocabulary.txt). Cheap to share: hand out recognizers from one instance per process.
pub struct WhisperModel {
    inner: Arc<Inner>,
}

impl fmt::Debug for WhisperModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhisperModel")
            .field("name", &self.inner.name)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl WhisperModel {
    /// Loads the model in `dir` (int8 weights whatever the file holds, CPU).
    pub fn load(dir: &Path, options: WhisperOptions) -> Result<WhisperModel, RecognizerError> {
        allocator::keep_freed_memory();
        files::check_model_dir(dir)?;
        let load_error = |reason: String| RecognizerError::Load {
            path: dir.to_path_buf(),
            reason,
        };
        if options.parallel_decodes == 0 || options.threads_per_decode == 0 {
            return Err(RecognizerError::Config(
                "parallel_decodes and threads_per_decode must be at least 1".to_string(),
            ));
        }
        let config = sys::Config {
            compute_type: sys::ComputeType::INT8,
            // One entry per replica: CTranslate2 starts a worker (and a weight copy) for each.
            device_indices: vec![0; options.parallel_decodes],
            num_threads_per_replica: options.threads_per_decode,
            ..Default::default()
        };
        let whisper = sys::Whisper::new(dir, config).map_err(|e| load_error(format!("{e:#}")))?;
        let mut tokenizer = hf::Tokenizer::new(dir).map_err(|e| load_error(format!("{e:#}")))?;
        // Hint text must become plain text tokens, without the special tokens the tokenizer's
        // post-processor would wrap it in.
        tokenizer.disable_spacial_token();
        if options.multilingual && !whisper.is_multilingual() {
            return Err(RecognizerError::Config(format!(
                "{} is an English-only Whisper model; use a multilingual one (whisper-base) or set \
                 multilingual: false",
                dir.display()
            )));
        }
        let name = match dir.file_name().and_then(|n| n.to_str()) {
            Some(n) if n.starts_with("whisper") => n.to_string(),
            Some(n) => format!("whisper-{n}"),
            None => "whisper".to_string(),
        };
        let mel = mel::MelExtractor::new(whisper.n_mels());
        Ok(WhisperModel {
            inner: Arc::new(Inner {
                name,
                whisper,
                tokenizer,
                mel,
                options,
            }),
        })
    }

    /// Whether the model and the options allow languages other than English.
    pub fn multilingual(&self) -> bool {
        self.inner.options.multilingual
    }
}

impl SpeechModel for WhisperModel {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn recognizer(&self) -> Result<Box<dyn Recognizer>, RecognizerError> {
        Ok(Box::new(recognizer::WhisperRecognizer::new(Arc::clone(
            &self.inner,
        ))))
    }
}
