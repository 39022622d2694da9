//! A live call driven by hand: a phone's packets and keys in, virtual time, no sockets. A
//! minute of call runs in milliseconds.

use super::transfer::Routes;
use super::*;
use crate::cdr::{CallRecord, Latency};
use crate::config::EngineConfig;
use crate::config::serving::AgentAccount;
use crate::session::{CallSession, SessionOutput};
use ivr_flow::Flow;
use ivr_flow::interpreter::CallInfo;
use ivr_media::{Codec, DtmfSender, RtpSender};
use ivr_sip::refer_progress::ReferProgress;
use ivr_sip::rtp_peer::RtpPolicy;
use ivr_sip::sdp::{self, LocalMedia};
use ivr_speech::endpointer::VadParams;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FLOW: &str = r#"
languages: [en-US]
default_language: en-US
timezone: America/New_York
start: menu
queues: { agents: { language: en-US } }
prompts:
  menu: { text: { en-US: "Press one for the front desk, two for an agent." } }
  sorry: { text: { en-US: "Sorry." } }
intents:
  desk: { dtmf: "1", examples: { en-US: ["the front desk"] } }
  agent: { dtmf: "2", examples: { en-US: ["an agent"] } }
ask_defaults:
  no_input_timeout_ms: 60000
  no_input: { max: 3, then: done }
  no_match: { max: 3, then: done }
states:
  menu:
    ask: { prompts: [menu], intents: { desk: desk, agent: queue } }
  desk:
    transfer: { uri: "sip:desk@127.0.0.1:5099", on_failure: sorry }
  queue:
    transfer: { queue: agents, on_failure: sorry }
  sorry:
    say: { prompts: [sorry], next: done }
  done:
    hangup: { reason: completed }
"#;

const RTP_TIMEOUT: Duration = Duration::from_secs(5);
const TELEPHONE_EVENT: u8 = 101;

fn offer_from(port: u16, direction: &str) -> String {
    format!(
        "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na={direction}\r\n"
    )
}

/// A leg as the engine's answer to a phone at 127.0.0.1:`port` makes it.
fn leg(port: u16, engine_port: u16, now: Instant) -> Leg {
    let local = LocalMedia {
        address: [127, 0, 0, 1].into(),
        rtp_port: engine_port,
        session_id: 1,
        session_version: 1,
    };
    let Ok(offer) = sdp::parse(&offer_from(port, "sendrecv")) else {
        panic!("test offer does not parse");
    };
    let Ok((answer, negotiated)) = sdp::answer(&offer, &local) else {
        panic!("test offer not answered");
    };
    Leg::new(
        local,
        answer.to_string(),
        &negotiated,
        RtpPolicy::trusting(RTP_TIMEOUT),
        now,
        7,
    )
}

/// A phone's RTP: 20 ms of one sample value, or a key as RFC 4733 events.
struct Phone {
    addr: SocketAddr,
    rtp: RtpSender,
    level: i16,
}

impl Phone {
    fn new(port: u16, level: i16) -> Phone {
        Phone {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            rtp: RtpSender::new(0x1234, 1, 0),
            level,
        }
    }

    fn audio(&mut self) -> Vec<u8> {
        let mut payload = Vec::new();
        Codec::Pcmu.encode(&[self.level; 160], &mut payload);
        let mut packet = [0u8; 400];
        let len = self.rtp.build_into(0, false, &payload, 160, &mut packet);
        packet[..len.unwrap_or(0)].to_vec()
    }

    fn key(&mut self, key: char) -> Vec<Vec<u8>> {
        let Ok(events) = DtmfSender::new().packets(key, 100, self.rtp.timestamp()) else {
            panic!("no packets for {key}");
        };
        events
            .iter()
            .map(|e| {
                let mut packet = [0u8; 64];
                let len = self.rtp.build_at(
                    e.timestamp,
                    TELEPHONE_EVENT,
                    e.marker,
                    &e.payload,
                    &mut packet,
                );
                packet[..len.unwrap_or(0)].to_vec()
            })
            .collect()
    }
}

/// A call in progress, with everything it has asked for so far.
struct Call {
    controller: CallController,
    now: Instant,
    phone: Phone,
    /// The phone sends RTP (false: it went silent).
    sending: bool,
    outputs: Vec<Output>,
}

