//! Which speech model hears which language, loading each model once per process, and one
//! call's recognizers (reused across that call's utterances).

use ivr_speech::{RecognitionConfig, Recognizer, RecognizerError, SpeechModel, Transcript};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Whisper,
    Vosk,
}

/// One model: its backend and folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub backend: Backend,
    pub path: PathBuf,
    /// Whisper only: the model knows languages besides English. Default: true unless the
    /// folder name ends in `.en` (tiny.en, base.en are English-only).
    #[serde(default)]
    pub multilingual: Option<bool>,
    /// Whisper only: hypotheses kept while decoding (1, the default: greedy). Wider beams
    /// cost CPU per utterance for a little accuracy, and give the call flow other readings of
    /// each utterance to try when the best one is not understood.
    #[serde(default)]
    pub beam_size: Option<usize>,
    /// Whisper only: most tokens of the listening state's phrases given to the decoder as a
    /// hint (default 40; 0 turns hints off).
    #[serde(default)]
    pub hint_tokens: Option<usize>,
    /// Whisper only: the shortest audio window (ms) the encoder runs over; a longer utterance
    /// gets its own length plus 1 s of silence, up to Whisper's 30 s. The encoder's cost is
    /// in proportion to the window, not to the speech. Default 30000: the full window, as
    /// the model was trained.
    #[serde(default)]
    pub encoder_window_ms: Option<u32>,
}

/// The `speech:` part of the engine configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeechConfig {
    /// Language tag -> the model that hears callers in it.
    pub languages: BTreeMap<String, ModelSpec>,
    /// A multilingual model that hears a caller before the call's language is known, so the
    /// caller may answer the greeting in either language.
    #[serde(default)]
    pub detect: Option<ModelSpec>,
    /// Utterances decoded at once (recognition workers, and each Whisper model's replicas).
    /// Default: one per CPU core; a decode uses one core.
    #[serde(default)]
    pub workers: Option<usize>,
    /// Utterances that may wait for a worker before new ones are refused (default: 4 per
    /// worker).
    #[serde(default)]
    pub queue: Option<usize>,
    /// How long after the end of speech a result may come before the utterance takes the
    /// flow's no-match path (default 4000 ms).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

impl SpeechConfig {
    /// en-US -> Whisper tiny.en, es-US and language detection -> Whisper base, under
    /// `models_dir` (what `scripts/setup-models.sh` fills). Both decode with a beam of 5: it
    /// took Spanish from 17 to 20 of 32 fixtures at no measurable latency cost (the encoder
    /// dominates), and its other readings (`Transcript::alternatives`) took English from 27 to
    /// 29 of 31: "I am part of hearing" has "I am hard of hearing" third.
    pub fn defaults(models_dir: &Path) -> SpeechConfig {
        let whisper = |name: &str, beam_size: usize| ModelSpec {
            backend: Backend::Whisper,
            path: models_dir.join(name),
            multilingual: None,
            beam_size: Some(beam_size),
            hint_tokens: None,
            encoder_window_ms: None,
        };
        SpeechConfig {
            languages: BTreeMap::from([
                ("en-US".to_string(), whisper("whisper-tiny.en", 5)),
                ("es-US".to_string(), whisper("whisper-base", 5)),
            ]),
            detect: Some(whisper("whisper-base", 5)),
            workers: None,
            queue: None,
            timeout_ms: None,
        }
    }

    /// Decodes at once: the configured number, else one per CPU core.
    pub fn workers(&self) -> usize {
        self.workers
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
    }

    /// Utterances that may wait for a worker.
    pub fn queue(&self) -> usize {
        self.queue.unwrap_or(4 * self.workers())
    }

    pub fn timeout_ms(&self) -> u64 {
        self.timeout_ms
            .unwrap_or(crate::session::DEFAULT_RECOGNITION_TIMEOUT_MS)
    }

    /// `IVR_MODELS_DIR`, else `.models` in the working directory.
    pub fn default_models_dir() -> PathBuf {
        std::env::var_os("IVR_MODELS_DIR").map_or_else(|| PathBuf::from(".models"), PathBuf::from)
    }
}

/// The loaded models, shared by every call of the process.
pub struct SpeechModels {
    by_language: HashMap<String, Arc<dyn SpeechModel>>,
    detect: Option<Arc<dyn SpeechModel>>,
}

