//! Where text messages and emails go out: an SMS provider's HTTP webhook and an SMTP server.
//! Secrets can come from the environment (`*_env`) instead of the file.

use serde::Deserialize;

/// Text messages: a POST of JSON `{id, to, from, body, lang}` to `url`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    pub url: String,
    /// The number messages come from (E.164), passed to the provider.
    #[serde(default)]
    pub from: Option<String>,
    /// The `Authorization` header's value, e.g. `Bearer abc`.
    #[serde(default)]
    pub authorization: Option<String>,
    /// The name of an environment variable holding that value instead.
    #[serde(default)]
    pub authorization_env: Option<String>,
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// No encryption (a relay on this machine or a private network).
    Plain,
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server cannot.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// The From address, e.g. `USCIS Contact Center <noreply@example.gov>`.
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
}

/// Caps on what callers can make the engine send: a public number must not become a free
/// way to send paid texts (or mail) anywhere.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MessageLimits {
    /// Messages one recipient (number or address) gets in 24 hours.
    pub per_recipient_per_day: u32,
    /// Messages one source asks for in an hour: the verified calling number, or the SIP
    /// source address of calls no trunk vouches for.
    pub per_source_per_hour: u32,
    /// Messages of all callers in a minute.
    pub per_minute: u32,
    /// Country calling codes texts may go to (`"1"`: North America).
    pub sms_country_codes: Vec<String>,
    /// Text or call back a caller ID that no trunk vouches for (anyone can write any number
    /// in From).
    pub unverified_caller_id: bool,
}

impl Default for MessageLimits {
    fn default() -> Self {
        MessageLimits {
            per_recipient_per_day: 5,
            per_source_per_hour: 10,
            per_minute: 60,
            sms_country_codes: vec!["1".to_string()],
            unverified_caller_id: false,
        }
    }
}

impl MessageLimits {
    pub fn check(&self) -> Result<(), String> {
        for code in &self.sms_country_codes {
            let digits = code.trim_start_matches('+');
            if digits.is_empty()
                || digits.len() > 3
                || !digits.chars().all(|c| c.is_ascii_digit())
                || digits.starts_with('0')
            {
                return Err(format!(
                    "message_limits.sms_country_codes: `{code}` is not a country calling code                      (1 to 3 digits, like \"1\" or \"52\")"
                ));
            }
        }
        Ok(())
    }

    /// Whether texts may go to this E.164 number.
    pub fn sms_allowed_to(&self, e164: &str) -> bool {
        let national = e164.trim_start_matches('+');
        self.sms_country_codes
            .iter()
            .any(|code| national.starts_with(code.trim_start_matches('+')))
    }
}

fn default_timeout_s() -> u64 {
    10
}

/// A secret given inline or by the name of an environment variable.
pub fn secret(inline: Option<&String>, env: Option<&String>) -> Result<Option<String>, String> {
    match (inline, env) {
        (Some(_), Some(_)) => Err("give the value or its _env variable, not both".to_string()),
        (Some(value), None) => Ok(Some(value.clone())),
        (None, Some(name)) => std::env::var(name)
            .map(Some)
            .map_err(|_| format!("environment variable {name} is not set")),
        (None, None) => Ok(None),
    }
}

impl SmsSettings {
    pub fn check(&self) -> Result<(), String> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(format!(
                "sms.url: `{}` is not an http(s) URL",
                crate::redact::url(&self.url)
            ));
        }
        secret(self.authorization.as_ref(), self.authorization_env.as_ref())
            .map_err(|e| format!("sms.authorization: {e}"))?;
        Ok(())
    }
}

impl EmailSettings {
    pub fn check(&self) -> Result<(), String> {
        if self.host.trim().is_empty() {
            return Err("email.host is empty".to_string());
        }
        if !self.from.contains('@') {
            return Err(format!("email.from: `{}` has no address", self.from));
        }
        secret(self.password.as_ref(), self.password_env.as_ref())
            .map_err(|e| format!("email.password: {e}"))?;
        Ok(())
    }
}
