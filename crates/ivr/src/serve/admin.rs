//! The admin HTTP endpoint: `/healthz`, `/metrics` (Prometheus text), `/calls` (the calls in
//! progress), `/callbacks` (and `POST /callbacks/ID/done`) and `/outbox`, JSON. Served from its
//! own threads: a slow scraper never holds up a call, and one slow client holds up one of
//! them, not `/healthz`. Who may ask: `admin_access`.

use super::admin_access::{self, AccessRequest, Refusal};
use ivr_engine::serve::live::LiveCalls;
use ivr_engine::store::{OutboxState, Store};
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tiny_http::{Header, Method, Response, Server};

pub struct Admin {
    pub metrics: PrometheusHandle,
    pub live: Arc<LiveCalls>,
    /// Set while draining: `/healthz` says so (503), so a load balancer stops sending calls.
    pub draining: Arc<AtomicBool>,
    pub store: Arc<Store>,
    pub registrar: Arc<std::sync::Mutex<ivr_sip::registrar::Registrar>>,
    pub acd: Arc<std::sync::Mutex<ivr_engine::call_distributor::CallDistributor>>,
    pub agents: indexmap::IndexMap<String, ivr_engine::config::serving::AgentAccount>,
    /// Needed for everything but `/healthz` and `/metrics`, when set.
    pub token: Option<String>,
}

/// Rows listed at most, per list.
const LIST_LIMIT: usize = 500;
/// Requests answered at once.
const WORKERS: usize = 4;

/// Binds `listen` now (so a taken port fails the start) and serves it on a thread.
pub fn start(listen: SocketAddr, admin: Admin) -> Result<SocketAddr, String> {
    let server = Server::http(listen).map_err(|e| format!("admin HTTP on {listen}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| format!("admin HTTP on {listen}: not an IP address"))?;
    let server = std::sync::Arc::new(server);
    let admin = std::sync::Arc::new(admin);
    for worker in 0..WORKERS {
        let server = std::sync::Arc::clone(&server);
        let admin = std::sync::Arc::clone(&admin);
        std::thread::Builder::new()
            .name(format!("admin-http-{worker}"))
            .spawn(move || {
                for request in server.incoming_requests() {
                    let response = match allowed(&admin, &request, bound.port()) {
                        Ok(()) => answer(&admin, request.method(), request.url()),
                        Err(refused) => refusal(&refused),
                    };
                    request.respond(response).ok();
                }
            })
            .map_err(|e| format!("admin HTTP thread: {e}"))?;
    }
    Ok(bound)
}

fn allowed(admin: &Admin, request: &tiny_http::Request, port: u16) -> Result<(), Refusal> {
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str())
    };
    let path = request
        .url()
        .split_once('?')
        .map_or(request.url(), |(p, _)| p);
    let access = AccessRequest {
        path,
        host: header("Host"),
        origin: header("Origin"),
        authorization: header("Authorization"),
    };
    admin_access::check(&access, admin.token.as_deref(), port)
}

fn refusal(refused: &Refusal) -> Response<std::io::Cursor<Vec<u8>>> {
    match refused {
        Refusal::Unauthorized => {
            let mut response = text(
                401,
                "a bearer token is needed (Authorization: Bearer ...)\n",
                "text/plain",
            );
            if let Ok(header) =
                Header::from_bytes("WWW-Authenticate", r#"Bearer realm="ivr admin""#)
            {
                response = response.with_header(header);
            }
            response
        }
        Refusal::Forbidden(why) => text(403, &format!("{why}\n"), "text/plain"),
    }
}

fn answer(admin: &Admin, method: &Method, url: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if *method == Method::Post {
        return post(admin, path);
    }
    if *method != Method::Get && *method != Method::Head {
        return text(405, "GET, or POST /callbacks/ID/done\n", "text/plain");
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
            let body = serde_json::to_string_pretty(&admin.live.snapshot())
                .unwrap_or_else(|_| "[]".to_string());
            text(200, &body, "application/json")
        }
        "/agents" => {
            let now = ivr_engine::serve::clock::unix_ms() / 1000;
            let agents: Vec<serde_json::Value> = admin
                .agents
                .iter()
                .map(|(name, account)| {
                    let binding = admin
                        .registrar
                        .lock()
                        .ok()
                        .and_then(|r| r.binding(name, now).cloned());
                    let status = admin
                        .acd
                        .lock()
                        .ok()
                        .and_then(|mut acd| acd.agent_status(name, now * 1000));
                    let reachable = binding.is_some() || account.uri.is_some();
                    let state = match (reachable, status) {
                        (false, _) => serde_json::json!("offline"),
                        (true, Some(status)) => serde_json::json!(status),
                        (true, None) => serde_json::json!("available"),
                    };
                    serde_json::json!({
                        "name": name,
                        "languages": account.languages,
                        "state": state,
                        "contact": account.uri.clone().or(binding.as_ref().map(|b| b.contact.clone())),
                        "expires_in_s": binding.map(|b| b.expires_at_s.saturating_sub(now)),
                    })
                })
                .collect();
            json::<_>(Ok(agents))
        }
        "/queues" => {
            let now_ms = ivr_engine::serve::clock::unix_ms();
            let queues: Vec<serde_json::Value> = admin
                .acd
                .lock()
                .map(|acd| acd.queues(now_ms))
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
            json(admin.store.callbacks(pending_only))
        }
        "/outbox" => {
            let state = match query.split('&').find_map(|q| q.strip_prefix("state=")) {
                Some("sent") => OutboxState::Sent,
                Some("failed") => OutboxState::Failed,
                Some("sending") => OutboxState::Sending,
                _ => OutboxState::Pending,
            };
            json(admin.store.outbox(state, LIST_LIMIT))
        }
        _ => text(
            404,
            "not found: try /healthz, /metrics, /calls, /agents, /queues, /callbacks, /outbox\n",
            "text/plain",
        ),
    }
}

/// `POST /callbacks/ID/done`: an agent made the callback.
fn post(admin: &Admin, path: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let id = path
        .strip_prefix("/callbacks/")
        .and_then(|rest| rest.strip_suffix("/done"))
        .and_then(|id| id.parse::<i64>().ok());
    let Some(id) = id else {
        return text(404, "POST /callbacks/ID/done\n", "text/plain");
    };
    match admin.store.mark_callback_done(id, jiff::Timestamp::now()) {
        Ok(true) => json(admin.store.callback(id)),
        Ok(false) => text(409, "no such callback, or already done\n", "text/plain"),
        Err(e) => text(500, &format!("{e}\n"), "text/plain"),
    }
}

fn json<T: serde::Serialize>(
    rows: Result<T, ivr_engine::store::StoreError>,
) -> Response<std::io::Cursor<Vec<u8>>> {
    match rows {
        Ok(rows) => text(
            200,
            &serde_json::to_string_pretty(&rows).unwrap_or_default(),
            "application/json",
        ),
        Err(e) => text(500, &format!("{e}\n"), "text/plain"),
    }
}

fn text(status: u16, body: &str, content_type: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut response = Response::from_string(body).with_status_code(status);
    if let Ok(header) = Header::from_bytes("Content-Type", content_type) {
        response = response.with_header(header);
    }
    response
}
