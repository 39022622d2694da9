//! A WAV file as the engine reads prompts and fixtures (`read_wav_bytes`, the in-memory form
//! of `read_wav`): any bytes are refused or decoded, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ivr_media::read_wav_bytes(data) {
        let _ = e.to_string();
    }
});
