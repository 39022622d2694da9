//! Hearing the caller: VAD endpointing, the `Recognizer` trait, its Vosk and Whisper backends,
//! and the bounded worker pool recognition runs on.

pub mod endpointer;
pub mod pool;
pub mod recognizer;
#[cfg(feature = "vosk")]
pub mod vosk_backend;
#[cfg(feature = "whisper")]
pub mod whisper_backend;

pub use recognizer::{
    Alternative, RecognitionConfig, Recognizer, RecognizerError, SpeechModel, Transcript, Word,
};
