#![allow(clippy::unwrap_used, clippy::expect_used)]
//! More than one engine: real Kamailio in front (the repository's configuration), two real
//! `ivr serve` engines behind it sharing a real PostgreSQL, real SIPp callers through the load
//! balancer. Loopback only.

mod cluster_support;
mod serve_support;

use cluster_support::*;
use ivr_engine::store::{Database, NewCallback, NewMessage, OutboxState, Store};
use serve_support::messaging::SmsReceiver;
use serve_support::*;
use std::time::{Duration, Instant};

const LINK_FLOW: &str = "crates/ivr/tests/flows/link.yaml";

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

#[test]
fn callbacks_and_texts_from_both_engines_share_one_database_and_a_text_goes_once_when_its_sender_dies()
 {
    let dir = temp_dir("outbox");
    let database = cluster_database("outbox");
    let sms = SmsReceiver::start(&[]);
    let config = engine_config(
        "cluster-outbox",
        &format!(
            "sms: {{ url: \"{}\", timeout_s: 3 }}\n\
             message_limits: {{ per_recipient_per_day: 100, per_source_per_hour: 100 }}\n",
            sms.url
        ),
    );
    let args = ["--flow", LINK_FLOW, "--config", config.to_str().unwrap()];
    let (e1, _) = cluster_engine(&dir, "e1", &database, &args);
    let (e2, _) = cluster_engine(&dir, "e2", &database, &args);
    let lb = LoadBalancer::start(&dir, &database, &[e1.port, e2.port]);
    let mut engines = [Some(e1), Some(e2)];

    // Four callers ask for the link: each is texted once, and each callback is a row in the
    // one database, written by the engine that had the call.
    let (ok, out) = calls_through(&lb, 4, 4, 40);
    assert!(ok, "4 callers pressing 1: {out}\n{}", lb.log());
    let texts = sms.wait_for(4, 30);
    assert_eq!(texts.len(), 4);
    assert_eq!(distinct_keys(&texts), 4, "one text per call: {texts:?}");
    let store = Store::connect(&Database::Postgres(database.clone()), "test").unwrap();
    let callbacks = store.callbacks(false).unwrap();
    assert_eq!(callbacks.len(), 4);
    let mut writers: Vec<&str> = callbacks.iter().map(|c| c.node_id.as_str()).collect();
    writers.sort_unstable();
    writers.dedup();
    assert_eq!(writers, ["e1", "e2"], "callbacks from both engines");
    assert_eq!(store.outbox(OutboxState::Sent, 10).unwrap().len(), 4);

    // A text whose provider hangs: the engine sending it dies mid-send. The other engine
    // sends it when the claim's lease ends, with the same idempotency key, once.
    sms.hold_next(1);
    let id = store
        .queue_message(
            &NewMessage {
                call_id: "after-a-call",
                channel: "sms",
                recipient: "+12025550199",
                lang: "en-US",
                template: "link",
                subject: None,
                body: "USCIS: https://uscis.gov/forms",
            },
            jiff::Timestamp::now(),
        )
        .unwrap();
    let held = sms.wait_for_held(1, 10);
    assert_eq!(held.len(), 1, "the provider got the text");
    let claimer = store
        .outbox(OutboxState::Sending, 10)
        .unwrap()
        .into_iter()
        .find(|m| m.id == id)
        .and_then(|m| m.claimed_by)
        .expect("the text is claimed while it is being sent");
    let (dies, survives) = if claimer == "e1" {
        (0, "e2")
    } else {
        (1, "e1")
    };
    drop(engines[dies].take());
    let texts = sms.wait_for(5, 60);
    assert_eq!(texts.len(), 5, "{} sent the text after the lease", survives);
    assert_eq!(texts[4].idempotency_key, held[0].idempotency_key);
    assert_eq!(distinct_keys(&texts), 5);
    let sent = store.outbox(OutboxState::Sent, 10).unwrap();
    let resent = sent.iter().find(|m| m.id == id).expect("marked sent");
    assert_eq!(resent.claimed_by.as_deref(), Some(survives));
    assert_eq!(resent.attempts, 2);
    // Nothing more arrives: the survivor does not send it again.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sms.wait_for(6, 0).len(), 5);
}

