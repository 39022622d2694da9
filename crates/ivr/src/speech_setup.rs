//! The speech models a command runs with: `--config`'s `speech:` section, else the defaults,
//! under `--models` (else `$IVR_MODELS_DIR` or `.models`).

use ivr_engine::config::EngineConfig;
use ivr_engine::speech::{SpeechConfig, SpeechModels};
use std::path::{Path, PathBuf};

pub fn load_models(models: Option<&Path>, config: Option<&Path>) -> Result<SpeechModels, String> {
    let models_dir = models.map_or_else(SpeechConfig::default_models_dir, PathBuf::from);
    let engine = match config {
        Some(path) => EngineConfig::read(path)?,
        None => EngineConfig::default(),
    };
    SpeechModels::load(&engine.speech_or_default(&models_dir)).map_err(|e| e.to_string())
}
