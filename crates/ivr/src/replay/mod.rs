//! `ivr replay`: caller recordings through the same call session a live call uses, in virtual
//! time. One WAV prints what happened; a directory of fixtures checks each against its
//! manifest and summarizes the rates per language.

pub(crate) mod drive;
mod junit;
mod manifest;
mod outcome;
mod timing;

use clap::Args;
use drive::{CallPlan, Replayer};
use ivr_engine::http_lookup::HttpLookup;
use ivr_engine::session::{LogEvent, LogLine};
use ivr_engine::tts::CallPrompts;
use ivr_flow::Flow;
use ivr_flow::interpreter::CallEvent;
use manifest::{Manifest, parse_dtmf_schedule};
use outcome::Outcome;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// After the recording ends the caller is silent; a flow that never ends is cut here.
const AFTER_AUDIO_LIMIT_MS: u64 = 300_000;

#[derive(Args)]
pub struct ReplayArgs {
    /// A caller recording (WAV), or a directory of fixtures (WAV + manifest YAML pairs).
    path: PathBuf,
    /// The flow (for a single WAV).
    #[arg(long)]
    flow: Option<PathBuf>,
    /// Start the call in this language.
    #[arg(long)]
    lang: Option<String>,
    /// Call time, RFC 3339. Default: now.
    #[arg(long)]
    at: Option<String>,
    /// The calling number.
    #[arg(long, default_value = "+12025550143")]
    caller: String,
    /// Keypad keys at seconds from answer, e.g. "1@6.0,#@7.8".
    #[arg(long)]
    dtmf: Option<String>,
    /// One JSON event per line.
    #[arg(long)]
    json: bool,
    /// With a directory: fail when a language's share of fixtures as expected is below this,
    /// e.g. --min-rate en-US=0.9
    #[arg(long = "min-rate", value_name = "LANG=RATE")]
    min_rates: Vec<String>,
    /// Folder of the speech models (default: $IVR_MODELS_DIR or .models).
    #[arg(long)]
    models: Option<PathBuf>,
    /// Engine configuration (YAML); its `speech:` section chooses the models.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Folder of recorded prompts (default: prompts).
    #[arg(long, default_value = "prompts")]
    prompts: PathBuf,
    /// Hand each recognition result to the call this long after the call asked for it (at the
    /// caller's first pause, ~0.3 s after the last word, or at the endpoint), instead of after
    /// the time recognition really took. The outcome then no longer depends on how busy the
    /// machine is (CI uses it); `latency_ms` then reports this delay plus the pause, not a
    /// measurement.
    #[arg(long = "result-delay-ms", value_name = "MS")]
    result_delay_ms: Option<u64>,
    /// With a directory: also write the results as JUnit XML here (one test case per
    /// fixture, one suite per language), for CI systems to show.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

pub fn run(args: &ReplayArgs) -> ExitCode {
    match replay(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("ivr replay: {message}");
            ExitCode::FAILURE
        }
    }
}

fn replay(args: &ReplayArgs) -> Result<ExitCode, String> {
    let config = crate::speech_setup::read_config(args.config.as_deref())?;
    let models = crate::speech_setup::load_models_for(args.models.as_deref(), &config)?;
    // The fixtures' flows are read one by one later, so no language's voice is checked up
    // front: a missing text-to-speech program shows on the first prompt it must speak.
    let prompts = CallPrompts::new(&args.prompts, &config.tts, &[])?;
    let http = HttpLookup::new();
    let mut replayer = Replayer {
        models: &models,
        prompts: &prompts,
        http: &http,
        result_delay_ms: args.result_delay_ms,
    };
    if args.path.is_dir() {
        replay_fixtures(args, &mut replayer)
    } else {
        replay_one(args, &mut replayer)
    }
}

