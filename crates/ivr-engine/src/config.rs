//! The engine configuration file (YAML). Everything has a default, so the engine runs with
//! no file at all.

use crate::speech::SpeechConfig;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// Which model hears which language; default: Whisper models under `.models/`.
    #[serde(default)]
    pub speech: Option<SpeechConfig>,
}

impl EngineConfig {
    pub fn read(path: &Path) -> Result<EngineConfig, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
        serde_saphyr::from_str(&text).map_err(|e| {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            format!("{}: {first}", path.display())
        })
    }

    /// The speech models to load: the file's, else the defaults under `models_dir`.
    pub fn speech_or_default(&self, models_dir: &Path) -> SpeechConfig {
        self.speech
            .clone()
            .unwrap_or_else(|| SpeechConfig::defaults(models_dir))
    }
}
