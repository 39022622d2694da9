//! How fast the engine can promise things durably: a callback request or a queued message is
//! committed to SQLite (WAL, `synchronous=FULL`: on disk before the call goes on) per call
//! that asks. The figure is the fsync of the machine's disk more than SQLite's work.

use divan::Bencher;
use ivr_engine::store::{NewCallback, NewMessage, Store};
use std::time::Duration;

fn main() {
    divan::main();
}

fn fresh_store(name: &str) -> Store {
    let path = std::env::temp_dir().join(format!("ivr-bench-{}-{name}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
    match Store::open(&path) {
        Ok(store) => store,
        Err(e) => panic!("{e}"),
    }
}

/// One callback request, committed.
#[divan::bench(sample_size = 20, sample_count = 50)]
fn add_callback(bencher: Bencher) {
    let store = fresh_store("callbacks");
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
#[divan::bench(sample_size = 20, sample_count = 50)]
fn queue_message(bencher: Bencher) {
    let store = fresh_store("outbox");
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
#[divan::bench(sample_size = 20, sample_count = 50)]
fn claim_and_mark_sent(bencher: Bencher) {
    let store = fresh_store("deliver");
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
