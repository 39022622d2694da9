//! A flow's `notify` and `callback` on a live call: the address is checked, the message or
//! request is committed to the database, and only then is the flow told it worked (so "your
//! callback is recorded" is true even if the engine dies the next moment). Blocking (the
//! database): the IO layer runs these off its runtime.

use super::address;
use crate::config::EngineConfig;
use crate::escalation;
use crate::store::{Caps, NewCallback, NewEscalation, NewMessage, Store};
use ivr_flow::schema::Channel;
use std::collections::HashMap;
use std::net::IpAddr;

/// Who is asking: the caller as the call's signalling presented them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub caller: Option<String>,
    /// A trusted trunk vouches for `caller`.
    pub caller_verified: bool,
    /// Where the call's INVITE came from.
    pub source: IpAddr,
}

impl Requester {
    /// What the per-source cap counts: the number when a trunk vouches for it (a trunk
    /// carries many callers from one address), else the address the call came from (a
    /// number anyone can write is no identity).
    pub fn source_key(&self) -> String {
        match (&self.caller, self.caller_verified) {
            (Some(number), true) => format!("caller:{number}"),
            _ => format!("ip:{}", self.source),
        }
    }

    /// Whether `e164` is this caller's own number as their equipment claimed it, unvouched.
    fn is_unverified_caller(&self, e164: &str) -> bool {
        !self.caller_verified
            && self
                .caller
                .as_deref()
                .and_then(|c| address::phone_number(c).ok())
                .is_some_and(|caller| caller == e164)
    }
}

/// Why a message or callback was not taken: `reason` for metrics, `why` for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub why: String,
}

impl Refusal {
    fn new(reason: &'static str, why: String) -> Refusal {
        Refusal { reason, why }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

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
    requester: &Requester,
    now: jiff::Timestamp,
) -> Result<i64, Refusal> {
    let configured = match notify.channel {
        Channel::Sms => config.sms.is_some(),
        Channel::Email => config.email.is_some(),
    };
    if !configured {
        return Err(Refusal::new(
            "no_provider",
            format!(
                "notify by {}: no provider in the engine configuration (`{}:`); the flow takes \
                 its fallback",
                notify.channel.name(),
                notify.channel.name()
            ),
        ));
    }
    let limits = &config.message_limits;
    // The address is personal data: the refusal (logged) names it by a hint only.
    let recipient = match notify.channel {
        Channel::Sms => address::phone_number(&notify.to),
        Channel::Email => address::email_address(&notify.to),
    }
    .map_err(|_| {
        Refusal::new(
            "bad_address",
            format!(
                "notify refused: `{}` is not a usable {} address",
                crate::redact::recipient(&notify.to),
                notify.channel.name()
            ),
        )
    })?;
    if notify.channel == Channel::Sms {
        if !limits.sms_allowed_to(&recipient) {
            return Err(Refusal::new(
                "country",
                format!(
                    "text refused: {} is outside the allowed country codes \
                     (message_limits.sms_country_codes)",
                    crate::redact::number(&recipient)
                ),
            ));
        }
        if !limits.unverified_caller_id && requester.is_unverified_caller(&recipient) {
            return Err(Refusal::new(
                "unverified_caller_id",
                "text refused: the caller's number is not vouched for by a trunk \
                 (sip.trunks; message_limits.unverified_caller_id)"
                    .to_string(),
            ));
        }
    }
    let caps = caps(config);
    let message = NewMessage {
        call_id: &notify.call_id,
        channel: notify.channel.name(),
        recipient: &recipient,
        lang: &notify.lang,
        template: &notify.template,
        subject: notify.subject.as_deref(),
        body: &notify.body,
    };
    match store.queue_message_within(&message, &requester.source_key(), &caps, now) {
        Ok(Ok(id)) => Ok(id),
        Ok(Err(cap)) => Err(Refusal::new(
            cap.name(),
            format!("message refused: over message_limits.{}", cap.name()),
        )),
        Err(e) => Err(Refusal::new("store", format!("message not queued: {e}"))),
    }
}

/// The message caps of the configuration, as the store counts them.
fn caps(config: &EngineConfig) -> Caps {
    let limits = &config.message_limits;
    Caps {
        per_recipient_per_day: limits.per_recipient_per_day,
        per_source_per_hour: limits.per_source_per_hour,
        per_minute: limits.per_minute,
    }
}

/// Records a callback request; its id, or why not (the flow's failure path).
pub fn record_callback(
    config: &EngineConfig,
    store: &Store,
    callback: &Callback,
    requester: &Requester,
    now: jiff::Timestamp,
) -> Result<i64, Refusal> {
    let number = address::phone_number(callback.number).map_err(|_| {
        Refusal::new(
            "bad_address",
            format!(
                "callback refused: `{}` is not a phone number",
                crate::redact::number(callback.number)
            ),
        )
    })?;
    if !config.message_limits.unverified_caller_id && requester.is_unverified_caller(&number) {
        return Err(Refusal::new(
            "unverified_caller_id",
            "callback refused: the caller's number is not vouched for by a trunk (sip.trunks; \
             message_limits.unverified_caller_id)"
                .to_string(),
        ));
    }
    store
        .add_callback(&NewCallback {
            call_id: callback.call_id,
            queue: callback.queue,
            number: &number,
            lang: callback.lang,
            requested_at: now,
        })
        .map_err(|e| Refusal::new("store", format!("callback not recorded: {e}")))
}

/// A request for an officer, from a flow's `escalate` or from an agent.
pub struct Escalate<'a> {
    pub call_id: &'a str,
    pub caller: Option<&'a str>,
    pub email: &'a str,
    pub lang: &'a str,
    pub topic: &'a str,
    /// `flow`, or `agent NAME`.
    pub requested_by: &'a str,
    /// What the message caps count it against: the caller's source, or the agent.
    pub source: &'a str,
    /// The confirmation: the template's name, and its subject and body in `lang`, unfilled.
    pub template: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The call's variables, for the confirmation.
    pub vars: HashMap<String, String>,
    /// The line's time zone: the date the caller is told is a date there.
    pub zone: &'a jiff::tz::TimeZone,
}

