//! A flow's `notify` and `callback` on a live call: the address is checked, the message or
//! request is committed to the database, and only then is the flow told it worked (so "your
//! callback is recorded" is true even if the engine dies the next moment). Blocking (the
//! database): the IO layer runs these off its runtime.

use super::address;
use crate::config::EngineConfig;
use crate::store::{NewCallback, NewMessage, Store};
use ivr_flow::schema::Channel;

/// A message the flow asked to send.
pub struct Notify {
    pub call_id: String,
    pub channel: Channel,
    pub template: String,
    pub lang: String,
    pub to: String,
    pub subject: Option<String>,
    pub body: String,
}

/// A callback the flow asked to record.
pub struct Callback<'a> {
    pub call_id: &'a str,
    pub queue: &'a str,
    pub number: &'a str,
    pub lang: &'a str,
}

/// Queues the message for delivery; the outbox id, or why not (the flow's failure path).
pub fn queue_message(
    config: &EngineConfig,
    store: &Store,
    notify: &Notify,
    now: jiff::Timestamp,
) -> Result<i64, String> {
    let configured = match notify.channel {
        Channel::Sms => config.sms.is_some(),
        Channel::Email => config.email.is_some(),
    };
    if !configured {
        return Err(format!(
            "notify by {}: no provider in the engine configuration (`{}:`); the flow takes its \
             fallback",
            notify.channel.name(),
            notify.channel.name()
        ));
    }
    let recipient = match notify.channel {
        Channel::Sms => address::phone_number(&notify.to),
        Channel::Email => address::email_address(&notify.to),
    }
    .map_err(|e| format!("notify refused: {e}"))?;
    store
        .queue_message(
            &NewMessage {
                call_id: &notify.call_id,
                channel: notify.channel.name(),
                recipient: &recipient,
                lang: &notify.lang,
                template: &notify.template,
                subject: notify.subject.as_deref(),
                body: &notify.body,
            },
            now,
        )
        .map_err(|e| format!("message not queued: {e}"))
}

/// Records a callback request; its id, or why not (the flow's failure path).
pub fn record_callback(
    store: &Store,
    callback: &Callback,
    now: jiff::Timestamp,
) -> Result<i64, String> {
    let number =
        address::phone_number(callback.number).map_err(|e| format!("callback refused: {e}"))?;
    store
        .add_callback(&NewCallback {
            call_id: callback.call_id,
            queue: callback.queue,
            number: &number,
            lang: callback.lang,
            requested_at: now,
        })
        .map_err(|e| format!("callback not recorded: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(name: &str) -> Store {
        let path =
            std::env::temp_dir().join(format!("ivr-request-{}-{name}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
        }
        match Store::open(&path) {
            Ok(store) => store,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_message_without_a_provider_or_to_a_bad_number_is_refused_and_not_queued() {
        let store = store("refused");
        let notify = Notify {
            call_id: "c1".into(),
            channel: Channel::Sms,
            template: "link".into(),
            lang: "en-US".into(),
            to: "+12025550143".into(),
            subject: None,
            body: "https://example.org".into(),
        };
        let now = jiff::Timestamp::UNIX_EPOCH;
        let refused = queue_message(&EngineConfig::default(), &store, &notify, now);
        assert!(
            matches!(&refused, Err(why) if why.contains("`sms:`")),
            "{refused:?}"
        );
        let queued = store.outbox(crate::store::OutboxState::Pending, 10);
        assert!(matches!(queued, Ok(q) if q.is_empty()));
    }

    #[test]
    fn a_callback_is_recorded_for_a_usable_number_only() {
        let store = store("callback");
        let now = jiff::Timestamp::UNIX_EPOCH;
        let mut callback = Callback {
            call_id: "c1",
            queue: "agents-es",
            number: "anonymous",
            lang: "es-US",
        };
        assert!(record_callback(&store, &callback, now).is_err());
        callback.number = "+1 202 555 0143";
        assert!(record_callback(&store, &callback, now).is_ok());
        let open = store.callbacks(true).unwrap_or_default();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].number, "+12025550143");
    }
}
