//! A call-flow file: parsed, checked and compiled (`Flow::from_source`, what `ivr check` and
//! `ivr serve` call). Flows are written by the operator, not callers, but a malformed one must
//! be refused with a diagnostic, not crash the engine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match ivr_flow::Flow::from_source(source) {
        Ok((_flow, warnings)) => {
            for warning in warnings {
                assert!(!warning.is_error());
                let _ = warning.display_in("flow.yaml").to_string();
            }
        }
        Err(rejected) => {
            assert!(rejected.0.iter().any(|d| d.is_error()));
            for diagnostic in rejected.0 {
                let _ = diagnostic.display_in("flow.yaml").to_string();
            }
        }
    }
});
