//! Naming what a file that is not a WAV file probably is, so the error can say so.

/// A human name for the format of `bytes`, judged from its first bytes.
pub(super) fn looks_like(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"ID3") || matches!(bytes, [0xFF, second, ..] if second & 0xE0 == 0xE0) {
        Some("MP3 audio")
    } else if starts(b"OggS") {
        Some("Ogg audio (Vorbis or Opus)")
    } else if starts(b"fLaC") {
        Some("FLAC audio")
    } else if starts(b"FORM") && bytes.get(8..12).is_some_and(|t| t.starts_with(b"AIF")) {
        Some("AIFF audio")
    } else if starts(b".snd") {
        Some("Sun/NeXT AU audio")
    } else if starts(b"#!AMR") {
        Some("AMR audio")
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("WebM/Matroska")
    } else if bytes.get(4..8) == Some(b"ftyp") {
        Some("MP4/M4A")
    } else if starts(b"RIFX") {
        Some("big-endian WAV (RIFX)")
    } else if starts(b"RF64") || starts(b"BW64") {
        Some("RF64 WAV (over 4 GB)")
    } else if starts(b"RIFF") {
        Some("a RIFF file that is not WAVE audio (AVI, WebP...)")
    } else if looks_like_text(bytes) {
        Some("text")
    } else {
        None
    }
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    // A multi-byte UTF-8 character may be cut at the end of the head.
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !valid.is_empty()
        && valid
            .chars()
            .all(|c| !c.is_control() || c.is_ascii_whitespace())
}
