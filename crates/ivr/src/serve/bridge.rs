//! A caller and an agent connected through the engine (a B2BUA): each 20 ms, what one leg
//! sent (after its jitter buffer) goes to the other, encoded for its codec; keys the caller
//! presses reach the agent; when either side hangs up, the other is hung up on. Either phone
//! may hold and resume (re-INVITE): the other side then hears what the holding phone sends
//! (its music on hold) or silence, and the call goes on.

use super::Shared;
use super::media::{MAX_DATAGRAM, MediaLeg};
use super::queue::Answered;
use super::reoffer;
use ivr_sip::sdp::LocalMedia;
use ivr_sip_server::CallSignal;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

/// Who ended a bridged call, for the call record.
pub async fn run(
    shared: &Arc<Shared>,
    caller: &mut MediaLeg,
    caller_signals: &mut mpsc::UnboundedReceiver<CallSignal>,
    answered: Answered,
    local: &mut LocalMedia,
    current_answer: &mut String,
) -> &'static str {
    let started = Instant::now();
    let Answered {
        agent: name,
        mut call,
        media: mut agent,
        local: mut agent_local,
        description: mut agent_description,
    } = answered;
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut from_caller = vec![0u8; MAX_DATAGRAM + 1];
    let mut from_agent = vec![0u8; MAX_DATAGRAM + 1];
    // Keys go to the agent's phone off this loop: an INFO awaiting its answer would stall
    // both legs' audio.
    let keys_to_agent = call.key_relay();
    let ended_by = loop {
        tokio::select! {
            _ = ticker.tick() => {
                let now = Instant::now();
                if caller.peer.timed_out(now) {
                    break "rtp_timeout";
                }
                if agent.peer.timed_out(now) {
                    break "agent_rtp_timeout";
                }
                let (caller_audio, lost_key) = caller.next_frame(now);
                let (agent_audio, _) = agent.next_frame(now);
                agent.send(&caller_audio).await;
                caller.send(&agent_audio).await;
                if let Some(key) = lost_key {
                    keys_to_agent.send(key).ok();
                }
            }
            received = caller.socket.recv_from(&mut from_caller) => {
                if let Ok((len, from)) = received && len <= MAX_DATAGRAM {
                    for key in caller.receive(&from_caller[..len], from, Instant::now()) {
                        keys_to_agent.send(key).ok();
                    }
                }
            }
            received = agent.socket.recv_from(&mut from_agent) => {
                if let Ok((len, from)) = received && len <= MAX_DATAGRAM {
                    agent.receive(&from_agent[..len], from, Instant::now());
                }
            }
            signal = caller_signals.recv() => match signal {
                Some(CallSignal::Dtmf(key)) => {
                    keys_to_agent.send(key).ok();
                }
                Some(CallSignal::Reoffer(reoffer)) => {
                    reoffer::answer(reoffer, local, current_answer, caller).await;
                }
                Some(CallSignal::Ended(_)) | None => break "caller",
                Some(_) => {}
            },
            signal = call.signals.recv() => match signal {
                Some(CallSignal::Ended(_)) | None => break "agent",
                Some(CallSignal::Reoffer(reoffer)) => {
                    reoffer::answer(reoffer, &mut agent_local, &mut agent_description, &mut agent)
                        .await;
                }
                Some(_) => {}
            },
            () = shared.stop_calls.cancelled() => break "shutdown",
        }
    };
    if ended_by != "agent" {
        call.hang_up().await;
    }
    if let Ok(mut acd) = shared.acd.lock() {
        let now_ms = super::clock::unix_ms();
        let call_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        acd.call_ended(&name, call_ms, now_ms);
    }
    ended_by
}
