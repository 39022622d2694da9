//! Text messages through the configured provider's webhook: a POST of JSON with the message's
//! id, which the provider can use to drop a repeat (also sent as `Idempotency-Key`).

use crate::config::messaging::{SmsSettings, secret};
use crate::notify::retry::DeliveryError;
use crate::store::Message;
use std::time::Duration;

pub struct SmsSender {
    settings: SmsSettings,
    authorization: Option<String>,
    client: reqwest::blocking::Client,
}

impl SmsSender {
    pub fn new(settings: SmsSettings) -> Result<SmsSender, String> {
        let authorization = secret(
            settings.authorization.as_ref(),
            settings.authorization_env.as_ref(),
        )
        .map_err(|e| format!("sms.authorization: {e}"))?;
        // reqwest is built without a bundled crypto provider; ring is the one we compile.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("ivr/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(settings.timeout_s.max(1)))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(SmsSender {
            settings,
            authorization,
            client,
        })
    }

    /// Blocking: run it off the async runtime.
    pub fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        let id = format!("ivr-outbox-{}", message.id);
        let body = serde_json::json!({
            "id": id,
            "to": message.recipient,
            "from": self.settings.from,
            "body": message.body,
            "lang": message.lang,
        });
        let mut request = self
            .client
            .post(&self.settings.url)
            .header("Idempotency-Key", &id)
            .json(&body);
        if let Some(value) = &self.authorization {
            request = request.header("Authorization", value);
        }
        // The URL may carry the provider's key: errors name its host only.
        let provider = crate::redact::url(&self.settings.url);
        let response = request.send().map_err(|e| {
            DeliveryError::Transient(format!("SMS provider {provider}: {}", e.without_url()))
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let why = format!("SMS provider {provider} answered {status}");
        // Busy, timed out or broken now: later may work. Any other 4xx refuses this message.
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(DeliveryError::Transient(why))
        } else {
            Err(DeliveryError::Permanent(why))
        }
    }
}
