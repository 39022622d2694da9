//! Delivers the outbox: claims due messages, hands each to the SMS webhook or the SMTP
//! server, and records the outcome (sent, retry later, or failed). Woken when a call queues a
//! message, and once a second for retries.

mod email;
pub mod sms;

use super::Shared;
use crate::notify::retry::{DeliveryError, delay_after};
use crate::store::Message;
use email::EmailSender;
use sms::SmsSender;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Messages claimed at once, then delivered one after another.
const BATCH: usize = 4;
/// Beyond the batch's delivery timeouts, before another engine (or this one after a restart)
/// may take a claimed message again.
const LEASE_MARGIN: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_secs(1);

pub struct Senders {
    sms: Option<Arc<SmsSender>>,
    email: Option<EmailSender>,
    /// How long a claimed batch is this engine's: long enough to try every message in it to
    /// its timeout, so no engine sends a message another is still sending; short, so a
    /// message an engine died holding goes out soon from another.
    lease: Duration,
}

impl Senders {
    /// The SMS sender is made outside the runtime (its blocking HTTP client must not be made
    /// or dropped inside it), the email sender inside (lettre needs the runtime).
    pub fn new(shared: &Shared, sms: Option<SmsSender>) -> Result<Senders, String> {
        let sms = sms.map(Arc::new);
        let email = match &shared.config.email {
            Some(settings) => Some(EmailSender::new(settings)?),
            None => None,
        };
        let config = &shared.config;
        let longest_s = [
            config.sms.as_ref().map(|s| s.timeout_s.max(1)),
            config.email.as_ref().map(|e| e.timeout_s.max(1)),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(1);
        let batch = u64::try_from(BATCH).unwrap_or(u64::MAX);
        let lease = Duration::from_secs(longest_s.saturating_mul(batch)) + LEASE_MARGIN;
        Ok(Senders { sms, email, lease })
    }
}

pub async fn run(shared: Arc<Shared>, senders: Senders, wake: Arc<Notify>) {
    loop {
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
        loop {
            let store = Arc::clone(&shared);
            let now = jiff::Timestamp::now();
            let lease = senders.lease;
            let claimed =
                tokio::task::spawn_blocking(move || store.store.claim_due(now, BATCH, lease)).await;
            let batch = match claimed {
                Ok(Ok(batch)) => batch,
                Ok(Err(e)) => {
                    tracing::error!("outbox: {e}");
                    break;
                }
                Err(e) => {
                    tracing::error!("outbox: {e}");
                    break;
                }
            };
            let full = batch.len() == BATCH;
            for message in batch {
                let outcome = deliver(&senders, &message).await;
                record(&shared, &message, outcome).await;
            }
            if !full {
                break;
            }
        }
    }
}

async fn deliver(senders: &Senders, message: &Message) -> Result<(), DeliveryError> {
    match message.channel.as_str() {
        "sms" => {
            let Some(sms) = &senders.sms else {
                return Err(DeliveryError::Transient(
                    "no sms provider configured".into(),
                ));
            };
            let sms = Arc::clone(sms);
            let message = message.clone();
            tokio::task::spawn_blocking(move || sms.send(&message))
                .await
                .unwrap_or_else(|e| Err(DeliveryError::Transient(e.to_string())))
        }
        "email" => match &senders.email {
            Some(email) => email.send(message).await,
            None => Err(DeliveryError::Transient("no SMTP server configured".into())),
        },
        other => Err(DeliveryError::Permanent(format!("unknown channel {other}"))),
    }
}

async fn record(shared: &Arc<Shared>, message: &Message, outcome: Result<(), DeliveryError>) {
    let id = message.id;
    let now = jiff::Timestamp::now();
    let (result, label) = match &outcome {
        Ok(()) => {
            tracing::info!(id, channel = message.channel, "outbox: sent");
            (Ok(()), "sent")
        }
        Err(error) => {
            let next = match error {
                DeliveryError::Transient(_) => {
                    delay_after(message.attempts).and_then(|d| now.checked_add(d).ok())
                }
                DeliveryError::Permanent(_) => None,
            };
            let label = if next.is_some() { "retry" } else { "failed" };
            tracing::warn!(
                id,
                channel = message.channel,
                attempt = message.attempts,
                "outbox: {error}"
            );
            (Err((error.to_string(), next)), label)
        }
    };
    metrics::counter!(super::metrics::MESSAGES, "channel" => message.channel.clone(), "result" => label)
        .increment(1);
    let store = Arc::clone(shared);
    let written = tokio::task::spawn_blocking(move || match result {
        Ok(()) => store.store.mark_sent(id, now),
        Err((error, next)) => store.store.mark_failed_attempt(id, &error, next),
    })
    .await;
    if let Ok(Err(e)) = written {
        tracing::error!(id, "outbox: {e}");
    }
}