/// A recorded request: its number and what the caller was promised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub id: i64,
    pub promise: escalation::Promise,
}

/// Longest request text kept (a caller's words, or an agent's note).
const TOPIC_MAX_CHARS: usize = 2000;

/// Records the request and queues its confirmation email in one transaction; the request,
/// or why not (the flow's failure path, the admin's error).
pub fn record_escalation(
    config: &EngineConfig,
    store: &Store,
    request: &Escalate,
    now: jiff::Timestamp,
) -> Result<Escalated, Refusal> {
    if config.email.is_none() {
        return Err(Refusal::new(
            "no_provider",
            "escalation: no email provider in the engine configuration (`email:`) to confirm \
             the request with"
                .to_string(),
        ));
    }
    let email = address::email_address(request.email).map_err(|_| {
        Refusal::new(
            "bad_address",
            format!(
                "escalation refused: `{}` is not a usable email address",
                crate::redact::recipient(request.email)
            ),
        )
    })?;
    let topic: String = request.topic.trim().chars().take(TOPIC_MAX_CHARS).collect();
    let settings = &config.escalation;
    let history = store
        .escalation_close_times(settings.history_days, now)
        .map_err(|e| Refusal::new("store", format!("escalation not recorded: {e}")))?;
    let promise = escalation::Promise::new(settings, &history, now, request.zone, request.lang);
    let contact_by = promise.date.to_string();
    let caps = caps(config);
    let new = NewEscalation {
        call_id: request.call_id,
        caller: request.caller,
        email: &email,
        lang: request.lang,
        topic: &topic,
        requested_by: request.requested_by,
        estimate_days: promise.estimate.days,
        estimate_basis: &promise.estimate.basis,
        contact_by: &contact_by,
        template: request.template,
    };
    let confirm = |id: i64| promise.confirmation(id, request.subject, request.body, &request.vars);
    match store.add_escalation(&new, request.source, &caps, now, &confirm) {
        Ok(Ok(id)) => Ok(Escalated { id, promise }),
        Ok(Err(cap)) => Err(Refusal::new(
            cap.name(),
            format!(
                "escalation refused: its email would go over message_limits.{}",
                cap.name()
            ),
        )),
        Err(e) => Err(Refusal::new(
            "store",
            format!("escalation not recorded: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::messaging::SmsSettings;
    use crate::store::OutboxState;

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

    fn with_sms() -> EngineConfig {
        EngineConfig {
            sms: Some(SmsSettings {
                url: "http://127.0.0.1:9/sms".into(),
                from: None,
                authorization: None,
                authorization_env: None,
                timeout_s: 1,
            }),
            ..EngineConfig::default()
        }
    }

    fn text_to(to: &str) -> Notify {
        Notify {
            call_id: "c1".into(),
            channel: Channel::Sms,
            template: "link".into(),
            lang: "en-US".into(),
            to: to.into(),
            subject: None,
            body: "https://example.org".into(),
        }
    }

    fn caller(number: &str, verified: bool, source: [u8; 4]) -> Requester {
        Requester {
            caller: Some(number.to_string()),
            caller_verified: verified,
            source: IpAddr::from(source),
        }
    }

    fn pending(store: &Store) -> usize {
        store
            .outbox(OutboxState::Pending, 100)
            .map_or(0, |q| q.len())
    }

    const NOW: jiff::Timestamp = jiff::Timestamp::UNIX_EPOCH;

    #[test]
    fn a_message_without_a_provider_or_to_a_bad_number_is_refused_and_not_queued() {
        let store = store("refused");
        let trunk = caller("+12025550143", true, [127, 0, 0, 1]);
        let refused = queue_message(
            &EngineConfig::default(),
            &store,
            &text_to("+12025550143"),
            &trunk,
            NOW,
        );
        assert!(
            matches!(&refused, Err(r) if r.why.contains("`sms:`")),
            "{refused:?}"
        );
        let bad = queue_message(&with_sms(), &store, &text_to("555-0143"), &trunk, NOW);
        assert_eq!(bad.map_err(|r| r.reason), Err("bad_address"));
        assert_eq!(pending(&store), 0);
    }

    #[test]
    fn an_unverified_caller_id_is_not_texted_or_called_back() {
        let store = store("unverified");
        let config = with_sms();
        let spoofed = caller("+1 (202) 555-0143", false, [198, 51, 100, 7]);
        let texted = queue_message(&config, &store, &text_to("+12025550143"), &spoofed, NOW);
        assert_eq!(texted.map_err(|r| r.reason), Err("unverified_caller_id"));
        let callback = Callback {
            call_id: "c1",
            queue: "agents-en",
            number: "2025550143",
            lang: "en-US",
        };
        let called = record_callback(&config, &store, &callback, &spoofed, NOW);
        assert_eq!(called.map_err(|r| r.reason), Err("unverified_caller_id"));
        assert_eq!(pending(&store), 0);
        // The same number vouched for by a trunk is texted.
        let vouched = caller("+12025550143", true, [203, 0, 113, 1]);
        let texted = queue_message(&config, &store, &text_to("+12025550143"), &vouched, NOW);
        assert!(texted.is_ok(), "{texted:?}");
        // An operator may choose to trust caller ID anyway.
        let mut trusting = with_sms();
        trusting.message_limits.unverified_caller_id = true;
        let texted = queue_message(&trusting, &store, &text_to("+12025550143"), &spoofed, NOW);
        assert!(texted.is_ok(), "{texted:?}");
    }

    #[test]
    fn texts_go_only_to_allowed_country_codes() {
        let store = store("country");
        let trunk = caller("+525512345678", true, [127, 0, 0, 1]);
        let abroad = queue_message(&with_sms(), &store, &text_to("+525512345678"), &trunk, NOW);
        assert_eq!(abroad.map_err(|r| r.reason), Err("country"));
        let mut config = with_sms();
        config.message_limits.sms_country_codes = vec!["1".into(), "+52".into()];
        let allowed = queue_message(&config, &store, &text_to("+525512345678"), &trunk, NOW);
        assert!(allowed.is_ok(), "{allowed:?}");
    }

    #[test]
    fn one_source_cannot_pump_messages_to_many_numbers() {
        let store = store("pumping");
        let mut config = with_sms();
        config.message_limits.unverified_caller_id = true;
        config.message_limits.per_source_per_hour = 3;
        let attacker = caller("+12025550100", false, [198, 51, 100, 7]);
        let mut queued = 0;
        for n in 0..20 {
            let to = format!("+1303555{n:04}");
            if queue_message(&config, &store, &text_to(&to), &attacker, NOW).is_ok() {
                queued += 1;
            }
        }
        assert_eq!(queued, 3);
        // Another caller through the same trunk address is counted by their own number.
        let first = caller("+12025550101", true, [203, 0, 113, 1]);
        let second = caller("+12025550102", true, [203, 0, 113, 1]);
        for who in [&first, &second] {
            let to = who.caller.clone().unwrap_or_default();
            assert!(queue_message(&config, &store, &text_to(&to), who, NOW).is_ok());
        }
        assert_eq!(pending(&store), 5);
    }

    #[test]
    fn a_callback_is_recorded_for_a_usable_number_only() {
        let store = store("callback");
        let trunk = caller("+12025550143", true, [127, 0, 0, 1]);
        let config = EngineConfig::default();
        let mut callback = Callback {
            call_id: "c1",
            queue: "agents-es",
            number: "anonymous",
            lang: "es-US",
        };
        assert!(record_callback(&config, &store, &callback, &trunk, NOW).is_err());
        callback.number = "+1 202 555 0143";
        assert!(record_callback(&config, &store, &callback, &trunk, NOW).is_ok());
        let open = store.callbacks(true).unwrap_or_default();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].number, "+12025550143");
    }
}
