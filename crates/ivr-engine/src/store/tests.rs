#![allow(clippy::unwrap_used)]

use super::*;
use std::time::Duration;

fn temp_db(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ivr-store-{}-{name}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
    path
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

#[test]
fn a_callback_survives_reopening_and_is_done_once() {
    let path = temp_db("callbacks");
    let id = {
        let store = Store::open(&path).unwrap();
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
    let store = Store::open(&path).unwrap();
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

#[test]
fn a_message_is_claimed_once_sent_once_and_retried_when_it_fails() {
    let store = Store::open(&temp_db("outbox")).unwrap();
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

#[test]
fn a_message_left_sending_by_a_crash_is_claimed_again_after_its_lease() {
    let path = temp_db("lease");
    let lease = Duration::from_secs(30);
    {
        let store = Store::open(&path).unwrap();
        store
            .queue_message(&message("+12025550143"), at(0))
            .unwrap();
        assert_eq!(store.claim_due(at(0), 10, lease).unwrap().len(), 1);
        // The process dies here, mid-delivery.
    }
    let store = Store::open(&path).unwrap();
    assert!(store.claim_due(at(29), 10, lease).unwrap().is_empty());
    let again = store.claim_due(at(30), 10, lease).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

#[test]
fn the_next_engine_on_the_database_releases_a_crashed_runs_claims_at_once() {
    let path = temp_db("release");
    let lease = Duration::from_secs(120);
    {
        let store = Store::open(&path).unwrap();
        store
            .queue_message(&message("+12025550143"), at(0))
            .unwrap();
        store
            .queue_message(&message("+12025550144"), at(0))
            .unwrap();
        assert_eq!(store.claim_due(at(0), 1, lease).unwrap().len(), 1);
    }
    let store = Store::open(&path).unwrap();
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

#[test]
fn messages_over_a_cap_are_not_queued_and_caps_reopen_with_time() {
    let store = Store::open(&temp_db("caps")).unwrap();
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
