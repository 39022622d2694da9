//! Reading a flow file into its schema, with hard limits so hostile YAML cannot exhaust the
//! engine: a size cap, the parser's depth and node budgets (which also stop alias bombs).

use crate::diagnostic::{Diagnostic, Pos};
use crate::schema::FlowSpec;
use std::path::Path;

/// Flows are hand-written; anything larger is a mistake or an attack.
pub const MAX_FLOW_BYTES: u64 = 1024 * 1024;

/// Parses flow YAML. A syntax or shape error comes back as one diagnostic at its position.
pub fn parse_flow(source: &str) -> Result<FlowSpec, Diagnostic> {
    if source.len() as u64 > MAX_FLOW_BYTES {
        return Err(too_large(source.len() as u64));
    }
    // First walk the whole document without a schema: the parser's budgets (depth, nodes,
    // alias expansion) then apply to all of it, before a schema error could stop the walk
    // early and hide an alias bomb behind a plain "unknown field".
    // Errors of this walk are the text's, not the schema's: say where an unclosed bracket or
    // quote began, when one did.
    serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(source, options()).map_err(
        |e| {
            let diagnostic = yaml_diagnostic(e);
            match crate::unclosed::opened_before(source, diagnostic.pos()) {
                Some((pos, note)) if diagnostic.line > 0 => diagnostic.with_note(pos, note),
                _ => diagnostic,
            }
        },
    )?;
    serde_saphyr::from_str_with_options::<FlowSpec>(source, options()).map_err(yaml_diagnostic)
}

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options
}

/// Reads and parses a flow file, checking its size before reading it.
pub fn read_flow(path: &Path) -> Result<(String, FlowSpec), Diagnostic> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error(Pos::FILE, format!("cannot read flow file: {e}")))?;
    if meta.len() > MAX_FLOW_BYTES {
        return Err(too_large(meta.len()));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(Pos::FILE, format!("cannot read flow file: {e}")))?;
    let source = String::from_utf8(bytes).map_err(|e| {
        Diagnostic::error(
            Pos::FILE,
            format!(
                "flow file is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let spec = parse_flow(&source)?;
    Ok((source, spec))
}

fn too_large(size: u64) -> Diagnostic {
    Diagnostic::error(
        Pos::FILE,
        format!(
            "flow file is {size} bytes, over the {MAX_FLOW_BYTES}-byte limit; split it or remove unused parts"
        ),
    )
}

fn yaml_diagnostic(err: serde_saphyr::Error) -> Diagnostic {
    let pos = err.location().map(|l| Pos::of(&l)).unwrap_or(Pos::FILE);
    Diagnostic::error(pos, clean_message(&err.to_string()))
}

/// The parser prefixes its messages with "error: line N column M: " and may add a snippet;
/// we print our own position, so keep only the message itself.
fn clean_message(raw: &str) -> String {
    let first = raw.lines().next().unwrap_or(raw).trim();
    let mut msg = first.strip_prefix("error:").unwrap_or(first).trim();
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some(idx) = rest.find(": ")
        && rest[..idx].contains("column")
    {
        msg = &rest[idx + 2..];
    }
    let msg = match msg.rfind(" at line ") {
        Some(idx) if msg[idx..].contains("column") => &msg[..idx],
        _ => msg,
    };
    // The parser's limits speak of its internals ("Nodes { nodes: 250001 }"); say what the
    // author did and what to do instead.
    if msg.contains("budget breached") {
        return "the YAML expands to too many values (aliases repeated inside aliases?); write \
                the flow out plainly"
            .to_string();
    }
    if msg.contains("recursion limit exceeded") {
        return "the YAML is nested too deeply; a flow needs only a few levels".to_string();
    }
    let msg = msg.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    msg.replace("duplicate mapping key:", "duplicate id:")
}
