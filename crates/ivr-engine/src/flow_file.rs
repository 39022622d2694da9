//! Reading a flow and a call time from the command line, with errors that say the fix.

use ivr_flow::Flow;
use std::path::Path;

/// A checked flow, or every problem as `file:line:col: error: ...` lines.
pub fn load(path: &Path) -> Result<Flow, String> {
    Flow::from_file(path)
        .map(|(flow, _)| flow)
        .map_err(|rejected| {
            let file = path.display().to_string();
            let lines: Vec<String> = rejected
                .0
                .iter()
                .map(|d| d.display_in(&file).to_string())
                .collect();
            format!(
                "the flow has errors (run `ivr check`):\n{}",
                lines.join("\n")
            )
        })
}

pub fn parse_time(at: &str) -> Result<jiff::Timestamp, String> {
    at.parse::<jiff::Timestamp>()
        .map_err(|e| format!("`{at}` is not an RFC 3339 time like 2026-12-01T10:00:00-05:00: {e}"))
}
