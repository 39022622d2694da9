//! The tables, created on first open. Times are RFC 3339 text for people reading the database,
//! plus Unix milliseconds where the engine compares them.

use rusqlite::Connection;

pub fn prepare(connection: &Connection) -> rusqlite::Result<()> {
    // WAL: readers (the admin page) never block the calls writing. FULL: a commit is on disk
    // before it returns, so "your callback is recorded" survives a power cut, not just a crash.
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS callbacks (
            id INTEGER PRIMARY KEY,
            call_id TEXT NOT NULL,
            queue TEXT NOT NULL,
            number TEXT NOT NULL,
            lang TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            done_at TEXT
        );
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            call_id TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
            recipient TEXT NOT NULL,
            lang TEXT NOT NULL,
            template TEXT NOT NULL,
            subject TEXT,
            body TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
            last_error TEXT,
            sent_at TEXT
        );
        CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_ms);
        CREATE TABLE IF NOT EXISTS message_sends (
            at_ms INTEGER NOT NULL,
            recipient TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS message_sends_recipient ON message_sends (recipient, at_ms);
        CREATE INDEX IF NOT EXISTS message_sends_source ON message_sends (source, at_ms);
        CREATE INDEX IF NOT EXISTS message_sends_at ON message_sends (at_ms);",
    )
}
