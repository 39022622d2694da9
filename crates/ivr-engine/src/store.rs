//! What the engine promised callers: a callback request or a queued message is committed
//! before the caller is told it is recorded, and survives a crash or a restart.
//!
//! Two places, one interface: an SQLite file (WAL, `synchronous=FULL`), the single-box
//! default, or PostgreSQL (`database: postgres://...`), which every engine of a cluster
//! shares. Each row carries the node that wrote it; an outbox claim carries the node that
//! holds it. Blocking: call it off the async runtime.

mod callbacks;
mod database;
mod escalations;
mod load_balancer_accounts;
mod message_caps;
mod outbox;
mod postgres_link;
mod schema;
mod shared_distribution;

pub use callbacks::{Callback, NewCallback};
pub use database::Database;
pub use escalations::{Confirmation, Escalation, NewEscalation};
pub use load_balancer_accounts::AccountsSynced;
pub use message_caps::{Cap, Caps};
pub use outbox::{Message, NewMessage, OutboxState};
pub use shared_distribution::Decision;

use postgres_link::PostgresLink;
use rusqlite::Connection;
use std::path::Path;
use std::sync::Mutex;

/// The node name of a single engine that did not name itself.
pub const DEFAULT_NODE: &str = "local";

#[derive(Debug)]
pub struct StoreError {
    /// The database file, or the PostgreSQL server without its password.
    pub place: String,
    pub detail: String,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database {}: {}", self.place, self.detail)
    }
}

impl std::error::Error for StoreError {}

pub struct Store {
    place: String,
    node: String,
    backend: Backend,
}

enum Backend {
    Sqlite(Mutex<Connection>),
    Postgres(Box<PostgresLink>),
}

impl Store {
    /// Opens (or creates) an SQLite database file, making its folder if needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::connect(&Database::File(path.to_path_buf()), DEFAULT_NODE)
    }

    /// Opens the database as `node`, bringing its tables up to date.
    pub fn connect(database: &Database, node: &str) -> Result<Store, StoreError> {
        let place = database.describe();
        let fail = |detail: String| StoreError {
            place: place.clone(),
            detail,
        };
        let backend = match database {
            Database::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| fail(format!("making its folder: {e}")))?;
                }
                let mut connection = Connection::open(path).map_err(|e| fail(e.to_string()))?;
                schema::prepare_sqlite(&mut connection).map_err(|e| fail(e.to_string()))?;
                Backend::Sqlite(Mutex::new(connection))
            }
            Database::Postgres(url) => {
                let link = PostgresLink::new(url).map_err(fail)?;
                link.with(schema::prepare_postgres).map_err(fail)?;
                Backend::Postgres(Box::new(link))
            }
        };
        Ok(Store {
            place,
            node: node.to_string(),
            backend,
        })
    }

    /// The engine this store writes as.
    pub fn node(&self) -> &str {
        &self.node
    }

    fn fail(&self, detail: String) -> StoreError {
        StoreError {
            place: self.place.clone(),
            detail,
        }
    }

    /// Runs the SQLite or the PostgreSQL version of one operation.
    fn run<T>(
        &self,
        sqlite: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
        postgres: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(connection) => {
                let mut connection = connection
                    .lock()
                    .map_err(|_| self.fail("a thread panicked while using it".to_string()))?;
                sqlite(&mut connection).map_err(|e| self.fail(e.to_string()))
            }
            Backend::Postgres(link) => link.with(postgres).map_err(|e| self.fail(e)),
        }
    }
}
