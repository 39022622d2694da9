//! The interface every speech-recognition backend implements.
//!
//! A `SpeechModel` is loaded once per process and shared by every call (it is the big thing:
//! hundreds of MB). Each call gets its own `Recognizer` from it and reuses it for all of that
//! call's utterances. Audio is always 8 kHz mono 16-bit PCM, the telephone's own format; a
//! backend that needs another rate converts internally.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// What to listen for in one utterance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecognitionConfig {
    /// Language tag of the call, e.g. "en-US". Backends fix the decoding language to it unless
    /// `detect_language` is set.
    pub lang: String,
    /// Let a multilingual model detect the language of the utterance.
    pub detect_language: bool,
    /// Phrases expected here (the listening state's intent examples): a grammar for Vosk, a
    /// hint prompt for Whisper. Empty: free dictation.
    pub phrases: Vec<String>,
    /// With `detect_language`: the phrases to expect instead when the utterance turns out to be
    /// in another language, by language tag ("es-US" -> the Spanish examples).
    pub other_languages: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub start_ms: u32,
    pub end_ms: u32,
    pub confidence: f32,
}

/// Another reading of the same utterance (the recognizer's N-best list).
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub text: String,
    /// 0.0 to 1.0, on the same scale as `Transcript::confidence`.
    pub confidence: f32,
    /// The language of this reading, when the backend knows it (it may differ from the
    /// transcript's when language detection was unsure).
    pub lang: Option<String>,
}

/// The final result for one utterance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    pub text: String,
    /// 0.0 to 1.0.
    pub confidence: f32,
    /// The language the backend heard, when it knows.
    pub lang: Option<String>,
    /// Word timings, where the backend gives them.
    pub words: Vec<Word>,
    /// Less likely readings, best first, none repeating `text` or each other word for word.
    /// A caller's "hard of hearing" is often the second reading of telephone audio where the
    /// first was "part of hearing"; the call flow may use one that fits what it expects.
    pub alternatives: Vec<Alternative>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecognizerError {
    /// A model folder or file is not where the configuration says.
    ModelMissing { path: PathBuf, fix: String },
    /// A shared library (libvosk) cannot be found or loaded.
    LibraryMissing { name: String, fix: String },
    /// The model is there but would not load.
    Load { path: PathBuf, reason: String },
    /// Decoding one utterance failed; the call goes on (DTMF still works).
    Decode(String),
    /// The configuration asks for something this backend cannot do.
    Config(String),
}

impl fmt::Display for RecognizerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecognizerError::ModelMissing { path, fix } => {
                write!(f, "speech model not found at {}: {fix}", path.display())
            }
            RecognizerError::LibraryMissing { name, fix } => {
                write!(f, "{name} cannot be loaded: {fix}")
            }
            RecognizerError::Load { path, reason } => {
                write!(
                    f,
                    "speech model at {} failed to load: {reason}",
                    path.display()
                )
            }
            RecognizerError::Decode(reason) => write!(f, "recognition failed: {reason}"),
            RecognizerError::Config(reason) => write!(f, "recognizer configuration: {reason}"),
        }
    }
}

impl std::error::Error for RecognizerError {}

/// A loaded model, shared by every call.
pub trait SpeechModel: Send + Sync {
    /// A short name for logs and benchmarks, e.g. "whisper-tiny.en".
    fn name(&self) -> &str;

    /// A recognizer for one call.
    fn recognizer(&self) -> Result<Box<dyn Recognizer>, RecognizerError>;
}

/// One call's recognizer. Used for one utterance at a time: `begin`, any number of `feed`,
/// then `finish`; then the next utterance.
pub trait Recognizer: Send {
    fn begin(&mut self, config: &RecognitionConfig) -> Result<(), RecognizerError>;

    /// Feeds 8 kHz mono samples; returns the partial text so far if the backend streams.
    fn feed(&mut self, samples: &[i16]) -> Result<Option<String>, RecognizerError>;

    /// The final result of the utterance begun last.
    fn finish(&mut self) -> Result<Transcript, RecognizerError>;
}
