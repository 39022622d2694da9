//! Lets the installed `ivr` binary find libvosk and oneDNN without LD_LIBRARY_PATH: the wrapper
//! crates say where they put each library, and only a direct dependent may add link arguments
//! for binaries (cargo drops a dependency's own rpath arguments).
fn main() {
    for var in ["DEP_VOSK_LIB_DIR", "DEP_DNNL_LIB_DIR"] {
        println!("cargo::rerun-if-env-changed={var}");
        if let Ok(dir) = std::env::var(var) {
            println!("cargo::rustc-link-arg-bins=-Wl,-rpath,{dir}");
        }
    }
}
