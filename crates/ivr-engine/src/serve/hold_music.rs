//! The hold music of the engine's queues, read once at start (every waiting caller shares
//! the same samples).

use crate::config::HoldMusicSettings;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Default)]
pub struct HoldMusicLibrary {
    default: Option<Arc<[i16]>>,
    queues: HashMap<String, Arc<[i16]>>,
}

impl HoldMusicLibrary {
    /// Reads every file the settings name; an error names the file and the setting.
    pub fn load(settings: &HoldMusicSettings) -> Result<HoldMusicLibrary, String> {
        let read = |setting: &str, path: &Path| -> Result<Arc<[i16]>, String> {
            let samples = ivr_media::wav::read_wav(path).map_err(|e| {
                format!("{setting}: {e} (a WAV file; `hold_music.default: null` for silence)")
            })?;
            if samples.is_empty() {
                return Err(format!("{setting}: {} has no audio", path.display()));
            }
            Ok(Arc::from(samples))
        };
        let default = match &settings.default {
            Some(path) => Some(read("hold_music.default", path)?),
            None => None,
        };
        let mut queues = HashMap::new();
        for (queue, path) in &settings.queues {
            queues.insert(
                queue.clone(),
                read(&format!("hold_music.queues.{queue}"), path)?,
            );
        }
        Ok(HoldMusicLibrary { default, queues })
    }

    /// The music a caller waiting in `queue` hears, if any.
    pub fn for_queue(&self, queue: &str) -> Option<Arc<[i16]>> {
        self.queues
            .get(queue)
            .or(self.default.as_ref())
            .map(Arc::clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_default_loads_and_a_queue_can_have_its_own() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut settings = HoldMusicSettings::default();
        settings.default = settings.default.map(|p| dir.join(p));
        let library = match HoldMusicLibrary::load(&settings) {
            Ok(library) => library,
            Err(e) => panic!("{e}"),
        };
        let music = library
            .for_queue("agents-en")
            .unwrap_or_else(|| Arc::from(Vec::new()));
        assert_eq!(music.len(), 32 * 8000, "32 s at 8 kHz");
        settings
            .queues
            .insert("agents-es".into(), dir.join("no/such.wav"));
        let error = HoldMusicLibrary::load(&settings).err().unwrap_or_default();
        assert!(
            error.starts_with("hold_music.queues.agents-es: "),
            "{error}"
        );
        assert!(error.contains("no/such.wav"), "{error}");
        let none = HoldMusicLibrary::load(&HoldMusicSettings {
            default: None,
            queues: indexmap::IndexMap::new(),
        });
        assert!(none.is_ok_and(|l| l.for_queue("agents-en").is_none()));
    }
}
