//! The store's behaviour, the same on both backends: each test runs on an SQLite file and on
//! a real PostgreSQL server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod postgres_server;
}

use ivr_engine::store::{
    Cap, Caps, Confirmation, Database, NewCallback, NewEscalation, NewMessage, OutboxState, Store,
};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::postgres_server;

fn temp_db(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ivr-store-{}-{name}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
    path
}

/// Runs `check` on a fresh SQLite file and on a fresh PostgreSQL database.
macro_rules! on_both_backends {
    ($($check:ident),* $(,)?) => {$(
        mod $check {
            #[test]
            fn sqlite() {
                super::$check(&ivr_engine::store::Database::File(super::temp_db(stringify!($check))));
            }
            #[test]
            fn postgres() {
                let url = super::postgres_server::fresh_database(stringify!($check));
                super::$check(&ivr_engine::store::Database::Postgres(url));
            }
        }
    )*};
}

on_both_backends!(
    a_callback_survives_reopening_and_is_done_once,
    a_message_is_claimed_once_sent_once_and_retried_when_it_fails,
    a_message_left_sending_by_a_crash_is_claimed_again_after_its_lease,
    the_next_engine_on_the_database_releases_a_crashed_runs_claims_at_once,
    messages_over_a_cap_are_not_queued_and_caps_reopen_with_time,
    rows_name_the_engine_that_wrote_them,
    an_engine_releases_only_its_own_claims,
    engines_claiming_at_once_never_take_the_same_message,
    engines_racing_for_the_last_message_under_a_cap_do_not_both_get_it,
    an_escalation_and_its_confirmation_are_committed_together_and_closed_once,
    an_escalation_over_the_email_cap_records_nothing,
    close_times_give_the_history_of_recent_requests,
);

fn open(database: &Database) -> Store {
    Store::connect(database, "e1").unwrap()
}

fn at(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

fn message<'a>(to: &'a str) -> NewMessage<'a> {
    NewMessage {
        call_id: "c1",
        channel: "sms",
        recipient: to,
        lang: "en-US",
        template: "link",
        subject: None,
        body: "https://uscis.gov/forms",
    }
}

fn a_callback_survives_reopening_and_is_done_once(database: &Database) {
    let id = {
        let store = open(database);
        store
            .add_callback(&NewCallback {
                call_id: "c1",
                queue: "agents-es",
                number: "+12025550143",
                lang: "es-US",
                requested_at: at(0),
            })
            .unwrap()
    };
    let store = open(database);
    let pending = store.callbacks(true).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, id);
    assert_eq!(pending[0].number, "+12025550143");
    assert!(store.mark_callback_done(id, at(60)).unwrap());
    assert!(!store.mark_callback_done(id, at(61)).unwrap());
    assert!(store.callbacks(true).unwrap().is_empty());
    assert_eq!(store.callbacks(false).unwrap().len(), 1);
    assert!(store.callback(id).unwrap().unwrap().done_at.is_some());
    assert_eq!(store.callback(id + 1).unwrap(), None);
}

fn a_message_is_claimed_once_sent_once_and_retried_when_it_fails(database: &Database) {
    let store = open(database);
    let lease = Duration::from_secs(30);
    let first = store
        .queue_message(&message("+12025550143"), at(0))
        .unwrap();
    let second = store
        .queue_message(&message("+12025550144"), at(1))
        .unwrap();
    // Not due before it was queued; then both, once: a second claim finds nothing.
    assert!(store.claim_due(at(-1), 10, lease).unwrap().is_empty());
    let claimed = store.claim_due(at(2), 10, lease).unwrap();
    assert_eq!(
        claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [first, second]
    );
    assert!(claimed.iter().all(|m| m.attempts == 1));
    assert!(store.claim_due(at(3), 10, lease).unwrap().is_empty());
    store.mark_sent(first, at(3)).unwrap();
    store
        .mark_failed_attempt(second, "503 from the provider", Some(at(10)))
        .unwrap();
    assert!(store.claim_due(at(9), 10, lease).unwrap().is_empty());
    let again = store.claim_due(at(10), 10, lease).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(
        again[0].last_error.as_deref(),
        Some("503 from the provider")
    );
    store.mark_failed_attempt(second, "refused", None).unwrap();
    assert!(store.claim_due(at(100_000), 10, lease).unwrap().is_empty());
    assert_eq!(store.outbox(OutboxState::Sent, 10).unwrap()[0].id, first);
    assert_eq!(store.outbox(OutboxState::Failed, 10).unwrap()[0].id, second);
}

