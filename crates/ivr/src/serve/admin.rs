//! The admin HTTP endpoint: the supervisor page at `/`; `/healthz`, `/metrics` (Prometheus
//! text); and JSON: `/calls` (the calls in progress), `/queues`, `/agents`, `/callbacks` (and
//! `POST /callbacks/ID/done`), `/outbox`, `/escalations` (`POST` one, `POST
//! /escalations/ID/close`) and `/summary` (recognition latency, today's intents). Served from
//! its own thread and runtime, so a slow scraper never holds up a call; the answers that read
//! the database run on a few blocking threads of that runtime. Who may ask: `admin_access`.
//!
//! A client gets `request_timeout` for its whole connection (headers, answer, one request:
//! no keep-alive), and at most `max_connections` are open at once; past that a new one is
//! closed at once. So a client that opens connections and sends nothing (slowloris) holds
//! a bounded number of them for a bounded time.

use super::admin_access::{self, AccessRequest, Refusal};
use super::admin_escalations;
use super::supervisor_page;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use ivr_engine::serve::Shared;
use ivr_engine::store::OutboxState;
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

pub struct Admin {
    pub metrics: PrometheusHandle,
    /// Set while draining: `/healthz` says so (503), so a load balancer stops sending calls.
    pub draining: Arc<AtomicBool>,
    /// The calls, the store, the agents and the configuration (its `admin.token` is needed
    /// for everything but health, metrics and the page's files, when set).
    pub shared: Arc<Shared>,
}

/// How much of the admin a client can hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub request_timeout: Duration,
}

/// Rows listed at most, per list.
const LIST_LIMIT: usize = 500;
/// Answers computed at once (they may wait on the database).
const WORKERS: usize = 4;

/// The largest request body taken (an escalation's JSON).
const BODY_LIMIT: usize = 16 * 1024;

/// A finished answer, before it is HTTP.
pub(super) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub challenge: bool,
}

