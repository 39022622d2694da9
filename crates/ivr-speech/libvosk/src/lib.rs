//! Links `libvosk.so` for the `vosk` crate; it has no code of its own.
//!
//! The build script finds the library (`IVR_LIBVOSK_DIR`, else `$IVR_MODELS_DIR/libvosk`, else
//! `<workspace>/.models/libvosk`, where `scripts/setup-models.sh` puts it), copies it into its
//! `OUT_DIR` and adds that folder to the link search path. Cargo puts build-script search paths
//! that lie inside the target folder on the loader path of `cargo run` and `cargo test`, so
//! those find the library with no `LD_LIBRARY_PATH`.
//!
//! A binary started by hand (not through cargo) needs the library on its loader path too.
//! Cargo drops a dependency's `rustc-link-arg` (rust-lang/cargo#9554), so this crate cannot
//! give such binaries an rpath itself. It exports the folder as `DEP_VOSK_LIB_DIR` to the
//! build scripts of packages that depend on it directly; a binary package adds it as a direct
//! dependency and, in its build.rs:
//!
//! ```text
//! if let Ok(dir) = std::env::var("DEP_VOSK_LIB_DIR") {
//!     println!("cargo::rustc-link-arg-bins=-Wl,-rpath,{dir}");
//! }
//! ```
//!
//! That rpath points into the target folder (fine for development); an installed binary
//! instead ships libvosk.so in a library folder on the loader path.
