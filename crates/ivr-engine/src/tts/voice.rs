//! Which text-to-speech program speaks a language, and in which of its voices.
//!
//! SVOX Pico (Debian non-free `libttspico-utils`) sounds like a person on the phone and is
//! heard by recognizers almost as well as human speech; espeak-ng is robotic but covers
//! every language and is always installable from Debian main. `auto` takes Pico where it is
//! installed and has the language, espeak-ng otherwise.

use super::TtsError;
use serde::Deserialize;
use std::fmt;

/// A text-to-speech program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TtsEngine {
    /// `pico2wave` (SVOX Pico).
    Pico,
    /// `espeak-ng`.
    EspeakNg,
}

impl TtsEngine {
    pub fn name(self) -> &'static str {
        match self {
            TtsEngine::Pico => "pico",
            TtsEngine::EspeakNg => "espeak-ng",
        }
    }
}

impl fmt::Display for TtsEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the configuration asks for, per language (`tts: { en-US: pico, es-US: auto }`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TtsChoice {
    /// Pico where installed and it speaks the language, else espeak-ng.
    #[default]
    Auto,
    Pico,
    EspeakNg,
}

/// One program's voice for one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Voice {
    pub engine: TtsEngine,
    /// The program's own name for the voice (`pico2wave -l en-US`, `espeak-ng -v es-419`).
    pub name: &'static str,
}

impl Voice {
    /// A stable label naming program and voice, e.g. `pico:es-ES`; part of cache keys and
    /// of the rendered-prompt index, so switching voices renders the prompts again.
    pub fn id(&self) -> String {
        format!("{}:{}", self.engine, self.name)
    }
}

impl fmt::Display for Voice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} voice {}", self.engine, self.name)
    }
}

/// The voice `engine` uses for a flow language: US English and Latin American Spanish where
/// the program has them (Pico has only Spain's Spanish, which every Spanish speaker follows).
pub fn voice_for(engine: TtsEngine, lang: &str) -> Result<Voice, TtsError> {
    let lower = lang.to_ascii_lowercase();
    let primary = lower.split(['-', '_']).next().unwrap_or("");
    let name = match (engine, lower.as_str(), primary) {
        (TtsEngine::EspeakNg, "en-gb", _) => Some("en-gb"),
        (TtsEngine::EspeakNg, "es-es", _) => Some("es"),
        (TtsEngine::EspeakNg, _, "en") => Some("en-us"),
        (TtsEngine::EspeakNg, _, "es") => Some("es-419"),
        (TtsEngine::Pico, "en-gb", _) => Some("en-GB"),
        (TtsEngine::Pico, _, "en") => Some("en-US"),
        (TtsEngine::Pico, _, "es") => Some("es-ES"),
        _ => None,
    };
    name.map(|name| Voice { engine, name })
        .ok_or_else(|| TtsError::NoVoice {
            lang: lang.to_string(),
        })
}
