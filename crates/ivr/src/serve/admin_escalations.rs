//! An agent's escalation through the admin: `POST /escalations` sends a caller's request to
//! an officer (recorded, and confirmed to the caller by email from the flow's template, in
//! their language); `POST /escalations/ID/close` says an officer has contacted them.

use super::admin::{Reply, json, text};
use ivr_engine::notify::request::Escalate;
use ivr_engine::serve::Shared;
use ivr_engine::serve::messages;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;

/// The template a request is confirmed with when the agent names none.
const DEFAULT_TEMPLATE: &str = "escalation_confirmation";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRequest {
    /// The caller's address, where the confirmation goes.
    email: String,
    /// The caller's language: the confirmation is written in it.
    lang: String,
    /// What the caller needs.
    topic: String,
    /// Who is escalating (the page asks); `supervisor` when not said.
    #[serde(default)]
    agent: Option<String>,
    /// The call it is about, when still in progress or known: its flow's template is used.
    #[serde(default)]
    call_id: Option<String>,
    #[serde(default)]
    caller: Option<String>,
    #[serde(default)]
    template: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Closing {
    #[serde(default)]
    by: Option<String>,
}

pub(super) fn create(shared: &Shared, body: &[u8]) -> Reply {
    let request: NewRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return text(
                400,
                &format!(
                    "the body must be JSON like {{\"email\": \"ana@example.com\", \"lang\": \
                     \"es-US\", \"topic\": \"...\", \"agent\": \"agent1\", \"call_id\": \
                     \"...\"}}: {e}\n"
                ),
                "text/plain",
            );
        }
    };
    let agent = request
        .agent
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or("supervisor");
    if agent.chars().count() > 64 || agent.chars().any(char::is_control) {
        return text(
            400,
            "`agent` is a name of at most 64 characters\n",
            "text/plain",
        );
    }
    // The call's own flow when it is still in progress, else the line's main flow.
    let live = request
        .call_id
        .as_deref()
        .and_then(|id| shared.live.snapshot().into_iter().find(|c| c.call_id == id));
    let flow_path = live
        .as_ref()
        .map_or_else(|| shared.config.flow.clone(), |c| PathBuf::from(&c.flow));
    let Some((flow, _)) = shared.flows.get(&flow_path) else {
        return text(500, "the flow is not loaded\n", "text/plain");
    };
    let template_name = request.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    let email_text = flow
        .spec
        .templates
        .get(template_name)
        .and_then(|t| t.email.as_ref())
        .and_then(|e| {
            Some((
                e.value.subject.get(&request.lang)?,
                e.value.body.get(&request.lang)?,
            ))
        });
    let Some((subject, email_body)) = email_text else {
        let languages: Vec<&str> = flow
            .spec
            .languages
            .iter()
            .map(|l| l.value.as_str())
            .collect();
        return text(
            422,
            &format!(
                "flow {}: no email template `{template_name}` in {} (its languages: {}); add \
                 one under `templates:`",
                flow_path.display(),
                request.lang,
                languages.join(", ")
            ),
            "text/plain",
        );
    };
    let caller = request
        .caller
        .clone()
        .or_else(|| live.as_ref().and_then(|c| c.caller.clone()));
    let call_id = request.call_id.clone().unwrap_or_default();
    // What the flow's own templates may use outside a call: its settings and who called.
    let mut vars: HashMap<String, String> = flow
        .spec
        .variables
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.clone()))
        .collect();
    vars.insert("language".into(), request.lang.clone());
    vars.insert("call_id".into(), call_id.clone());
    vars.insert("caller".into(), caller.clone().unwrap_or_default());
    let requested_by = format!("agent {agent}");
    let source = format!("agent:{agent}");
    let escalate = Escalate {
        call_id: &call_id,
        caller: caller.as_deref(),
        email: &request.email,
        lang: &request.lang,
        topic: &request.topic,
        requested_by: &requested_by,
        source: &source,
        template: template_name,
        subject: &subject.value,
        body: &email_body.value,
        vars,
        zone: &flow.timezone,
    };
    match messages::escalate(shared, &escalate) {
        Ok(recorded) => match shared.store.escalation(recorded.id) {
            Ok(Some(row)) => Reply {
                status: 201,
                ..json::<_>(Ok(row))
            },
            Ok(None) => text(500, "recorded, then not found\n", "text/plain"),
            Err(e) => text(500, &format!("{e}\n"), "text/plain"),
        },
        Err(refusal) => {
            let status = match refusal.reason {
                "store" => 500,
                "no_provider" => 503,
                "bad_address" => 422,
                _ => 429,
            };
            text(status, &format!("{refusal}\n"), "text/plain")
        }
    }
}

pub(super) fn close(shared: &Shared, id: &str, body: &[u8]) -> Reply {
    let Ok(id) = id.parse::<i64>() else {
        return text(404, "POST /escalations/ID/close\n", "text/plain");
    };
    let closing: Closing = if body.iter().all(u8::is_ascii_whitespace) {
        Closing::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(c) => c,
            Err(e) => {
                return text(
                    400,
                    &format!("the body is empty or JSON like {{\"by\": \"officer name\"}}: {e}\n"),
                    "text/plain",
                );
            }
        }
    };
    let by = closing
        .by
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .unwrap_or("supervisor");
    if by.chars().count() > 64 || by.chars().any(char::is_control) {
        return text(
            400,
            "`by` is a name of at most 64 characters\n",
            "text/plain",
        );
    }
    match shared
        .store
        .close_escalation(id, by, jiff::Timestamp::now())
    {
        Ok(true) => json(shared.store.escalation(id)),
        Ok(false) => text(409, "no such request, or already closed\n", "text/plain"),
        Err(e) => text(500, &format!("{e}\n"), "text/plain"),
    }
}
