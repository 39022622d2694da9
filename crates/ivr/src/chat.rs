//! `ivr chat FLOW`: a text simulator of a call. Prints what the caller would hear, reads what
//! the caller says. Time is virtual: prompts take about as long as they would to speak, and
//! silence jumps the clock to the no-input deadline, so a scripted call runs instantly.

use clap::{Args, ValueEnum};
use ivr_engine::http_lookup::HttpLookup;
use ivr_flow::interpreter::{Action, Call, CallEvent, CallInfo, Input, Output};
use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct ChatArgs {
    /// The call-flow file.
    flow: PathBuf,
    /// Start the call in this language (default: the flow's default language).
    #[arg(long)]
    lang: Option<String>,
    /// The call's clock at answer, RFC 3339 (e.g. 2026-12-01T10:00:00-05:00). Default: now.
    #[arg(long)]
    at: Option<String>,
    /// The calling number.
    #[arg(long, default_value = "+12025550143")]
    caller: String,
    /// Read caller lines from this file instead of the terminal.
    #[arg(long)]
    script: Option<PathBuf>,
    /// One JSON event per line (the schema of call records).
    #[arg(long)]
    json: bool,
    /// Override a flow variable, e.g. --var case_status_url=http://127.0.0.1:8080/status
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Make these engine steps fail, to try a flow's fallback paths.
    #[arg(long = "fail", value_enum)]
    fail: Vec<Step>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Step {
    Transfer,
    Notify,
    Callback,
    Escalate,
}

pub fn run(args: &ChatArgs) -> ExitCode {
    match chat(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ivr chat: {message}");
            ExitCode::FAILURE
        }
    }
}

fn chat(args: &ChatArgs) -> Result<(), String> {
    let mut flow = ivr_engine::flow_file::load(&args.flow)?;
    for assignment in &args.vars {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("--var {assignment}: write NAME=VALUE"))?;
        flow.spec.variables = override_variable(&flow.spec.variables, name, value);
    }
    if let Some(lang) = &args.lang
        && !flow.spec.languages.iter().any(|l| l.value == *lang)
    {
        let known: Vec<&str> = flow
            .spec
            .languages
            .iter()
            .map(|l| l.value.as_str())
            .collect();
        return Err(format!(
            "--lang {lang}: the flow speaks {}",
            known.join(", ")
        ));
    }
    let now = match &args.at {
        Some(at) => ivr_engine::flow_file::parse_time(at)?,
        None => jiff::Timestamp::now(),
    };
    let input: Box<dyn BufRead> = match &args.script {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| format!("--script {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let interactive = args.script.is_none() && std::io::stdin().is_terminal() && !args.json;
    let info = CallInfo {
        call_id: format!("chat-{}", now.as_millisecond()),
        caller: Some(args.caller.clone()).filter(|c| !c.is_empty()),
        // As if the call came through the carrier (a trusted trunk).
        caller_verified: !args.caller.is_empty(),
        called: Some("8003755283".into()),
        language: args.lang.clone(),
    };
    let mut sim = Simulator {
        clock: now,
        started: now,
        json: args.json,
        fail: args.fail.clone(),
        lookup: HttpLookup::new(),
        out: std::io::stdout().lock(),
    };
    let mut call = Call::new(Arc::new(flow), info, now);
    sim.drain(&mut call);
    if interactive {
        sim.prompt();
    }
    for line in input.lines() {
        if call.is_ended() {
            break;
        }
        let line = line.map_err(|e| format!("reading input: {e}"))?;
        if args.script.is_some() && !args.json {
            sim.say(&format!("caller: {line}"));
        }
        match parse_line(&line) {
            Ok(Line::Say(text)) => {
                sim.advance_ms(speaking_ms(&text));
                let input = Input::Utterance {
                    text,
                    confidence: 1.0,
                    lang: None,
                    latency_ms: None,
                    alternatives: Vec::new(),
                };
                call.handle(Input::SpeechStarted, sim.clock);
                call.handle(input, sim.clock);
            }
            Ok(Line::Keys(digits)) => {
                sim.advance_ms(300 * digits.len() as i64);
                call.handle(Input::Dtmf { digits }, sim.clock);
            }
            Ok(Line::Silence) => match call.next_deadline() {
                Some(deadline) => {
                    sim.clock = sim.clock.max(deadline);
                    call.handle(Input::Timeout, sim.clock);
                }
                None => sim.note("(nothing is waiting for the caller)"),
            },
            Ok(Line::Time(at)) => {
                sim.clock = at;
                sim.note(&format!("(clock set to {at})"));
            }
            Ok(Line::Hangup) => call.handle(Input::Hangup, sim.clock),
            Err(message) => sim.note(&message),
        }
        sim.drain(&mut call);
        if interactive && !call.is_ended() {
            sim.prompt();
        }
    }
    if !call.is_ended() {
        call.handle(Input::Hangup, sim.clock);
        sim.drain(&mut call);
    }
    Ok(())
}

fn override_variable(
    vars: &ivr_flow::schema::IdMap<ivr_flow::schema::At<String>>,
    name: &str,
    value: &str,
) -> ivr_flow::schema::IdMap<ivr_flow::schema::At<String>> {
    use ivr_flow::schema::At;
    let pos = ivr_flow::Pos::FILE;
    let mut entries: Vec<(At<String>, At<String>)> = vars
        .iter()
        .filter(|(k, _)| k.value != name)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    entries.push((
        At::new(name.to_string(), pos),
        At::new(value.to_string(), pos),
    ));
    entries.into_iter().collect()
}

enum Line {
    Say(String),
    Keys(String),
    Silence,
    Time(jiff::Timestamp),
    Hangup,
}

fn parse_line(line: &str) -> Result<Line, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Line::Silence);
    }
    if let Some(keys) = line.strip_prefix('#') {
        let keys: String = keys.chars().filter(|c| !c.is_whitespace()).collect();
        if keys.is_empty()
            || !keys
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            return Err(format!(
                "(`{line}`: keys are 0-9, * and #, e.g. #1 or #12#)"
            ));
        }
        return Ok(Line::Keys(keys));
    }
    if let Some(command) = line.strip_prefix('/') {
        let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
        return match name {
            "time" => ivr_engine::flow_file::parse_time(rest.trim())
                .map(Line::Time)
                .map_err(|e| format!("({e})")),
            "hangup" => Ok(Line::Hangup),
            _ => Err(format!(
                "(unknown command /{name}; use /time RFC3339 or /hangup)"
            )),
        };
    }
    Ok(Line::Say(line.to_string()))
}