fn replay_one(args: &ReplayArgs, replayer: &mut Replayer) -> Result<ExitCode, String> {
    let flow_path = args
        .flow
        .as_ref()
        .ok_or("a single recording needs --flow FLOW (a directory of fixtures names its flows)")?;
    let flow = load_flow(flow_path)?;
    let at = match &args.at {
        Some(at) => ivr_engine::flow_file::parse_time(at)?,
        None => jiff::Timestamp::now(),
    };
    let dtmf = parse_dtmf_schedule(args.dtmf.as_deref().unwrap_or(""))
        .map_err(|e| format!("--dtmf {e}"))?;
    let plan = plan(
        &args.path,
        flow,
        at,
        Some(args.caller.clone()),
        args.lang.clone(),
        dtmf,
    )?;
    let name = args
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let replayed = replayer.run(&plan, &name)?;
    for line in &replayed.log {
        println!(
            "{}",
            if args.json {
                json_line(line)
            } else {
                text_line(line)
            }
        );
    }
    if !replayed.ended_by_flow {
        eprintln!(
            "ivr replay: the flow had not ended {} s after the recording; call cut",
            AFTER_AUDIO_LIMIT_MS / 1000
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn plan(
    wav: &Path,
    flow: Arc<Flow>,
    at: jiff::Timestamp,
    caller: Option<String>,
    lang: Option<String>,
    dtmf: Vec<(u64, char)>,
) -> Result<CallPlan, String> {
    let caller_audio = ivr_media::wav::read_wav(wav).map_err(|e| e.to_string())?;
    let audio_ms = caller_audio.len() as u64 / 8;
    Ok(CallPlan {
        flow,
        caller_audio,
        at,
        caller,
        lang,
        dtmf,
        limit_ms: audio_ms + AFTER_AUDIO_LIMIT_MS,
    })
}

fn replay_fixtures(args: &ReplayArgs, replayer: &mut Replayer) -> Result<ExitCode, String> {
    let min_rates = parse_min_rates(&args.min_rates)?;
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(&args.path)
        .map_err(|e| format!("{}: {e}", args.path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    manifests.sort();
    if manifests.is_empty() {
        return Err(format!(
            "{}: no fixture manifests (.yaml) here",
            args.path.display()
        ));
    }
    let mut flows: BTreeMap<PathBuf, Arc<Flow>> = BTreeMap::new();
    // language -> (as expected, total)
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut broken = 0;
    let mut timing = timing::Timing::default();
    let started = std::time::Instant::now();
    let mut cases = Vec::new();
    for path in &manifests {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let fixture_started = std::time::Instant::now();
        let result = replay_fixture(path, &name, replayer, &mut flows);
        let seconds = fixture_started.elapsed().as_secs_f64();
        let (lang, case_result) = match result {
            Ok((manifest, outcome, log)) => {
                timing.add_call(&manifest.expect.language, &log);
                let diffs = outcome.differences(&manifest.expect);
                let entry = tally.entry(manifest.expect.language.clone()).or_default();
                entry.1 += 1;
                let case_result = if diffs.is_empty() {
                    entry.0 += 1;
                    println!("ok   {name}: {}", summary(&outcome));
                    junit::CaseResult::Passed
                } else {
                    let mut details = Vec::new();
                    if !manifest.script.is_empty() {
                        details.push(format!("the caller says: {:?}", manifest.script));
                    }
                    details.extend(log.iter().filter(|l| is_recognized(l)).map(text_line));
                    println!("FAIL {name}: {}", diffs.join("; "));
                    for line in &details {
                        println!("       {line}");
                    }
                    junit::CaseResult::Failed {
                        message: diffs.join("; "),
                        details: details.join("\n"),
                    }
                };
                (Some(manifest.expect.language.clone()), case_result)
            }
            Err(message) => {
                broken += 1;
                println!("ERROR {name}: {message}");
                (None, junit::CaseResult::Error(message))
            }
        };
        cases.push(junit::Case {
            name,
            lang,
            seconds,
            result: case_result,
        });
    }
    if let Some(path) = &args.junit {
        junit::write(path, &cases)?;
    }
    let passed: usize = tally.values().map(|(ok, _)| ok).sum();
    let total: usize = tally.values().map(|(_, n)| n).sum::<usize>() + broken;
    let per_lang: Vec<String> = tally
        .iter()
        .map(|(lang, (ok, n))| format!("{lang} {ok}/{n}"))
        .collect();
    // The timing line first: the summary of outcomes is the last line, as scripts expect.
    println!("{}", timing.summary(started.elapsed()));
    println!(
        "replay: {passed}/{total} as expected ({})",
        per_lang.join(", ")
    );
    let mut failed = broken > 0;
    for (lang, min) in &min_rates {
        let (ok, n) = tally.get(lang).copied().unwrap_or((0, 0));
        let rate = if n == 0 { 0.0 } else { ok as f64 / n as f64 };
        if rate < *min {
            eprintln!("replay: {lang} rate {rate:.2} is below --min-rate {min}");
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn replay_fixture(
    path: &Path,
    name: &str,
    replayer: &mut Replayer,
    flows: &mut BTreeMap<PathBuf, Arc<Flow>>,
) -> Result<(Manifest, Outcome, Vec<LogLine>), String> {
    let manifest = Manifest::read(path)?;
    let flow_path = manifest.flow_path(path);
    let flow = match flows.get(&flow_path) {
        Some(flow) => Arc::clone(flow),
        None => {
            let flow = load_flow(&flow_path)?;
            flows.insert(flow_path, Arc::clone(&flow));
            flow
        }
    };
    let at = ivr_engine::flow_file::parse_time(&manifest.at)?;
    let dtmf = parse_dtmf_schedule(manifest.dtmf.as_deref().unwrap_or(""))?;
    let plan = plan(
        &manifest.wav_path(path),
        flow,
        at,
        manifest.caller.clone(),
        manifest.lang.clone(),
        dtmf,
    )?;
    let replayed = replayer.run(&plan, name)?;
    let outcome = Outcome::of(&replayed.log, &replayed.language);
    Ok((manifest, outcome, replayed.log))
}

fn summary(outcome: &Outcome) -> String {
    let last = outcome
        .final_action
        .as_ref()
        .map_or("nothing".to_string(), |f| f.to_string());
    format!(
        "{} [{}] -> {last}",
        outcome.language,
        outcome.intents.join(", ")
    )
}

fn is_recognized(line: &LogLine) -> bool {
    matches!(line.event, LogEvent::Flow(CallEvent::Recognized { .. }))
}

fn parse_min_rates(specs: &[String]) -> Result<Vec<(String, f64)>, String> {
    specs
        .iter()
        .map(|spec| {
            let (lang, rate) = spec
                .split_once('=')
                .ok_or_else(|| format!("--min-rate {spec}: write LANG=RATE, e.g. en-US=0.9"))?;
            let rate: f64 = rate
                .parse()
                .ok()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| format!("--min-rate {spec}: the rate is a number from 0 to 1"))?;
            Ok((lang.to_string(), rate))
        })
        .collect()
}

fn load_flow(path: &Path) -> Result<Arc<Flow>, String> {
    ivr_engine::flow_file::load(path).map(Arc::new)
}

fn json_line(line: &LogLine) -> String {
    crate::event_json::line(&line.event, line.t_ms)
}

fn text_line(line: &LogLine) -> String {
    let secs = line.t_ms as f64 / 1000.0;
    let body = match &line.event {
        LogEvent::Flow(CallEvent::Prompt { text, .. }) => format!("ivr: {text}"),
        LogEvent::Flow(CallEvent::Recognized {
            text,
            confidence,
            latency_ms,
            understood_as,
            ..
        }) => {
            let instead = understood_as.as_ref().map_or(String::new(), |alt| {
                format!(", understood as \"{}\" ({:.2})", alt.text, alt.confidence)
            });
            format!(
                "caller: \"{text}\" ({confidence:.2}, {} ms){instead}",
                latency_ms.unwrap_or(0)
            )
        }
        _ => serde_json::to_string(&line.event).unwrap_or_default(),
    };
    format!("{secs:7.2}s {body}")
}