fn a_message_left_sending_by_a_crash_is_claimed_again_after_its_lease(database: &Database) {
    let lease = Duration::from_secs(30);
    {
        let store = open(database);
        store
            .queue_message(&message("+12025550143"), at(0))
            .unwrap();
        assert_eq!(store.claim_due(at(0), 10, lease).unwrap().len(), 1);
        // The process dies here, mid-delivery.
    }
    let store = open(database);
    assert!(store.claim_due(at(29), 10, lease).unwrap().is_empty());
    let again = store.claim_due(at(30), 10, lease).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

fn the_next_engine_on_the_database_releases_a_crashed_runs_claims_at_once(database: &Database) {
    let lease = Duration::from_secs(120);
    {
        let store = open(database);
        store
            .queue_message(&message("+12025550143"), at(0))
            .unwrap();
        store
            .queue_message(&message("+12025550144"), at(0))
            .unwrap();
        assert_eq!(store.claim_due(at(0), 1, lease).unwrap().len(), 1);
    }
    let store = open(database);
    assert_eq!(store.release_claims(at(5)).unwrap(), 1);
    let again = store.claim_due(at(5), 10, lease).unwrap();
    assert_eq!(
        again.len(),
        2,
        "the released claim and the untouched message"
    );
    assert_eq!(again.iter().map(|m| m.attempts).max(), Some(2));
}

#[test]
fn an_unopenable_database_says_which_file() {
    let error = Store::open(Path::new("/proc/ivr-no/calls.db"))
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("/proc/ivr-no/calls.db"),
        "{error}"
    );
}

fn messages_over_a_cap_are_not_queued_and_caps_reopen_with_time(database: &Database) {
    let store = open(database);
    let caps = Caps {
        per_recipient_per_day: 2,
        per_source_per_hour: 3,
        per_minute: 4,
    };
    let queue = |to: &str, source: &str, t: i64| {
        store
            .queue_message_within(&message(to), source, &caps, at(t))
            .unwrap()
    };
    assert!(queue("+12025550143", "a", 0).is_ok());
    assert!(queue("+12025550143", "b", 1).is_ok());
    assert_eq!(queue("+12025550143", "c", 2), Err(Cap::Recipient));
    assert!(queue("+12025550144", "a", 3).is_ok());
    assert!(queue("+12025550145", "a", 4).is_ok());
    assert_eq!(queue("+12025550146", "a", 5), Err(Cap::Source));
    assert_eq!(queue("+12025550147", "d", 6), Err(Cap::Overall));
    // Refused messages are not in the outbox and do not count.
    assert_eq!(store.outbox(OutboxState::Pending, 100).unwrap().len(), 4);
    // A minute later the overall cap has room; an hour later the source; a day, the recipient.
    assert!(queue("+12025550147", "d", 70).is_ok());
    assert_eq!(queue("+12025550148", "a", 3000), Err(Cap::Source));
    assert!(queue("+12025550148", "a", 3700).is_ok());
    assert_eq!(queue("+12025550143", "e", 80_000), Err(Cap::Recipient));
    assert!(queue("+12025550143", "e", 86_500).is_ok());
}

fn rows_name_the_engine_that_wrote_them(database: &Database) {
    let e1 = Store::connect(database, "e1").unwrap();
    let e2 = Store::connect(database, "e2").unwrap();
    let callback = |store: &Store, call_id| {
        store
            .add_callback(&NewCallback {
                call_id,
                queue: "agents-en",
                number: "+12025550143",
                lang: "en-US",
                requested_at: at(0),
            })
            .unwrap()
    };
    callback(&e1, "c1");
    callback(&e2, "c2");
    e1.queue_message(&message("+12025550143"), at(0)).unwrap();
    e2.queue_message(&message("+12025550144"), at(0)).unwrap();
    // Either engine sees both engines' rows.
    let nodes: Vec<String> = e1
        .callbacks(true)
        .unwrap()
        .into_iter()
        .map(|c| c.node_id)
        .collect();
    assert_eq!(nodes, ["e1", "e2"]);
    let claimed = e2.claim_due(at(1), 10, Duration::from_secs(30)).unwrap();
    let written: Vec<&str> = claimed.iter().map(|m| m.node_id.as_str()).collect();
    assert_eq!(written, ["e1", "e2"]);
    assert!(
        claimed
            .iter()
            .all(|m| m.claimed_by.as_deref() == Some("e2"))
    );
}

