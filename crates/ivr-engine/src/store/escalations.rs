//! Requests sent to an officer: what the caller needs, where to confirm it, the date they
//! were told to expect contact by, and whether an officer has closed it. The request and its
//! confirmation email are one transaction: a caller is never told of a request that was not
//! recorded, nor a request recorded without its email queued.

use super::message_caps::{Caps, count_send, count_send_pg, over_cap, over_cap_pg};
use super::outbox::{NewMessage, insert, insert_pg};
use super::{Cap, Store, StoreError};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

pub struct NewEscalation<'a> {
    /// The call it came from; empty for an agent's request made outside a call.
    pub call_id: &'a str,
    pub caller: Option<&'a str>,
    /// Checked already.
    pub email: &'a str,
    pub lang: &'a str,
    pub topic: &'a str,
    /// `flow`, or `agent NAME`.
    pub requested_by: &'a str,
    pub estimate_days: u32,
    /// Where the estimate came from, in words.
    pub estimate_basis: &'a str,
    /// `YYYY-MM-DD` in the line's time zone.
    pub contact_by: &'a str,
    /// The confirmation email's template name.
    pub template: &'a str,
}

/// The confirmation email, written once the request's number is known.
pub struct Confirmation {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Escalation {
    pub id: i64,
    pub call_id: String,
    pub caller: Option<String>,
    pub email: String,
    pub lang: String,
    pub topic: String,
    pub requested_by: String,
    pub requested_at: String,
    pub estimate_days: u32,
    pub estimate_basis: String,
    pub contact_by: String,
    /// The confirmation email in the outbox.
    pub message_id: Option<i64>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    /// The engine that recorded it.
    pub node_id: String,
}

const COLUMNS: &str = "id, call_id, caller, email, lang, topic, requested_by, requested_at, \
                       estimate_days, estimate_basis, contact_by, message_id, closed_at, \
                       closed_by, node_id";

const DAY_MS: i64 = 24 * 3600 * 1000;

impl Escalation {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Escalation> {
        Ok(Escalation {
            id: r.get(0)?,
            call_id: r.get(1)?,
            caller: r.get(2)?,
            email: r.get(3)?,
            lang: r.get(4)?,
            topic: r.get(5)?,
            requested_by: r.get(6)?,
            requested_at: r.get(7)?,
            estimate_days: r.get(8)?,
            estimate_basis: r.get(9)?,
            contact_by: r.get(10)?,
            message_id: r.get(11)?,
            closed_at: r.get(12)?,
            closed_by: r.get(13)?,
            node_id: r.get(14)?,
        })
    }

