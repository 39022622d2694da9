//! One connection to PostgreSQL, made again after the server restarts or the network drops.
//! A connection idle for a while is checked (an empty query) before it is used, so the first
//! request after a restart goes through; one that breaks during an operation fails that
//! operation (the caller hears "cannot record that now": a write is never sent twice) and
//! the next one reconnects.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct PostgresLink {
    config: postgres::Config,
    client: Mutex<Option<Connected>>,
}

struct Connected {
    client: postgres::Client,
    last_used: Instant,
}

/// A connection unused this long is checked before use.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(1);
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// A database that does not answer must not hold a caller for long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl PostgresLink {
    /// Checks the URL; connects on first use.
    pub fn new(url: &str) -> Result<PostgresLink, String> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("ivr");
        }
        Ok(PostgresLink {
            config,
            client: Mutex::new(None),
        })
    }

    pub fn with<T>(
        &self,
        operation: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, String> {
        let mut slot = self
            .client
            .lock()
            .map_err(|_| "a thread panicked while using it".to_string())?;
        let usable = slot.as_mut().is_some_and(|c| {
            !c.client.is_closed()
                && (c.last_used.elapsed() < CHECK_AFTER_IDLE
                    || c.client.is_valid(CHECK_TIMEOUT).is_ok())
        });
        if !usable {
            *slot = None;
            let client = self
                .config
                .connect(postgres::NoTls)
                .map_err(|e| format!("cannot connect: {}", explain(&e)))?;
            *slot = Some(Connected {
                client,
                last_used: Instant::now(),
            });
        }
        let Some(connected) = slot.as_mut() else {
            return Err("not connected".to_string());
        };
        let result = operation(&mut connected.client);
        connected.last_used = Instant::now();
        if connected.client.is_closed() {
            *slot = None;
        }
        result.map_err(|e| explain(&e))
    }
}

/// The server's own message where there is one (`Display` alone says only "db error").
fn explain(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}
