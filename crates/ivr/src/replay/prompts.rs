//! Prompt audio for replays: the rendered files under `prompts/`, else speech synthesis
//! (cached), exactly as a live call gets them.

use super::drive::PromptSource;
use indexmap::IndexMap;
use ivr_engine::tts::{PromptAudio, PromptRequest, Synthesizer, TtsChoice};
use std::path::Path;

pub struct PromptFiles {
    audio: PromptAudio,
}

impl PromptFiles {
    /// `langs`: the languages whose text-to-speech program must run (checked now, not on a
    /// caller's first prompt).
    pub fn new(
        prompts_dir: &Path,
        tts: &IndexMap<String, TtsChoice>,
        langs: &[String],
    ) -> Result<PromptFiles, String> {
        let cache = std::env::temp_dir().join("ivr-tts-cache");
        let synth = Synthesizer::new(cache).with_choices(tts.clone());
        synth
            .check(&langs.iter().map(String::as_str).collect::<Vec<_>>())
            .map_err(|e| format!("prompts with variables are synthesized during calls: {e}"))?;
        Ok(PromptFiles {
            audio: PromptAudio::new(prompts_dir.to_path_buf(), synth),
        })
    }
}

/// Safe to share between calls without a lock: the render indexes and warnings it keeps are
/// locked only for a lookup, never across a synthesis, so one call's synthesized prompt does
/// not hold up another's recorded one.
impl PromptSource for PromptFiles {
    fn load(
        &self,
        prompt: &str,
        lang: &str,
        text: &str,
        audio: Option<&str>,
        has_variables: bool,
    ) -> Option<Vec<i16>> {
        let request = PromptRequest {
            lang,
            id: prompt,
            audio,
            text,
            has_variables,
        };
        match self.audio.samples(&request) {
            Ok(samples) => Some(samples),
            Err(e) => {
                eprintln!("ivr replay: prompt {prompt} ({lang}): {e}");
                None
            }
        }
    }
}
