//! Hearing the caller: VAD endpointing, the `Recognizer` trait, its Vosk and Whisper backends,
//! and the bounded worker pool recognition runs on.

pub mod recognizer;

pub use recognizer::{
    RecognitionConfig, Recognizer, RecognizerError, SpeechModel, Transcript, Word,
};