impl Call {
    fn start() -> Call {
        Call::start_with(FLOW)
    }

    fn start_with(source: &str) -> Call {
        let flow = match Flow::from_source(source) {
            Ok((flow, _)) => flow,
            Err(rejected) => panic!("test flow rejected: {:?}", rejected.0),
        };
        let now = Instant::now();
        let wall = jiff::Timestamp::UNIX_EPOCH;
        let info = CallInfo {
            call_id: "c1".into(),
            caller: Some("+12025550143".into()),
            caller_verified: true,
            called: None,
            language: None,
        };
        let Ok(session) = CallSession::new(Arc::new(flow), info, wall, VadParams::default()) else {
            panic!("session not started");
        };
        let mut config = EngineConfig::default();
        config.agents.insert(
            "ana".into(),
            AgentAccount {
                ha1: Some("0".repeat(32)),
                uri: None,
                languages: vec!["en-US".into()],
            },
        );
        let record = CallRecord {
            call_id: "c1".into(),
            caller: None,
            caller_verified: false,
            called: None,
            flow: "test".into(),
            start: wall.to_string(),
            answer: Some(wall.to_string()),
            end: String::new(),
            language: "en-US".into(),
            states: Vec::new(),
            ended_by: String::new(),
            transfer: None,
            recognition: Latency::default(),
            events: Vec::new(),
            events_dropped: 0,
        };
        let controller = CallController::new(
            session,
            leg(RECORDED_CALLER.port(), 20000, now),
            Routes::of(&config),
            record,
            now,
            wall,
        );
        let mut call = Call {
            controller,
            now,
            phone: Phone::new(RECORDED_CALLER.port(), 1000),
            sending: true,
            outputs: Vec::new(),
        };
        call.collect();
        call
    }

    /// Answers what the controller asked for (prompts as 200 ms of audio) and keeps the rest.
    fn collect(&mut self) {
        while let Some(output) = self.controller.poll_output() {
            if let Output::Session(SessionOutput::LoadPrompt { play_id, .. }) = output {
                self.controller
                    .prompt_audio(play_id, Some(vec![500; 1600]), self.now);
            } else {
                self.outputs.push(output);
            }
        }
    }

    /// `ms` of call: the phone's 20 ms packets and the controller's ticks.
    fn run(&mut self, ms: u64) {
        let end = self.now + Duration::from_millis(ms);
        for _ in 0..=ms / 20 {
            if self.controller.ended().is_some() || self.controller.next_deadline() > end {
                break;
            }
            self.now = self.controller.next_deadline();
            if self.sending {
                let packet = self.phone.audio();
                self.controller
                    .datagram(LegId::Caller, &packet, self.phone.addr, self.now);
            }
            self.controller.tick(self.now);
            self.collect();
        }
        self.now = self.now.max(end);
    }

    fn press(&mut self, key: char) {
        for packet in self.phone.key(key) {
            self.controller
                .datagram(LegId::Caller, &packet, self.phone.addr, self.now);
        }
        self.collect();
    }

    fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.outputs)
    }

    fn reach_the_queue(&mut self) {
        self.run(1000);
        self.press('2');
        self.run(100);
        let outputs = self.take();
        assert!(
            outputs
                .iter()
                .any(|o| matches!(o, Output::Wait { queue, .. } if queue == "agents")),
            "{outputs:?}"
        );
    }

    /// An agent at 127.0.0.1:41000 answers; their phone sends `level`.
    fn bridge(&mut self) -> Phone {
        self.reach_the_queue();
        let agent = leg(41000, 20002, self.now);
        self.controller
            .agent_answered("ana".into(), agent, self.now);
        self.collect();
        assert!(self.controller.is_bridged());
        Phone::new(41000, -3000)
    }

    fn record(self) -> CallRecord {
        self.controller.into_record(self.now)
    }
}

fn hang_ups(outputs: &[Output]) -> Vec<LegId> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::HangUp(leg) => Some(*leg),
            _ => None,
        })
        .collect()
}

fn rtp_to(outputs: &[Output], leg: LegId) -> Vec<&Vec<u8>> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Rtp { leg: l, packet, .. } if *l == leg => Some(packet),
            _ => None,
        })
        .collect()
}