/// Binds `listen` now (so a taken port fails the start) and serves it on a thread.
pub fn start(listen: SocketAddr, admin: Admin, limits: Limits) -> Result<SocketAddr, String> {
    let listener =
        std::net::TcpListener::bind(listen).map_err(|e| format!("admin HTTP on {listen}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("admin HTTP on {listen}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("admin HTTP on {listen}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(WORKERS)
        .thread_name("admin-http")
        .build()
        .map_err(|e| format!("admin HTTP runtime: {e}"))?;
    let admin = Arc::new(admin);
    std::thread::Builder::new()
        .name("admin-http".to_string())
        .spawn(move || runtime.block_on(serve(listener, admin, bound.port(), limits)))
        .map_err(|e| format!("admin HTTP thread: {e}"))?;
    Ok(bound)
}

async fn serve(listener: std::net::TcpListener, admin: Arc<Admin>, port: u16, limits: Limits) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!("admin HTTP: {e}");
            return;
        }
    };
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, say: try again shortly rather than spin.
                tracing::warn!("admin HTTP accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let admin = Arc::clone(&admin);
        tokio::spawn(async move {
            let _open = permit;
            let service = hyper::service::service_fn(move |request| {
                let admin = Arc::clone(&admin);
                async move { Ok::<_, std::convert::Infallible>(respond(admin, request, port).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.request_timeout)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            // Dropping the connection at the deadline closes it, whatever it was doing.
            tokio::time::timeout(limits.request_timeout, connection)
                .await
                .ok();
        });
    }
}

async fn respond(
    admin: Arc<Admin>,
    request: Request<Incoming>,
    port: u16,
) -> Response<Full<Bytes>> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (host, origin, authorization) = (header("host"), header("origin"), header("authorization"));
    let url = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_string(),
        |p| p.as_str().to_string(),
    );
    let method = request.method().clone();
    let access = AccessRequest {
        path: request.uri().path(),
        host: host.as_deref(),
        origin: origin.as_deref(),
        authorization: authorization.as_deref(),
    };
    let checked = admin_access::check(&access, admin.shared.config.admin.token.as_deref(), port);
    let reply = match checked {
        Ok(()) => match Limited::new(request.into_body(), BODY_LIMIT)
            .collect()
            .await
        {
            Ok(body) => {
                let body = body.to_bytes();
                tokio::task::spawn_blocking(move || answer(&admin, &method, &url, &body))
                    .await
                    .unwrap_or_else(|_| text(500, "the answer failed\n", "text/plain"))
            }
            Err(_) => text(413, "the request body is too large\n", "text/plain"),
        },
        Err(refused) => refusal(&refused),
    };
    http_response(reply)
}

fn http_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    // The page's own script and style only, never inside another site's frame (its buttons
    // change state), and nothing cached: every answer is live.
    headers.insert(
        hyper::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
    );
    headers.insert(
        hyper::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    if reply.challenge {
        headers.insert(
            hyper::header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Bearer realm="ivr admin""#),
        );
    }
    response
}

fn refusal(refused: &Refusal) -> Reply {
    match refused {
        Refusal::Unauthorized => Reply {
            challenge: true,
            ..text(
                401,
                "a bearer token is needed (Authorization: Bearer ...)\n",
                "text/plain",
            )
        },
        Refusal::Forbidden(why) => text(403, &format!("{why}\n"), "text/plain"),
    }
}

fn answer(admin: &Admin, method: &Method, url: &str, body: &[u8]) -> Reply {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if *method == Method::POST {
        return post(admin, path, body);
    }
    if *method != Method::GET && *method != Method::HEAD {
        return text(
            405,
            "GET; or POST /callbacks/ID/done, /escalations, /escalations/ID/close\n",
            "text/plain",
        );
    }
    let shared = &admin.shared;
    if let Some(file) = supervisor_page::file(path) {
        return text(200, file.body, file.content_type);
    }
    match path {
        "/healthz" if admin.draining.load(Ordering::Relaxed) => {
            text(503, "draining\n", "text/plain")
        }
        "/healthz" => text(200, "ok\n", "text/plain"),
        "/metrics" => {
            admin.metrics.run_upkeep();
            text(200, &admin.metrics.render(), "text/plain; version=0.0.4")
        }
        "/calls" => {
            let body = serde_json::to_string_pretty(&shared.live.snapshot())
                .unwrap_or_else(|_| "[]".to_string());
            text(200, &body, "application/json")
        }
        "/summary" => {
            let summary = shared.line_stats.summary(jiff::Timestamp::now());
            json::<_>(Ok(serde_json::json!({
                "node": shared.store.node(),
                "calls_in_progress": shared.live.snapshot().len(),
                "date": summary.date,
                "recognition": summary.recognition,
                "intents_today": summary.intents_today,
            })))
        }
        "/escalations" => {
            let open_only = !query.split('&').any(|q| q == "all=1");
            json(shared.store.escalations(open_only))
        }
        "/agents" => {
            let now = ivr_engine::serve::clock::unix_ms() / 1000;
            let binding = |name: &str| {
                shared
                    .registrar
                    .lock()
                    .ok()
                    .and_then(|r| r.binding(name, now).cloned())
            };
            let locally_reachable = |name: &str| {
                binding(name).is_some()
                    || shared
                        .config
                        .agents
                        .get(name)
                        .is_some_and(|a| a.uri.is_some())
            };
            // Each agent's state and whether their phone can be rung (registered here, with
            // the cluster's load balancer, or at a fixed address), as the distributor sees it.
            let states: Vec<(Option<ivr_engine::acd::AgentStatus>, bool)> = shared
                .acd
                .decide(locally_reachable, |acd, reachable| {
                    shared
                        .config
                        .agents
                        .keys()
                        .map(|name| (acd.agent_status(name, now * 1000), reachable(name)))
                        .collect()
                })
                .unwrap_or_default();
            let agents: Vec<serde_json::Value> = shared
                .config
                .agents
                .iter()
                .enumerate()
                .map(|(i, (name, account))| {
                    let binding = binding(name);
                    let (status, reachable) = states.get(i).copied().unwrap_or((None, false));
                    let state = match (reachable, status) {
                        (false, _) => serde_json::json!("offline"),
                        (true, Some(status)) => serde_json::json!(status),
                        (true, None) => serde_json::json!("available"),
                    };
                    serde_json::json!({
                        "name": name,
                        "languages": account.languages,
                        "state": state,
                        "contact": account.uri.clone()
                            .or(binding.as_ref().map(|b| b.contact.clone()))
                            .or(shared.acd.is_shared().then(|| shared.config.sip.load_balancer.as_ref()
                                .map(|lb| format!("sip:{name}@{lb}"))).flatten()),
                        "expires_in_s": binding.map(|b| b.expires_at_s.saturating_sub(now)),
                    })
                })
                .collect();
            json::<_>(Ok(agents))
        }
        "/queues" => {
            let now_ms = ivr_engine::serve::clock::unix_ms();
            let queues: Vec<serde_json::Value> = shared
                .acd
                .decide(|_| true, |acd, _| acd.queues(now_ms))
                .unwrap_or_default()
                .into_iter()
                .map(|(queue, waiting, longest)| {
                    serde_json::json!({"queue": queue, "waiting": waiting, "longest_wait_s": longest})
                })
                .collect();
            json::<_>(Ok(queues))
        }
        "/callbacks" => {
            let pending_only = !query.split('&').any(|q| q == "all=1");
            json(shared.store.callbacks(pending_only))
        }
        "/outbox" => {
            let state = match query.split('&').find_map(|q| q.strip_prefix("state=")) {
                Some("sent") => OutboxState::Sent,
                Some("failed") => OutboxState::Failed,
                Some("sending") => OutboxState::Sending,
                _ => OutboxState::Pending,
            };
            json(shared.store.outbox(state, LIST_LIMIT))
        }
        _ => text(
            404,
            "not found: try /, /healthz, /metrics, /calls, /agents, /queues, /callbacks, \
             /outbox, /escalations, /summary\n",
            "text/plain",
        ),
    }
}

/// `POST /callbacks/ID/done`: an agent made the callback. `POST /escalations`: an agent
/// sends a caller's request to an officer; `POST /escalations/ID/close`: an officer did.
fn post(admin: &Admin, path: &str, body: &[u8]) -> Reply {
    if path == "/escalations" {
        return admin_escalations::create(&admin.shared, body);
    }
    if let Some(id) = path
        .strip_prefix("/escalations/")
        .and_then(|rest| rest.strip_suffix("/close"))
    {
        return admin_escalations::close(&admin.shared, id, body);
    }
    let id = path
        .strip_prefix("/callbacks/")
        .and_then(|rest| rest.strip_suffix("/done"))
        .and_then(|id| id.parse::<i64>().ok());
    let Some(id) = id else {
        return text(
            404,
            "POST /callbacks/ID/done, /escalations or /escalations/ID/close\n",
            "text/plain",
        );
    };
    let store = &admin.shared.store;
    match store.mark_callback_done(id, jiff::Timestamp::now()) {
        Ok(true) => json(store.callback(id)),
        Ok(false) => text(409, "no such callback, or already done\n", "text/plain"),
        Err(e) => text(500, &format!("{e}\n"), "text/plain"),
    }
}

pub(super) fn json<T: serde::Serialize>(rows: Result<T, ivr_engine::store::StoreError>) -> Reply {
    match rows {
        Ok(rows) => text(
            200,
            &serde_json::to_string_pretty(&rows).unwrap_or_default(),
            "application/json",
        ),
        Err(e) => text(500, &format!("{e}\n"), "text/plain"),
    }
}

pub(super) fn text(status: u16, body: &str, content_type: &'static str) -> Reply {
    Reply {
        status,
        content_type,
        body: body.to_string(),
        challenge: false,
    }
}
