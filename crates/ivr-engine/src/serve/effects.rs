//! What a call's session asks for, started off the loop: prompt audio, recognition, lookups,
//! messages, callbacks, queue announcements. Each comes back to the loop as a `Done`.

use super::Shared;
use super::call::Asking;
use super::done::Done;
use super::messages;
use super::metrics as names;
use super::recognition::CallRecognition;
use crate::notify::request::{Callback, Escalate, Notify};
use crate::session::{LogEvent, LogLine, MediaEvent, SessionOutput};
use ivr_flow::interpreter::{Action, CallEvent, Input};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Synthesizes a queue announcement off the loop; it comes back as `Done::Announcement`.
pub(super) fn announce(
    shared: &Arc<Shared>,
    lang: &str,
    text: String,
    done: &mpsc::UnboundedSender<Done>,
) {
    let shared = Arc::clone(shared);
    let done = done.clone();
    let lang = lang.to_string();
    tokio::task::spawn_blocking(move || {
        let samples = shared
            .prompts
            .load("queue_position", &lang, &text, None, true)
            .map_err(|e| tracing::warn!("{e}"))
            .ok();
        done.send(Done::Announcement { text, samples }).ok();
    });
}

/// An event of the call (already in its record): logged now, within the call's span, and
/// reflected in `/calls` and the metrics.
pub(super) fn keep_event(shared: &Shared, call_id: &str, line: &LogLine) {
    let json = serde_json::to_value(line).unwrap_or_default();
    if shared.config.log_personal_data {
        tracing::info!(event = %json);
    } else {
        tracing::info!(event = %crate::redact::event(&json));
    }
    match &line.event {
        LogEvent::Flow(CallEvent::State { name }) => {
            shared
                .live
                .update(call_id, |c| c.state = Some(name.clone()));
        }
        LogEvent::Flow(CallEvent::Language { lang, .. }) => {
            shared.live.update(call_id, |c| c.language = lang.clone());
        }
        LogEvent::Flow(CallEvent::Recognized {
            latency_ms: Some(ms),
            ..
        }) => {
            metrics::histogram!(names::RECOGNITION_LATENCY).record(*ms as f64 / 1000.0);
            shared.line_stats.recognized(*ms);
        }
        LogEvent::Flow(CallEvent::Intent { name, .. }) => {
            shared.line_stats.intent(name, jiff::Timestamp::now());
        }
        LogEvent::Flow(CallEvent::NotRecognized { .. }) => {
            metrics::counter!(names::RECOGNITION_TIMEOUTS).increment(1);
        }
        LogEvent::Media(MediaEvent::EarlyEndpoint { .. }) => {
            metrics::counter!(names::EARLY_ENDPOINTS).increment(1);
        }
        _ => {}
    }
}

/// Runs a flow step's blocking work (HTTP, the database) off the loop; its answer comes back
/// to the flow as `Done::Flow`.
fn answer_off_loop(
    shared: &Arc<Shared>,
    done: &mpsc::UnboundedSender<Done>,
    work: impl FnOnce(&Arc<Shared>) -> Input + Send + 'static,
) {
    let shared = Arc::clone(shared);
    let done = done.clone();
    tokio::task::spawn_blocking(move || {
        done.send(Done::Flow(work(&shared))).ok();
    });
}

/// Starts what the session asked for: prompt audio, a recognition, or calling one off.
pub(super) fn start_session_work(
    shared: &Arc<Shared>,
    output: SessionOutput,
    recognition: &mut CallRecognition,
    done: &mpsc::UnboundedSender<Done>,
) {
    match output {
        SessionOutput::LoadPrompt {
            play_id,
            prompt,
            lang,
            text,
            audio,
            has_variables,
        } => {
            let shared = Arc::clone(shared);
            let done = done.clone();
            tokio::task::spawn_blocking(move || {
                let samples = shared
                    .prompts
                    .load(&prompt, &lang, &text, audio.as_deref(), has_variables)
                    .map_err(|e| tracing::warn!("{e}"))
                    .ok();
                done.send(Done::Prompt { play_id, samples }).ok();
            });
        }
        SessionOutput::Recognize {
            utterance_id,
            audio,
            config,
            speculative,
        } => recognition.submit(shared, done, utterance_id, audio, config, speculative),
        SessionOutput::CancelRecognition { utterance_id } => recognition.cancel(utterance_id),
        // The controller keeps events and acts on the flow's actions itself.
        SessionOutput::Log(_) | SessionOutput::Flow(_) => {}
    }
}

/// Starts a lookup, a message or a callback the flow asked for.
pub(super) fn start_effect(
    shared: &Arc<Shared>,
    call_id: &str,
    asking: &Asking,
    action: Action,
    done: &mpsc::UnboundedSender<Done>,
) {
    match action {
        Action::Lookup {
            method,
            url,
            body,
            timeout_ms,
            ..
        } => answer_off_loop(shared, done, move |shared| {
            let result = shared.http.fetch(method, &url, body.as_ref(), timeout_ms);
            Input::LookupResult { result }
        }),
        Action::Notify {
            channel,
            template,
            lang,
            to,
            subject,
            body,
        } => {
            let notify = Notify {
                call_id: call_id.to_string(),
                channel,
                template,
                lang,
                to,
                subject,
                body,
            };
            let requester = asking.requester.clone();
            answer_off_loop(shared, done, move |shared| {
                messages::queue(shared, &notify, &requester)
            });
        }
        Action::Callback {
            queue,
            number,
            lang,
        } => {
            let call_id = call_id.to_string();
            let requester = asking.requester.clone();
            answer_off_loop(shared, done, move |shared| {
                let callback = Callback {
                    call_id: &call_id,
                    queue: &queue,
                    number: &number,
                    lang: &lang,
                };
                messages::callback(shared, &callback, &requester)
            });
        }
        Action::Escalate {
            topic,
            email,
            lang,
            template,
            subject,
            body,
            vars,
        } => {
            let call_id = call_id.to_string();
            let caller = asking.requester.caller.clone();
            let source = asking.requester.source_key();
            let zone = asking.zone.clone();
            answer_off_loop(shared, done, move |shared| {
                let request = Escalate {
                    call_id: &call_id,
                    caller: caller.as_deref(),
                    email: &email,
                    lang: &lang,
                    topic: &topic,
                    requested_by: "flow",
                    source: &source,
                    template: &template,
                    subject: &subject,
                    body: &body,
                    vars: vars.into_iter().collect(),
                    zone: &zone,
                };
                let recorded = messages::escalate(shared, &request).ok();
                Input::EscalateResult {
                    recorded: recorded.map(|r| r.promise.escalated(r.id)),
                }
            });
        }
        _ => {}
    }
}
