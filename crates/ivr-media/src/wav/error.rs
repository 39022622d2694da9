//! What is wrong with a prompt file, which file, and how to fix it.

use super::{MAX_BYTES, MAX_SECONDS};
use std::fmt;

/// A WAV file that could not be read or written. Displays as `FILE: what; fix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavError {
    /// The file's path, or a description of the in-memory source.
    pub source: String,
    /// What went wrong.
    pub kind: WavErrorKind,
}

/// The kinds of [`WavError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WavErrorKind {
    /// No file at the path.
    NotFound,
    /// The file exists but cannot be read.
    Unreadable {
        /// The operating system's reason.
        detail: String,
    },
    /// Zero bytes.
    Empty,
    /// A WAV file with no samples in it.
    NoAudio,
    /// Not a WAV file at all.
    NotWav {
        /// What the file appears to be, if recognizable.
        looks_like: Option<&'static str>,
    },
    /// A WAV file in an encoding this reader does not decode.
    Unsupported {
        /// Which encoding or parameter.
        detail: String,
    },
    /// A WAV file whose header or data is damaged or cut short.
    Corrupt {
        /// What is inconsistent.
        detail: String,
    },
    /// Over the size limit.
    TooLarge {
        /// Size of the file.
        bytes: u64,
    },
    /// Over the length limit.
    TooLong {
        /// Length according to the header.
        seconds: u64,
    },
    /// Writing failed.
    Write {
        /// Why.
        detail: String,
    },
}

impl WavError {
    pub(super) fn new(source: impl Into<String>, kind: WavErrorKind) -> WavError {
        WavError {
            source: source.into(),
            kind,
        }
    }
}

impl WavErrorKind {
    pub(super) fn from_io(error: &std::io::Error) -> WavErrorKind {
        match error.kind() {
            std::io::ErrorKind::NotFound => WavErrorKind::NotFound,
            _ => WavErrorKind::Unreadable {
                detail: error.to_string(),
            },
        }
    }
}

/// How to turn any audio file into the prompt format.
const CONVERT: &str = "convert it with `sox INPUT -r 8000 -c 1 -b 16 OUTPUT.wav` \
                       (or `ffmpeg -i INPUT -ar 8000 -ac 1 -c:a pcm_s16le OUTPUT.wav`)";

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = &self.source;
        match &self.kind {
            WavErrorKind::NotFound => write!(
                f,
                "{source}: no such file; check the path (relative paths start from the \
                 working directory)"
            ),
            WavErrorKind::Unreadable { detail } => {
                write!(
                    f,
                    "{source}: cannot read the file ({detail}); check its permissions"
                )
            }
            WavErrorKind::Empty => write!(
                f,
                "{source}: the file is empty (0 bytes); record or export the prompt again"
            ),
            WavErrorKind::NoAudio => write!(
                f,
                "{source}: the WAV file contains no samples; record or export the prompt again"
            ),
            WavErrorKind::NotWav { looks_like } => {
                match looks_like {
                    Some(kind) => write!(f, "{source}: not a WAV file (it looks like {kind}); ")?,
                    None => write!(f, "{source}: not a WAV file (no RIFF/WAVE header); ")?,
                }
                write!(f, "{CONVERT}")
            }
            WavErrorKind::Unsupported { detail } => {
                write!(
                    f,
                    "{source}: unsupported WAV encoding ({detail}); {CONVERT}"
                )
            }
            WavErrorKind::Corrupt { detail } => write!(
                f,
                "{source}: damaged or truncated WAV file ({detail}); export or copy it again"
            ),
            WavErrorKind::TooLarge { bytes } => write!(
                f,
                "{source}: the file is {bytes} bytes, over the {MAX_BYTES}-byte (200 MB) limit \
                 for prompts; trim it, or {CONVERT}"
            ),
            WavErrorKind::TooLong { seconds } => write!(
                f,
                "{source}: the audio lasts {seconds} s, over the {MAX_SECONDS} s (1 hour) limit \
                 for prompts; split or trim it"
            ),
            WavErrorKind::Write { detail } => write!(
                f,
                "{source}: cannot write the WAV file ({detail}); check that the directory \
                 exists and is writable"
            ),
        }
    }
}

impl std::error::Error for WavError {}