/// About how long a caller takes to say this, for a believable timeline.
fn speaking_ms(text: &str) -> i64 {
    300 + 350 * text.split_whitespace().count() as i64
}

/// About how long text-to-speech takes to say this.
fn prompt_ms(text: &str) -> i64 {
    400 + 65 * text.chars().count() as i64
}

struct Simulator<W: Write> {
    clock: jiff::Timestamp,
    started: jiff::Timestamp,
    json: bool,
    fail: Vec<Step>,
    lookup: HttpLookup,
    out: W,
}

impl<W: Write> Simulator<W> {
    fn advance_ms(&mut self, ms: i64) {
        if let Ok(t) = self
            .clock
            .checked_add(jiff::SignedDuration::from_millis(ms))
        {
            self.clock = t;
        }
    }

    /// Carries out the call's actions until it waits for the caller.
    fn drain(&mut self, call: &mut Call) {
        let mut replies: VecDeque<(Input, i64)> = VecDeque::new();
        loop {
            while let Some(output) = call.poll_output() {
                match output {
                    Output::Event(event) => self.show(&event),
                    Output::Action(action) => {
                        if let Some(reply) = self.carry_out(action) {
                            replies.push_back(reply);
                        }
                    }
                }
            }
            let Some((input, ms)) = replies.pop_front() else {
                break;
            };
            self.advance_ms(ms);
            call.handle(input, self.clock);
        }
    }

