#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
//! A cluster on loopback for tests: a real PostgreSQL (Debian `postgresql`), real Kamailio
//! (Debian `kamailio`, `kamailio-postgres-modules`) with the repository's configuration
//! (`scripts/cluster/kamailio.cfg`), and `ivr serve` engines sharing the database.

#[path = "../../../ivr-engine/tests/support/postgres_server.rs"]
pub mod postgres_server;

use crate::serve_support::{Engine, SippRun, engine_with, free_port, repo, run_sipp_with};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh database on the shared test server with Kamailio's tables (registrations,
/// credentials) beside the engines' own.
pub fn cluster_database(label: &str) -> String {
    let url = postgres_server::fresh_database(label);
    with_kamailio_tables(postgres_server::shared(), url)
}

/// The same on a server of the test's own (one it stops and starts).
pub fn cluster_database_on(server: &postgres_server::PostgresServer, label: &str) -> String {
    let url = server.create_database(label);
    with_kamailio_tables(server, url)
}

fn with_kamailio_tables(server: &postgres_server::PostgresServer, url: String) -> String {
    let database = url.rsplit('/').next().unwrap().to_string();
    for table in ["standard", "usrloc", "auth_db"] {
        server.run_sql_file(
            &database,
            &Path::new("/usr/share/kamailio/postgres").join(format!("{table}-create.sql")),
        );
    }
    url
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ivr-cluster-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Kamailio in front of `engines` (SIP ports), stopped when dropped.
pub struct LoadBalancer {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
    database: String,
}

impl LoadBalancer {
    pub fn start(dir: &Path, database: &str, engines: &[u16]) -> LoadBalancer {
        LoadBalancer::start_on(free_port(), dir, database, engines)
    }

    /// On `port`, chosen beforehand (engines' configurations name it).
    pub fn start_on(port: u16, dir: &Path, database: &str, engines: &[u16]) -> LoadBalancer {
        assert!(
            Path::new("/usr/sbin/kamailio").exists(),
            "kamailio is missing: `make test` installs it (scripts/setup-system.sh)"
        );
        let run = dir.join("kamailio");
        std::fs::create_dir_all(&run).unwrap();
        let list: String = engines
            .iter()
            .enumerate()
            .map(|(n, p)| format!("1 sip:127.0.0.1:{p} 0 0 duid=e{};maxload=50\n", n + 1))
            .collect();
        std::fs::write(run.join("dispatcher.list"), list).unwrap();
        let child = LoadBalancer::spawn(port, &run, database);
        let lb = LoadBalancer {
            child,
            port,
            dir: run,
            database: database.to_string(),
        };
        lb.wait_until_answering();
        lb
    }

    fn spawn(port: u16, run: &Path, database: &str) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(run.join("log"))
            .unwrap();
        Command::new("/usr/sbin/kamailio")
            .arg("-f")
            .arg(repo().join("scripts/cluster/kamailio.cfg"))
            .args(["-DD", "-E", "-Y"])
            .arg(run)
            .args(["-A", &format!("LISTEN=udp:127.0.0.1:{port}")])
            .args(["-A", &format!("DBURL=\"{database}\"")])
            .args([
                "-A",
                &format!(
                    "DISPATCHER_LIST=\"{}\"",
                    run.join("dispatcher.list").display()
                ),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    fn wait_until_answering(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.options_answered() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "kamailio did not answer OPTIONS: see {}",
            self.dir.join("log").display()
        );
    }

    /// Stopped (SIGTERM) and started again on the same port, as for an upgrade.
    pub fn restart(&mut self) {
        self.stop();
        self.child = LoadBalancer::spawn(self.port, &self.dir, &self.database);
        self.wait_until_answering();
    }

    fn options_answered(&self) -> bool {
        let run = SippRun {
            timeout_s: 2,
            ..SippRun::default()
        };
        run_sipp_with(
            self.port,
            "options_status.xml",
            &[("status", "200".into())],
            &run,
        )
        .0
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// SIGTERM, as an operator restarting it would.
    pub fn stop(&mut self) {
        signal(&self.child, "TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for LoadBalancer {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn signal(child: &Child, name: &str) {
    Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
}

/// One engine of the cluster: `ivr serve` as `node` on the shared database, its call records
/// in `dir/node.jsonl`. Extra arguments after.
pub fn cluster_engine(dir: &Path, node: &str, database: &str, extra: &[&str]) -> (Engine, PathBuf) {
    let records = dir.join(format!("{node}.jsonl"));
    let log = std::fs::File::create(dir.join(format!("{node}.log"))).unwrap();
    let mut args = vec![
        "--node-id",
        node,
        "--database",
        database,
        "--records",
        records.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    (engine_with(&args, &[], log), records)
}

/// Lines in a call records file (0 when it is not there yet).
pub fn record_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
        .unwrap_or(0)
}

/// Waits up to `within_s` for the record files to hold `total` records together.
pub fn wait_for_records(paths: &[&Path], total: usize, within_s: u64) -> Vec<usize> {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    loop {
        let counts: Vec<usize> = paths.iter().map(|p| record_count(p)).collect();
        if counts.iter().sum::<usize>() >= total || Instant::now() > deadline {
            return counts;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `calls` SIPp callers through the load balancer, `rate` a second, each pressing 1.
pub fn calls_through(lb: &LoadBalancer, calls: u32, rate: u32, timeout_s: u64) -> (bool, String) {
    let run = SippRun {
        calls,
        rate,
        timeout_s,
        ..SippRun::default()
    };
    let fill = [("key", "1".to_string()), ("pause_ms", "500".to_string())];
    run_sipp_with(lb.port, "lb_call_key.xml", &fill, &run)
}
