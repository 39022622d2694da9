//! A flow's `notify` and `callback` on a live call: the address is checked, the message or
//! request is committed to the database, and only then is the flow told it worked (so "your
//! callback is recorded" is true even if the engine dies the next moment).

use super::Shared;
use super::metrics as names;
use ivr_engine::notify::address;
use ivr_engine::store::{NewCallback, NewMessage};
use ivr_flow::interpreter::Input;
use ivr_flow::schema::Channel;
use std::sync::Arc;

pub struct Notify {
    pub call_id: String,
    pub channel: Channel,
    pub template: String,
    pub lang: String,
    pub to: String,
    pub subject: Option<String>,
    pub body: String,
}

/// Queues the message; blocking (database): run it off the runtime. The flow's input says
/// whether it was queued.
pub fn queue(shared: &Arc<Shared>, notify: &Notify) -> Input {
    let configured = match notify.channel {
        Channel::Sms => shared.config.sms.is_some(),
        Channel::Email => shared.config.email.is_some(),
    };
    if !configured {
        tracing::warn!(
            "notify by {}: no provider in the engine configuration (`{}:`); the flow takes its fallback",
            notify.channel.name(),
            notify.channel.name()
        );
        return Input::NotifyResult { ok: false };
    }
    let recipient = match notify.channel {
        Channel::Sms => address::phone_number(&notify.to),
        Channel::Email => address::email_address(&notify.to),
    };
    let recipient = match recipient {
        Ok(r) => r,
        Err(e) => {
            tracing::info!("notify refused: {e}");
            return Input::NotifyResult { ok: false };
        }
    };
    let queued = shared.store.queue_message(
        &NewMessage {
            call_id: &notify.call_id,
            channel: notify.channel.name(),
            recipient: &recipient,
            lang: &notify.lang,
            template: &notify.template,
            subject: notify.subject.as_deref(),
            body: &notify.body,
        },
        jiff::Timestamp::now(),
    );
    match queued {
        Ok(id) => {
            tracing::info!(id, channel = notify.channel.name(), "message queued");
            shared.outbox_wake.notify_one();
            Input::NotifyResult { ok: true }
        }
        Err(e) => {
            tracing::error!("message not queued: {e}");
            Input::NotifyResult { ok: false }
        }
    }
}

/// Records a callback request; blocking (database).
pub fn callback(shared: &Shared, call_id: &str, queue: &str, number: &str, lang: &str) -> Input {
    let number = match address::phone_number(number) {
        Ok(n) => n,
        Err(e) => {
            tracing::info!("callback refused: {e}");
            return Input::CallbackResult { ok: false };
        }
    };
    let recorded = shared.store.add_callback(&NewCallback {
        call_id,
        queue,
        number: &number,
        lang,
        requested_at: jiff::Timestamp::now(),
    });
    match recorded {
        Ok(id) => {
            tracing::info!(id, queue, "callback recorded");
            metrics::counter!(names::CALLBACKS).increment(1);
            Input::CallbackResult { ok: true }
        }
        Err(e) => {
            tracing::error!("callback not recorded: {e}");
            Input::CallbackResult { ok: false }
        }
    }
}