    /// What the engine would answer to an action, and how long it takes.
    fn carry_out(&mut self, action: Action) -> Option<(Input, i64)> {
        match action {
            Action::Play { play_id, text, .. } => {
                Some((Input::PromptFinished { play_id }, prompt_ms(&text)))
            }
            Action::Lookup {
                method,
                url,
                body,
                timeout_ms,
                ..
            } => {
                let started = std::time::Instant::now();
                let result = self.lookup.fetch(method, &url, body.as_ref(), timeout_ms);
                if let Err(e) = &result {
                    self.note(&format!("(lookup failed: {e})"));
                }
                let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX / 2);
                Some((Input::LookupResult { result }, ms))
            }
            Action::Notify {
                channel,
                to,
                subject,
                body,
                ..
            } => {
                let ok = !self.fail.contains(&Step::Notify);
                let subject = subject.map(|s| format!(" \"{s}\"")).unwrap_or_default();
                self.note(&format!("({} to {to}{subject}: {body})", channel.name()));
                Some((Input::NotifyResult { ok }, 50))
            }
            Action::Callback { .. } => Some((
                Input::CallbackResult {
                    ok: !self.fail.contains(&Step::Callback),
                },
                50,
            )),
            Action::Escalate {
                email,
                lang,
                subject,
                body,
                vars,
                ..
            } => {
                if self.fail.contains(&Step::Escalate) {
                    return Some((Input::EscalateResult { recorded: None }, 50));
                }
                // No database here: request 1, and the estimate an engine with no history
                // and the default configuration would give, counted in UTC.
                let promise = ivr_engine::escalation::Promise::new(
                    &ivr_engine::config::escalation::EscalationSettings::default(),
                    &[],
                    self.clock,
                    &jiff::tz::TimeZone::UTC,
                    &lang,
                );
                let vars = vars.into_iter().collect();
                let email_text = promise.confirmation(1, &subject, &body, &vars);
                self.note(&format!(
                    "(request 1 for an officer; email to {email} \"{}\": {})",
                    email_text.subject, email_text.body
                ));
                Some((
                    Input::EscalateResult {
                        recorded: Some(promise.escalated(1)),
                    },
                    50,
                ))
            }
            Action::Transfer(_) => Some((
                Input::TransferResult {
                    ok: !self.fail.contains(&Step::Transfer),
                },
                500,
            )),
            Action::Listen(_)
            | Action::StopListening
            | Action::StopPlayback
            | Action::SetLanguage { .. }
            | Action::Hangup { .. } => None,
        }
    }

    fn show(&mut self, event: &CallEvent) {
        let t_ms = u64::try_from(self.clock.duration_since(self.started).as_millis()).unwrap_or(0);
        if self.json {
            let line = crate::event_json::line(event, t_ms);
            self.say(&line);
            return;
        }
        let text = match event {
            CallEvent::Prompt { text, .. } => format!("ivr: {text}"),
            CallEvent::Intent { name, score } => format!("  [intent {name} {score:.2}]"),
            CallEvent::Slot { name, value } => format!("  [{name} = {value}]"),
            CallEvent::Nomatch { count } => format!("  [not understood ({count})]"),
            CallEvent::Clarify { first, second } => format!("  [{first} or {second}?]"),
            CallEvent::Noinput { count } => format!("  [no input ({count})]"),
            CallEvent::NotRecognized { waited_ms } => {
                format!("  [not recognized within {waited_ms} ms]")
            }
            CallEvent::Language { lang } => format!("  [language {lang}]"),
            CallEvent::Lookup { name, ok } => {
                format!("  [lookup {name}: {}]", if *ok { "ok" } else { "failed" })
            }
            CallEvent::Callback { queue } => format!("  [callback requested for {queue}]"),
            CallEvent::Escalate { .. } => "  [request sent to an officer]".to_string(),
            CallEvent::Transfer { queue: Some(q), .. } => format!("  [transfer to queue {q}]"),
            CallEvent::Transfer { uri, .. } => {
                format!("  [transfer to {}]", uri.as_deref().unwrap_or("?"))
            }
            CallEvent::Hangup { reason } => format!("  [hangup: {reason}]"),
            CallEvent::State { .. }
            | CallEvent::Listen { .. }
            | CallEvent::Recognized { .. }
            | CallEvent::Dtmf { .. }
            | CallEvent::Notify { .. } => return,
        };
        self.say(&text);
    }

    fn note(&mut self, text: &str) {
        if !self.json {
            self.say(&format!("  {text}"));
        }
    }

    fn say(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    fn prompt(&mut self) {
        let _ = write!(self.out, "you> ");
        let _ = self.out.flush();
    }
}
