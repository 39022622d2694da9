//! `ivr schema`: the JSON Schema of the flow language, for editors (yaml-language-server and
//! the editors built on it complete field names and flag unknown ones as you type).

use std::process::ExitCode;

pub fn run() -> ExitCode {
    let schema = ivr_flow::schema::json_schema::flow_schema();
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ivr schema: {e}");
            ExitCode::FAILURE
        }
    }
}
