//! What the engine promised callers, kept in SQLite (one file, WAL, `synchronous=FULL`): a
//! callback request or a queued message is on disk before the caller is told it is recorded,
//! and survives a crash or a restart. Blocking: call it off the async runtime.

mod callbacks;
mod message_caps;
mod outbox;
mod schema;

pub use callbacks::{Callback, NewCallback};
pub use message_caps::{Cap, Caps};
pub use outbox::{Message, NewMessage, OutboxState};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug)]
pub struct StoreError {
    pub path: PathBuf,
    pub detail: String,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database {}: {}", self.path.display(), self.detail)
    }
}

impl std::error::Error for StoreError {}

pub struct Store {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens (or creates) the database, making its folder if needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let fail = |detail: String| StoreError {
            path: path.to_path_buf(),
            detail,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(format!("making its folder: {e}")))?;
        }
        let connection = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        schema::prepare(&connection).map_err(|e| fail(e.to_string()))?;
        Ok(Store {
            path: path.to_path_buf(),
            connection: Mutex::new(connection),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let fail = |detail: String| StoreError {
            path: self.path.clone(),
            detail,
        };
        let mut connection = self
            .connection
            .lock()
            .map_err(|_| fail("a thread panicked while using it".to_string()))?;
        f(&mut connection).map_err(|e| fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
