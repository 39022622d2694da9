//! Running the `espeak-ng` program. The text is one argument after `--`, so it can never be
//! read as an option.

use super::TtsError;
use super::process::run;
use std::path::Path;
use std::time::Duration;

/// The program's version, without the data path it also prints (that differs between
/// machines with the same voices, and would needlessly split the cache).
pub(super) fn version(program: &Path, timeout: Duration) -> Result<String, TtsError> {
    let output = run(program, &["--version"], timeout)?;
    let text = String::from_utf8_lossy(&output);
    let line = text.lines().next().unwrap_or("").trim();
    let version = line.split("Data at").next().unwrap_or(line).trim();
    if version.is_empty() {
        return Err(TtsError::BadOutput {
            program: program.to_path_buf(),
            detail: "`--version` printed nothing".to_string(),
        });
    }
    Ok(version.to_string())
}

/// `text` in `voice` at `words_per_minute`, as 8 kHz mono samples.
pub(super) fn speak(
    program: &Path,
    voice: &str,
    words_per_minute: u32,
    text: &str,
    timeout: Duration,
) -> Result<Vec<i16>, TtsError> {
    let speed = words_per_minute.to_string();
    let text = plain_text(text);
    let args = ["-v", voice, "-s", &speed, "--stdout", "--", &text];
    let mut wav = run(program, &args, timeout)?;
    fix_streamed_header(&mut wav);
    ivr_media::wav::read_wav_bytes(&wav).map_err(|e| TtsError::BadOutput {
        program: program.to_path_buf(),
        detail: e.to_string(),
    })
}

/// espeak-ng reads `[[...]]` as phoneme codes even in plain-text mode; a prompt variable
/// filled from outside must be spoken as the characters it is.
fn plain_text(text: &str) -> String {
    text.replace("[[", "[ [")
}

/// Writing WAV to a pipe, espeak-ng cannot seek back to fill in the sizes, so the header
/// claims about 2 GB. Set the sizes from the bytes actually received.
pub(super) fn fix_streamed_header(bytes: &mut [u8]) {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return;
    }
    let riff_size = u32::try_from(bytes.len() - 8).unwrap_or(u32::MAX);
    bytes[4..8].copy_from_slice(&riff_size.to_le_bytes());
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]])
            as usize;
        let body = at + 8;
        if &bytes[at..at + 4] == b"data" {
            // Whole 16-bit samples only: a cut-off last byte is not a sample.
            let present = (bytes.len() - body) & !1;
            if size > present {
                let fixed = u32::try_from(present).unwrap_or(u32::MAX);
                bytes[at + 4..at + 8].copy_from_slice(&fixed.to_le_bytes());
            }
            return;
        }
        at = body.saturating_add(size).saturating_add(size & 1);
    }
}
