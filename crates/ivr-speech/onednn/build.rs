//! Finds the prebuilt oneDNN and tells ct2rs and rustc where it is; see src/lib.rs.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The library's SONAME: what the loader looks for at run time.
const LIB: &str = "libdnnl.so.3";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            println!("cargo::error={message}");
            ExitCode::SUCCESS
        }
    }
}

fn run() -> Result<(), String> {
    println!("cargo::rerun-if-env-changed=IVR_DNNL_DIR");
    println!("cargo::rerun-if-env-changed=IVR_MODELS_DIR");
    let dir = source_dir()?;
    let source = dir.join("lib").join(LIB);
    let header = dir.join("include").join("dnnl.h");
    println!("cargo::rerun-if-changed={}", source.display());
    println!("cargo::rerun-if-changed={}", header.display());
    if !source.is_file() || !header.is_file() {
        return Err(format!(
            "oneDNN ({LIB} and include/dnnl.h) not found in {}: run scripts/setup-models.sh (or \
             set IVR_DNNL_DIR to a folder with lib/{LIB} and include/)",
            dir.display()
        ));
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let lib_dir = out_dir.join("lib");
    fs::create_dir_all(&lib_dir).map_err(|e| format!("{}: {e}", lib_dir.display()))?;
    let target = lib_dir.join(LIB);
    fs::copy(&source, &target)
        .map_err(|e| format!("copying {} to {}: {e}", source.display(), target.display()))?;
    // `-ldnnl` (rustc's and CMake's) looks for the unversioned name.
    let link_name = lib_dir.join("libdnnl.so");
    let _ = fs::remove_file(&link_name);
    std::os::unix::fs::symlink(LIB, &link_name)
        .map_err(|e| format!("{}: {e}", link_name.display()))?;

    println!("cargo::rustc-link-search=native={}", lib_dir.display());
    println!("cargo::rustc-link-lib=dylib=dnnl");
    println!("cargo::metadata=ROOT={}", dir.display());
    println!(
        "cargo::metadata=INCLUDE_PATH={}",
        dir.join("include").display()
    );
    println!("cargo::metadata=LIBRARY_PATH={}", lib_dir.display());
    println!("cargo::metadata=LIB_DIR={}", lib_dir.display());
    Ok(())
}

fn source_dir() -> Result<PathBuf, String> {
    let manifest = env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR is not set")?;
    // This crate is <workspace>/crates/ivr-speech/onednn; relative settings are taken from the
    // workspace root, where `make` runs scripts/setup-models.sh.
    let workspace = Path::new(&manifest)
        .ancestors()
        .nth(3)
        .ok_or("cannot find the workspace root above CARGO_MANIFEST_DIR")?;
    if let Some(dir) = env::var_os("IVR_DNNL_DIR") {
        return Ok(workspace.join(dir));
    }
    if let Some(models) = env::var_os("IVR_MODELS_DIR") {
        return Ok(workspace.join(models).join("libdnnl"));
    }
    Ok(workspace.join(".models").join("libdnnl"))
}
