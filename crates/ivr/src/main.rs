//! The `ivr` command.

mod agents;
mod chat;
mod check;
mod event_json;
mod graph;
mod intents;
mod prompts;
mod replay;
mod schema;
mod serve;
mod speech_setup;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ivr",
    version,
    about = "A speech-enabled telephone answering engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check call-flow files (or every .yaml in directories) and report problems.
    Check(check::CheckArgs),
    /// Try a call flow by text: see what the caller hears, type what the caller says.
    Chat(chat::ChatArgs),
    /// Play caller recordings through the call pipeline (a WAV, or a directory of fixtures).
    Replay(replay::ReplayArgs),
    /// Answer SIP calls and run the flow on each
    Serve(serve::ServeArgs),
    /// Measure intent understanding: `eval` scores labeled phrases against a flow.
    Intents(intents::IntentsArgs),
    /// Manage prompt audio: `render` speaks the flow's fixed prompts into WAV files.
    Prompts(prompts::PromptsArgs),
    /// Agents of a cluster: `sync` writes their credentials for the load balancer.
    Agents(agents::AgentsArgs),
    /// Draw a call flow: its states and every way between them (DOT, or SVG with --svg).
    Graph(graph::GraphArgs),
    /// Print the JSON Schema of the call-flow language, for editors.
    Schema,
}

fn main() -> ExitCode {
    // Before any thread starts: Whisper's decode buffers stay in one heap between decodes.
    #[cfg(feature = "whisper")]
    ivr_speech::whisper_backend::keep_freed_memory();
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Chat(args) => chat::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Prompts(args) => prompts::run(&args),
        Command::Intents(args) => intents::run(&args),
        Command::Agents(args) => agents::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Schema => schema::run(),
    }
}
