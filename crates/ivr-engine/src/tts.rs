//! Text-to-speech for prompts: SVOX Pico (`pico2wave`) or `espeak-ng`, each run as a
//! subprocess (neither is linked into the engine: espeak-ng is GPL-3.0+, Pico's voices are
//! non-free), the text first rewritten the way a person says it on the phone, the audio
//! converted to 8 kHz mono and cached on disk; and the lookup that picks a studio recording,
//! a rendered prompt file or synthesis.

mod cache;
mod call_prompts;
mod error;
mod espeak;
mod pico;
mod process;
mod prompt_audio;
mod rendered;
mod speakable;
mod voice;

pub use call_prompts::CallPrompts;
pub use error::TtsError;
pub use prompt_audio::{PromptAudio, PromptRequest};
pub use rendered::{RenderedEntry, RenderedIndex, text_digest};
pub use speakable::speakable;
pub use voice::{TtsChoice, TtsEngine, Voice, voice_for};

use indexmap::IndexMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The espeak-ng program run when none is configured; found on `PATH`.
pub const DEFAULT_PROGRAM: &str = "espeak-ng";
/// The Pico program; found on `PATH`.
pub const DEFAULT_PICO_PROGRAM: &str = "pico2wave";
/// Longest wait for one synthesis. Either program needs well under a second for a long
/// prompt; a hung process must not hold a call's prompt forever.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest text synthesized. Prompts are sentences; a variable filled from a service could
/// otherwise ask for minutes of audio.
pub const MAX_TEXT_CHARS: usize = 4000;
/// espeak-ng's speaking rate in words per minute, pinned so a default change cannot alter
/// prompt timing (callers' recordings are timed against it). Pico has one natural rate.
pub const WORDS_PER_MINUTE: u32 = 175;
/// Pico names no version; this stands in for it in cache keys and the render index.
const PICO_VERSION: &str = "SVOX Pico (pico2wave)";

/// Synthesizes prompt text to 8 kHz mono 16-bit samples, once per (voice, text, program
/// version): later requests read the disk cache, so prompts with variables cost a synthesis
/// only the first time a value is spoken.
#[derive(Debug)]
pub struct Synthesizer {
    cache_dir: Option<PathBuf>,
    program: PathBuf,
    pico_program: PathBuf,
    timeout: Duration,
    /// Per language; languages not listed are `auto`.
    choices: IndexMap<String, TtsChoice>,
    version: OnceLock<Result<String, TtsError>>,
    pico_installed: OnceLock<bool>,
}

impl Synthesizer {
    /// A synthesizer caching its audio in `cache_dir` (created when first written).
    pub fn new(cache_dir: PathBuf) -> Synthesizer {
        Synthesizer {
            cache_dir: Some(cache_dir),
            program: PathBuf::from(DEFAULT_PROGRAM),
            pico_program: PathBuf::from(DEFAULT_PICO_PROGRAM),
            timeout: DEFAULT_TIMEOUT,
            choices: IndexMap::new(),
            version: OnceLock::new(),
            pico_installed: OnceLock::new(),
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

    /// Runs this program instead of `pico2wave` from `PATH`.
    pub fn with_pico_program(mut self, program: impl Into<PathBuf>) -> Synthesizer {
        self.pico_program = program.into();
        self.pico_installed = OnceLock::new();
        self
    }

    /// The program each language is spoken with (the engine configuration's `tts:`).
    pub fn with_choices(mut self, choices: IndexMap<String, TtsChoice>) -> Synthesizer {
        self.choices = choices;
        self
    }

    /// Gives up on one synthesis after this long.
    pub fn with_timeout(mut self, timeout: Duration) -> Synthesizer {
        self.timeout = timeout;
        self
    }

    /// The voice prompts in `lang` are spoken with.
    pub fn voice(&self, lang: &str) -> Result<Voice, TtsError> {
        let choice = self.choices.get(lang).copied().unwrap_or_default();
        match choice {
            TtsChoice::Pico => voice_for(TtsEngine::Pico, lang),
            TtsChoice::EspeakNg => voice_for(TtsEngine::EspeakNg, lang),
            TtsChoice::Auto => {
                let pico = self.pico_is_installed();
                match voice_for(TtsEngine::Pico, lang) {
                    Ok(voice) if pico => Ok(voice),
                    _ => voice_for(TtsEngine::EspeakNg, lang),
                }
            }
        }
    }

    /// Whether `pico2wave` can be started (asked once).
    fn pico_is_installed(&self) -> bool {
        *self
            .pico_installed
            .get_or_init(|| pico::is_installed(&self.pico_program))
    }

    /// The version of the program behind `voice` (asked once), part of every cache key so an
    /// upgrade re-synthesizes instead of mixing voices.
    pub fn engine_version(&self, engine: TtsEngine) -> Result<String, TtsError> {
        match engine {
            TtsEngine::Pico => Ok(PICO_VERSION.to_string()),
            TtsEngine::EspeakNg => self
                .version
                .get_or_init(|| espeak::version(&self.program, self.timeout))
                .clone(),
        }
    }

    /// Checks that every language's program runs: a missing one is reported at start, not on
    /// a caller's first prompt.
    pub fn check(&self, langs: &[&str]) -> Result<Vec<Voice>, TtsError> {
        let mut voices = Vec::new();
        for lang in langs {
            let voice = self.voice(lang)?;
            self.engine_version(voice.engine)?;
            if voice.engine == TtsEngine::Pico && !self.pico_is_installed() {
                return Err(TtsError::NotInstalled {
                    program: self.pico_program.clone(),
                });
            }
            voices.push(voice);
        }
        Ok(voices)
    }

    /// `text` spoken in `lang`, as 8 kHz mono samples.
    pub fn synthesize(&self, lang: &str, text: &str) -> Result<Vec<i16>, TtsError> {
        let voice = self.voice(lang)?;
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
        let version = self.engine_version(voice.engine)?;
        let said = speakable(lang, text);
        let key = cache::key(&version, &voice.id(), WORDS_PER_MINUTE, &said);
        if let Some(dir) = &self.cache_dir
            && let Some(samples) = cache::load(dir, &key)
        {
            return Ok(samples);
        }
        let samples = match voice.engine {
            TtsEngine::Pico => pico::speak(&self.pico_program, voice.name, &said, self.timeout)?,
            TtsEngine::EspeakNg => espeak::speak(
                &self.program,
                voice.name,
                WORDS_PER_MINUTE,
                &said,
                self.timeout,
            )?,
        };
        if let Some(dir) = &self.cache_dir {
            cache::store(dir, &key, &samples);
        }
        Ok(samples)
    }
}

#[cfg(test)]
mod tests;
