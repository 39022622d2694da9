//! Callback requests: a caller who could not reach an agent asked to be called back.

use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

pub struct NewCallback<'a> {
    pub call_id: &'a str,
    pub queue: &'a str,
    /// E.164.
    pub number: &'a str,
    pub lang: &'a str,
    pub requested_at: jiff::Timestamp,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Callback {
    pub id: i64,
    pub call_id: String,
    pub queue: String,
    pub number: String,
    pub lang: String,
    pub requested_at: String,
    pub done_at: Option<String>,
    /// The engine the caller was on.
    pub node_id: String,
}

/// The columns every query selects, in `from_row`'s order.
const COLUMNS: &str = "id, call_id, queue, number, lang, requested_at, done_at, node_id";

impl Callback {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Callback> {
        Ok(Callback {
            id: r.get(0)?,
            call_id: r.get(1)?,
            queue: r.get(2)?,
            number: r.get(3)?,
            lang: r.get(4)?,
            requested_at: r.get(5)?,
            done_at: r.get(6)?,
            node_id: r.get(7)?,
        })
    }

    fn from_pg(r: &postgres::Row) -> Result<Callback, postgres::Error> {
        Ok(Callback {
            id: r.try_get(0)?,
            call_id: r.try_get(1)?,
            queue: r.try_get(2)?,
            number: r.try_get(3)?,
            lang: r.try_get(4)?,
            requested_at: r.try_get(5)?,
            done_at: r.try_get(6)?,
            node_id: r.try_get(7)?,
        })
    }
}

impl Store {
    /// Records the request; on `Ok` it is committed.
    pub fn add_callback(&self, callback: &NewCallback<'_>) -> Result<i64, StoreError> {
        let requested_at = callback.requested_at.to_string();
        let node = self.node();
        self.run(
            |c| {
                c.execute(
                    "INSERT INTO callbacks (call_id, queue, number, lang, requested_at, node_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        callback.call_id,
                        callback.queue,
                        callback.number,
                        callback.lang,
                        requested_at,
                        node
                    ],
                )?;
                Ok(c.last_insert_rowid())
            },
            |c| {
                let row = c.query_one(
                    "INSERT INTO callbacks (call_id, queue, number, lang, requested_at, node_id)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        &callback.call_id,
                        &callback.queue,
                        &callback.number,
                        &callback.lang,
                        &requested_at,
                        &node,
                    ],
                )?;
                row.try_get(0)
            },
        )
    }

    /// Callbacks, oldest first: only those not done yet, or all.
    pub fn callbacks(&self, pending_only: bool) -> Result<Vec<Callback>, StoreError> {
        let filter = if pending_only {
            "WHERE done_at IS NULL"
        } else {
            ""
        };
        let sql = format!("SELECT {COLUMNS} FROM callbacks {filter} ORDER BY id");
        self.run(
            |c| {
                let mut statement = c.prepare(&sql)?;
                let rows = statement.query_map([], Callback::from_row)?;
                rows.collect()
            },
            |c| c.query(&sql, &[])?.iter().map(Callback::from_pg).collect(),
        )
    }

    /// Marks a callback made; false if there is no such callback or it was already done.
    pub fn mark_callback_done(&self, id: i64, at: jiff::Timestamp) -> Result<bool, StoreError> {
        let at = at.to_string();
        self.run(
            |c| {
                let changed = c.execute(
                    "UPDATE callbacks SET done_at = ?2 WHERE id = ?1 AND done_at IS NULL",
                    params![id, at],
                )?;
                Ok(changed == 1)
            },
            |c| {
                let changed = c.execute(
                    "UPDATE callbacks SET done_at = $2 WHERE id = $1 AND done_at IS NULL",
                    &[&id, &at],
                )?;
                Ok(changed == 1)
            },
        )
    }

    /// One callback by id.
    pub fn callback(&self, id: i64) -> Result<Option<Callback>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE id = ");
        self.run(
            |c| {
                c.query_row(&format!("{sql}?1"), [id], Callback::from_row)
                    .optional()
            },
            |c| {
                c.query_opt(&format!("{sql}$1"), &[&id])?
                    .as_ref()
                    .map(Callback::from_pg)
                    .transpose()
            },
        )
    }
}
