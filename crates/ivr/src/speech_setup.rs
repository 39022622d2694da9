//! The engine configuration a command runs with (`--config`, else the defaults) and the speech
//! models of its `speech:` section, under `--models` (else `$IVR_MODELS_DIR` or `.models`).

use ivr_engine::config::EngineConfig;
use ivr_engine::speech::{SpeechConfig, SpeechModels};
use std::path::{Path, PathBuf};

/// The engine configuration `--config` names, else the defaults.
pub fn read_config(config: Option<&Path>) -> Result<EngineConfig, String> {
    match config {
        Some(path) => EngineConfig::read(path),
        None => Ok(EngineConfig::default()),
    }
}

/// The models of an engine configuration already read.
pub fn load_models_for(
    models: Option<&Path>,
    engine: &EngineConfig,
) -> Result<SpeechModels, String> {
    let models_dir = models.map_or_else(SpeechConfig::default_models_dir, PathBuf::from);
    SpeechModels::load(&engine.speech_or_default(&models_dir)).map_err(|e| e.to_string())
}
