//! A real PostgreSQL server for tests: a throwaway cluster in a temporary folder on a free
//! loopback port, from Debian's `postgresql` package (`make setup` installs it). As root it
//! runs as the package's `postgres` user, since PostgreSQL refuses root. A watchdog process
//! stops it when the test process ends, however that ends.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct PostgresServer {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
    as_postgres_user: bool,
    durable: bool,
}

/// One server per test process, started on first use.
pub fn shared() -> &'static PostgresServer {
    static SERVER: OnceLock<PostgresServer> = OnceLock::new();
    SERVER.get_or_init(PostgresServer::start)
}

/// A new empty database on the shared server; its URL.
pub fn fresh_database(label: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "{}_{}_{}",
        label.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    shared().create_database(&name)
}

fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .filter(|bin| bin.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().expect(
        "PostgreSQL's server programs are not installed (no /usr/lib/postgresql/*/bin/initdb): \
         run `make setup`, which installs Debian's postgresql package",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl PostgresServer {
    /// For tests: commits are not flushed to disk (fast; a test never survives a power cut).
    pub fn start() -> PostgresServer {
        PostgresServer::start_with(false)
    }

    /// `durable`: PostgreSQL's defaults (fsync, synchronous commit), as a benchmark of
    /// durable writes needs.
    pub fn start_with(durable: bool) -> PostgresServer {
        let bin = bin_dir();
        let as_postgres_user = nix_is_root();
        let dir =
            std::env::temp_dir().join(format!("ivr-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        if as_postgres_user {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(status.success(), "chown {} to postgres", dir.display());
        }
        let server = PostgresServer {
            bin,
            dir,
            port: free_port(),
            as_postgres_user,
            durable,
        };
        let data = server.data_dir();
        let output = server
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "ivr", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        server.run_pg_ctl_start();
        server.watch_this_process();
        server
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn run_pg_ctl_start(&self) {
        let flush = if self.durable {
            ""
        } else {
            "-c fsync=off -c synchronous_commit=off"
        };
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} {flush} -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "pg_ctl start; see {}/log",
            self.dir.display()
        );
    }

    /// Stops the server (fast shutdown: sessions are cut, as in a crash of the network).
    pub fn stop(&self) {
        self.command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status()
            .ok();
    }

    /// Starts it again on the same port after [`stop`].
    pub fn restart(&self) {
        self.run_pg_ctl_start();
    }

    /// A stopper that outlives a test process killed by the harness or a panic.
    // Never waited on: it must outlive this process (init reaps it).
    #[allow(clippy::zombie_processes)]
    fn watch_this_process(&self) {
        let stop = format!(
            "{} -D {} -m immediate -w stop",
            self.bin.join("pg_ctl").display(),
            self.data_dir().display()
        );
        let stop = if self.as_postgres_user {
            format!("runuser -u postgres -- {stop}")
        } else {
            stop
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            dir = self.dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://ivr@127.0.0.1:{}/{database}", self.port)
    }

    pub fn create_database(&self, name: &str) -> String {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the test PostgreSQL");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.url(name)
    }

    /// Runs SQL files (Kamailio's schema, say) into a database.
    pub fn run_sql_file(&self, database: &str, file: &Path) {
        let sql = std::fs::read_to_string(file).unwrap();
        let mut client = postgres::Client::connect(&self.url(database), postgres::NoTls).unwrap();
        client.batch_execute(&sql).unwrap();
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