fn distinct_keys(texts: &[serve_support::messaging::TextMessage]) -> usize {
    let mut keys: Vec<_> = texts
        .iter()
        .map(|t| t.idempotency_key.clone().expect("an Idempotency-Key"))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.len()
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

#[test]
fn one_agent_registered_with_kamailio_takes_callers_from_both_engines_with_audio_both_ways() {
    use serve_support::baresip::{Baresip, mic, tone, tone_windows};
    let cluster = agent_cluster("agent", cluster_database("agent"), "");
    // A caller on e1, then one on e2 (each dialing its engine), each humming at 440 Hz from
    // 3 s in: the agent takes both, through the load balancer, and each side hears the other.
    let mut voice = vec![0; 8000 * 3];
    voice.extend(tone(440.0, 12));
    let caller_mic = mic("cluster-caller-440", &voice);
    for n in 0..2 {
        let dial = cluster.dial(n);
        let mut caller =
            Baresip::caller(&format!("cluster-caller-{n}"), &caller_mic, Some(&dial), 12);
        caller.wait(30);
        let record = &call_records_within(&cluster.records[n], 1, 30)[0];
        assert_eq!(
            record["transfer"],
            serde_json::json!({"queue": "agents-es", "agent": "maria", "result": "connected"}),
            "caller {n}: {record}\n{}",
            cluster.lb.log()
        );
        let caller_heard = tone_windows(&caller.heard(), 1000.0);
        assert!(
            caller_heard >= 10,
            "caller {n} heard the agent in {caller_heard} windows"
        );
        let agent_heard = tone_windows(&cluster.agent.heard_on_call(n), 440.0);
        assert!(
            agent_heard >= 10,
            "the agent heard caller {n} in {agent_heard} windows"
        );
        // Wrap-up (1 s), then the agent is free for the next engine's caller.
        let state = wait_for_agent(cluster.engine(1), "available", 10);
        assert_eq!(state, "available");
    }
}

/// Waits up to `within_s` for the (first) agent's state on the engine's `/agents`.
fn wait_for_agent(engine: &Engine, state: &str, within_s: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    loop {
        let (_, body) = admin_get(engine, "/agents");
        let list: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let now = list[0]["state"].as_str().unwrap_or_default().to_string();
        if now == state || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The agent test's setup: two engines on the queue flow with agent maria (HA1 in realm
/// ivr.test, rung through the load balancer), Kamailio, and maria's phone registered with it.
struct AgentCluster {
    dir: std::path::PathBuf,
    database: String,
    lb: LoadBalancer,
    engines: Vec<Option<Engine>>,
    records: Vec<std::path::PathBuf>,
    agent: serve_support::baresip::Baresip,
}

fn agent_cluster(label: &str, database: String, more_yaml: &str) -> AgentCluster {
    use serve_support::baresip::{Baresip, mic, tone};
    let dir = temp_dir(label);
    let lb_port = free_port();
    let ha1 = ivr_sip::digest::ha1("maria", "ivr.test", "s3cret");
    let config = engine_config(
        &format!("cluster-{label}"),
        &format!(
            "realm: ivr.test\nwrap_up_s: 1\nring_timeout_s: 10\n\
             agents:\n  maria: {{ ha1: \"{ha1}\", languages: [es-US] }}\n\
             sip: {{ load_balancer: \"127.0.0.1:{lb_port}\" }}\n{more_yaml}"
        ),
    );
    let sync = std::process::Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["agents", "sync", "--config", config.to_str().unwrap()])
        .args(["--database", &database])
        .output()
        .unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let flow = "crates/ivr/tests/flows/queue.yaml";
    let args = ["--flow", flow, "--config", config.to_str().unwrap()];
    let (e1, e1_records) = cluster_engine(&dir, "e1", &database, &args);
    let (e2, e2_records) = cluster_engine(&dir, "e2", &database, &args);
    let lb = LoadBalancer::start_on(lb_port, &dir, &database, &[e1.port, e2.port]);
    let agent = Baresip::agent(
        &format!("{label}-maria"),
        &mic(&format!("{label}-agent-1k"), &tone(1000.0, 150)),
        &format!(
            "<sip:maria@ivr.test>;auth_pass=s3cret;outbound=\"sip:127.0.0.1:{lb_port}\";\
             regint=600;answermode=auto"
        ),
        140,
    );
    for engine in [&e1, &e2] {
        let state = wait_for_agent(engine, "available", 20);
        assert_eq!(state, "available", "{}\n{}", agent.log(), lb.log());
        let (_, body) = admin_get(engine, "/agents");
        let list: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(list[0]["contact"], format!("sip:maria@127.0.0.1:{lb_port}"));
    }
    AgentCluster {
        dir,
        database,
        lb,
        engines: vec![Some(e1), Some(e2)],
        records: vec![e1_records, e2_records],
        agent,
    }
}

/// The distribution rows once `done` holds for them, or as they are after `within`.
fn wait_for_rows(
    cluster: &AgentCluster,
    within: Duration,
    done: impl Fn(&(String, Vec<String>)) -> bool,
) -> (String, Vec<String>) {
    let deadline = Instant::now() + within;
    loop {
        let rows = cluster.distribution_rows();
        if done(&rows) || Instant::now() > deadline {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl AgentCluster {
    fn engine(&self, n: usize) -> &Engine {
        self.engines[n].as_ref().unwrap()
    }

    fn dial(&self, n: usize) -> String {
        format!("sip:8003755283@127.0.0.1:{}", self.engine(n).port)
    }

    /// Rows in the shared database: (agent maria's status, waiting callers' engines).
    fn distribution_rows(&self) -> (String, Vec<String>) {
        let mut client = postgres::Client::connect(&self.database, postgres::NoTls).unwrap();
        let status: String = client
            .query_one("SELECT status FROM acd_agents WHERE name = 'maria'", &[])
            .unwrap()
            .get(0);
        let waiting = client
            .query("SELECT node_id FROM acd_waiting ORDER BY seq", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        (status, waiting)
    }
}

#[test]
fn an_engine_dying_with_callers_waiting_frees_its_agent_for_the_other_engines_callers() {
    use serve_support::baresip::{Baresip, mic, tone, tone_windows};
    let mut cluster = agent_cluster("reaped", cluster_database("reaped"), "");
    // X on e1 talks with maria; W waits on e1; then Y waits on e2.
    let mut voice = vec![0; 8000 * 2];
    voice.extend(tone(440.0, 60));
    let hum = mic("reaped-caller-440", &voice);
    // Each caller joins the line before the next one calls: on a loaded machine a caller can
    // take many seconds from dialing to the queue, and the order is what is under test. X and
    // W stay on their calls for longer than all the waiting can take.
    let _x = Baresip::caller("reaped-x", &hum, Some(&cluster.dial(0)), 120);
    let busy = wait_for_rows(&cluster, Duration::from_secs(30), |(status, _)| {
        status == "busy"
    });
    assert_eq!(busy.0, "busy", "maria took X");
    let _w = Baresip::caller("reaped-w", &hum, Some(&cluster.dial(0)), 120);
    let line = wait_for_rows(&cluster, Duration::from_secs(30), |(_, waiting)| {
        !waiting.is_empty()
    });
    assert_eq!(line.1, ["e1"], "W in line");
    let mut y = Baresip::caller("reaped-y", &hum, Some(&cluster.dial(1)), 45);
    let line = wait_for_rows(&cluster, Duration::from_secs(30), |(_, waiting)| {
        waiting.len() >= 2
    });
    assert_eq!(line.1, ["e1", "e2"], "W then Y in line");

    // e1 dies. Maria hears silence and hangs up her phone's side; within 12 s the other
    // engine has freed her and dropped e1's waiting caller, and Y (on e2) gets her.
    let killed = Instant::now();
    drop(cluster.engines[0].take());
    cluster.agent.command("hangup", "");
    let rows = wait_for_rows(
        &cluster,
        Duration::from_secs(12).saturating_sub(killed.elapsed()),
        |(_, waiting)| waiting == &["e2"],
    );
    assert!(
        !rows.1.contains(&"e1".to_string()),
        "e1's caller still in line: {rows:?}"
    );
    y.wait(60);
    let record = &call_records_within(&cluster.records[1], 1, 30)[0];
    assert_eq!(
        record["transfer"],
        serde_json::json!({"queue": "agents-es", "agent": "maria", "result": "connected"}),
        "{record}\n{}",
        cluster.lb.log()
    );
    let heard = tone_windows(&y.heard(), 1000.0);
    assert!(heard >= 10, "Y heard maria in {heard} windows");
    let _ = &cluster.dir;
}

#[test]
fn a_database_restart_keeps_bridged_calls_and_committed_rows_and_fails_a_callback_honestly() {
    use serve_support::baresip::{Baresip, mic, tone, tone_windows};
    let server = cluster_support::postgres_server::PostgresServer::start();
    let database = cluster_database_on(&server, "dbrestart");
    let cluster = agent_cluster("dbrestart", database.clone(), "");
    let store = Store::connect(&Database::Postgres(database), "test").unwrap();
    let before = store
        .add_callback(&NewCallback {
            call_id: "before-the-restart",
            queue: "agents-es",
            number: "+12025550143",
            lang: "es-US",
            requested_at: jiff::Timestamp::now(),
        })
        .unwrap();

    // X talks with maria for about 20 s, across the database's outage.
    let mut voice = vec![0; 8000 * 2];
    voice.extend(tone(440.0, 30));
    let mut x = Baresip::caller(
        "dbrestart-x",
        &mic("dbrestart-440", &voice),
        Some(&cluster.dial(0)),
        22,
    );
    wait_for_rows(&cluster, Duration::from_secs(20), |(status, _)| {
        status == "busy"
    });
    server.stop();
    // During the outage a caller on e2 finds no agent state, is offered a callback, presses
    // 1, and the callback cannot be recorded: the flow's failure path, never a false promise.
    let run = SippRun {
        timeout_s: 40,
        ..SippRun::default()
    };
    let fill = [("key", "1".to_string()), ("pause_ms", "3000".to_string())];
    let (ok, out) = run_sipp_with(cluster.engine(1).port, "lb_call_key.xml", &fill, &run);
    assert!(ok, "{out}");
    let z = &call_records_within(&cluster.records[1], 1, 20)[0];
    let states: Vec<&str> = z["states"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(states.contains(&"record_callback"), "{z}");
    assert!(
        !states.contains(&"recorded"),
        "a callback promised while the database was down: {z}"
    );
    std::thread::sleep(Duration::from_secs(2));
    server.restart();

    x.wait(40);
    let record = &call_records_within(&cluster.records[0], 1, 30)[0];
    assert_eq!(record["transfer"]["result"], "connected", "{record}");
    // The caller heard maria the whole call, outage included (about 18 s of tone).
    let heard = tone_windows(&x.heard(), 1000.0);
    assert!(heard >= 30, "X heard maria in only {heard} windows");
    // What was committed before is there; after the restart a caller on e2 gets maria.
    assert!(
        store
            .callbacks(false)
            .unwrap()
            .iter()
            .any(|c| c.id == before),
        "the callback committed before the restart is kept"
    );
    let state = wait_for_agent(cluster.engine(1), "available", 15);
    assert_eq!(state, "available");
    let mut y = Baresip::caller(
        "dbrestart-y",
        &mic("dbrestart-y-440", &voice),
        Some(&cluster.dial(1)),
        10,
    );
    y.wait(30);
    // Y's baresip hangs up as it quits; on a loaded machine its BYE can be lost with the
    // process, and then the call ends on the engine's RTP timeout instead: allow for that.
    let records = call_records_within(&cluster.records[1], 2, 60);
    assert_eq!(
        records[1]["transfer"]["result"], "connected",
        "{}",
        records[1]
    );
    server.stop();
}

#[test]
fn a_load_balancer_restart_drops_no_established_call() {
    let dir = temp_dir("lbrestart");
    let database = cluster_database("lbrestart");
    let (e1, e1_records) = cluster_engine(&dir, "e1", &database, &["--flow", KEYS_FLOW]);
    let (e2, e2_records) = cluster_engine(&dir, "e2", &database, &["--flow", KEYS_FLOW]);
    let mut lb = LoadBalancer::start(&dir, &database, &[e1.port, e2.port]);
    // 20 silent callers (each call ends on the flow's no-input path, about 20 s in).
    let lb_port = lb.port;
    let calls = std::thread::spawn(move || {
        let run = SippRun {
            calls: 20,
            rate: 10,
            timeout_s: 60,
            ..SippRun::default()
        };
        run_sipp_with(lb_port, "lb_call_wait.xml", &[], &run)
    });
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(calls_on(&e1) + calls_on(&e2), 20, "20 calls up");
    lb.restart();
    // Every engine's BYE goes through the restarted load balancer (Record-Route) and is
    // answered: SIPp counts a call as done only then.
    let (ok, out) = calls.join().unwrap();
    assert!(ok, "calls across the restart: {out}\n{}", lb.log());
    assert_eq!(
        wait_for_records(&[&e1_records, &e2_records], 20, 10)
            .iter()
            .sum::<usize>(),
        20
    );
    // And new calls go through it.
    let (ok, out) = calls_through(&lb, 4, 4, 30);
    assert!(ok, "{out}");
}

#[test]
fn callers_waiting_on_two_engines_reach_the_agent_in_the_order_they_called() {
    use serve_support::baresip::{Baresip, mic, tone, tone_windows};
    let cluster = agent_cluster("order", cluster_database("order"), "");
    let hum = |name: &str, hz: f64, seconds: usize| {
        let mut voice = vec![0; 8000 * 2];
        voice.extend(tone(hz, seconds));
        mic(name, &voice)
    };
    // X (on e1) keeps maria busy while A calls e2, then B calls e1. Each step waits for the
    // rows it needs (a loaded machine can take many seconds from dialing to the queue), and
    // each caller hangs up when told: the order of the line is what is under test.
    let x = Baresip::caller(
        "order-x",
        &hum("order-x", 300.0, 120),
        Some(&cluster.dial(0)),
        150,
    );
    let busy = wait_for_rows(&cluster, Duration::from_secs(30), |(status, _)| {
        status == "busy"
    });
    assert_eq!(busy.0, "busy", "maria took X");
    let a = Baresip::caller(
        "order-a",
        &hum("order-a", 440.0, 120),
        Some(&cluster.dial(1)),
        150,
    );
    let line = wait_for_rows(&cluster, Duration::from_secs(30), |(_, waiting)| {
        !waiting.is_empty()
    });
    assert_eq!(line.1, ["e2"], "A in line");
    let b = Baresip::caller(
        "order-b",
        &hum("order-b", 700.0, 120),
        Some(&cluster.dial(0)),
        150,
    );
    let line = wait_for_rows(&cluster, Duration::from_secs(30), |(_, waiting)| {
        waiting.len() >= 2
    });
    assert_eq!(line.1, ["e2", "e1"], "A (e2) before B (e1)");
    // X hangs up: maria gets A while B waits; then A hangs up and maria gets B.
    x.command("hangup", "");
    let line = wait_for_rows(&cluster, Duration::from_secs(30), |(_, waiting)| {
        waiting.len() == 1
    });
    assert_eq!(line.1, ["e1"], "maria took A, B still waits");
    std::thread::sleep(Duration::from_secs(3));
    a.command("hangup", "");
    let line = wait_for_rows(&cluster, Duration::from_secs(30), |(_, waiting)| {
        waiting.is_empty()
    });
    assert!(line.1.is_empty(), "maria took B: {line:?}");
    std::thread::sleep(Duration::from_secs(3));
    b.command("hangup", "");
    // Maria's second call was A (her phone heard 440 Hz), her third B (700 Hz).
    let second = cluster.agent.heard_on_call(1);
    let third = cluster.agent.heard_on_call(2);
    assert!(tone_windows(&second, 440.0) >= 10 && tone_windows(&second, 700.0) == 0);
    assert!(tone_windows(&third, 700.0) >= 10 && tone_windows(&third, 440.0) == 0);
    let b_record = &call_records_within(&cluster.records[0], 2, 30)[1];
    assert_eq!(b_record["transfer"]["result"], "connected", "{b_record}");
}
