//! `ivr prompts render FLOW [--out prompts/]`: speaks every prompt of a flow that has no
//! `{variables}` into `<out>/<lang>/<id>.wav` (8 kHz mono 16-bit) with the language's
//! text-to-speech voice (the engine configuration's `tts:`; Pico where installed, else
//! espeak-ng), so calls play files instead of waiting for synthesis. Prompts with variables are synthesized during
//! calls (and cached); prompts with studio recordings (`audio:`) are left alone.
//!
//! Each language folder keeps `.rendered.json`, the digest of the text each file was made
//! from: an unchanged prompt is not rendered again, a changed one is, and a file whose prompt
//! is gone (or now has variables or a recording) is removed.

use clap::{Args, Subcommand};
use ivr_engine::tts::{RenderedEntry, RenderedIndex, Synthesizer};
use ivr_flow::schema::{FlowSpec, PromptSpec};
use ivr_flow::template;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct PromptsArgs {
    #[command(subcommand)]
    command: PromptsCommand,
}

#[derive(Subcommand)]
enum PromptsCommand {
    /// Render the flow's fixed prompts to <out>/<lang>/<id>.wav with text-to-speech.
    Render(RenderArgs),
}

#[derive(Args)]
struct RenderArgs {
    /// The call-flow file.
    flow: PathBuf,
    /// The prompt folder: one subfolder per language.
    #[arg(long, default_value = "prompts")]
    out: PathBuf,
    /// Render every file again, even those made from the current text.
    #[arg(long)]
    force: bool,
    /// Engine configuration (YAML); its `tts:` section chooses each language's voice.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(args: &PromptsArgs) -> ExitCode {
    let PromptsCommand::Render(render_args) = &args.command;
    match render(render_args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ivr prompts render: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What happened to one language's prompts.
#[derive(Default)]
struct Tally {
    rendered: usize,
    current: usize,
    runtime: usize,
    recorded: usize,
    removed: usize,
}

fn render(args: &RenderArgs) -> Result<(), String> {
    let file = args.flow.display().to_string();
    let (_, spec) = ivr_flow::load::read_flow(&args.flow)
        .map_err(|d| format!("{}; fix the flow first (`ivr check`)", d.display_in(&file)))?;
    let config = crate::speech_setup::read_config(args.config.as_deref())?;
    let synth = Synthesizer::uncached().with_choices(config.tts.clone());
    let mut total = Tally::default();
    let mut voices = Vec::new();
    for lang in &spec.languages {
        let voice = synth.voice(&lang.value).map_err(|e| e.to_string())?;
        let engine = synth
            .engine_version(voice.engine)
            .map_err(|e| e.to_string())?;
        let tally = render_language(&spec, &lang.value, args, &synth, &voice.id(), &engine)?;
        println!(
            "{}: {} rendered, {} up to date, {} with {{variables}} left to run time, {} \
             recorded, {} removed ({voice})",
            lang.value, tally.rendered, tally.current, tally.runtime, tally.recorded, tally.removed
        );
        voices.push(format!("{}: {voice}", lang.value));
        total.rendered += tally.rendered;
        total.current += tally.current;
        total.runtime += tally.runtime;
        total.removed += tally.removed;
    }
    println!(
        "prompts: {} files in {} ({} rendered now, {} already up to date); {} prompt texts with \
         {{variables}} are synthesized during calls ({})",
        total.rendered + total.current,
        args.out.display(),
        total.rendered,
        total.current,
        total.runtime,
        voices.join(", ")
    );
    Ok(())
}

fn render_language(
    spec: &FlowSpec,
    lang: &str,
    args: &RenderArgs,
    synth: &Synthesizer,
    voice: &str,
    engine: &str,
) -> Result<Tally, String> {
    let dir = args.out.join(lang);
    std::fs::create_dir_all(&dir).map_err(|e| {
        format!(
            "cannot create {}: {e}; check that --out is a writable folder",
            dir.display()
        )
    })?;
    let mut index = RenderedIndex::load(&dir).map_err(|e| e.to_string())?;
    let before = index.clone();
    let mut tally = Tally::default();
    let mut kept = BTreeSet::new();
    for (id, prompt) in spec.prompts.iter() {
        let id = id.value.as_str();
        let text = match fixed_text(prompt, lang) {
            Fixed::Text(text) => text,
            Fixed::HasVariables => {
                tally.runtime += 1;
                continue;
            }
            Fixed::Recorded => {
                tally.recorded += 1;
                continue;
            }
            Fixed::Missing => continue,
        };
        kept.insert(id.to_string());
        let path = dir.join(format!("{id}.wav"));
        if !args.force && path.is_file() && index.is_current(id, voice, &text) {
            tally.current += 1;
            continue;
        }
        let samples = synth
            .synthesize(lang, &text)
            .map_err(|e| format!("prompt `{id}` ({lang}): {e}"))?;
        write_atomically(&path, &samples)?;
        index.prompts.insert(
            id.to_string(),
            RenderedEntry {
                voice: voice.to_string(),
                engine: engine.to_string(),
                text_sha256: ivr_engine::tts::text_digest(voice, &text),
            },
        );
        tally.rendered += 1;
    }
    // Files this command made for prompts that no longer want one. Files it did not make
    // (not in the index) are never touched.
    let gone: Vec<String> = index
        .prompts
        .keys()
        .filter(|id| !kept.contains(*id))
        .cloned()
        .collect();
    for id in gone {
        let path = dir.join(format!("{id}.wav"));
        match std::fs::remove_file(&path) {
            Ok(()) => tally.removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove stale {}: {e}", path.display())),
        }
        index.prompts.remove(&id);
    }
    if index != before {
        index.save(&dir).map_err(|e| e.to_string())?;
    }
    Ok(tally)
}

enum Fixed {
    Text(String),
    HasVariables,
    Recorded,
    /// No text in this language: `ivr check` reports it; nothing to render.
    Missing,
}

/// The text to render for `lang`, if the prompt is one to render.
fn fixed_text(prompt: &PromptSpec, lang: &str) -> Fixed {
    if prompt.audio.contains(lang) {
        return Fixed::Recorded;
    }
    let Some(text) = prompt.text.get(lang) else {
        return Fixed::Missing;
    };
    match template::variables(&text.value) {
        Ok(vars) if vars.is_empty() => {
            // Unescapes `{{` and `}}`.
            Fixed::Text(template::render(
                &text.value,
                &HashMap::new(),
                template::plain,
            ))
        }
        // A malformed template is the checker's to report; it cannot be a fixed text.
        _ => Fixed::HasVariables,
    }
}

/// Writes through a temporary file and a rename: a call starting meanwhile plays either the
/// old prompt or the new one, never half a file.
fn write_atomically(path: &Path, samples: &[i16]) -> Result<(), String> {
    let tmp = path.with_extension(format!("wav.{}.tmp", std::process::id()));
    ivr_media::wav::write_wav(&tmp, samples, ivr_media::SAMPLE_RATE)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            std::fs::rename(&tmp, path)
                .map_err(|e| format!("cannot move {} into place: {e}", tmp.display()))
        })
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}