fn an_engine_releases_only_its_own_claims(database: &Database) {
    let e1 = Store::connect(database, "e1").unwrap();
    let e2 = Store::connect(database, "e2").unwrap();
    let lease = Duration::from_secs(120);
    e1.queue_message(&message("+12025550143"), at(0)).unwrap();
    e1.queue_message(&message("+12025550144"), at(0)).unwrap();
    assert_eq!(e1.claim_due(at(0), 1, lease).unwrap().len(), 1);
    assert_eq!(e2.claim_due(at(0), 1, lease).unwrap().len(), 1);
    // e2 restarts: its own claim is due again at once; e1's stays e1's until its lease ends.
    let e2 = Store::connect(database, "e2").unwrap();
    assert_eq!(e2.release_claims(at(5)).unwrap(), 1);
    let again = e2.claim_due(at(5), 10, lease).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert!(e2.claim_due(at(119), 10, lease).unwrap().is_empty());
    assert_eq!(e2.claim_due(at(120), 10, lease).unwrap().len(), 1);
}

fn engines_claiming_at_once_never_take_the_same_message(database: &Database) {
    const MESSAGES: usize = 200;
    let seed = Store::connect(database, "seed").unwrap();
    for n in 0..MESSAGES {
        seed.queue_message(&message(&format!("+1202555{n:04}")), at(0))
            .unwrap();
    }
    let claims: Vec<Vec<i64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = ["e1", "e2", "e3"]
            .into_iter()
            .map(|node| {
                scope.spawn(move || {
                    let store = Store::connect(database, node).unwrap();
                    let mut mine = Vec::new();
                    for _ in 0..MESSAGES {
                        let batch = store.claim_due(at(1), 3, Duration::from_secs(600)).unwrap();
                        if batch.is_empty() {
                            break;
                        }
                        mine.extend(batch.iter().map(|m| m.id));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut all: Vec<i64> = claims.concat();
    let total = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(total, all.len(), "a message claimed twice");
    assert_eq!(total, MESSAGES, "every message claimed");
}

fn engines_racing_for_the_last_message_under_a_cap_do_not_both_get_it(database: &Database) {
    let caps = Caps {
        per_recipient_per_day: 3,
        per_source_per_hour: 100,
        per_minute: 100,
    };
    let queued: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = ["e1", "e2", "e3", "e4"]
            .into_iter()
            .map(|node| {
                let caps = &caps;
                scope.spawn(move || {
                    let store = Store::connect(database, node).unwrap();
                    (0..5)
                        .filter(|n| {
                            let source = format!("{node}-{n}");
                            store
                                .queue_message_within(
                                    &message("+12025550143"),
                                    &source,
                                    caps,
                                    at(0),
                                )
                                .unwrap()
                                .is_ok()
                        })
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(queued, 3);
    let store = open(database);
    assert_eq!(store.outbox(OutboxState::Pending, 100).unwrap().len(), 3);
}

/// The link to PostgreSQL comes back by itself after the server restarts; what was committed
/// before is still there, and an operation during the outage fails instead of hanging.
#[test]
fn a_postgres_restart_loses_no_committed_row_and_the_store_reconnects() {
    let server = postgres_server::PostgresServer::start();
    let database = Database::Postgres(server.create_database("restart"));
    let store = Store::connect(&database, "e1").unwrap();
    let before = store
        .queue_message(&message("+12025550143"), at(0))
        .unwrap();
    server.stop();
    let during = store.queue_message(&message("+12025550144"), at(1));
    assert!(during.is_err(), "a write while the server is down fails");
    let error = during.err().unwrap().to_string();
    assert!(!error.contains("ivr@"), "no user in errors: {error}");
    server.restart();
    let after = store
        .queue_message(&message("+12025550145"), at(2))
        .unwrap();
    let pending: Vec<i64> = store
        .outbox(OutboxState::Pending, 10)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(pending, [before, after]);
    // A restart while the engine was idle: its first request afterwards goes through.
    server.stop();
    server.restart();
    std::thread::sleep(Duration::from_millis(1_200));
    store
        .queue_message(&message("+12025550146"), at(3))
        .expect("the first write after a restart, on an idle connection");
    server.stop();
}

#[test]
fn a_postgres_server_that_is_not_there_is_named_without_credentials() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let database = Database::Postgres(format!("postgres://ivr:hunter2@127.0.0.1:{port}/ivr"));
    let error = Store::connect(&database, "e1").err().unwrap().to_string();
    assert!(error.contains(&format!("127.0.0.1:{port}/ivr")), "{error}");
    assert!(error.contains("cannot connect"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}

const ROOMY: Caps = Caps {
    per_recipient_per_day: 10,
    per_source_per_hour: 10,
    per_minute: 10,
};

fn escalation<'a>(email: &'a str, call_id: &'a str) -> NewEscalation<'a> {
    NewEscalation {
        call_id,
        caller: Some("+12025550143"),
        email,
        lang: "es-US",
        topic: "mi tarjeta verde nunca llegó",
        requested_by: "flow",
        estimate_days: 10,
        estimate_basis: "configured",
        contact_by: "2027-01-24",
        template: "escalation_confirmation",
    }
}

fn numbered(id: i64) -> Confirmation {
    Confirmation {
        subject: format!("Solicitud {id}"),
        body: format!("Su solicitud {id} fue enviada."),
    }
}

fn an_escalation_and_its_confirmation_are_committed_together_and_closed_once(database: &Database) {
    let id = {
        let store = open(database);
        store
            .add_escalation(
                &escalation("ana@example.com", "c1"),
                "ip:192.0.2.1",
                &ROOMY,
                at(0),
                &numbered,
            )
            .unwrap()
            .unwrap()
    };
    let store = open(database);
    let open_requests = store.escalations(true).unwrap();
    assert_eq!(open_requests.len(), 1);
    let request = &open_requests[0];
    assert_eq!(request.id, id);
    assert_eq!(request.topic, "mi tarjeta verde nunca llegó");
    assert_eq!(request.contact_by, "2027-01-24");
    assert_eq!(request.node_id, "e1");
    // The confirmation in the outbox carries the request's own number.
    let mail = store.outbox(OutboxState::Pending, 10).unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(Some(mail[0].id), request.message_id);
    assert_eq!(
        mail[0].subject.as_deref(),
        Some(format!("Solicitud {id}").as_str())
    );
    assert_eq!(mail[0].channel, "email");
    assert_eq!(mail[0].recipient, "ana@example.com");
    assert!(store.close_escalation(id, "officer 7", at(3600)).unwrap());
    assert!(!store.close_escalation(id, "officer 8", at(3601)).unwrap());
    assert!(store.escalations(true).unwrap().is_empty());
    let closed = store.escalation(id).unwrap().unwrap();
    assert_eq!(closed.closed_by.as_deref(), Some("officer 7"));
    assert_eq!(store.escalations(false).unwrap().len(), 1);
    assert_eq!(store.escalation(id + 1).unwrap(), None);
}

fn an_escalation_over_the_email_cap_records_nothing(database: &Database) {
    let store = open(database);
    let one_a_day = Caps {
        per_recipient_per_day: 1,
        ..ROOMY
    };
    let add = |call: &str, t: i64| {
        store
            .add_escalation(
                &escalation("ana@example.com", call),
                "agent:agent1",
                &one_a_day,
                at(t),
                &numbered,
            )
            .unwrap()
    };
    assert!(add("c1", 0).is_ok());
    assert_eq!(add("c2", 10), Err(Cap::Recipient));
    assert_eq!(store.escalations(false).unwrap().len(), 1);
    assert_eq!(store.outbox(OutboxState::Pending, 10).unwrap().len(), 1);
}

fn close_times_give_the_history_of_recent_requests(database: &Database) {
    let store = open(database);
    let day = 86_400;
    let mut ids = Vec::new();
    for (n, t) in [0, 10, 20].into_iter().enumerate() {
        let call = format!("c{n}");
        ids.push(
            store
                .add_escalation(
                    &escalation("ana@example.com", &call),
                    "s",
                    &ROOMY,
                    at(t),
                    &numbered,
                )
                .unwrap()
                .unwrap(),
        );
    }
    store.close_escalation(ids[0], "o", at(2 * day)).unwrap();
    store.close_escalation(ids[1], "o", at(100 * day)).unwrap();
    // Request 2 is still open: only closed ones make history, and only recent closings.
    let mut recent = store.escalation_close_times(90, at(100 * day + 5)).unwrap();
    recent.sort_unstable();
    assert_eq!(recent, [(100 * day - 10) * 1000]);
    let mut all = store
        .escalation_close_times(365, at(100 * day + 5))
        .unwrap();
    all.sort_unstable();
    assert_eq!(all, [2 * day * 1000, (100 * day - 10) * 1000]);
}
