//! `ivr graph FLOW`: the flow as a picture - Graphviz DOT on stdout, or SVG with `--svg`
//! (rendered by Graphviz's `dot`, Debian `graphviz`).

use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

#[derive(Args)]
pub struct GraphArgs {
    /// The call-flow file.
    flow: PathBuf,
    /// SVG instead of DOT (needs Graphviz's `dot`).
    #[arg(long)]
    svg: bool,
}

pub fn run(args: &GraphArgs) -> ExitCode {
    match graph(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ivr graph: {message}");
            ExitCode::FAILURE
        }
    }
}

fn graph(args: &GraphArgs) -> Result<(), String> {
    let file = args.flow.display().to_string();
    let (_, spec) = ivr_flow::load::read_flow(&args.flow)
        .map_err(|d| format!("{}\n(`ivr check {file}` says more)", d.display_in(&file)))?;
    let dot = ivr_flow::graph::dot(&spec);
    let out = if args.svg { render_svg(&dot)? } else { dot };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| format!("writing it out: {e}"))
}

fn render_svg(dot: &str) -> Result<String, String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "--svg needs Graphviz's `dot` ({e}): install it (Debian: apt-get install graphviz), \
                 or leave out --svg and render the DOT elsewhere"
            )
        })?;
    let mut stdin = child.stdin.take().ok_or("dot: no input pipe")?;
    let text = dot.to_string();
    // Written from another thread: a large graph fills the pipe while dot's output waits.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child.wait_with_output().map_err(|e| format!("dot: {e}"))?;
    writer
        .join()
        .map_err(|_| "dot: the writer panicked".to_string())?
        .map_err(|e| format!("dot: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "dot failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("dot's SVG is not UTF-8: {e}"))
}