impl SpeechModels {
    /// Loads every model the configuration names, each folder once. A folder named twice must
    /// have the same settings both times: it is one model in memory.
    pub fn load(config: &SpeechConfig) -> Result<SpeechModels, RecognizerError> {
        let mut loaded: HashMap<PathBuf, (ModelSpec, Arc<dyn SpeechModel>)> = HashMap::new();
        let mut get = |spec: &ModelSpec| -> Result<Arc<dyn SpeechModel>, RecognizerError> {
            if let Some((first, model)) = loaded.get(&spec.path) {
                if first != spec {
                    return Err(RecognizerError::Config(format!(
                        "{} is configured twice with different settings ({first:?} and \
                         {spec:?}); a model folder is loaded once, so give it one setting",
                        spec.path.display()
                    )));
                }
                return Ok(Arc::clone(model));
            }
            let model = load_model(spec, config.workers())?;
            loaded.insert(spec.path.clone(), (spec.clone(), Arc::clone(&model)));
            Ok(model)
        };
        let mut by_language = HashMap::new();
        for (lang, spec) in &config.languages {
            by_language.insert(lang.clone(), get(spec)?);
        }
        let detect = config.detect.as_ref().map(&mut get).transpose()?;
        Ok(SpeechModels {
            by_language,
            detect,
        })
    }

    /// The model for one utterance: the detecting model while the language is unknown.
    pub fn model_for(&self, config: &RecognitionConfig) -> Option<&Arc<dyn SpeechModel>> {
        if config.detect_language
            && let Some(model) = &self.detect
        {
            return Some(model);
        }
        self.by_language.get(&config.lang)
    }
}

#[cfg_attr(not(feature = "whisper"), allow(unused_variables))]
fn load_model(spec: &ModelSpec, workers: usize) -> Result<Arc<dyn SpeechModel>, RecognizerError> {
    match spec.backend {
        #[cfg(feature = "whisper")]
        Backend::Whisper => {
            let english_only = spec
                .path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".en"));
            let defaults = ivr_speech::whisper_backend::WhisperOptions::default();
            let options = ivr_speech::whisper_backend::WhisperOptions {
                multilingual: spec.multilingual.unwrap_or(!english_only),
                parallel_decodes: workers,
                encoder_window: match spec.encoder_window_ms {
                    Some(min_ms) if min_ms < 30_000 => {
                        ivr_speech::whisper_backend::EncoderWindow::Fit {
                            min_ms,
                            pad_ms: 1_000,
                        }
                    }
                    _ => ivr_speech::whisper_backend::EncoderWindow::Full,
                },
                beam_size: spec.beam_size.unwrap_or(1),
                max_hint_tokens: spec.hint_tokens.unwrap_or(defaults.max_hint_tokens),
                ..defaults
            };
            let model = ivr_speech::whisper_backend::WhisperModel::load(&spec.path, options)?;
            Ok(Arc::new(model))
        }
        #[cfg(feature = "vosk")]
        Backend::Vosk => Ok(Arc::new(ivr_speech::vosk_backend::VoskModel::load(
            &spec.path,
        )?)),
        #[allow(unreachable_patterns)]
        other => Err(RecognizerError::Config(format!(
            "this build of ivr has no {other:?} backend; build with `--features {}`",
            format!("{other:?}").to_lowercase()
        ))),
    }
}

/// One call's recognizers, one per model it has used, kept for the whole call.
#[derive(Default)]
pub struct CallRecognizers {
    by_model: HashMap<String, Box<dyn Recognizer>>,
}

impl CallRecognizers {
    /// Recognizes one utterance (blocking: run it on the recognition pool, not the runtime).
    pub fn recognize(
        &mut self,
        models: &SpeechModels,
        audio: &[i16],
        config: &RecognitionConfig,
    ) -> Result<Transcript, RecognizerError> {
        let model = models.model_for(config).ok_or_else(|| {
            RecognizerError::Config(format!("no speech model is configured for {}", config.lang))
        })?;
        let recognizer = match self.by_model.entry(model.name().to_string()) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(model.recognizer()?),
        };
        recognizer.begin(config)?;
        recognizer.feed(audio)?;
        recognizer.finish()
    }
}
