//! Running SVOX Pico's `pico2wave`: it only writes to a named `.wav` file, so each synthesis
//! gets its own file in a private temporary folder, read back and removed.

use super::TtsError;
use super::process::run;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `text` in Pico's `voice` (`en-US`, `es-ES`, ...), as 8 kHz mono samples.
pub(super) fn speak(
    program: &Path,
    voice: &str,
    text: &str,
    timeout: Duration,
) -> Result<Vec<i16>, TtsError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ivr-pico-{}-{n}", std::process::id()));
    let bad = |detail: String| TtsError::BadOutput {
        program: program.to_path_buf(),
        detail,
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| bad(format!("cannot create {}: {e}", dir.display())))?;
    let out = dir.join("speech.wav");
    let out_arg = out.to_string_lossy().into_owned();
    // Pico reads `<...>` as its markup; prompt text is spoken as the characters it is.
    let text = text.replace(['<', '>'], " ");
    let result = run(
        program,
        &["-l", voice, "-w", &out_arg, "--", &text],
        timeout,
    )
    .and_then(|_| std::fs::read(&out).map_err(|e| bad(format!("wrote no audio: {e}"))))
    .and_then(|wav| ivr_media::wav::read_wav_bytes(&wav).map_err(|e| bad(e.to_string())));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Whether the program can be started at all (`auto` falls back to espeak-ng when not).
pub(super) fn is_installed(program: &Path) -> bool {
    // pico2wave has no --version; with no arguments it prints its usage and exits non-zero.
    std::process::Command::new(program)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}