#[test]
fn the_caller_hears_the_flow_every_20_ms() {
    let mut call = Call::start();
    call.run(1000);
    let outputs = call.take();
    let packets = rtp_to(&outputs, LegId::Caller);
    assert!((50..=51).contains(&packets.len()), "{}", packets.len());
    assert!(packets.iter().all(|p| p.len() == 172));
    assert_eq!(call.controller.ended(), None);
}

#[test]
fn a_refused_refer_takes_the_flow_fallback() {
    let mut call = Call::start();
    call.run(1000);
    call.press('1');
    call.run(100);
    let outputs = call.take();
    assert!(
        outputs
            .iter()
            .any(|o| matches!(o, Output::Refer(uri) if uri == "sip:desk@127.0.0.1:5099"))
    );
    call.controller.refer_answered(Ok(603), call.now);
    call.collect();
    call.run(2000);
    assert_eq!(call.controller.ended(), Some("engine"));
    assert_eq!(hang_ups(&call.take()), [LegId::Caller]);
    let record = call.record();
    let transfer = record
        .transfer
        .unwrap_or_else(|| panic!("no transfer recorded"));
    assert_eq!(transfer.result, "REFER answered 603");
    assert!(
        record.states.iter().any(|s| s == "sorry"),
        "{:?}",
        record.states
    );
}

#[test]
fn a_refer_never_answered_gives_up_after_the_transfer_timeout() {
    let mut call = Call::start();
    call.run(1000);
    call.press('1');
    call.controller.refer_answered(Ok(202), call.now);
    call.collect();
    call.run(transfer::TRANSFER_TIMEOUT.as_millis() as u64 - 1000);
    assert_eq!(call.controller.ended(), None);
    call.run(3000);
    assert_eq!(call.controller.ended(), Some("engine"));
    let record = call.record();
    assert!(
        record.states.iter().any(|s| s == "sorry"),
        "{:?}",
        record.states
    );
}

#[test]
fn a_caller_gone_after_the_refer_was_taken_was_transferred() {
    let mut call = Call::start();
    call.run(1000);
    call.press('1');
    call.controller.refer_answered(Ok(202), call.now);
    call.controller.refer_progress(
        ReferProgress {
            status: 180,
            finished: false,
        },
        call.now,
    );
    call.controller.leg_ended(LegId::Caller, call.now);
    call.collect();
    assert_eq!(call.controller.ended(), Some("transferred"));
    // The caller's phone hung up itself: no BYE goes to it.
    assert_eq!(hang_ups(&call.take()), []);
}

#[test]
fn star_while_waiting_leaves_the_queue_and_a_later_key_does_not_undo_it() {
    let mut call = Call::start();
    call.reach_the_queue();
    call.controller.key('*', call.now);
    call.controller.key('1', call.now);
    call.collect();
    let outputs = call.take();
    let stops = outputs
        .iter()
        .filter(|o| matches!(o, Output::StopWaiting))
        .count();
    assert_eq!(stops, 1);
    call.run(2000);
    let record = call.record();
    let transfer = record
        .transfer
        .unwrap_or_else(|| panic!("no transfer recorded"));
    assert_eq!(transfer.queue.as_deref(), Some("agents"));
    assert_eq!(transfer.result, "the caller asked for a callback instead");
    assert!(
        record.states.iter().any(|s| s == "sorry"),
        "{:?}",
        record.states
    );
}

#[test]
fn a_wait_that_fails_takes_the_fallback_and_an_agent_too_late_is_hung_up() {
    let mut call = Call::start();
    call.reach_the_queue();
    call.controller
        .wait_failed("no agent took the call within 120 s".into(), call.now);
    call.collect();
    assert!(call.take().iter().any(|o| matches!(o, Output::StopWaiting)));
    let late = leg(41000, 20002, call.now);
    call.controller.agent_answered("ana".into(), late, call.now);
    call.collect();
    assert!(!call.controller.is_bridged());
    assert_eq!(hang_ups(&call.take()), [LegId::Agent]);
}

