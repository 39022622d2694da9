//! Text-to-speech for prompts: the `espeak-ng` program, run as a subprocess (it is GPL-3.0+,
//! so it is never linked into the engine), its audio converted to 8 kHz mono and cached on
//! disk, and the lookup that picks a studio recording, a rendered prompt file or synthesis.

mod cache;
mod error;
mod espeak;
mod prompt_audio;
mod rendered;

pub use error::TtsError;
pub use prompt_audio::{PromptAudio, PromptRequest};
pub use rendered::{RenderedEntry, RenderedIndex, text_digest};

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The program run when none is configured; found on `PATH`.
pub const DEFAULT_PROGRAM: &str = "espeak-ng";
/// Longest wait for one synthesis. espeak-ng needs well under a second for a long prompt;
/// a hung process must not hold a call's prompt forever.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest text synthesized. Prompts are sentences; a variable filled from a service could
/// otherwise ask for minutes of audio.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Speaking rate in words per minute, pinned so an espeak-ng default change cannot alter
/// prompt timing (callers' recordings are timed against it).
pub const WORDS_PER_MINUTE: u32 = 175;

/// The espeak-ng voice for a flow language: `en-US` -> `en-us`, `es-US` -> `es-419` (Latin
/// American Spanish, what US Spanish speakers hear). Other English and Spanish tags fall back
/// to those voices by their primary subtag.
pub fn voice_for(lang: &str) -> Result<&'static str, TtsError> {
    let lower = lang.to_ascii_lowercase();
    let primary = lower.split(['-', '_']).next().unwrap_or("");
    match (lower.as_str(), primary) {
        ("en-gb", _) => Ok("en-gb"),
        ("es-es", _) => Ok("es"),
        (_, "en") => Ok("en-us"),
        (_, "es") => Ok("es-419"),
        _ => Err(TtsError::NoVoice {
            lang: lang.to_string(),
        }),
    }
}

/// Synthesizes prompt text to 8 kHz mono 16-bit samples, once per (voice, text, espeak-ng
/// version): later requests read the disk cache, so prompts with variables cost a synthesis
/// only the first time a value is spoken.
#[derive(Debug)]
pub struct Synthesizer {
    cache_dir: Option<PathBuf>,
    program: PathBuf,
    timeout: Duration,
    version: OnceLock<Result<String, TtsError>>,
}

impl Synthesizer {
    /// A synthesizer caching its audio in `cache_dir` (created when first written).
    pub fn new(cache_dir: PathBuf) -> Synthesizer {
        Synthesizer {
            cache_dir: Some(cache_dir),
            program: PathBuf::from(DEFAULT_PROGRAM),
            timeout: DEFAULT_TIMEOUT,
            version: OnceLock::new(),
        }
    }

    /// A synthesizer that keeps nothing on disk (for `ivr prompts render`, which writes its
    /// own files).
    pub fn uncached() -> Synthesizer {
        Synthesizer {
            cache_dir: None,
            ..Synthesizer::new(PathBuf::new())
        }
    }

    /// Runs this program instead of `espeak-ng` from `PATH`.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Synthesizer {
        self.program = program.into();
        self
    }

    /// Gives up on one synthesis after this long.
    pub fn with_timeout(mut self, timeout: Duration) -> Synthesizer {
        self.timeout = timeout;
        self
    }

    /// The version line of the espeak-ng program (asked once), part of every cache key so an
    /// upgrade re-synthesizes instead of mixing voices.
    pub fn engine_version(&self) -> Result<String, TtsError> {
        self.version
            .get_or_init(|| espeak::version(&self.program, self.timeout))
            .clone()
    }

    /// `text` spoken in `lang`, as 8 kHz mono samples.
    pub fn synthesize(&self, lang: &str, text: &str) -> Result<Vec<i16>, TtsError> {
        let voice = voice_for(lang)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(TtsError::EmptyText {
                lang: lang.to_string(),
            });
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(TtsError::TextTooLong { chars });
        }
        let version = self.engine_version()?;
        let key = cache::key(&version, voice, WORDS_PER_MINUTE, text);
        if let Some(dir) = &self.cache_dir
            && let Some(samples) = cache::load(dir, &key)
        {
            return Ok(samples);
        }
        let samples = espeak::speak(&self.program, voice, WORDS_PER_MINUTE, text, self.timeout)?;
        if let Some(dir) = &self.cache_dir {
            cache::store(dir, &key, &samples);
        }
        Ok(samples)
    }
}

#[cfg(test)]
mod tests;
