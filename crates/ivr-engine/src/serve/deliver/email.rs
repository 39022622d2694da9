//! Emails through the configured SMTP server (plain, STARTTLS or TLS), each with a Message-ID
//! made from its outbox id, so a repeat after a crash is recognizable as the same message.

use crate::config::messaging::{EmailSettings, SmtpSecurity, secret};
use crate::notify::retry::DeliveryError;
use crate::store::Message;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

pub struct EmailSender {
    from: Mailbox,
    host: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl EmailSender {
    /// Must run inside the tokio runtime (lettre's transport needs it).
    pub fn new(settings: &EmailSettings) -> Result<EmailSender, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("email.from `{}`: {e}", settings.from))?;
        let builder = match settings.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|e| format!("email.host `{}`: {e}", settings.host))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|e| format!("email.host `{}`: {e}", settings.host))?,
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(Duration::from_secs(settings.timeout_s.max(1))));
        let password = secret(settings.password.as_ref(), settings.password_env.as_ref())
            .map_err(|e| format!("email.password: {e}"))?;
        if let (Some(user), Some(password)) = (&settings.username, password) {
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let host = from.email.domain().to_string();
        Ok(EmailSender {
            from,
            host,
            transport: builder.build(),
        })
    }

    pub async fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|e| DeliveryError::Permanent(format!("recipient: {e}")))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone().unwrap_or_default())
            .message_id(Some(format!("<ivr-outbox-{}@{}>", message.id, self.host)))
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|e| DeliveryError::Permanent(format!("building the email: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!("SMTP: {e}"))),
            Err(e) => Err(DeliveryError::Transient(format!("SMTP: {e}"))),
        }
    }
}
