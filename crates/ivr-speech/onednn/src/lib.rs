//! Links `libdnnl.so.3` (oneDNN 3.2, Intel's CPU kernels) for CTranslate2; no code of its own.
//!
//! Why oneDNN: CTranslate2 runs Whisper's int8 matrix products on whichever GEMM library it was
//! built with. The `ruy` backend we used before is tuned for ARM and was 3-4 times slower here
//! than the Python `ctranslate2` wheel, which uses Intel MKL on Intel CPUs and oneDNN on the
//! others (benches/README.md, "Whisper: our decode against faster-whisper").
//!
//! Why prebuilt: ct2rs's `dnnl` feature depends on `onednn-src`, which compiles oneDNN from its
//! C++ source (20+ minutes on 2 cores). The workspace replaces it with this crate through
//! `[patch.crates-io]`. `scripts/setup-models.sh` fetches Intel's own build from PyPI
//! (`onednn-cpu-gomp` and `onednn-devel-cpu-gomp` 2023.2.0, sha256-checked) into
//! `.models/libdnnl/{include,lib}`; the build script finds it there (`IVR_DNNL_DIR`, else
//! `$IVR_MODELS_DIR/libdnnl`, else `<workspace>/.models/libdnnl`), copies the library into its
//! `OUT_DIR` (cargo puts that folder on the loader path of `cargo run` and `cargo test`) and
//! gives ct2rs the headers and the folder.
//!
//! A binary started by hand needs `libdnnl.so.3` on its loader path: a binary package that
//! depends on this crate directly reads `DEP_DNNL_LIB_DIR` in its build script and adds an
//! rpath, as the `ivr` package does (see `ivr-libvosk` for why it cannot be done here).
