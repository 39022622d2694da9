//! `ivr intents eval FLOW PHRASES`: how well a flow's intents understand phrasings that are
//! not its examples. PHRASES is YAML: language -> intent -> phrases, where the intent `none`
//! marks talk that must match nothing. Prints per-intent precision and recall, top-1
//! accuracy per language, and every phrase taken as the wrong intent; `--min-accuracy` makes
//! it a gate.

use clap::{Args, Subcommand};
use indexmap::IndexMap;
use ivr_flow::Flow;
use ivr_flow::text::{MatchDecision, MatchPolicy};
use std::path::PathBuf;
use std::process::ExitCode;

/// The label of phrases that must not match any intent.
const NONE: &str = "none";

#[derive(Args)]
pub struct IntentsArgs {
    #[command(subcommand)]
    command: IntentsCommand,
}

#[derive(Subcommand)]
enum IntentsCommand {
    /// Score labeled phrases against a flow's intents.
    Eval(EvalArgs),
}

#[derive(Args)]
struct EvalArgs {
    /// The call-flow file.
    flow: PathBuf,
    /// Labeled phrases (YAML: language -> intent -> list of phrases; `none` for no intent).
    phrases: PathBuf,
    /// Exit 1 when a language's decided accuracy is below this (0.0-1.0), or when any
    /// phrase is wrongly taken as an intent that ends the call.
    #[arg(long)]
    min_accuracy: Option<f32>,
    /// Print every phrase, not only the wrong ones.
    #[arg(long)]
    verbose: bool,
}

type Phrases = IndexMap<String, IndexMap<String, Vec<String>>>;

pub fn run(args: &IntentsArgs) -> ExitCode {
    let IntentsCommand::Eval(eval_args) = &args.command;
    match eval(eval_args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("ivr intents eval: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Counts for one intent: as labeled, as decided, and both.
#[derive(Default)]
struct Counts {
    labeled: usize,
    decided: usize,
    correct: usize,
}

fn eval(args: &EvalArgs) -> Result<bool, String> {
    let flow = ivr_engine::flow_file::load(&args.flow)?;
    let text = std::fs::read_to_string(&args.phrases)
        .map_err(|e| format!("cannot read {}: {e}", args.phrases.display()))?;
    let phrases: Phrases =
        serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", args.phrases.display()))?;
    let intents: Vec<&str> = flow.matcher.intents().collect();
    for (lang, by_intent) in &phrases {
        for intent in by_intent.keys() {
            if intent != NONE && !intents.contains(&intent.as_str()) {
                return Err(format!(
                    "{}: `{lang}.{intent}` is not an intent of {} (its intents: {})",
                    args.phrases.display(),
                    args.flow.display(),
                    intents.join(", ")
                ));
            }
        }
    }
    let mut pass = true;
    for (lang, by_intent) in &phrases {
        pass &= eval_language(&flow, &intents, lang, by_intent, args);
    }
    Ok(pass)
}

fn eval_language(
    flow: &Flow,
    intents: &[&str],
    lang: &str,
    by_intent: &IndexMap<String, Vec<String>>,
    args: &EvalArgs,
) -> bool {
    let mut counts: IndexMap<&str, Counts> = intents
        .iter()
        .chain(std::iter::once(&NONE))
        .map(|i| (*i, Counts::default()))
        .collect();
    let (mut total, mut labeled_intents, mut top1, mut decided_right) = (0, 0, 0, 0);
    let mut ends_call_wrongly = Vec::new();
    println!("{lang}:");
    for (label, phrases) in by_intent {
        for phrase in phrases {
            total += 1;
            let ranking = flow.matcher.rank(phrase, intents);
            let decision = flow.matcher.decide(phrase, intents, MatchPolicy::default());
            let decided = match &decision {
                MatchDecision::Match(m) => m.intent.as_str(),
                _ => NONE,
            };
            if label != NONE {
                labeled_intents += 1;
                if ranking.first().is_some_and(|best| best.intent == *label) {
                    top1 += 1;
                }
            }
            if let Some(c) = counts.get_mut(label.as_str()) {
                c.labeled += 1;
            }
            if let Some(c) = counts.get_mut(decided) {
                c.decided += 1;
            }
            let right = decided == label;
            if right {
                decided_right += 1;
                if let Some(c) = counts.get_mut(decided) {
                    c.correct += 1;
                }
            }
            if !right && decided != NONE && flow.intent_ends_call(decided) {
                ends_call_wrongly.push(phrase.as_str());
            }
            if !right || args.verbose {
                let detail = match &decision {
                    MatchDecision::Match(m) => format!("{} {:.2}", m.intent, m.score),
                    MatchDecision::NoMatch { best } => match best {
                        Some(b) => format!("no match (best {} {:.2})", b.intent, b.score),
                        None => "no match".to_string(),
                    },
                    MatchDecision::Ambiguous { first, second } => format!(
                        "ambiguous ({} {:.2} / {} {:.2})",
                        first.intent, first.score, second.intent, second.score
                    ),
                };
                let mark = if right { "ok  " } else { "MISS" };
                // Where the labeled intent stands, so a miss shows how far off it was.
                let labeled = ranking
                    .iter()
                    .position(|s| s.intent == *label)
                    .filter(|_| !right)
                    .map(|rank| format!("; {label} {:.2}, rank {}", ranking[rank].score, rank + 1))
                    .unwrap_or_default();
                println!("  {mark} {label:<18} {phrase:?} -> {detail}{labeled}");
            }
        }
    }
    println!(
        "  {:<18} {:>9} {:>7} {:>7}",
        "intent", "precision", "recall", "phrases"
    );
    for (intent, c) in &counts {
        if c.labeled == 0 && c.decided == 0 {
            continue;
        }
        let ratio = |num: usize, den: usize| {
            if den == 0 {
                "-".to_string()
            } else {
                format!("{:.2}", num as f32 / den as f32)
            }
        };
        println!(
            "  {intent:<18} {:>9} {:>7} {:>7}",
            ratio(c.correct, c.decided),
            ratio(c.correct, c.labeled),
            c.labeled
        );
    }
    let accuracy = decided_right as f32 / total.max(1) as f32;
    let top1_rate = top1 as f32 / labeled_intents.max(1) as f32;
    println!(
        "  {lang}: top-1 {top1}/{labeled_intents} ({:.1} %), decided right {decided_right}/{total} \
         ({:.1} %), wrongly ending the call: {}",
        100.0 * top1_rate,
        100.0 * accuracy,
        ends_call_wrongly.len()
    );
    for phrase in &ends_call_wrongly {
        println!("  ends the call wrongly: {phrase:?}");
    }
    match args.min_accuracy {
        Some(min) if accuracy < min || !ends_call_wrongly.is_empty() => {
            eprintln!(
                "ivr intents eval: {lang}: decided accuracy {:.3} (minimum {min}), {} phrase(s) \
                 wrongly ending the call",
                accuracy,
                ends_call_wrongly.len()
            );
            false
        }
        _ => true,
    }
}
