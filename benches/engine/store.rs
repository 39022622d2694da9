//! How fast the engine can promise things durably: a callback request or a queued message is
//! committed per call that asks, to SQLite (WAL, `synchronous=FULL`: on disk before the call
//! goes on) or to PostgreSQL on loopback (its defaults: fsync, synchronous commit; started by
//! the bench from Debian's package, as the tests do). The figure is the fsync of the
//! machine's disk more than either database's work. Plus one decision of the call
//! distribution shared through PostgreSQL (a cluster), against the same decision in memory.

#[path = "../../crates/ivr-engine/tests/support/postgres_server.rs"]
mod postgres_server;

use divan::Bencher;
use ivr_engine::call_distributor::{CallDistributor, NextOffer};
use ivr_engine::store::{Database, Decision, NewCallback, NewMessage, Store};
use std::sync::OnceLock;
use std::time::Duration;

fn main() {
    divan::main();
}

const BACKENDS: [&str; 2] = ["sqlite", "postgres"];

/// A durable PostgreSQL server for the whole bench run.
fn durable_server() -> &'static postgres_server::PostgresServer {
    static SERVER: OnceLock<postgres_server::PostgresServer> = OnceLock::new();
    SERVER.get_or_init(|| postgres_server::PostgresServer::start_with(true))
}

fn fresh_store(name: &str, backend: &str) -> Store {
    let database = match backend {
        "postgres" => {
            let name = format!("bench_{name}_{}", std::process::id());
            Database::Postgres(durable_server().create_database(&name))
        }
        _ => {
            let path =
                std::env::temp_dir().join(format!("ivr-bench-{}-{name}.db", std::process::id()));
            for suffix in ["", "-wal", "-shm"] {
                std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
            }
            Database::File(path)
        }
    };
    match Store::connect(&database, "bench") {
        Ok(store) => store,
        Err(e) => panic!("{e}"),
    }
}

/// One callback request, committed.
#[divan::bench(args = BACKENDS, sample_size = 20, sample_count = 50)]
fn add_callback(bencher: Bencher, backend: &str) {
    let store = fresh_store("callbacks", backend);
    let now = jiff::Timestamp::now();
    bencher.bench_local(|| {
        store
            .add_callback(&NewCallback {
                call_id: "bench",
                queue: "agents-es",
                number: "+12025550143",
                lang: "es-US",
                requested_at: now,
            })
            .ok()
    });
}

/// One message queued, committed.
#[divan::bench(args = BACKENDS, sample_size = 20, sample_count = 50)]
fn queue_message(bencher: Bencher, backend: &str) {
    let store = fresh_store("outbox", backend);
    let now = jiff::Timestamp::now();
    bencher.bench_local(|| {
        store
            .queue_message(
                &NewMessage {
                    call_id: "bench",
                    channel: "sms",
                    recipient: "+12025550143",
                    lang: "en-US",
                    template: "link",
                    subject: None,
                    body: "USCIS: here is the link you asked for: https://uscis.gov/forms",
                },
                now,
            )
            .ok()
    });
}

/// The deliverer's side: claim one due message and mark it sent (two commits).
#[divan::bench(args = BACKENDS, sample_size = 20, sample_count = 50)]
fn claim_and_mark_sent(bencher: Bencher, backend: &str) {
    let store = fresh_store("deliver", backend);
    let now = jiff::Timestamp::now();
    bencher
        .with_inputs(|| {
            store
                .queue_message(
                    &NewMessage {
                        call_id: "bench",
                        channel: "email",
                        recipient: "maria.lopez@example.com",
                        lang: "en-US",
                        template: "link",
                        subject: Some("The USCIS link you asked for"),
                        body: "https://uscis.gov/forms",
                    },
                    now,
                )
                .ok()
        })
        .bench_local_values(|_| {
            let claimed = store
                .claim_due(now, 1, Duration::from_secs(120))
                .unwrap_or_default();
            for message in claimed {
                store.mark_sent(message.id, now).ok();
            }
        });
}

const AGENTS: usize = 20;
const WAITING: usize = 10;

fn agents() -> Vec<(String, Vec<String>)> {
    (0..AGENTS)
        .map(|n| (format!("agent{n}"), vec!["en-US".to_string()]))
        .collect()
}

/// An agent offered to the first of 10 waiting callers, then freed again (two decisions),
/// with 20 agents: the work a waiting caller's turn costs, in memory (one engine).
#[divan::bench(sample_size = 20, sample_count = 50)]
fn offer_in_memory(bencher: Bencher) {
    let mut distributor = CallDistributor::new(agents(), 0);
    let everyone = |_: &str| true;
    for n in 0..WAITING {
        distributor
            .join("q", &format!("c{n}"), "en-US", everyone, 0)
            .ok();
    }
    bencher.bench_local(|| {
        if let NextOffer::Ring(agent) = distributor.next_offer("q", "c0", "en-US", everyone, &[], 1)
        {
            distributor.offer_failed(&agent);
        }
    });
}

/// The same two decisions shared through PostgreSQL (each a transaction under the
/// cluster-wide lock: load, decide, save).
#[divan::bench(sample_size = 20, sample_count = 50)]
fn offer_shared_postgres(bencher: Bencher) {
    let store = fresh_store("acd", "postgres");
    if let Err(e) = store.enlist_agents(&agents()) {
        panic!("{e}");
    }
    let names: Vec<String> = agents().into_iter().map(|(name, _)| name).collect();
    let decision = Decision {
        wrap_up_ms: 0,
        fixed_address: &names,
    };
    for n in 0..WAITING {
        store
            .with_shared_distribution(&decision, |d, r| {
                d.join("q", &format!("c{n}"), "en-US", r, 0)
            })
            .ok();
    }
    bencher.bench_local(|| {
        let offered = store
            .with_shared_distribution(&decision, |d, r| {
                d.next_offer("q", "c0", "en-US", r, &[], 1)
            })
            .ok();
        if let Some(NextOffer::Ring(agent)) = offered {
            store
                .with_shared_distribution(&decision, |d, _| d.offer_failed(&agent))
                .ok();
        }
    });
}