#[test]
fn silence_from_the_caller_ends_the_call_after_the_rtp_timeout() {
    let mut call = Call::start();
    call.run(1000);
    call.sending = false;
    call.run(RTP_TIMEOUT.as_millis() as u64 - 200);
    assert_eq!(call.controller.ended(), None);
    call.run(400);
    assert_eq!(call.controller.ended(), Some("rtp_timeout"));
    assert_eq!(hang_ups(&call.take()), [LegId::Caller]);
}

#[test]
fn bridged_legs_hear_each_other_and_keys_go_to_the_agent_without_a_gap() {
    let mut call = Call::start();
    let mut agent = call.bridge();
    call.take();
    for turn in 0..50 {
        let packet = agent.audio();
        call.controller
            .datagram(LegId::Agent, &packet, agent.addr, call.now);
        if turn == 25 {
            call.press('5');
        }
        call.run(20);
    }
    let outputs = call.take();
    let keys: Vec<char> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::KeyToAgent(k) => Some(*k),
            _ => None,
        })
        .collect();
    assert_eq!(keys, ['5']);
    // Every tick sent a packet each way, the key's tick included.
    let to_caller = rtp_to(&outputs, LegId::Caller);
    let to_agent = rtp_to(&outputs, LegId::Agent);
    assert_eq!(to_caller.len(), 50);
    assert_eq!(to_agent.len(), 50);
    let heard = |packet: &Vec<u8>| {
        let mut samples = Vec::new();
        Codec::Pcmu.decode(&packet[12..], &mut samples);
        samples[0]
    };
    // After the jitter buffer's delay, each side hears the other's level.
    assert!(
        to_caller[40..]
            .iter()
            .all(|p| (heard(p) + 3000).abs() < 100)
    );
    assert!(to_agent[40..].iter().all(|p| (heard(p) - 1000).abs() < 100));
}

#[test]
fn an_agent_on_hold_is_answered_and_the_call_goes_on() {
    let mut call = Call::start();
    let _agent = call.bridge();
    let answer = call.controller.reoffer(
        LegId::Agent,
        offer_from(41000, "inactive").as_bytes(),
        call.now,
    );
    let ReofferAnswer::Accept(sdp) = answer else {
        panic!("hold refused: {answer:?}");
    };
    assert!(sdp.contains("a=inactive"), "{sdp}");
    // The agent's phone sends nothing on hold; that is no reason to end the call.
    call.run(RTP_TIMEOUT.as_millis() as u64 * 2);
    assert_eq!(call.controller.ended(), None);
    assert!(!rtp_to(&call.take(), LegId::Caller).is_empty());
    let bad = call.controller.reoffer(LegId::Agent, b"not sdp", call.now);
    assert_eq!(bad, ReofferAnswer::Reject(400));
}

#[test]
fn when_the_agent_hangs_up_the_caller_is_hung_up_and_the_agent_wraps_up() {
    let mut call = Call::start();
    let _agent = call.bridge();
    call.run(3000);
    call.controller.leg_ended(LegId::Agent, call.now);
    call.collect();
    let outputs = call.take();
    assert_eq!(call.controller.ended(), Some("agent"));
    assert_eq!(hang_ups(&outputs), [LegId::Caller]);
    let wrapped = outputs.iter().find_map(|o| match o {
        Output::AgentCallEnded { agent, call_ms } => Some((agent.clone(), *call_ms)),
        _ => None,
    });
    assert!(
        matches!(wrapped, Some((ref a, ms)) if a == "ana" && (2900..=3100).contains(&ms)),
        "{wrapped:?}"
    );
    let record = call.record();
    assert_eq!(record.ended_by, "agent");
    let transfer = record
        .transfer
        .unwrap_or_else(|| panic!("no transfer recorded"));
    assert_eq!(transfer.agent.as_deref(), Some("ana"));
    assert_eq!(transfer.result, "connected");
}

#[test]
fn shutdown_hangs_up_every_leg() {
    let mut call = Call::start();
    let _agent = call.bridge();
    call.controller.shut_down(call.now);
    call.collect();
    assert_eq!(call.controller.ended(), Some("shutdown"));
    assert_eq!(hang_ups(&call.take()), [LegId::Caller, LegId::Agent]);
}

