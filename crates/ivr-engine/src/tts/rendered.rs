//! `prompts/<lang>/.rendered.json`: which prompt files `ivr prompts render` wrote and from
//! what text, so a changed text is rendered again and a stale file is never played for it.

use super::{WORDS_PER_MINUTE, cache::hex};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The index file's name inside each language's prompt directory.
pub const INDEX_FILE: &str = ".rendered.json";

/// The rendered prompts of one language, by prompt id (sorted, so the file diffs cleanly).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderedIndex {
    pub prompts: BTreeMap<String, RenderedEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderedEntry {
    /// The program and voice ([`super::Voice::id`], e.g. `pico:en-US`).
    pub voice: String,
    /// The program's version when it was rendered (for people; not compared).
    pub engine: String,
    /// [`text_digest`] of the voice and text it was rendered from.
    pub text_sha256: String,
}

/// Identifies what a prompt file says: the voice, the speaking rate and the text.
pub fn text_digest(voice: &str, text: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [voice, &WORDS_PER_MINUTE.to_string(), text.trim()] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex(&hasher.finalize())
}

/// The index could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexError {
    pub path: PathBuf,
    pub detail: String,
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; delete the file and run `ivr prompts render FLOW` again",
            self.path.display(),
            self.detail
        )
    }
}

impl std::error::Error for IndexError {}

impl RenderedIndex {
    pub fn path(lang_dir: &Path) -> PathBuf {
        lang_dir.join(INDEX_FILE)
    }

    /// The index in `lang_dir`; empty when there is none yet.
    pub fn load(lang_dir: &Path) -> Result<RenderedIndex, IndexError> {
        let path = RenderedIndex::path(lang_dir);
        let fail = |detail: String| IndexError {
            path: path.clone(),
            detail,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| fail(format!("not valid: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RenderedIndex::default()),
            Err(e) => Err(fail(format!("cannot read: {e}"))),
        }
    }

    /// Writes the index through a temporary file and a rename.
    pub fn save(&self, lang_dir: &Path) -> Result<(), IndexError> {
        let path = RenderedIndex::path(lang_dir);
        let fail = |detail: String| IndexError {
            path: path.clone(),
            detail,
        };
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| fail(format!("cannot encode: {e}")))?;
        text.push('\n');
        let tmp = lang_dir.join(format!("{INDEX_FILE}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                fail(format!("cannot write: {e}"))
            })
    }

    /// Whether the file for `id` was rendered from exactly this voice and text.
    pub fn is_current(&self, id: &str, voice: &str, text: &str) -> bool {
        self.prompts
            .get(id)
            .is_some_and(|e| e.text_sha256 == text_digest(voice, text))
    }

    /// Whether the file for `id` says this text, in whichever voice it was rendered: a call
    /// plays it even where that voice's program is not installed.
    pub fn says(&self, id: &str, text: &str) -> bool {
        self.prompts
            .get(id)
            .is_some_and(|e| e.text_sha256 == text_digest(&e.voice, text))
    }
}
