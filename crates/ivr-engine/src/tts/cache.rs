//! The disk cache of synthesized audio: one 8 kHz mono WAV per (engine version, voice,
//! speed, text), named by the SHA-256 of those. The cache only saves time, so its failures
//! are logged and never fail a prompt.

use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bump when the cached audio would change for the same inputs (e.g. a new conversion).
const FORMAT: &str = "ivr-tts-cache v1";

pub(super) fn key(version: &str, voice: &str, words_per_minute: u32, text: &str) -> String {
    let mut hasher = Sha256::new();
    // NUL-separated: none of the parts can contain one that would shift the boundaries.
    for part in [FORMAT, version, voice, &words_per_minute.to_string(), text] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cached audio, if present and readable. A damaged entry reads as absent, so it is
/// synthesized again and overwritten.
pub(super) fn load(dir: &Path, key: &str) -> Option<Vec<i16>> {
    let path = dir.join(format!("{key}.wav"));
    if !path.is_file() {
        return None;
    }
    match ivr_media::wav::read_wav(&path) {
        Ok(samples) => Some(samples),
        Err(e) => {
            tracing::warn!("ignoring damaged text-to-speech cache entry: {e}");
            None
        }
    }
}

/// Writes through a temporary file and a rename, so a concurrent reader never sees half a
/// file.
pub(super) fn store(dir: &Path, key: &str, samples: &[i16]) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        tracing::warn!(
            "cannot create text-to-speech cache directory {}: {e}; prompts will be \
             synthesized on every use until it is writable",
            dir.display()
        );
        return;
    }
    // Unique per process and per write: two calls may synthesize the same text at once.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{key}.{}.{n}.tmp", std::process::id()));
    let path = dir.join(format!("{key}.wav"));
    let written = ivr_media::wav::write_wav(&tmp, samples, ivr_media::SAMPLE_RATE)
        .map_err(|e| e.to_string())
        .and_then(|()| std::fs::rename(&tmp, &path).map_err(|e| e.to_string()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        tracing::warn!(
            "cannot write text-to-speech cache entry {}: {e}",
            path.display()
        );
    }
}
