//! The engine's configuration file (`--config ivr.yaml`): deserialized as `EngineConfig::load`
//! does, then checked.
#![no_main]

use ivr_engine::config::EngineConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match serde_saphyr::from_str::<EngineConfig>(text) {
        Ok(config) => {
            let _ = config.check();
            let _ = config.database().map(|d| d.describe());
            let _ = config.node();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
