//! Lets the installed `ivr` binary find libvosk without LD_LIBRARY_PATH: the libvosk wrapper
//! crate says where it put the library, and only a direct dependent may add link arguments
//! for binaries (cargo drops a dependency's own rpath arguments).
fn main() {
    println!("cargo::rerun-if-env-changed=DEP_VOSK_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_VOSK_LIB_DIR") {
        println!("cargo::rustc-link-arg-bins=-Wl,-rpath,{dir}");
    }
}
