//! Checking a model folder before handing it to CTranslate2, whose own errors for a missing
//! file are terse and do not say how to get the models.

use std::path::Path;

use crate::RecognizerError;

/// How to get the models; part of every "missing" error.
pub(crate) const FIX: &str =
    "run scripts/setup-models.sh (it puts whisper-tiny.en and whisper-base under .models/)";

/// Files the backend reads. `preprocessor_config.json` is not among them: the log-mel
/// features are computed here with Whisper's fixed parameters (see `mel`).
const REQUIRED: [&str; 3] = ["model.bin", "config.json", "tokenizer.json"];

/// CTranslate2 reads the vocabulary from either file, depending on the converter version.
const VOCABULARY: [&str; 2] = ["vocabulary.txt", "vocabulary.json"];

fn missing(path: &Path) -> RecognizerError {
    RecognizerError::ModelMissing {
        path: path.to_path_buf(),
        fix: FIX.to_string(),
    }
}

/// Ok when `dir` is a folder holding every file a Whisper model needs.
pub(crate) fn check_model_dir(dir: &Path) -> Result<(), RecognizerError> {
    if !dir.is_dir() {
        return Err(missing(dir));
    }
    for name in REQUIRED {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(missing(&path));
        }
    }
    if !VOCABULARY.iter().any(|name| dir.join(name).is_file()) {
        return Err(missing(&dir.join(VOCABULARY[0])));
    }
    Ok(())
}
