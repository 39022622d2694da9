//! `ivr check PATH...`: every problem as `file:line:col: error: message`, exit 1 on errors.

use clap::Args;
use ivr_flow::diagnostic::{Diagnostic, Pos};
use ivr_flow::flow::Rejected;
use ivr_flow::{Flow, load};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// Flow files or directories holding them (.yaml / .yml, searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print one JSON document instead of text lines.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let mut reports: Vec<(String, Vec<Diagnostic>)> = Vec::new();
    for path in &args.paths {
        match flow_files(path) {
            Ok(files) if files.is_empty() => reports.push((
                path.display().to_string(),
                vec![Diagnostic::error(
                    Pos::FILE,
                    "no .yaml or .yml flow files here",
                )],
            )),
            Ok(files) => {
                for file in files {
                    let diags = check_file(&file);
                    reports.push((file.display().to_string(), diags));
                }
            }
            Err(e) => reports.push((
                path.display().to_string(),
                vec![Diagnostic::error(Pos::FILE, format!("cannot read: {e}"))],
            )),
        }
    }
    let errors = count(&reports, true);
    let warnings = count(&reports, false);
    if args.json {
        let diagnostics: Vec<serde_json::Value> = reports
            .iter()
            .flat_map(|(file, diags)| {
                diags.iter().map(move |d| {
                    let mut entry = serde_json::json!({
                        "file": file, "line": d.line.max(1), "col": d.col.max(1),
                        "severity": d.severity, "message": d.message,
                    });
                    if let Some(note) = &d.note {
                        entry["note"] = serde_json::json!({
                            "line": note.line.max(1), "col": note.col.max(1),
                            "message": note.message,
                        });
                    }
                    entry
                })
            })
            .collect();
        let doc = serde_json::json!({
            "ok": errors == 0, "files": reports.len(), "errors": errors,
            "warnings": warnings, "diagnostics": diagnostics,
        });
        println!("{doc}");
    } else {
        for (file, diags) in &reports {
            for d in diags {
                println!("{}", d.display_in(file));
            }
        }
        eprintln!(
            "checked {} file(s): {errors} error(s), {warnings} warning(s)",
            reports.len()
        );
    }
    if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn count(reports: &[(String, Vec<Diagnostic>)], errors: bool) -> usize {
    reports
        .iter()
        .flat_map(|(_, d)| d)
        .filter(|d| d.is_error() == errors)
        .count()
}

pub fn check_file(file: &Path) -> Vec<Diagnostic> {
    match load::read_flow(file) {
        Err(diag) => vec![diag],
        // The whole load, not only the checks: warnings that need the compiled flow (intents
        // whose examples overlap) come from there.
        Ok((_, spec)) => match Flow::from_spec(spec) {
            Ok((_, diags)) | Err(Rejected(diags)) => diags,
        },
    }
}

/// The flow files under `path`, sorted so output is stable.
fn flow_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}
