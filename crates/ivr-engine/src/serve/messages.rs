//! A flow's `notify` and `callback` on a live call, as ivr-engine's `notify::request` does
//! them, plus what only the server has: the log line, the metric, the outbox's wake-up.

use super::Shared;
use super::metrics as names;
use crate::notify::request::{self, Callback, Escalate, Escalated, Notify, Refusal, Requester};
use ivr_flow::interpreter::Input;
use std::sync::Arc;

/// Queues the message; blocking (database): run it off the runtime. The flow's input says
/// whether it was queued.
pub fn queue(shared: &Arc<Shared>, notify: &Notify, requester: &Requester) -> Input {
    let queued = request::queue_message(
        &shared.config,
        &shared.store,
        notify,
        requester,
        jiff::Timestamp::now(),
    );
    match queued {
        Ok(id) => {
            tracing::info!(id, channel = notify.channel.name(), "message queued");
            shared.outbox_wake.notify_one();
            Input::NotifyResult { ok: true }
        }
        Err(refusal) => {
            refused(notify.channel.name(), &refusal);
            Input::NotifyResult { ok: false }
        }
    }
}

/// Records a callback request; blocking (database).
pub fn callback(shared: &Shared, callback: &Callback, requester: &Requester) -> Input {
    let recorded = request::record_callback(
        &shared.config,
        &shared.store,
        callback,
        requester,
        jiff::Timestamp::now(),
    );
    match recorded {
        Ok(id) => {
            tracing::info!(id, queue = callback.queue, "callback recorded");
            metrics::counter!(names::CALLBACKS).increment(1);
            Input::CallbackResult { ok: true }
        }
        Err(refusal) => {
            refused("callback", &refusal);
            Input::CallbackResult { ok: false }
        }
    }
}

/// Records a request for an officer and queues its confirmation; blocking (database). From a
/// call's flow, or from an agent through the admin.
pub fn escalate(shared: &Shared, request: &Escalate) -> Result<Escalated, Refusal> {
    let recorded = request::record_escalation(
        &shared.config,
        &shared.store,
        request,
        jiff::Timestamp::now(),
    );
    match recorded {
        Ok(escalated) => {
            tracing::info!(
                id = escalated.id,
                by = request.requested_by,
                estimate_days = escalated.promise.estimate.days,
                "escalation recorded; confirmation queued"
            );
            metrics::counter!(names::ESCALATIONS, "by" => if request.requested_by == "flow" { "flow" } else { "agent" })
                .increment(1);
            shared.outbox_wake.notify_one();
            Ok(escalated)
        }
        Err(refusal) => {
            refused("escalation", &refusal);
            Err(refusal)
        }
    }
}

fn refused(kind: &'static str, refusal: &Refusal) {
    tracing::warn!(kind, reason = refusal.reason, "{refusal}");
    metrics::counter!(names::REQUESTS_REFUSED, "kind" => kind, "reason" => refusal.reason)
        .increment(1);
}
