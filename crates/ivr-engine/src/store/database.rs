//! Where the store lives, as the configuration names it.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file: one engine.
    File(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/db`): a cluster.
    Postgres(String),
}

impl Database {
    /// A `postgres://` or `postgresql://` URL, else a file path.
    pub fn parse(text: &str) -> Database {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Database::Postgres(text.to_string())
        } else {
            Database::File(PathBuf::from(text))
        }
    }

    /// For errors and logs: the file, or the server and database without user or password.
    pub fn describe(&self) -> String {
        match self {
            Database::File(path) => path.display().to_string(),
            Database::Postgres(url) => describe_url(url),
        }
    }
}

fn describe_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
    format!("{scheme}://{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_described_without_its_credentials_or_options() {
        let database = Database::parse("postgres://ivr:s3cret@db.example:5432/ivr?sslmode=require");
        assert_eq!(database.describe(), "postgres://db.example:5432/ivr");
        let file = Database::parse("data/ivr.db");
        assert_eq!(file, Database::File(PathBuf::from("data/ivr.db")));
        assert_eq!(file.describe(), "data/ivr.db");
    }
}
