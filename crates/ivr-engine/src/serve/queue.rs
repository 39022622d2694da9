//! A caller waiting in one of the engine's own queues, as far as IO goes: who rings when is
//! ivr-engine's `QueueWait` (and the distributor behind it); here the agent's phone is found
//! (registration or fixed address), given a media port and an INVITE, rung for the ring
//! timeout, and called off (CANCEL, or BYE if its 200 crossed) when the caller stops waiting.

use super::Shared;
use super::clock::unix_ms;
use crate::live_call::{Leg, random_seed};
use crate::queue_wait::{QueueWait, WaitLimits, WaitTurn};
use ivr_sip::rtp_peer::RtpPolicy;
use ivr_sip::sdp::{self, LocalMedia};
use ivr_sip_server::OutgoingCall;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

/// How long a called-off offer waits for a 200 OK that may have crossed its CANCEL: an INVITE
/// transaction ends within Timer B (64 * T1 = 32 s) however the phone behaves.
const CROSSED_ANSWER_WAIT: Duration = Duration::from_secs(32);

/// The answer to one offer, coming back to the call's loop.
pub struct OfferResult {
    pub agent: String,
    /// The agent's call and its SDP answer, or why there is none.
    pub outcome: Result<(OutgoingCall, Vec<u8>), String>,
}

struct Ringing {
    agent: String,
    socket: UdpSocket,
    local: LocalMedia,
    /// Dropped when the caller stops waiting for this offer (star, the wait ran out, a hangup):
    /// the offer's task then calls the agent's phone off.
    _withdraw: oneshot::Sender<()>,
}

pub struct Waiting {
    wait: QueueWait,
    /// The offer out now, if any: its media port and the means to call it off.
    ringing: Option<Ringing>,
}

/// An agent on the line: their call, the socket of its media, and its leg.
pub struct Answered {
    pub agent: String,
    pub call: OutgoingCall,
    pub socket: UdpSocket,
    pub leg: Leg,
}

/// Whether an agent can be rung now: a fixed address always, a phone while registered.
fn reachable(shared: &Shared) -> impl Fn(&str) -> bool + '_ {
    let now_s = unix_ms() / 1000;
    move |name: &str| contact(shared, name, now_s).is_some()
}

/// Where an agent is rung: a fixed address; else, in a cluster, through the load balancer
/// they registered with; else where they registered with this engine.
fn contact(shared: &Shared, name: &str, now_s: u64) -> Option<String> {
    let account = shared.config.agents.get(name)?;
    if let Some(uri) = &account.uri {
        return Some(uri.clone());
    }
    if shared.acd.is_shared() {
        let balancer = shared.config.sip.load_balancer.as_ref()?;
        return Some(format!("sip:{name}@{balancer}"));
    }
    let registrar = shared.registrar.lock().ok()?;
    registrar.binding(name, now_s).map(|b| b.contact.clone())
}

/// Puts the caller in `queue`, or says why not.
pub fn join(shared: &Shared, queue: &str, call_id: &str, lang: &str) -> Result<Waiting, String> {
    let limits = WaitLimits {
        max_wait: Duration::from_secs(shared.config.queue_max_wait_s),
        announce_every: Duration::from_secs(shared.config.announce_every_s),
    };
    let wait = shared
        .acd
        .decide(reachable(shared), |acd, reachable| {
            QueueWait::join(
                acd,
                queue,
                call_id,
                lang,
                limits,
                reachable,
                Instant::now(),
                unix_ms(),
            )
        })
        .ok_or_else(|| "the agents' state is unavailable".to_string())??;
    Ok(Waiting {
        wait,
        ringing: None,
    })
}

impl Waiting {
    /// What the caller should hear now about their wait, if it is time (in their language).
    pub fn announcement(&mut self, shared: &Shared, now: Instant) -> Option<String> {
        if !self.wait.announcement_due(now) {
            return None;
        }
        shared
            .acd
            .decide(reachable(shared), |acd, reachable| {
                self.wait.announcement(acd, reachable, now)
            })
            .flatten()
    }

    pub fn lang(&self) -> &str {
        self.wait.lang()
    }

    /// The wait's turn: rings the next free agent when it is time; Err when the wait is over.
    pub async fn tick(
        &mut self,
        shared: &Arc<Shared>,
        caller: Option<&str>,
        results: &mpsc::UnboundedSender<OfferResult>,
        now: Instant,
    ) -> Result<(), String> {
        let turn = if self.wait.turn_due(now) {
            shared
                .acd
                .decide(reachable(shared), |acd, reachable| {
                    self.wait.turn(acd, reachable, now, unix_ms())
                })
                .unwrap_or(WaitTurn::Wait)
        } else {
            WaitTurn::Wait
        };
        match turn {
            WaitTurn::Wait => Ok(()),
            WaitTurn::Over(why) => {
                // The distributor has freed the agent ringing, if any: call its phone off.
                self.ringing = None;
                Err(why)
            }
            WaitTurn::Ring(agent) => {
                match ring(shared, &agent, caller, results).await {
                    Some(ringing) => self.ringing = Some(ringing),
                    None => self.not_taken(shared, &agent),
                }
                Ok(())
            }
        }
    }

    fn not_taken(&mut self, shared: &Shared, agent: &str) {
        shared
            .acd
            .decide(reachable(shared), |acd, _| self.wait.not_taken(acd, agent));
    }

