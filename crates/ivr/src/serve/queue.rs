//! A caller waiting in one of the engine's own queues: agents are offered the call one at a
//! time (longest idle first, in the caller's language), each for the ring timeout; the first
//! to answer gets it. The wait ends in the flow's fallback when nobody who speaks the language
//! is signed in or the caller has waited `queue_max_wait_s` (a queue off its schedule never
//! gets here: the interpreter falls back at once).

use super::Shared;
use super::clock::unix_ms;
use ivr_engine::call_distributor::NextOffer;
use ivr_engine::live_call::{Leg, random_seed};
use ivr_sip::sdp::{self, LocalMedia};
use ivr_sip_server::OutgoingCall;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

/// How often a waiting caller looks for a free agent.
const RETRY_EVERY: Duration = Duration::from_millis(500);

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
    pub queue: String,
    call_id: String,
    lang: String,
    deadline: Instant,
    next_announcement: Instant,
    next_try: Instant,
    /// Agents who did not answer this caller.
    tried: Vec<String>,
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

/// Where an agent is rung.
fn contact(shared: &Shared, name: &str, now_s: u64) -> Option<String> {
    let account = shared.config.agents.get(name)?;
    if let Some(uri) = &account.uri {
        return Some(uri.clone());
    }
    let registrar = shared.registrar.lock().ok()?;
    registrar.binding(name, now_s).map(|b| b.contact.clone())
}

/// Puts the caller in `queue`, or says why not.
pub fn join(shared: &Shared, queue: &str, call_id: &str, lang: &str) -> Result<Waiting, String> {
    shared
        .acd
        .lock()
        .map_err(|_| "the agents' state is unavailable".to_string())?
        .join(queue, call_id, lang, reachable(shared), unix_ms())?;
    let start = Instant::now();
    Ok(Waiting {
        queue: queue.to_string(),
        call_id: call_id.to_string(),
        lang: lang.to_string(),
        deadline: start + Duration::from_secs(shared.config.queue_max_wait_s),
        // The first announcement when the caller has waited a little: one who gets an
        // agent at once hears none.
        next_announcement: start + Duration::from_secs(2),
        next_try: start,
        tried: Vec::new(),
        ringing: None,
    })
}

impl Waiting {
    /// What the caller should hear now about their wait, if it is time (in their language).
    pub fn announcement(&mut self, shared: &Shared, now: Instant) -> Option<String> {
        if now < self.next_announcement || self.ringing.is_some() {
            return None;
        }
        self.next_announcement = now + Duration::from_secs(shared.config.announce_every_s.max(5));
        let (position, wait_s) = shared.acd.lock().ok()?.wait_estimate(
            &self.queue,
            &self.call_id,
            &self.lang,
            reachable(shared),
        )?;
        Some(ivr_engine::announce::queue_position(
            &self.lang, position, wait_s,
        ))
    }

    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// Offers the call to the next free agent, if none is ringing and this caller is first in
    /// line; Err when the wait is over.
    pub async fn tick(
        &mut self,
        shared: &Arc<Shared>,
        caller: Option<&str>,
        results: &mpsc::UnboundedSender<OfferResult>,
        now: Instant,
    ) -> Result<(), String> {
        if now >= self.deadline {
            return Err(format!(
                "no agent took the call within {} s",
                shared.config.queue_max_wait_s
            ));
        }
        if self.ringing.is_some() || now < self.next_try {
            return Ok(());
        }
        let next = match shared.acd.lock() {
            Ok(mut acd) => acd.next_offer(
                &self.queue,
                &self.call_id,
                &self.lang,
                reachable(shared),
                &self.tried,
                unix_ms(),
            ),
            Err(_) => NextOffer::NotFirst,
        };
        let agent = match next {
            NextOffer::NotFirst => return Ok(()),
            NextOffer::NoneFree => {
                // Everyone who did not answer gets another chance after a round.
                self.next_try = now + RETRY_EVERY;
                self.tried.clear();
                return Ok(());
            }
            NextOffer::Ring(agent) => agent,
        };
        self.next_try = now + RETRY_EVERY;
        let contact = contact(shared, &agent, unix_ms() / 1000);
        let (Some(contact), Some(dialer)) = (contact, shared.dialer.get()) else {
            self.release(shared, &agent);
            return Ok(());
        };
        let Some(socket) = shared.rtp_ports.bind(shared.bind_ip).await else {
            self.release(shared, &agent);
            return Ok(());
        };
        let port = socket.local_addr().map_or(0, |a| a.port());
        let local = LocalMedia {
            address: shared.media_ip,
            rtp_port: port,
            session_id: u64::from(port),
            session_version: 1,
        };
        let from = caller.unwrap_or("anonymous");
        let call = match dialer.call(&contact, from, sdp::offer(&local)) {
            Ok(call) => call,
            Err(e) => {
                tracing::warn!(agent, "offering the call: {e}");
                self.release(shared, &agent);
                return Ok(());
            }
        };
        tracing::info!(agent, contact, queue = self.queue, "offering the call");
        let ring = Duration::from_secs(shared.config.ring_timeout_s.max(1));
        let (withdraw, withdrawn) = oneshot::channel();
        tokio::spawn(ring_agent(
            call,
            agent.clone(),
            ring,
            withdrawn,
            results.clone(),
        ));
        self.ringing = Some(Ringing {
            agent,
            socket,
            local,
            _withdraw: withdraw,
        });
        Ok(())
    }

    fn release(&mut self, shared: &Shared, agent: &str) {
        if let Ok(mut acd) = shared.acd.lock() {
            acd.offer_failed(agent);
        }
        self.tried.push(agent.to_string());
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
                self.release(shared, &agent);
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
                self.release(shared, &agent);
                return None;
            }
        };
        if let Ok(mut acd) = shared.acd.lock() {
            acd.offer_answered(&self.queue, &self.call_id, &agent);
        }
        let leg = Leg::new(
            ringing.local.clone(),
            sdp::offer(&ringing.local),
            &agreed,
            Duration::from_secs(shared.config.rtp.timeout_s.max(1)),
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
        let ringing = self.ringing.take();
        if let Ok(mut acd) = shared.acd.lock() {
            acd.leave(
                &self.queue,
                &self.call_id,
                ringing.as_ref().map(|r| r.agent.as_str()),
            );
        }
    }
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