#[test]
fn a_recorded_callers_key_reaches_the_flow_through_rtp_events() {
    let mut call = Call::start();
    let mut phone = RecordedCaller::new(vec![800; 8000 * 3], vec![(1500, '1')]);
    let start = call.now;
    let mut refer_at = None;
    for slot in 0..150u64 {
        let now = start + Duration::from_millis(slot * 20);
        for datagram in phone.datagrams(slot * 20) {
            call.controller
                .datagram(LegId::Caller, &datagram, RECORDED_CALLER, now);
        }
        call.controller.tick(now);
        call.now = now;
        call.collect();
        if refer_at.is_none() && call.take().iter().any(|o| matches!(o, Output::Refer(_))) {
            refer_at = Some(slot * 20);
        }
    }
    // The key is taken when its events end (100 ms), after the jitter buffer's delay.
    assert!(
        matches!(refer_at, Some(ms) if (1500..=1800).contains(&ms)),
        "{refer_at:?}"
    );
}

#[test]
fn a_caller_keying_at_packet_rate_cannot_grow_the_call_record_without_bound() {
    // A menu that starts over after wrong keys, for ever.
    let patient = FLOW.replace(
        "no_match: { max: 3, then: done }",
        "no_match: { max: 3, then: menu }",
    );
    let mut call = Call::start_with(&patient);
    for i in 0..(crate::cdr::MAX_EVENTS + 500) {
        // Each key a new RFC 4733 event: a new timestamp, as a flood would send them.
        call.press(if i % 2 == 0 { '5' } else { '6' });
        call.run(20);
    }
    assert_eq!(call.controller.ended(), None);
    let record = call.record();
    assert_eq!(record.events.len(), crate::cdr::MAX_EVENTS);
    assert!(record.events_dropped >= 500, "{}", record.events_dropped);
}

/// The mean loudness of what the caller heard in these RTP packets.
fn heard_level(packets: &[&Vec<u8>]) -> f64 {
    let mut samples = Vec::new();
    for packet in packets {
        Codec::Pcmu.decode(&packet[12..], &mut samples);
    }
    samples.iter().map(|s| f64::from(*s).abs()).sum::<f64>() / samples.len().max(1) as f64
}

#[test]
fn a_waiting_caller_hears_hold_music_ducked_under_announcements() {
    let mut call = Call::start();
    call.reach_the_queue();
    // Music: a 400 Hz tone (mean level about 1900).
    let music: Vec<i16> = (0..8000)
        .map(|i| {
            (3000.0 * (2.0 * std::f64::consts::PI * 400.0 * f64::from(i) / 8000.0).sin()) as i16
        })
        .collect();
    call.controller.hold_music(Arc::from(music));
    call.run(1000);
    let waiting = call.take();
    let between = rtp_to(&waiting, LegId::Caller);
    let level = heard_level(&between[between.len() - 25..]);
    assert!(
        (1700.0..2100.0).contains(&level),
        "music between announcements: {level}"
    );
    // An announcement (silent audio here, so only the music under it is measured): the
    // music ducks to about a sixth, then comes back when it ends.
    call.controller
        .announcement("You are number 1 in line.", vec![0; 8000], call.now);
    call.run(800);
    let under = call.take();
    let under = rtp_to(&under, LegId::Caller);
    let ducked = heard_level(&under[under.len() - 20..]);
    assert!(
        (200.0..400.0).contains(&ducked),
        "music under the announcement: {ducked}"
    );
    call.run(1000);
    let after = call.take();
    let after = rtp_to(&after, LegId::Caller);
    let back = heard_level(&after[after.len() - 20..]);
    assert!(
        (1700.0..2100.0).contains(&back),
        "music after the announcement: {back}"
    );
    // Bridged to an agent, the music stops: the caller hears the agent only.
    let agent = leg(41000, 20002, call.now);
    call.controller
        .agent_answered("ana".into(), agent, call.now);
    call.collect();
    call.take();
    call.run(400);
    let bridged = call.take();
    let bridged = rtp_to(&bridged, LegId::Caller);
    assert!(heard_level(&bridged) < 10.0, "music while bridged");
}

#[test]
fn without_hold_music_the_wait_is_silent_between_announcements() {
    let mut call = Call::start();
    call.reach_the_queue();
    call.run(1000);
    let outputs = call.take();
    let packets = rtp_to(&outputs, LegId::Caller);
    assert!(heard_level(&packets[packets.len() - 25..]) < 10.0);
}