    /// An offer's outcome: the agent on the line, or the next one tried at the next tick. An
    /// answer this caller no longer waits for, or one whose media cannot be used, is hung up:
    /// the agent must never sit on a call nobody is on.
    pub fn offer_result(&mut self, shared: &Shared, result: OfferResult) -> Option<Answered> {
        let Some(ringing) = self.ringing.take_if(|r| r.agent == result.agent) else {
            decline(result);
            return None;
        };
        let agent = result.agent;
        let (call, answer) = match result.outcome {
            Ok(answered) => answered,
            Err(why) => {
                tracing::info!(agent, "agent did not take the call: {why}");
                self.not_taken(shared, &agent);
                return None;
            }
        };
        let agreed = sdp::parse(&String::from_utf8_lossy(&answer))
            .map_err(|e| e.to_string())
            .and_then(|answer| sdp::agreed(&answer, &ringing.local).map_err(|e| e.to_string()));
        let agreed = match agreed {
            Ok(agreed) => agreed,
            Err(why) => {
                tracing::info!(
                    agent,
                    "agent's phone answered with unusable media ({why}): hanging up"
                );
                tokio::spawn(async move { call.hang_up().await });
                self.not_taken(shared, &agent);
                return None;
            }
        };
        let taken = shared
            .acd
            .decide(reachable(shared), |acd, _| self.wait.taken(acd, &agent))
            .unwrap_or(false);
        if !taken {
            decline(OfferResult {
                agent,
                outcome: Ok((call, answer)),
            });
            return None;
        }
        let leg = Leg::new(
            ringing.local.clone(),
            sdp::offer(&ringing.local),
            &agreed,
            // The agent's phone answered the engine's own offer and is one of the engine's.
            RtpPolicy::trusting(Duration::from_secs(shared.config.rtp.timeout_s.max(1))),
            Instant::now(),
            random_seed(),
        );
        tracing::info!(agent, "agent answered");
        Some(Answered {
            agent,
            call,
            socket: ringing.socket,
            leg,
        })
    }

    /// The caller left or the wait ended: its place in line goes, and an agent still ringing
    /// for it is freed (the phone gets a CANCEL as the offer's task is called off).
    pub fn abandon(&mut self, shared: &Shared) {
        self.ringing = None;
        shared
            .acd
            .decide(reachable(shared), |acd, _| self.wait.leave(acd));
    }
}

/// Gives the agent's phone a media port and an INVITE, and rings it off the loop; None when
/// it cannot be rung (no contact, no port, the INVITE not sent).
async fn ring(
    shared: &Arc<Shared>,
    agent: &str,
    caller: Option<&str>,
    results: &mpsc::UnboundedSender<OfferResult>,
) -> Option<Ringing> {
    let contact = contact(shared, agent, unix_ms() / 1000)?;
    let dialer = shared.dialer.get()?;
    let socket = shared.rtp_ports.bind(shared.bind_ip).await?;
    let port = socket.local_addr().map_or(0, |a| a.port());
    let local = LocalMedia {
        address: shared.media_ip,
        rtp_port: port,
        session_id: u64::from(port),
        session_version: 1,
    };
    let from = caller.unwrap_or("anonymous");
    let call = dialer
        .call(&contact, from, sdp::offer(&local))
        .map_err(|e| tracing::warn!(agent, "offering the call: {e}"))
        .ok()?;
    tracing::info!(agent, contact, "offering the call");
    let ring = Duration::from_secs(shared.config.ring_timeout_s.max(1));
    let (withdraw, withdrawn) = oneshot::channel();
    tokio::spawn(ring_agent(
        call,
        agent.to_string(),
        ring,
        withdrawn,
        results.clone(),
    ));
    Some(Ringing {
        agent: agent.to_string(),
        socket,
        local,
        _withdraw: withdraw,
    })
}

/// An offer's answer that no caller takes: the agent's phone is hung up on (BYE).
pub fn decline(result: OfferResult) {
    if let Ok((call, _)) = result.outcome {
        tracing::info!(
            agent = result.agent,
            "no caller for the agent's answer: hanging up"
        );
        tokio::spawn(async move { call.hang_up().await });
    }
}

/// How one offer ended, before it goes back to the caller's loop.
enum Offer {
    Answered(Result<Vec<u8>, String>),
    RangOut,
    Withdrawn,
}

/// Rings one agent until they answer, the ring time runs out, or the caller stops waiting
/// (`withdrawn`); the answer goes back to the caller's loop.
async fn ring_agent(
    mut call: OutgoingCall,
    agent: String,
    ring: Duration,
    withdrawn: oneshot::Receiver<()>,
    results: mpsc::UnboundedSender<OfferResult>,
) {
    let offer = tokio::select! {
        answered = tokio::time::timeout(ring, call.answered()) => match answered {
            Ok(answered) => Offer::Answered(answered),
            Err(_) => Offer::RangOut,
        },
        _ = withdrawn => Offer::Withdrawn,
    };
    let outcome = match offer {
        Offer::Answered(Ok(answer)) => Ok((call, answer)),
        Offer::Answered(Err(status)) => Err(format!("answered {status}")),
        Offer::RangOut => {
            tokio::spawn(call_off(call));
            Err(format!("no answer within {} s", ring.as_secs()))
        }
        Offer::Withdrawn => {
            tracing::info!(
                agent,
                "the caller stopped waiting: calling the agent's phone off"
            );
            call_off(call).await;
            return;
        }
    };
    if let Err(unsent) = results.send(OfferResult { agent, outcome }) {
        decline(unsent.0);
    }
}

/// CANCEL while the phone rings; a 200 OK that crossed the CANCEL gets a BYE (RFC 3261
/// section 9.1: the UAC must end a call whose answer raced its CANCEL).
async fn call_off(mut call: OutgoingCall) {
    call.hang_up().await;
    if let Ok(Ok(_)) = tokio::time::timeout(CROSSED_ANSWER_WAIT, call.answered()).await {
        tracing::info!("an answer crossed the CANCEL: ending that call");
        call.hang_up().await;
    }
}
