//! Where a prompt's audio comes from: the flow's studio recording, else the file rendered by
//! `ivr prompts render`, else text-to-speech (cached). A missing or unreadable file is logged
//! and the call still hears the prompt, synthesized.

use super::{RenderedIndex, Synthesizer, TtsError};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// One prompt to play.
#[derive(Debug, Clone, Copy)]
pub struct PromptRequest<'a> {
    /// The call's language, e.g. `en-US`.
    pub lang: &'a str,
    /// The prompt id in the flow.
    pub id: &'a str,
    /// The flow's `audio:` file for this language, if it names one.
    pub audio: Option<&'a str>,
    /// The prompt text with its variables filled in.
    pub text: &'a str,
    /// Whether the text had `{variables}`: no rendered file can then match it.
    pub has_variables: bool,
}

/// Finds or makes the audio of prompts, for every call of a flow.
#[derive(Debug)]
pub struct PromptAudio {
    prompts_dir: PathBuf,
    audio_base: Option<PathBuf>,
    synth: Synthesizer,
    /// Each language's render index, read once.
    indexes: Mutex<HashMap<String, Option<RenderedIndex>>>,
    /// Problems already logged, so a missing file is reported once, not on every call.
    warned: Mutex<HashSet<String>>,
}

impl PromptAudio {
    /// Prompt files are looked up as `<prompts_dir>/<lang>/<id>.wav`.
    pub fn new(prompts_dir: PathBuf, synth: Synthesizer) -> PromptAudio {
        PromptAudio {
            prompts_dir,
            audio_base: None,
            synth,
            indexes: Mutex::new(HashMap::new()),
            warned: Mutex::new(HashSet::new()),
        }
    }

    /// Relative `audio:` paths of the flow are taken from `dir` instead of the working
    /// directory.
    pub fn with_audio_base(mut self, dir: PathBuf) -> PromptAudio {
        self.audio_base = Some(dir);
        self
    }

    pub fn synthesizer(&self) -> &Synthesizer {
        &self.synth
    }

    /// The prompt's audio, 8 kHz mono.
    pub fn samples(&self, req: &PromptRequest) -> Result<Vec<i16>, TtsError> {
        if let Some(audio) = req.audio {
            let path = match &self.audio_base {
                Some(base) => base.join(audio),
                None => PathBuf::from(audio),
            };
            match ivr_media::wav::read_wav(&path) {
                Ok(samples) => return Ok(samples),
                Err(e) => self.warn_once(
                    format!("audio {}", path.display()),
                    &format!(
                        "prompt `{}` ({}): {e}; synthesizing its text instead",
                        req.id, req.lang
                    ),
                ),
            }
        }
        if !req.has_variables
            && let Some(samples) = self.rendered(req)
        {
            return Ok(samples);
        }
        self.synth.synthesize(req.lang, req.text)
    }

    /// The rendered prompt file, when there is one made from this very text.
    fn rendered(&self, req: &PromptRequest) -> Option<Vec<i16>> {
        let lang_dir = self.prompts_dir.join(req.lang);
        let path = lang_dir.join(format!("{}.wav", req.id));
        if !path.is_file() {
            self.warn_once(
                path.display().to_string(),
                &format!(
                    "prompt file {} is missing; synthesizing prompt `{}` at run time (render \
                     the prompts with `ivr prompts render FLOW --out {}`)",
                    path.display(),
                    req.id,
                    self.prompts_dir.display()
                ),
            );
            return None;
        }
        if self.is_stale(&lang_dir, req) {
            self.warn_once(
                path.display().to_string(),
                &format!(
                    "prompt file {} was rendered from another text; synthesizing the current \
                     one (render again with `ivr prompts render FLOW --out {}`)",
                    path.display(),
                    self.prompts_dir.display()
                ),
            );
            return None;
        }
        match ivr_media::wav::read_wav(&path) {
            Ok(samples) => Some(samples),
            Err(e) => {
                self.warn_once(
                    path.display().to_string(),
                    &format!("{e}; synthesizing prompt `{}` instead", req.id),
                );
                None
            }
        }
    }

    /// A file the index lists under another text is stale. Files it does not list (studio
    /// recordings dropped into the folder) are played as they are.
    fn is_stale(&self, lang_dir: &Path, req: &PromptRequest) -> bool {
        let mut indexes = self.indexes.lock().unwrap_or_else(PoisonError::into_inner);
        let index =
            indexes.entry(req.lang.to_string()).or_insert_with(|| {
                match RenderedIndex::load(lang_dir) {
                    Ok(index) => Some(index),
                    Err(e) => {
                        tracing::warn!("{e}");
                        None
                    }
                }
            });
        index.as_ref().is_some_and(|index| {
            index.prompts.contains_key(req.id) && !index.says(req.id, req.text)
        })
    }

    fn warn_once(&self, key: String, message: &str) {
        let mut warned = self.warned.lock().unwrap_or_else(PoisonError::into_inner);
        if warned.insert(key) {
            tracing::warn!("{message}");
        }
    }
}
