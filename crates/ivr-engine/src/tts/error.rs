//! What went wrong with speech synthesis, and how to fix it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TtsError {
    /// The program is not installed (or not on `PATH`).
    NotInstalled { program: PathBuf },
    /// The program could not be started for another reason.
    Spawn { program: PathBuf, detail: String },
    /// The program ran but failed.
    Failed {
        program: PathBuf,
        status: String,
        stderr: String,
    },
    /// The program did not finish in time and was killed.
    TimedOut { program: PathBuf, after: Duration },
    /// The program's output was not the WAV audio expected.
    BadOutput { program: PathBuf, detail: String },
    /// No voice is configured for this language.
    NoVoice { lang: String },
    /// Nothing to say.
    EmptyText { lang: String },
    /// Over [`super::MAX_TEXT_CHARS`].
    TextTooLong { chars: usize },
}

impl fmt::Display for TtsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TtsError::NotInstalled { program } if program.to_string_lossy().contains("pico") => {
                write!(
                    f,
                    "text-to-speech program `{}` not found; install SVOX Pico with \
                     `scripts/enable-contrib-non-free.sh && apt-get update && apt-get install \
                     libttspico-utils` (Debian non-free), or choose espeak-ng in the engine \
                     configuration (`tts: {{en-US: espeak-ng}}`)",
                    program.display()
                )
            }
            TtsError::NotInstalled { program } => write!(
                f,
                "text-to-speech program `{}` not found; install it with \
                 `apt-get install espeak-ng` (or record the prompts as WAV files)",
                program.display()
            ),
            TtsError::Spawn { program, detail } => write!(
                f,
                "cannot start text-to-speech program `{}` ({detail}); check that it is \
                 executable, or reinstall it with `apt-get install --reinstall espeak-ng`",
                program.display()
            ),
            TtsError::Failed {
                program,
                status,
                stderr,
            } => write!(
                f,
                "text-to-speech program `{}` failed ({status}): {}; run it by hand to see \
                 why, e.g. `espeak-ng -v en-us --stdout hello > /dev/null`",
                program.display(),
                if stderr.is_empty() {
                    "no message"
                } else {
                    stderr
                }
            ),
            TtsError::TimedOut { program, after } => write!(
                f,
                "text-to-speech program `{}` did not finish within {} s and was stopped; \
                 check that the machine is not overloaded, or record the prompt as a WAV file",
                program.display(),
                after.as_secs_f32()
            ),
            TtsError::BadOutput { program, detail } => write!(
                f,
                "text-to-speech program `{}` produced unusable audio ({detail}); check that \
                 it is espeak-ng (`espeak-ng --version`)",
                program.display()
            ),
            TtsError::NoVoice { lang } => write!(
                f,
                "no text-to-speech voice for language `{lang}`; English and Spanish are \
                 synthesized, other languages need recorded prompts (`audio:` in the flow)"
            ),
            TtsError::EmptyText { lang } => write!(
                f,
                "nothing to synthesize: the {lang} text is empty; give the prompt a text"
            ),
            TtsError::TextTooLong { chars } => write!(
                f,
                "text of {chars} characters is over the {}-character limit for one prompt; \
                 split it into several prompts",
                super::MAX_TEXT_CHARS
            ),
        }
    }
}

impl std::error::Error for TtsError {}
