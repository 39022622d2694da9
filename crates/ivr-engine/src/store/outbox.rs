//! The outbox: text messages and emails waiting to go, going, sent, or given up on. A message
//! is claimed (`sending`) for a lease before it is handed to the provider, so two deliverers
//! never send it at once; one left `sending` by a crash is claimed again when its lease runs
//! out. A message that reached the provider just before a crash may then go a second time,
//! so deliveries carry the message's id for the provider to drop repeats
//! (`Idempotency-Key`, `Message-ID`).

use super::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

pub struct NewMessage<'a> {
    pub call_id: &'a str,
    /// `sms` or `email`.
    pub channel: &'a str,
    /// E.164 number or email address, already checked.
    pub recipient: &'a str,
    pub lang: &'a str,
    pub template: &'a str,
    pub subject: Option<&'a str>,
    pub body: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> OutboxState {
        match text {
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            _ => OutboxState::Pending,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub call_id: String,
    pub channel: String,
    pub recipient: String,
    pub lang: String,
    pub template: String,
    pub subject: Option<String>,
    pub body: String,
    pub queued_at: String,
    /// Deliveries tried so far, this one included once claimed.
    pub attempts: u32,
    pub state: OutboxState,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    /// The engine the caller was on.
    pub node_id: String,
    /// The engine delivering it (or that last tried).
    pub claimed_by: Option<String>,
}

const COLUMNS: &str = "id, call_id, channel, recipient, lang, template, subject, body, \
                       queued_at, attempts, state, last_error, sent_at, node_id, claimed_by";

impl Message {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
        let state: String = r.get(10)?;
        Ok(Message {
            id: r.get(0)?,
            call_id: r.get(1)?,
            channel: r.get(2)?,
            recipient: r.get(3)?,
            lang: r.get(4)?,
            template: r.get(5)?,
            subject: r.get(6)?,
            body: r.get(7)?,
            queued_at: r.get(8)?,
            attempts: r.get(9)?,
            state: OutboxState::parse(&state),
            last_error: r.get(11)?,
            sent_at: r.get(12)?,
            node_id: r.get(13)?,
            claimed_by: r.get(14)?,
        })
    }

    fn from_pg(r: &postgres::Row) -> Result<Message, postgres::Error> {
        let state: String = r.try_get(10)?;
        let attempts: i32 = r.try_get(9)?;
        Ok(Message {
            id: r.try_get(0)?,
            call_id: r.try_get(1)?,
            channel: r.try_get(2)?,
            recipient: r.try_get(3)?,
            lang: r.try_get(4)?,
            template: r.try_get(5)?,
            subject: r.try_get(6)?,
            body: r.try_get(7)?,
            queued_at: r.try_get(8)?,
            attempts: u32::try_from(attempts).unwrap_or(0),
            state: OutboxState::parse(&state),
            last_error: r.try_get(11)?,
            sent_at: r.try_get(12)?,
            node_id: r.try_get(13)?,
            claimed_by: r.try_get(14)?,
        })
    }
}

fn ms(at: jiff::Timestamp) -> i64 {
    at.as_millisecond()
}

/// Adds a message to the outbox, due at once; its id.
pub(super) fn insert(
    c: &rusqlite::Connection,
    message: &NewMessage<'_>,
    now: jiff::Timestamp,
    node: &str,
) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO outbox (call_id, channel, recipient, lang, template, subject, body,
                             queued_at, next_attempt_ms, node_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            message.call_id,
            message.channel,
            message.recipient,
            message.lang,
            message.template,
            message.subject,
            message.body,
            now.to_string(),
            ms(now),
            node
        ],
    )?;
    Ok(c.last_insert_rowid())
}

/// [`insert`] on PostgreSQL.
pub(super) fn insert_pg(
    c: &mut impl postgres::GenericClient,
    message: &NewMessage<'_>,
    now: jiff::Timestamp,
    node: &str,
) -> Result<i64, postgres::Error> {
    let row = c.query_one(
        "INSERT INTO outbox (call_id, channel, recipient, lang, template, subject, body,
                             queued_at, next_attempt_ms, node_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        &[
            &message.call_id,
            &message.channel,
            &message.recipient,
            &message.lang,
            &message.template,
            &message.subject,
            &message.body,
            &now.to_string(),
            &ms(now),
            &node,
        ],
    )?;
    row.try_get(0)
}

impl Store {
    /// Queues a message, due at once; on `Ok` it is committed.
    pub fn queue_message(
        &self,
        message: &NewMessage<'_>,
        now: jiff::Timestamp,
    ) -> Result<i64, StoreError> {
        let node = self.node();
        self.run(
            |c| insert(c, message, now, node),
            |c| insert_pg(c, message, now, node),
        )
    }