    fn from_pg(r: &postgres::Row) -> Result<Escalation, postgres::Error> {
        let days: i32 = r.try_get(8)?;
        Ok(Escalation {
            id: r.try_get(0)?,
            call_id: r.try_get(1)?,
            caller: r.try_get(2)?,
            email: r.try_get(3)?,
            lang: r.try_get(4)?,
            topic: r.try_get(5)?,
            requested_by: r.try_get(6)?,
            requested_at: r.try_get(7)?,
            estimate_days: u32::try_from(days).unwrap_or(0),
            estimate_basis: r.try_get(9)?,
            contact_by: r.try_get(10)?,
            message_id: r.try_get(11)?,
            closed_at: r.try_get(12)?,
            closed_by: r.try_get(13)?,
            node_id: r.try_get(14)?,
        })
    }
}

impl Store {
    /// Records the request and queues its confirmation (written by `confirm` from the
    /// request's number) unless the email would go over a message cap; on `Ok(Ok(id))` both
    /// are committed.
    pub fn add_escalation(
        &self,
        request: &NewEscalation<'_>,
        source: &str,
        caps: &Caps,
        now: jiff::Timestamp,
        confirm: &dyn Fn(i64) -> Confirmation,
    ) -> Result<Result<i64, Cap>, StoreError> {
        let node = self.node();
        let now_ms = now.as_millisecond();
        let requested_at = now.to_string();
        let days = i32::try_from(request.estimate_days).unwrap_or(i32::MAX);
        self.run(
            |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                if let Some(cap) = over_cap(&tx, request.email, source, caps, now)? {
                    return Ok(Err(cap));
                }
                tx.execute(
                    "INSERT INTO escalations (call_id, caller, email, lang, topic, requested_by,
                        requested_at, requested_ms, estimate_days, estimate_basis, contact_by,
                        node_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    params![
                        request.call_id,
                        request.caller,
                        request.email,
                        request.lang,
                        request.topic,
                        request.requested_by,
                        requested_at,
                        now_ms,
                        days,
                        request.estimate_basis,
                        request.contact_by,
                        node
                    ],
                )?;
                let id = tx.last_insert_rowid();
                let confirmation = confirm(id);
                let message_id = insert(
                    &tx,
                    &confirmation_message(request, &confirmation),
                    now,
                    node,
                )?;
                count_send(&tx, request.email, source, now)?;
                tx.execute(
                    "UPDATE escalations SET message_id = ?2 WHERE id = ?1",
                    params![id, message_id],
                )?;
                tx.commit()?;
                Ok(Ok(id))
            },
            |c| {
                let mut tx = c.transaction()?;
                if let Some(cap) = over_cap_pg(&mut tx, request.email, source, caps, now)? {
                    return Ok(Err(cap));
                }
                let id: i64 = tx
                    .query_one(
                        "INSERT INTO escalations (call_id, caller, email, lang, topic,
                            requested_by, requested_at, requested_ms, estimate_days,
                            estimate_basis, contact_by, node_id)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                         RETURNING id",
                        &[
                            &request.call_id,
                            &request.caller,
                            &request.email,
                            &request.lang,
                            &request.topic,
                            &request.requested_by,
                            &requested_at,
                            &now_ms,
                            &days,
                            &request.estimate_basis,
                            &request.contact_by,
                            &node,
                        ],
                    )?
                    .try_get(0)?;
                let confirmation = confirm(id);
                let message_id = insert_pg(
                    &mut tx,
                    &confirmation_message(request, &confirmation),
                    now,
                    node,
                )?;
                count_send_pg(&mut tx, request.email, source, now)?;
                tx.execute(
                    "UPDATE escalations SET message_id = $2 WHERE id = $1",
                    &[&id, &message_id],
                )?;
                tx.commit()?;
                Ok(Ok(id))
            },
        )
    }

    /// Requests, oldest first: only the open ones, or all.
    pub fn escalations(&self, open_only: bool) -> Result<Vec<Escalation>, StoreError> {
        let filter = if open_only {
            "WHERE closed_at IS NULL"
        } else {
            ""
        };
        let sql = format!("SELECT {COLUMNS} FROM escalations {filter} ORDER BY id");
        self.run(
            |c| {
                let mut statement = c.prepare(&sql)?;
                let rows = statement.query_map([], Escalation::from_row)?;
                rows.collect()
            },
            |c| {
                c.query(&sql, &[])?
                    .iter()
                    .map(Escalation::from_pg)
                    .collect()
            },
        )
    }

    pub fn escalation(&self, id: i64) -> Result<Option<Escalation>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM escalations WHERE id = ");
        self.run(
            |c| {
                c.query_row(&format!("{sql}?1"), [id], Escalation::from_row)
                    .optional()
            },
            |c| {
                c.query_opt(&format!("{sql}$1"), &[&id])?
                    .as_ref()
                    .map(Escalation::from_pg)
                    .transpose()
            },
        )
    }

    /// An officer contacted the caller; false if there is no such request or it was closed.
    pub fn close_escalation(
        &self,
        id: i64,
        by: &str,
        at: jiff::Timestamp,
    ) -> Result<bool, StoreError> {
        let (at_text, at_ms) = (at.to_string(), at.as_millisecond());
        self.run(
            |c| {
                let changed = c.execute(
                    "UPDATE escalations SET closed_at = ?2, closed_ms = ?3, closed_by = ?4
                     WHERE id = ?1 AND closed_at IS NULL",
                    params![id, at_text, at_ms, by],
                )?;
                Ok(changed == 1)
            },
            |c| {
                let changed = c.execute(
                    "UPDATE escalations SET closed_at = $2, closed_ms = $3, closed_by = $4
                     WHERE id = $1 AND closed_at IS NULL",
                    &[&id, &at_text, &at_ms, &by],
                )?;
                Ok(changed == 1)
            },
        )
    }

    /// How long each request closed in the last `days` days took, in milliseconds: the
    /// history an estimate is made from.
    pub fn escalation_close_times(
        &self,
        days: u32,
        now: jiff::Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let since = now.as_millisecond() - i64::from(days) * DAY_MS;
        let sql = "SELECT closed_ms - requested_ms FROM escalations \
                   WHERE closed_ms IS NOT NULL AND closed_ms > ";
        self.run(
            |c| {
                let mut statement = c.prepare(&format!("{sql}?1"))?;
                let rows = statement.query_map([since], |r| r.get(0))?;
                rows.collect()
            },
            |c| {
                c.query(&format!("{sql}$1"), &[&since])?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect()
            },
        )
    }
}

fn confirmation_message<'a>(
    request: &'a NewEscalation<'a>,
    confirmation: &'a Confirmation,
) -> NewMessage<'a> {
    NewMessage {
        call_id: request.call_id,
        channel: "email",
        recipient: request.email,
        lang: request.lang,
        template: request.template,
        subject: Some(&confirmation.subject),
        body: &confirmation.body,
    }
}
