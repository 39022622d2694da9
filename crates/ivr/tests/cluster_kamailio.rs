#![allow(clippy::unwrap_used, clippy::expect_used)]
//! More than one engine: real Kamailio in front (the repository's configuration), two real
//! `ivr serve` engines behind it sharing a real PostgreSQL, real SIPp callers through the load
//! balancer. Loopback only.

mod cluster_support;
mod serve_support;

use cluster_support::*;
use serve_support::*;
use std::time::{Duration, Instant};

#[test]
fn calls_through_kamailio_are_split_across_two_engines_and_go_to_the_other_when_one_dies() {
    let dir = temp_dir("split");
    let database = cluster_database("split");
    let (e1, e1_records) = cluster_engine(&dir, "e1", &database, &["--flow", KEYS_FLOW]);
    let (mut e2, e2_records) = cluster_engine(&dir, "e2", &database, &["--flow", KEYS_FLOW]);
    let lb = LoadBalancer::start(&dir, &database, &[e1.port, e2.port]);

    let (ok, out) = calls_through(&lb, 40, 10, 60);
    assert!(
        ok,
        "40 calls through the load balancer: {out}\n{}",
        lb.log()
    );
    let counts = wait_for_records(&[&e1_records, &e2_records], 40, 20);
    assert_eq!(counts.iter().sum::<usize>(), 40, "{counts:?}");
    // Least-load dispatching: neither engine idles while the other takes the calls.
    assert!(
        counts.iter().all(|&n| n >= 12),
        "calls split {counts:?} between the two engines"
    );

    // e2 dies without a word: new calls all reach e1 (the first ones after Kamailio's
    // 2-second timer on e2).
    e2.child.kill().unwrap();
    e2.child.wait().unwrap();
    let (ok, out) = calls_through(&lb, 20, 5, 60);
    assert!(ok, "20 calls after e2 died: {out}\n{}", lb.log());
    let e1_after = wait_for_records(&[&e1_records], counts[0] + 20, 20)[0];
    assert_eq!(e1_after, counts[0] + 20, "every new call answered by e1");
    assert_eq!(record_count(&e2_records), counts[1]);
    drop(e1);
}

#[test]
fn a_draining_engine_answers_options_503_gets_no_new_calls_and_ends_its_own() {
    let dir = temp_dir("drain");
    let database = cluster_database("drain");
    let (e1, e1_records) = cluster_engine(&dir, "e1", &database, &["--flow", KEYS_FLOW]);
    let (mut e2, e2_records) = cluster_engine(&dir, "e2", &database, &["--flow", KEYS_FLOW]);
    let lb = LoadBalancer::start(&dir, &database, &[e1.port, e2.port]);

    // Two silent callers, one on each engine (least load); each call ends on the flow's
    // no-input path after about 20 s.
    let lb_port = lb.port;
    let waiting = std::thread::spawn(move || {
        let run = SippRun {
            calls: 2,
            rate: 10,
            timeout_s: 60,
            ..SippRun::default()
        };
        run_sipp_with(lb_port, "lb_call_wait.xml", &[], &run)
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while calls_on(&e2) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(calls_on(&e2), 1, "a call in progress on e2");

    cluster_support::signal(&e2.child, "TERM");
    let answer_503 = Instant::now() + Duration::from_secs(3);
    let mut draining = false;
    while !draining && Instant::now() < answer_503 {
        let run = SippRun {
            timeout_s: 2,
            ..SippRun::default()
        };
        draining = run_sipp_with(
            e2.port,
            "options_status.xml",
            &[("status", "503".into())],
            &run,
        )
        .0;
    }
    assert!(
        draining,
        "e2 answers OPTIONS with 503 within 3 s of SIGTERM"
    );
    // Kamailio takes e2 out after two failed probes (1 s apart); new calls then all go to e1.
    std::thread::sleep(Duration::from_secs(3));
    let (ok, out) = calls_through(&lb, 10, 5, 30);
    assert!(ok, "10 calls while e2 drains: {out}\n{}", lb.log());
    assert_eq!(wait_for_records(&[&e1_records], 10, 20)[0], 10);

    // e2's own call ends as the flow says, its record is written, and e2 exits cleanly.
    let (ok, out) = waiting.join().unwrap();
    assert!(ok, "the two long calls ended with the engines' BYE: {out}");
    assert_eq!(record_count(&e2_records), 1);
    let exit = wait_exit(&mut e2.child, 30).expect("e2 exits after its last call");
    assert!(exit.success(), "e2 exit {exit:?}");
    assert_eq!(wait_for_records(&[&e1_records], 11, 10)[0], 11);
}

/// Calls in progress on an engine, from its admin `/calls`.
fn calls_on(engine: &Engine) -> usize {
    let (status, body) = admin_get(engine, "/calls");
    if status != 200 {
        return 0;
    }
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or(0)
}

fn wait_exit(child: &mut std::process::Child, within_s: u64) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}
