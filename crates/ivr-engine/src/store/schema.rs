//! The tables, brought up to date when an engine opens the store: numbered migrations, each
//! applied once. Times are RFC 3339 text for people reading the database, plus Unix
//! milliseconds where the engine compares them.

use rusqlite::Connection;

/// SQLite: `user_version` counts the migrations applied.
const SQLITE: &[&str] = &[
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
    // Which engine wrote a row and which holds a claim (rows from before say '').
    "ALTER TABLE callbacks ADD COLUMN node_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN node_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;",
    ESCALATIONS,
];

/// Requests sent to an officer.
const ESCALATIONS: &str = "CREATE TABLE escalations (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL,
        caller TEXT,
        email TEXT NOT NULL,
        lang TEXT NOT NULL,
        topic TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        requested_ms BIGINT NOT NULL,
        estimate_days INTEGER NOT NULL,
        estimate_basis TEXT NOT NULL,
        contact_by TEXT NOT NULL,
        message_id BIGINT,
        closed_at TEXT,
        closed_ms BIGINT,
        closed_by TEXT,
        node_id TEXT NOT NULL
    );
    CREATE INDEX escalations_closed ON escalations (closed_ms);";

/// PostgreSQL: the same tables, with `ivr_migrations` recording what was applied.
const POSTGRES: &[&str] = &[
    "CREATE TABLE callbacks (
        id BIGSERIAL PRIMARY KEY,
        call_id TEXT NOT NULL,
        queue TEXT NOT NULL,
        number TEXT NOT NULL,
        lang TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        done_at TEXT,
        node_id TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id BIGSERIAL PRIMARY KEY,
        call_id TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
        recipient TEXT NOT NULL,
        lang TEXT NOT NULL,
        template TEXT NOT NULL,
        subject TEXT,
        body TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
        last_error TEXT,
        sent_at TEXT,
        node_id TEXT NOT NULL,
        claimed_by TEXT
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
    CREATE TABLE message_sends (
        at_ms BIGINT NOT NULL,
        recipient TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX message_sends_recipient ON message_sends (recipient, at_ms);
    CREATE INDEX message_sends_source ON message_sends (source, at_ms);
    CREATE INDEX message_sends_at ON message_sends (at_ms);",
    // The shared call distribution of a cluster: agents' state (and the engine holding each
    // ringing or busy agent), the callers in line in the order they joined across engines,
    // recent call lengths, and each engine's heartbeat.
    "CREATE TABLE acd_agents (
        name TEXT PRIMARY KEY,
        languages TEXT[] NOT NULL,
        status TEXT NOT NULL DEFAULT 'available',
        idle_since_ms BIGINT NOT NULL DEFAULT 0,
        wrap_up_until_ms BIGINT NOT NULL DEFAULT 0,
        held_by TEXT
    );
    CREATE TABLE acd_waiting (
        seq BIGSERIAL NOT NULL,
        call_id TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        node_id TEXT NOT NULL,
        joined_ms BIGINT NOT NULL
    );
    CREATE INDEX acd_waiting_order ON acd_waiting (seq);
    CREATE TABLE acd_handle_times (
        seq BIGSERIAL PRIMARY KEY,
        call_ms BIGINT NOT NULL
    );
    CREATE TABLE nodes (
        node_id TEXT PRIMARY KEY,
        heartbeat_at TIMESTAMPTZ NOT NULL
    );",
    ESCALATIONS_PG,
];

/// [`ESCALATIONS`] on PostgreSQL, which numbers rows with a sequence.
const ESCALATIONS_PG: &str = "CREATE TABLE escalations (
        id BIGSERIAL PRIMARY KEY,
        call_id TEXT NOT NULL,
        caller TEXT,
        email TEXT NOT NULL,
        lang TEXT NOT NULL,
        topic TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        requested_ms BIGINT NOT NULL,
        estimate_days INTEGER NOT NULL,
        estimate_basis TEXT NOT NULL,
        contact_by TEXT NOT NULL,
        message_id BIGINT,
        closed_at TEXT,
        closed_ms BIGINT,
        closed_by TEXT,
        node_id TEXT NOT NULL
    );
    CREATE INDEX escalations_closed ON escalations (closed_ms);";

pub fn prepare_sqlite(connection: &mut Connection) -> rusqlite::Result<()> {
    // WAL: readers (the admin page) never block the calls writing. FULL: a commit is on disk
    // before it returns, so "your callback is recorded" survives a power cut, not just a crash.
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let applied: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    for (number, migration) in SQLITE.iter().enumerate().skip(applied) {
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", number + 1)?;
    }
    tx.commit()
}

pub fn prepare_postgres(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    // Engines of a cluster start together: one migrates, the others wait, then see it done.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('ivr:migrations'))",
        &[],
    )?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ivr_migrations (
            version INTEGER PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )?;
    let applied: i64 = tx
        .query_one("SELECT COUNT(*) FROM ivr_migrations", &[])?
        .get(0);
    let applied = usize::try_from(applied).unwrap_or(0);
    for (number, migration) in POSTGRES.iter().enumerate().skip(applied) {
        tx.batch_execute(migration)?;
        let version = i32::try_from(number + 1).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO ivr_migrations (version) VALUES ($1)",
            &[&version],
        )?;
    }
    tx.commit()
}
