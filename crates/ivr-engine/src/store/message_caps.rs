//! Messages counted against the caps: per recipient per day, per source per hour, overall
//! per minute. The count and the queueing are one transaction, so two calls racing for the
//! last message under a cap cannot both get it.

use super::outbox::{NewMessage, insert, insert_pg};
use super::{Store, StoreError};
use rusqlite::{TransactionBehavior, params};

const DAY_MS: i64 = 24 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;
const MINUTE_MS: i64 = 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub per_recipient_per_day: u32,
    pub per_source_per_hour: u32,
    pub per_minute: u32,
}

/// The cap a message would go over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    Recipient,
    Source,
    Overall,
}

impl Cap {
    pub fn name(self) -> &'static str {
        match self {
            Cap::Recipient => "per_recipient_per_day",
            Cap::Source => "per_source_per_hour",
            Cap::Overall => "per_minute",
        }
    }
}

impl Caps {
    /// The cap that counts (per recipient today, per source this hour, overall this minute)
    /// already reached, if any.
    fn over(&self, recipient: i64, from_source: i64, overall: i64) -> Option<Cap> {
        if recipient >= i64::from(self.per_recipient_per_day) {
            Some(Cap::Recipient)
        } else if from_source >= i64::from(self.per_source_per_hour) {
            Some(Cap::Source)
        } else if overall >= i64::from(self.per_minute) {
            Some(Cap::Overall)
        } else {
            None
        }
    }
}

impl Store {
    /// Queues the message unless it would go over a cap; `source` is who asked for it (a
    /// verified number or a SIP source address). On `Ok(Ok(id))` it is committed. The caps
    /// count every engine sharing the database.
    pub fn queue_message_within(
        &self,
        message: &NewMessage<'_>,
        source: &str,
        caps: &Caps,
        now: jiff::Timestamp,
    ) -> Result<Result<i64, Cap>, StoreError> {
        let node = self.node();
        self.run(
            |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                if let Some(cap) = over_cap(&tx, message.recipient, source, caps, now)? {
                    return Ok(Err(cap));
                }
                let id = insert(&tx, message, now, node)?;
                count_send(&tx, message.recipient, source, now)?;
                tx.commit()?;
                Ok(Ok(id))
            },
            |c| {
                let mut tx = c.transaction()?;
                if let Some(cap) = over_cap_pg(&mut tx, message.recipient, source, caps, now)? {
                    return Ok(Err(cap));
                }
                let id = insert_pg(&mut tx, message, now, node)?;
                count_send_pg(&mut tx, message.recipient, source, now)?;
                tx.commit()?;
                Ok(Ok(id))
            },
        )
    }
}

/// The cap a message to `recipient` asked for by `source` would go over, counted inside an
/// IMMEDIATE transaction (so two calls racing for the last message under a cap cannot both
/// get it).
pub(super) fn over_cap(
    tx: &rusqlite::Transaction<'_>,
    recipient: &str,
    source: &str,
    caps: &Caps,
    now: jiff::Timestamp,
) -> rusqlite::Result<Option<Cap>> {
    let now_ms = now.as_millisecond();
    tx.execute(
        "DELETE FROM message_sends WHERE at_ms <= ?1",
        params![now_ms - DAY_MS],
    )?;
    let count = |sql: &str, key: &str, since: i64| -> rusqlite::Result<i64> {
        tx.query_row(sql, params![key, since], |r| r.get(0))
    };
    let to_recipient = count(
        "SELECT COUNT(*) FROM message_sends WHERE recipient = ?1 AND at_ms > ?2",
        recipient,
        now_ms - DAY_MS,
    )?;
    let from_source = count(
        "SELECT COUNT(*) FROM message_sends WHERE source = ?1 AND at_ms > ?2",
        source,
        now_ms - HOUR_MS,
    )?;
    let overall: i64 = tx.query_row(
        "SELECT COUNT(*) FROM message_sends WHERE at_ms > ?1",
        params![now_ms - MINUTE_MS],
        |r| r.get(0),
    )?;
    Ok(caps.over(to_recipient, from_source, overall))
}

pub(super) fn count_send(
    tx: &rusqlite::Transaction<'_>,
    recipient: &str,
    source: &str,
    now: jiff::Timestamp,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO message_sends (at_ms, recipient, source) VALUES (?1, ?2, ?3)",
        params![now.as_millisecond(), recipient, source],
    )?;
    Ok(())
}

/// `over_cap` on PostgreSQL: one count-and-queue at a time across the cluster, like
/// SQLite's IMMEDIATE.
pub(super) fn over_cap_pg(
    tx: &mut postgres::Transaction<'_>,
    recipient: &str,
    source: &str,
    caps: &Caps,
    now: jiff::Timestamp,
) -> Result<Option<Cap>, postgres::Error> {
    let now_ms = now.as_millisecond();
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('ivr:message_caps'))",
        &[],
    )?;
    tx.execute(
        "DELETE FROM message_sends WHERE at_ms <= $1",
        &[&(now_ms - DAY_MS)],
    )?;
    let to_recipient: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM message_sends WHERE recipient = $1 AND at_ms > $2",
            &[&recipient, &(now_ms - DAY_MS)],
        )?
        .try_get(0)?;
    let from_source: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM message_sends WHERE source = $1 AND at_ms > $2",
            &[&source, &(now_ms - HOUR_MS)],
        )?
        .try_get(0)?;
    let overall: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM message_sends WHERE at_ms > $1",
            &[&(now_ms - MINUTE_MS)],
        )?
        .try_get(0)?;
    Ok(caps.over(to_recipient, from_source, overall))
}

pub(super) fn count_send_pg(
    tx: &mut postgres::Transaction<'_>,
    recipient: &str,
    source: &str,
    now: jiff::Timestamp,
) -> Result<(), postgres::Error> {
    tx.execute(
        "INSERT INTO message_sends (at_ms, recipient, source) VALUES ($1, $2, $3)",
        &[&now.as_millisecond(), &recipient, &source],
    )?;
    Ok(())
}