    /// Claims up to `limit` messages that are due (pending, or left `sending` past their
    /// lease, by any engine), for `lease`; each claim counts as an attempt. Engines sharing
    /// a database never claim the same message at once.
    pub fn claim_due(
        &self,
        now: jiff::Timestamp,
        limit: usize,
        lease: std::time::Duration,
    ) -> Result<Vec<Message>, StoreError> {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let until = ms(now).saturating_add(lease_ms);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let node = self.node();
        self.run(
            |c| {
                // IMMEDIATE: take the write lock before reading, so a second process on the
                // file waits its turn (busy timeout) instead of failing on a stale read.
                let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let claimed = {
                    let mut due = tx.prepare(&format!(
                        "SELECT {COLUMNS} FROM outbox
                         WHERE state IN ('pending', 'sending') AND next_attempt_ms <= ?1
                         ORDER BY next_attempt_ms, id LIMIT ?2"
                    ))?;
                    let rows = due.query_map(params![ms(now), limit], Message::from_row)?;
                    let mut claimed = rows.collect::<rusqlite::Result<Vec<Message>>>()?;
                    for message in &mut claimed {
                        tx.execute(
                            "UPDATE outbox SET state = 'sending', attempts = attempts + 1,
                                               next_attempt_ms = ?2, claimed_by = ?3
                             WHERE id = ?1",
                            params![message.id, until, node],
                        )?;
                        message.attempts += 1;
                        message.state = OutboxState::Sending;
                        message.claimed_by = Some(node.to_string());
                    }
                    claimed
                };
                tx.commit()?;
                Ok(claimed)
            },
            |c| {
                // SKIP LOCKED: engines claiming at the same moment take different messages.
                let rows = c.query(
                    &format!(
                        "UPDATE outbox SET state = 'sending', attempts = attempts + 1,
                                           next_attempt_ms = $2, claimed_by = $3
                         WHERE id IN (SELECT id FROM outbox
                                      WHERE state IN ('pending', 'sending')
                                        AND next_attempt_ms <= $1
                                      ORDER BY next_attempt_ms, id LIMIT $4
                                      FOR UPDATE SKIP LOCKED)
                         RETURNING {COLUMNS}"
                    ),
                    &[&ms(now), &until, &node, &limit],
                )?;
                let mut claimed = rows
                    .iter()
                    .map(Message::from_pg)
                    .collect::<Result<Vec<_>, _>>()?;
                claimed.sort_by_key(|m| m.id);
                Ok(claimed)
            },
        )
    }

    /// Makes the messages this engine left `sending` in an earlier run due at `now`: called
    /// at start, so a message cut off by a crash goes out at once instead of after its lease.
    /// Other engines' claims are theirs until their leases run out. Returns how many.
    pub fn release_claims(&self, now: jiff::Timestamp) -> Result<usize, StoreError> {
        let node = self.node();
        self.run(
            |c| {
                // Rows from before claims were named (NULL) can only be this box's own.
                c.execute(
                    "UPDATE outbox SET state = 'pending', next_attempt_ms = ?1
                     WHERE state = 'sending' AND (claimed_by = ?2 OR claimed_by IS NULL)",
                    params![ms(now), node],
                )
            },
            |c| {
                let n = c.execute(
                    "UPDATE outbox SET state = 'pending', next_attempt_ms = $1
                     WHERE state = 'sending' AND claimed_by = $2",
                    &[&ms(now), &node],
                )?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            },
        )
    }

    pub fn mark_sent(&self, id: i64, at: jiff::Timestamp) -> Result<(), StoreError> {
        let at = at.to_string();
        self.run(
            |c| {
                c.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = ?2, last_error = NULL
                     WHERE id = ?1",
                    params![id, at],
                )
                .map(drop)
            },
            |c| {
                c.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = $2, last_error = NULL
                     WHERE id = $1",
                    &[&id, &at],
                )
                .map(drop)
            },
        )
    }

    /// A failed attempt: try again at `next` (or never, when `next` is None: failed).
    pub fn mark_failed_attempt(
        &self,
        id: i64,
        error: &str,
        next: Option<jiff::Timestamp>,
    ) -> Result<(), StoreError> {
        let (state, next_ms) = match next {
            Some(at) => (OutboxState::Pending, ms(at)),
            None => (OutboxState::Failed, i64::MAX),
        };
        let state = state.as_str();
        self.run(
            |c| {
                c.execute(
                    "UPDATE outbox SET state = ?2, next_attempt_ms = ?3, last_error = ?4
                     WHERE id = ?1",
                    params![id, state, next_ms, error],
                )
                .map(drop)
            },
            |c| {
                c.execute(
                    "UPDATE outbox SET state = $2, next_attempt_ms = $3, last_error = $4
                     WHERE id = $1",
                    &[&id, &state, &next_ms, &error],
                )
                .map(drop)
            },
        )
    }

    /// Messages in `state`, oldest first (at most `limit`).
    pub fn outbox(&self, state: OutboxState, limit: usize) -> Result<Vec<Message>, StoreError> {
        let state = state.as_str();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(
            |c| {
                let mut statement = c.prepare(&format!(
                    "SELECT {COLUMNS} FROM outbox WHERE state = ?1 ORDER BY id LIMIT ?2"
                ))?;
                let rows = statement.query_map(params![state, limit], Message::from_row)?;
                rows.collect()
            },
            |c| {
                c.query(
                    &format!("SELECT {COLUMNS} FROM outbox WHERE state = $1 ORDER BY id LIMIT $2"),
                    &[&state, &limit],
                )?
                .iter()
                .map(Message::from_pg)
                .collect()
            },
        )
    }
}
