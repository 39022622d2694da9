//! The SIP endpoint of `ivr serve`, over rsipstack (RFC 3261 transactions and dialogs). This is
//! the only crate that knows rsipstack: the engine sees `IncomingCall`s, answers or rejects
//! them, and hears `CallSignal`s; SDP, digest, registrar and INFO/NOTIFY body decisions are
//! made by the sans-IO `ivr-sip`, outside.
//!
//! OPTIONS out of dialog gets 200. An INVITE over the call limit, over its source address's
//! share (calls at once, new calls per second; trunks excepted), or while the engine drains
//! for shutdown, gets 503 with Retry-After.
//! In a dialog: BYE and CANCEL end the call, INFO with a DTMF body becomes a key, a re-INVITE
//! goes to the engine to answer (hold, resume, codec change), and NOTIFYs about the engine's
//! REFER report the transfer's progress. Other requests are answered by rsipstack (405).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rsipstack::EndpointBuilder;
use rsipstack::dialog::DialogId;
use rsipstack::dialog::dialog::{Dialog, DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
pub use rsipstack::platform::CancellationToken;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::{TcpListenerConnection, TransportLayer, udp::UdpConnection};
use tokio::sync::mpsc;

mod dialer;

pub use dialer::{Dialer, OutgoingCall};

use ivr_sip::admission::{AdmissionLimits, CallAdmission};
use ivr_sip::caller_id::CallerId;
use ivr_sip::dtmf_relay::key_from_info;
use ivr_sip::refer_progress::{self, ReferProgress};
use ivr_sip::registrar::{MIN_EXPIRES_S, RegisterAnswer, RegisterRequest, Registrar};
use ivr_sip::trunks::Trunks;
use rsipstack::dialog::dialog::TransactionHandle;
use std::net::IpAddr;

/// The counter of calls refused before the answer, by `reason`.
pub const CALLS_REFUSED: &str = "ivr_calls_refused_total";

/// Seconds a caller refused for load is asked to wait before trying again.
const RETRY_AFTER_S: u32 = 5;

#[derive(Clone)]
pub struct ServerConfig {
    /// Where SIP listens, on UDP and TCP both.
    pub listen: SocketAddr,
    /// Calls at once; more get 503.
    pub max_calls: usize,
    /// Set while shutting down: new calls get 503, calls in progress go on.
    pub draining: Arc<AtomicBool>,
    /// Where agents' phones REGISTER; without it REGISTER gets 405.
    pub registrar: Option<Arc<Mutex<Registrar>>>,
    /// Carriers whose caller ID is believed and who skip the per-source limits.
    pub trunks: Trunks,
    /// Per-source limits on new calls.
    pub admission: AdmissionLimits,
    /// How long the engine may ring before it answers; an INVITE transaction is given up
    /// that long plus a minute after it starts (the answer's retransmissions until the ACK
    /// take 64*T1, 32 s).
    pub ringing: std::time::Duration,
}

/// Something that happened in a call's dialog.
#[derive(Debug)]
pub enum CallSignal {
    /// The caller acknowledged the answer (ACK): media may flow both ways.
    Confirmed,
    /// A key sent by SIP INFO.
    Dtmf(char),
    /// A re-INVITE (hold, resume, a new codec or address): answer it.
    Reoffer(Reoffer),
    /// The caller's phone reports on the call our REFER asked it to make.
    Transfer(ReferProgress),
    /// The dialog is over: the caller hung up (BYE or CANCEL), or it failed.
    Ended(String),
}

/// A re-INVITE waiting for the engine's answer. Answer promptly: the caller's transaction
/// times out after 32 s, and rsipstack answers 501 if this is dropped unanswered.
#[derive(Debug)]
pub struct Reoffer {
    /// The new SDP offer; empty for an offerless re-INVITE.
    pub offer: Vec<u8>,
    handle: TransactionHandle,
}

impl Reoffer {
    /// 200 OK with the SDP answer.
    pub async fn accept(self, sdp: &str) {
        let headers = vec![Header::ContentType("application/sdp".into())];
        let body = Some(sdp.as_bytes().to_vec());
        if let Err(e) = self
            .handle
            .respond(StatusCode::OK, Some(headers), body)
            .await
        {
            tracing::warn!("answering a re-INVITE: {e}");
        }
    }

    /// A final error response; the session stays as it was (RFC 3261 section 14.2).
    pub async fn reject(self, status: u16) {
        if let Err(e) = self.handle.reply(StatusCode::from(status)).await {
            tracing::warn!("refusing a re-INVITE: {e}");
        }
    }
}

/// A call offered to the engine. Answer or reject it promptly: the caller hears ringing.
pub struct IncomingCall {
    pub call_id: String,
    /// The caller's number unless withheld, and whether a trunk vouches for it.
    pub caller: CallerId,
    /// Where the INVITE came from.
    pub source: IpAddr,
    /// `source` is a trusted trunk.
    pub from_trunk: bool,
    /// The Request-URI user (the number dialled).
    pub called: Option<String>,
    /// The INVITE's body (the SDP offer); empty for an offerless INVITE.
    pub offer: Vec<u8>,
    pub dialog: CallDialog,
    pub signals: mpsc::UnboundedReceiver<CallSignal>,
}

/// The engine's handle on one call's dialog.
#[derive(Clone)]
pub struct CallDialog {
    dialog: InviteDialog,
}

impl CallDialog {
    /// 180 Ringing: the caller hears ringback until the answer.
    pub fn ring(&self) {
        if let Err(e) = self.dialog.ringing(None, None) {
            tracing::warn!("sending 180 Ringing: {e}");
        }
    }

    /// 200 OK with the SDP answer.
    pub fn answer(&self, sdp: &str) -> Result<(), String> {
        let headers = vec![Header::ContentType("application/sdp".into())];
        self.dialog
            .accept(Some(headers), Some(sdp.as_bytes().to_vec()))
            .map_err(|e| format!("answering: {e}"))
    }

    /// A final error response (400, 488, 500...).
    pub fn reject(&self, status: u16, reason: &str) {
        let code = StatusCode::from(status);
        if let Err(e) = self.dialog.reject(Some(code), Some(reason.to_string())) {
            tracing::warn!("rejecting a call: {e}");
        }
    }

    /// REFER (RFC 3515, a blind transfer): asks the caller's phone to call `target`, a SIP
    /// URI. Returns the REFER's final status (202: the phone will try, and reports by NOTIFY
    /// as `CallSignal::Transfer`).
    pub async fn refer(&self, target: &str) -> Result<u16, String> {
        let refer_to = format!("<{target}>");
        match self.dialog.refer(refer_to, None, None).await {
            Ok(Some(response)) => Ok(u16::from(response.status_code)),
            Ok(None) => Err("the call is not established".to_string()),
            Err(e) => Err(format!("REFER: {e}")),
        }
    }

    /// BYE: the engine ends the call.
    pub async fn hang_up(&self) {
        if let Err(e) = self.dialog.bye().await {
            tracing::warn!("sending BYE: {e}");
        }
    }
}

/// Each dialog's signal channel, and for a caller's (counted against the call limits) rather
/// than one the engine placed, the address it came from.
type Routes = Arc<Mutex<HashMap<DialogId, (mpsc::UnboundedSender<CallSignal>, Option<IpAddr>)>>>;

/// Runs the SIP endpoint until `cancel` fires, handing each new call to `calls`.
pub async fn serve(
    config: ServerConfig,
    calls: mpsc::Sender<IncomingCall>,
    cancel: CancellationToken,
) -> Result<(), String> {
    let (server, _) = bind(config, cancel.clone()).await?;
    server.run(calls, cancel).await
}

/// A bound SIP endpoint, not yet taking requests.
pub struct SipServer {
    config: ServerConfig,
    endpoint: rsipstack::transaction::Endpoint,
    dialogs: Arc<DialogLayer>,
    state_sender: rsipstack::dialog::dialog::DialogStateSender,
    state_receiver: DialogStateReceiver,
    routes: Routes,
}

/// Binds SIP on UDP and TCP; the `Dialer` places calls from the same endpoint.
pub async fn bind(
    config: ServerConfig,
    cancel: CancellationToken,
) -> Result<(SipServer, Dialer), String> {
    let transport = TransportLayer::new(cancel.clone());
    let udp = UdpConnection::create_connection(config.listen, None, Some(cancel.child_token()))
        .await
        .map_err(|e| format!("SIP over UDP on {}: {e}", config.listen))?;
    transport.add_transport(udp.into());
    let tcp = TcpListenerConnection::new(config.listen, None)
        .await
        .map_err(|e| format!("SIP over TCP on {}: {e}", config.listen))?;
    transport.add_transport(tcp.into());
    let endpoint = EndpointBuilder::new()
        .with_cancel_token(cancel.clone())
        .with_transport_layer(transport)
        .with_user_agent(concat!("ivr/", env!("CARGO_PKG_VERSION")))
        .build();
    let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
    let (state_sender, state_receiver) = dialogs.new_dialog_state_channel();
    let routes: Routes = Arc::default();
    let dialer = Dialer {
        dialogs: Arc::clone(&dialogs),
        state_sender: state_sender.clone(),
        routes: Arc::clone(&routes),
        listen: config.listen,
    };
    let server = SipServer {
        config,
        endpoint,
        dialogs,
        state_sender,
        state_receiver,
        routes,
    };
    Ok((server, dialer))
}

impl SipServer {
    /// Takes requests until `cancel` fires, handing each new call to `calls`.
    pub async fn run(
        self,
        calls: mpsc::Sender<IncomingCall>,
        cancel: CancellationToken,
    ) -> Result<(), String> {
        let SipServer {
            config,
            endpoint,
            dialogs,
            state_sender,
            state_receiver,
            routes,
        } = self;
        let mut incoming = endpoint
            .incoming_transactions()
            .map_err(|e| format!("SIP endpoint: {e}"))?;
        tokio::spawn(route_states(
            Arc::clone(&dialogs),
            state_receiver,
            Arc::clone(&routes),
        ));
        serve_requests(
            &config,
            &endpoint,
            &dialogs,
            &state_sender,
            &routes,
            &calls,
            &mut incoming,
            &cancel,
        )
        .await
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve_requests(
    config: &ServerConfig,
    endpoint: &rsipstack::transaction::Endpoint,
    dialogs: &Arc<DialogLayer>,
    state_sender: &rsipstack::dialog::dialog::DialogStateSender,
    routes: &Routes,
    calls: &mpsc::Sender<IncomingCall>,
    incoming: &mut rsipstack::transaction::TransactionReceiver,
    cancel: &CancellationToken,
) -> Result<(), String> {
    let mut admission = CallAdmission::new(config.admission);
    let started = std::time::Instant::now();
    let requests = async {
        while let Some(mut tx) = incoming.recv().await {
            if let Some(Dialog::Invite(mut dialog)) = dialogs.match_dialog(&tx) {
                tokio::spawn(async move {
                    if let Err(e) = dialog.handle(&mut tx).await {
                        tracing::debug!("in-dialog request: {e}");
                    }
                });
                continue;
            }
            match tx.original.method {
                Method::Invite => {
                    let source = source_ip(&tx.original);
                    let from_trunk = config.trunks.contains(source);
                    let (inbound, from_source) = routes.lock().map_or((usize::MAX, 0), |r| {
                        let inbound = r.values().filter_map(|(_, s)| *s);
                        let from_source = inbound.clone().filter(|s| *s == source).count();
                        (inbound.count(), from_source)
                    });
                    let busy =
                        config.draining.load(Ordering::Relaxed) || inbound >= config.max_calls;
                    let now_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    let admitted = admission.admit(source, from_trunk, from_source, busy, now_ms);
                    if let Err(refusal) = admitted {
                        tracing::info!(%source, reason = refusal.reason(), "call refused");
                        metrics::counter!(CALLS_REFUSED, "reason" => refusal.reason()).increment(1);
                        let retry = Header::RetryAfter(RETRY_AFTER_S.to_string().into());
                        tx.reply_with(StatusCode::ServiceUnavailable, vec![retry], None)
                            .await
                            .ok();
                        continue;
                    }
                    let arrival = Arrival { source, from_trunk };
                    let limit = config.ringing + std::time::Duration::from_secs(60);
                    offer_call(dialogs, state_sender, routes, calls, tx, arrival, limit).await;
                }
                // A load balancer's health probe: while draining, 503 takes this engine out
                // of its choices before the last calls end.
                Method::Options if config.draining.load(Ordering::Relaxed) => {
                    let retry = Header::RetryAfter(RETRY_AFTER_S.to_string().into());
                    tx.reply_with(StatusCode::ServiceUnavailable, vec![retry], None)
                        .await
                        .ok();
                }
                Method::Options => {
                    tx.reply(StatusCode::OK).await.ok();
                }
                Method::Register => match &config.registrar {
                    Some(registrar) => register(registrar, tx).await,
                    None => {
                        tx.reply(StatusCode::MethodNotAllowed).await.ok();
                    }
                },
                Method::Ack => {}
                Method::Bye | Method::Cancel | Method::Info => {
                    tx.reply(StatusCode::CallTransactionDoesNotExist).await.ok();
                }
                _ => {
                    tx.reply(StatusCode::MethodNotAllowed).await.ok();
                }
            }
        }
    };
    tokio::select! {
        _ = endpoint.serve() => Ok(()),
        () = requests => Ok(()),
        () = cancel.cancelled() => Ok(()),
    }
}

/// Where a new call came from.
struct Arrival {
    source: IpAddr,
    from_trunk: bool,
}

async fn offer_call(
    dialogs: &Arc<DialogLayer>,
    state_sender: &rsipstack::dialog::dialog::DialogStateSender,
    routes: &Routes,
    calls: &mpsc::Sender<IncomingCall>,
    mut tx: Transaction,
    arrival: Arrival,
    limit: std::time::Duration,
) {
    let dialog = match dialogs.get_or_create_server_invite(&tx, state_sender.clone(), None, None) {
        Ok(d) => d,
        Err(_) => {
            tx.reply(StatusCode::ServerInternalError).await.ok();
            return;
        }
    };
    let (signal_sender, signals) = mpsc::unbounded_channel();
    if let Ok(mut r) = routes.lock() {
        r.insert(dialog.id(), (signal_sender, Some(arrival.source)));
    }
    let request = &tx.original;
    let call = IncomingCall {
        call_id: request
            .call_id_header()
            .map(|c| c.value().to_string())
            .unwrap_or_default(),
        caller: ivr_sip::caller_id::identify(
            request
                .from_header()
                .ok()
                .and_then(|f| f.uri().ok())
                .and_then(|u| u.user().map(str::to_string))
                .as_deref(),
            request.headers.iter().find_map(|h| match h {
                Header::PAssertedIdentity(asserted) => Some(asserted.value()),
                _ => None,
            }),
            request.headers.iter().find_map(|h| match h {
                Header::Privacy(privacy) => Some(privacy.value()),
                _ => None,
            }),
            arrival.from_trunk,
        ),
        source: arrival.source,
        from_trunk: arrival.from_trunk,
        called: request.uri.user().map(str::to_string),
        offer: request.body.clone(),
        dialog: CallDialog {
            dialog: dialog.clone(),
        },
        signals,
    };
    let mut handler = dialog.clone();
    tokio::spawn(async move {
        // Runs the INVITE server transaction: 100 Trying, then whatever the engine answers.
        // Bounded: when the caller's TCP connection is reset before its ACK, rsipstack's
        // transaction can wait for ever, holding the connection's socket (an open file per
        // such call: a flood of them would exhaust the engine's descriptors).
        match tokio::time::timeout(limit, handler.handle(&mut tx)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!("INVITE transaction: {e}"),
            Err(_) => tracing::info!("INVITE transaction given up after {limit:?}"),
        }
    });
    if calls.send(call).await.is_err() {
        dialog
            .reject(Some(StatusCode::ServiceUnavailable), None)
            .ok();
    }
}

/// Turns rsipstack's dialog states into each call's signals.
async fn route_states(dialogs: Arc<DialogLayer>, mut states: DialogStateReceiver, routes: Routes) {
    while let Some(state) = states.recv().await {
        let send = |id: &DialogId, signal: CallSignal| {
            if let Ok(r) = routes.lock()
                && let Some((sender, _)) = r.get(id)
            {
                sender.send(signal).ok();
            }
        };
        match state {
            DialogState::Confirmed(id, _) => send(&id, CallSignal::Confirmed),
            DialogState::Info(id, request, handle) => {
                let content_type = header_value(&request, |h| match h {
                    Header::ContentType(c) => Some(c.value()),
                    _ => None,
                });
                let body = String::from_utf8_lossy(&request.body);
                match key_from_info(content_type, &body) {
                    Some(key) => {
                        handle.reply(StatusCode::OK).await.ok();
                        send(&id, CallSignal::Dtmf(key));
                    }
                    None => {
                        handle.reply(StatusCode::UnsupportedMediaType).await.ok();
                    }
                }
            }
            DialogState::Updated(id, request, handle) => {
                let reoffer = Reoffer {
                    offer: request.body.clone(),
                    handle: handle.clone(),
                };
                let routed = routes
                    .lock()
                    .ok()
                    .and_then(|r| r.get(&id).map(|(sender, _)| sender.clone()))
                    .is_some_and(|sender| sender.send(CallSignal::Reoffer(reoffer)).is_ok());
                if !routed {
                    handle
                        .reply(StatusCode::CallTransactionDoesNotExist)
                        .await
                        .ok();
                }
            }
            DialogState::Notify(id, request, handle) => {
                let progress = refer_progress::from_notify(
                    header_value(&request, |h| match h {
                        Header::Event(e) => Some(e.value()),
                        _ => None,
                    }),
                    header_value(&request, |h| match h {
                        Header::SubscriptionState(s) => Some(s.value()),
                        _ => None,
                    }),
                    &String::from_utf8_lossy(&request.body),
                );
                match progress {
                    Some(progress) => {
                        handle.reply(StatusCode::OK).await.ok();
                        send(&id, CallSignal::Transfer(progress));
                    }
                    // 489 Bad Event (RFC 6665): we subscribed to nothing else.
                    None => {
                        handle.reply(StatusCode::from(489)).await.ok();
                    }
                }
            }
            DialogState::Options(_, _, handle) => {
                handle.reply(StatusCode::OK).await.ok();
            }
            DialogState::Terminated(id, reason) => {
                send(&id, CallSignal::Ended(describe(&reason)));
                if let Ok(mut r) = routes.lock() {
                    r.remove(&id);
                }
                dialogs.remove_dialog(&id);
            }
            _ => {}
        }
    }
}

/// Answers a REGISTER from the registrar's decision.
async fn register(registrar: &Mutex<Registrar>, mut tx: Transaction) {
    let request = &tx.original;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let user = request
        .to_header()
        .ok()
        .and_then(|t| t.uri().ok())
        .and_then(|u| u.user().map(str::to_string))
        .unwrap_or_default();
    let contact = header_value(request, |h| match h {
        Header::Contact(c) => Some(c.value()),
        _ => None,
    });
    let expires = header_value(request, |h| match h {
        Header::Expires(e) => Some(e.value()),
        _ => None,
    });
    let authorization = header_value(request, |h| match h {
        Header::Authorization(a) => Some(a.value()),
        _ => None,
    });
    let request_uri = request.uri.to_string();
    let register = RegisterRequest {
        source: source_ip(request),
        request_uri: &request_uri,
        user: &user,
        contact: (!contact.is_empty()).then_some(contact),
        expires: (!expires.is_empty()).then_some(expires),
        authorization: (!authorization.is_empty()).then_some(authorization),
        now_s: now.as_secs(),
    };
    let answer = match registrar.lock() {
        Ok(mut r) => r.register(&register, u64::try_from(now.as_millis()).unwrap_or(0)),
        Err(_) => RegisterAnswer::SlowDown,
    };
    let (status, headers) = match answer {
        RegisterAnswer::Challenge(c) => (
            StatusCode::Unauthorized,
            vec![Header::WwwAuthenticate(c.into())],
        ),
        RegisterAnswer::Registered { contact, expires_s } => {
            tracing::info!(user, contact, expires_s, "registered");
            (
                StatusCode::OK,
                vec![
                    Header::Contact(format!("<{contact}>;expires={expires_s}").into()),
                    Header::Expires(expires_s.to_string().into()),
                ],
            )
        }
        RegisterAnswer::Unregistered => {
            tracing::info!(user, "unregistered");
            (StatusCode::OK, vec![])
        }
        RegisterAnswer::Forbidden => {
            tracing::warn!(
                user,
                "REGISTER refused: wrong credentials or no such account"
            );
            (StatusCode::Forbidden, vec![])
        }
        RegisterAnswer::IntervalTooBrief => (
            StatusCode::IntervalTooBrief,
            vec![Header::MinExpires(MIN_EXPIRES_S.to_string().into())],
        ),
        RegisterAnswer::BadRequest => (StatusCode::BadRequest, vec![]),
        RegisterAnswer::SlowDown => (
            StatusCode::ServiceUnavailable,
            vec![Header::RetryAfter(RETRY_AFTER_S.to_string().into())],
        ),
    };
    tx.reply_with(status, headers, None).await.ok();
}

/// Where a request came from (see `ivr_sip::via`).
fn source_ip(request: &rsipstack::sip::Request) -> IpAddr {
    ivr_sip::via::source(header_value(request, |h| match h {
        Header::Via(v) => Some(v.value()),
        _ => None,
    }))
}

/// The first header `pick` recognizes, or "".
fn header_value<'a>(
    request: &'a rsipstack::sip::Request,
    pick: impl Fn(&'a Header) -> Option<&'a str>,
) -> &'a str {
    request.headers.iter().find_map(pick).unwrap_or_default()
}

fn describe(reason: &TerminatedReason) -> String {
    match reason {
        TerminatedReason::UacBye => "caller".to_string(),
        TerminatedReason::UacCancel => "caller_cancelled".to_string(),
        TerminatedReason::UasBye => "engine".to_string(),
        TerminatedReason::Timeout => "timeout".to_string(),
        other => format!("{other:?}"),
    }
}
