//! The prompt audio every call gets, live or replayed: the rendered files under the prompts
//! folder or a flow's studio recordings, else speech synthesis (cached on disk).

use super::{PromptAudio, PromptRequest, Synthesizer, TtsChoice};
use indexmap::IndexMap;
use std::path::Path;

/// Shared by all calls without a lock: `PromptAudio` locks only its lookups (render indexes,
/// warnings already given), never a synthesis, so one call's synthesized prompt does not hold
/// up another's recorded one.
pub struct CallPrompts {
    audio: PromptAudio,
}

impl CallPrompts {
    /// `langs`: the languages whose text-to-speech program must run (checked now, not on a
    /// caller's first prompt).
    pub fn new(
        prompts_dir: &Path,
        tts: &IndexMap<String, TtsChoice>,
        langs: &[String],
    ) -> Result<CallPrompts, String> {
        let cache = std::env::temp_dir().join("ivr-tts-cache");
        let synth = Synthesizer::new(cache).with_choices(tts.clone());
        synth
            .check(&langs.iter().map(String::as_str).collect::<Vec<_>>())
            .map_err(|e| format!("prompts with variables are synthesized during calls: {e}"))?;
        Ok(CallPrompts {
            audio: PromptAudio::new(prompts_dir.to_path_buf(), synth),
        })
    }

    /// The prompt's audio (8 kHz mono), or why there is none, naming the prompt.
    pub fn load(
        &self,
        prompt: &str,
        lang: &str,
        text: &str,
        audio: Option<&str>,
        has_variables: bool,
    ) -> Result<Vec<i16>, String> {
        let request = PromptRequest {
            lang,
            id: prompt,
            audio,
            text,
            has_variables,
        };
        self.audio
            .samples(&request)
            .map_err(|e| format!("prompt {prompt} ({lang}): {e}"))
    }
}
