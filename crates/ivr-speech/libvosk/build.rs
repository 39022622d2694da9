//! Finds libvosk.so and tells rustc how to link it; see src/lib.rs for why it works this way.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const LIB: &str = "libvosk.so";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // `cargo::error` fails the build with just this message; exiting non-zero as well
            // would add a dump of this script's output around it.
            println!("cargo::error={message}");
            ExitCode::SUCCESS
        }
    }
}

fn run() -> Result<(), String> {
    println!("cargo::rerun-if-env-changed=IVR_LIBVOSK_DIR");
    println!("cargo::rerun-if-env-changed=IVR_MODELS_DIR");
    let source_dir = source_dir()?;
    let source = source_dir.join(LIB);
    // Also reruns while the file is missing, so the build recovers once setup has run.
    println!("cargo::rerun-if-changed={}", source.display());
    if !source.is_file() {
        return Err(format!(
            "{LIB} not found in {}: run scripts/setup-models.sh (or set IVR_LIBVOSK_DIR)",
            source_dir.display()
        ));
    }

    // A copy in OUT_DIR, not a search path into .models: cargo adds only search paths inside
    // the target folder to the loader path of `cargo run`/`cargo test`, and the copy keeps a
    // built binary independent of later changes to .models.
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let target = out_dir.join(LIB);
    fs::copy(&source, &target)
        .map_err(|e| format!("copying {} to {}: {e}", source.display(), target.display()))?;

    println!("cargo::rustc-link-search=native={}", out_dir.display());
    println!("cargo::rustc-link-lib=dylib=vosk");
    // No rpath here: cargo drops a dependency's link args (rust-lang/cargo#9554). A binary
    // package that depends on this one directly reads this as DEP_VOSK_LIB_DIR; see src/lib.rs.
    println!("cargo::metadata=lib_dir={}", out_dir.display());
    Ok(())
}

fn source_dir() -> Result<PathBuf, String> {
    let manifest = env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR is not set")?;
    // This crate is <workspace>/crates/ivr-speech/libvosk. Relative settings are taken from the
    // workspace root, where `make` runs scripts/setup-models.sh.
    let workspace = Path::new(&manifest)
        .ancestors()
        .nth(3)
        .ok_or("cannot find the workspace root above CARGO_MANIFEST_DIR")?;
    if let Some(dir) = env::var_os("IVR_LIBVOSK_DIR") {
        return Ok(workspace.join(dir));
    }
    if let Some(models) = env::var_os("IVR_MODELS_DIR") {
        return Ok(workspace.join(models).join("libvosk"));
    }
    Ok(workspace.join(".models").join("libvosk"))
}
