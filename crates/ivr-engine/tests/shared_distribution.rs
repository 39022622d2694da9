//! Call distribution shared by engines through a real PostgreSQL: one line across engines,
//! one offer per agent however engines race, and a dead engine's agents and callers freed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod postgres_server;
}

use ivr_engine::acd::AgentStatus;
use ivr_engine::call_distributor::{CallDistributor, NextOffer};
use ivr_engine::store::{Database, Decision, Store};
use support::postgres_server;

const DECISION: Decision<'static> = Decision {
    wrap_up_ms: 5_000,
    fixed_address: &[],
};

/// Every agent reachable, as if at a fixed address.
const EVERYONE: &[String] = &[];

fn engines(label: &str, agents: &[(&str, &str)]) -> (Store, Store) {
    let database = Database::Postgres(postgres_server::fresh_database(label));
    let e1 = Store::connect(&database, "e1").unwrap();
    let e2 = Store::connect(&database, "e2").unwrap();
    let agents: Vec<(String, Vec<String>)> = agents
        .iter()
        .map(|(name, lang)| (name.to_string(), vec![lang.to_string()]))
        .collect();
    e1.enlist_agents(&agents).unwrap();
    e2.enlist_agents(&agents).unwrap();
    (e1, e2)
}

fn fixed(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// One decision on `store` with `names` reachable.
fn decide<T>(
    store: &Store,
    reachable: &[String],
    f: impl FnOnce(&mut CallDistributor, &dyn Fn(&str) -> bool) -> T,
) -> T {
    let decision = Decision {
        fixed_address: reachable,
        ..DECISION
    };
    store.with_shared_distribution(&decision, f).unwrap()
}

#[test]
fn callers_on_different_engines_are_served_in_the_order_they_joined() {
    let (e1, e2) = engines("order", &[("ana", "es-US")]);
    let ana = fixed(&["ana"]);
    // A joins on e2, then B on e1: A is first whichever engine asks.
    decide(&e2, &ana, |d, r| d.join("q", "A", "es-US", r, 1_000)).unwrap();
    decide(&e1, &ana, |d, r| d.join("q", "B", "es-US", r, 1_001)).unwrap();
    let b_first = decide(&e1, &ana, |d, r| {
        d.next_offer("q", "B", "es-US", r, &[], 1_002)
    });
    assert_eq!(b_first, NextOffer::NotFirst);
    let place = decide(&e1, &ana, |d, r| d.wait_estimate("q", "B", "es-US", r));
    assert_eq!(place.map(|(position, _)| position), Some(2));
    let a_first = decide(&e2, &ana, |d, r| {
        d.next_offer("q", "A", "es-US", r, &[], 1_003)
    });
    assert_eq!(a_first, NextOffer::Ring("ana".into()));
    decide(&e2, &ana, |d, _| d.offer_answered("q", "A", "ana"));
    // Ana's call ends on e2: wrap-up, then B (on e1) gets her; the call's length now
    // shapes the estimate e1 gives.
    decide(&e2, &ana, |d, _| d.call_ended("ana", 60_000, 61_000));
    let status = decide(&e1, &ana, |d, _| d.agent_status("ana", 62_000));
    assert_eq!(status, Some(AgentStatus::WrapUp));
    let estimate = decide(&e1, &ana, |d, r| d.wait_estimate("q", "B", "es-US", r));
    assert_eq!(estimate, Some((1, 60)));
    let b_now = decide(&e1, &ana, |d, r| {
        d.next_offer("q", "B", "es-US", r, &[], 66_001)
    });
    assert_eq!(b_now, NextOffer::Ring("ana".into()));
}

#[test]
fn engines_racing_for_one_agent_never_both_get_her() {
    let (e1, e2) = engines("race", &[("ana", "en-US")]);
    let ana = fixed(&["ana"]);
    // One caller first in each of two queues, on two engines, both wanting Ana.
    decide(&e1, &ana, |d, r| d.join("q1", "c1", "en-US", r, 0)).unwrap();
    decide(&e2, &ana, |d, r| d.join("q2", "c2", "en-US", r, 0)).unwrap();
    for round in 0..200 {
        let offers: Vec<NextOffer> = std::thread::scope(|scope| {
            let asks = [(&e1, "q1", "c1"), (&e2, "q2", "c2")].map(|(store, queue, call)| {
                let ana = &ana;
                scope.spawn(move || {
                    decide(store, ana, |d, r| {
                        d.next_offer(queue, call, "en-US", r, &[], round)
                    })
                })
            });
            asks.map(|ask| ask.join().unwrap()).into()
        });
        let rung = offers
            .iter()
            .filter(|o| matches!(o, NextOffer::Ring(_)))
            .count();
        assert_eq!(rung, 1, "round {round}: {offers:?}");
        decide(&e1, &ana, |d, _| d.offer_failed("ana"));
    }
}

#[test]
fn a_dead_engines_agents_are_freed_and_its_callers_leave_the_line() {
    let (e1, e2) = engines("reaper", &[("ana", "en-US"), ("bo", "en-US")]);
    let both = fixed(&["ana", "bo"]);
    e1.heartbeat(10).unwrap();
    e2.heartbeat(10).unwrap();
    decide(&e1, &both, |d, r| d.join("q", "on-e1", "en-US", r, 0)).unwrap();
    decide(&e2, &both, |d, r| d.join("q", "on-e2", "en-US", r, 1)).unwrap();
    // e1 rings Ana for its caller, and Bo is busy with a call e1 bridged earlier.
    let offer = decide(&e1, &both, |d, r| {
        d.next_offer("q", "on-e1", "en-US", r, &[], 2)
    });
    assert_eq!(offer, NextOffer::Ring("ana".into()));
    decide(&e1, &both, |d, r| {
        d.join("q0", "earlier", "en-US", r, 0).unwrap();
        d.next_offer("q0", "earlier", "en-US", r, &[], 2);
        d.offer_answered("q0", "earlier", "bo");
    });
    // e1 dies (no more heartbeats); e2 keeps beating and, past the stale time, reaps it.
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    let reaped = e2.heartbeat(2).unwrap();
    assert_eq!(reaped, ["e1"]);
    for agent in ["ana", "bo"] {
        let status = decide(&e2, &both, |d, _| d.agent_status(agent, 3));
        assert_eq!(status, Some(AgentStatus::Available), "{agent}");
    }
    let line = decide(&e2, &both, |d, _| d.queues(3));
    let waiting: usize = line.iter().map(|(_, n, _)| n).sum();
    assert_eq!(waiting, 1, "only e2's caller is still in line: {line:?}");
    let next = decide(&e2, &both, |d, r| {
        d.next_offer("q", "on-e2", "en-US", r, &[], 4)
    });
    assert!(matches!(next, NextOffer::Ring(_)), "{next:?}");
}

#[test]
fn only_registered_or_fixed_address_agents_are_offered() {
    let (e1, _e2) = engines("reachable", &[("ana", "en-US")]);
    // Nobody registered with a load balancer and no fixed address: waiting is pointless.
    let joined = decide(&e1, EVERYONE, |d, r| d.join("q", "c", "en-US", r, 0));
    assert!(joined.is_err(), "{joined:?}");
}

#[test]
fn the_shared_distribution_needs_postgres() {
    let path = std::env::temp_dir().join(format!("ivr-shared-{}.db", std::process::id()));
    let store = Store::open(&path).unwrap();
    let error = store
        .with_shared_distribution(&DECISION, |_, _| ())
        .err()
        .unwrap();
    assert!(error.to_string().contains("PostgreSQL"), "{error}");
}
