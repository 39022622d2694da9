//! `ivr serve`: answers SIP calls and runs the flow on each, with the same call session a
//! replay uses; only the edges differ (RTP sockets and the wall clock here).

mod admin;
mod admin_access;
mod admin_escalations;
mod supervisor_page;

use clap::Args;
use ivr_engine::call_distributor::CallDistributor;
use ivr_engine::config::EngineConfig;
use ivr_engine::config::serving::PortRange;
use ivr_engine::http_lookup::HttpLookup;
use ivr_engine::serve::clock::CallClock;
use ivr_engine::serve::distributor::Distributor;
use ivr_engine::serve::flows::{self, FlowLibrary};
use ivr_engine::serve::hold_music::HoldMusicLibrary;
use ivr_engine::serve::line_stats::LineStats;
use ivr_engine::serve::live::LiveCalls;
use ivr_engine::serve::ports::RtpPorts;
use ivr_engine::serve::{Shared, call, deliver, metrics};
use ivr_engine::speech::{SpeechConfig, SpeechModels};
use ivr_engine::store::{Database, Store};
use ivr_engine::tts::CallPrompts;
use ivr_sip::registrar::Registrar;
use ivr_sip_server::{ServerConfig, bind};
use ivr_speech::pool::RecognitionPool;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::signal::unix::SignalKind;
use tokio::sync::mpsc;
use tracing::Instrument;

/// How often flow files are checked for changes.
const FLOW_POLL: Duration = Duration::from_secs(1);

/// Each option overrides the same setting of the configuration file (`--config`), whose
/// every setting has a default (crates/ivr/README.md: "Engine configuration").
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Engine configuration (YAML): SIP, RTP, admin, flows by number, queues, speech models
    #[arg(long)]
    config: Option<PathBuf>,
    /// The call flow for numbers the configuration does not route (default:
    /// call-flows/contact-center.yaml)
    #[arg(long)]
    flow: Option<PathBuf>,
    /// Where SIP listens, UDP and TCP (default: 127.0.0.1:5060)
    #[arg(long)]
    sip: Option<SocketAddr>,
    /// The address written in SDP answers, where callers send RTP (default: the --sip
    /// address; required when that is 0.0.0.0 or ::)
    #[arg(long)]
    media_ip: Option<IpAddr>,
    /// UDP ports for RTP, FIRST-LAST (default: 20000-29999)
    #[arg(long)]
    rtp_ports: Option<PortRange>,
    /// Calls at once; more are refused with 503 (default: 20)
    #[arg(long)]
    max_calls: Option<usize>,
    /// How long callers hear ringing before the answer, ms (default: 0)
    #[arg(long)]
    answer_after_ms: Option<u64>,
    /// Hang up when the caller sends no RTP for this long, seconds (default: 30)
    #[arg(long)]
    rtp_timeout_s: Option<u64>,
    /// Admin HTTP (/healthz, /metrics, /calls) address (default: 127.0.0.1:9090)
    #[arg(long, conflicts_with = "no_admin")]
    admin: Option<SocketAddr>,
    /// No admin HTTP
    #[arg(long)]
    no_admin: bool,
    /// Folder of the speech models (default: $IVR_MODELS_DIR or .models)
    #[arg(long)]
    models: Option<PathBuf>,
    /// On SIGTERM, how long calls in progress may go on, seconds (default: 60)
    #[arg(long)]
    drain_s: Option<u64>,
    /// Where call records go, one JSON line per call (default: data/calls.jsonl)
    #[arg(long)]
    records: Option<PathBuf>,
    /// The database of callbacks and queued messages: a file (default: data/ivr.db), or a
    /// postgres:// URL shared by several engines
    #[arg(long)]
    database: Option<String>,
    /// This engine's name among engines sharing a database (required with PostgreSQL)
    #[arg(long)]
    node_id: Option<String>,
    /// Folder of recorded prompts (default: prompts)
    #[arg(long)]
    prompts: Option<PathBuf>,
    /// Run calls as if the clock had read this time (RFC 3339) when the engine started, to try
    /// a flow's schedules (default: the real time)
    #[arg(long)]
    at: Option<String>,
}

pub fn run(args: &ServeArgs) -> ExitCode {
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ivr serve: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The configuration file's settings with the command line's on top.
fn settings(args: &ServeArgs) -> Result<EngineConfig, String> {
    let mut config = crate::speech_setup::read_config(args.config.as_deref())?;
    if let Some(flow) = &args.flow {
        config.flow = flow.clone();
    }
    if let Some(sip) = args.sip {
        config.sip.listen = sip;
    }
    if let Some(ip) = args.media_ip {
        config.sip.media_ip = Some(ip);
    }
    if let Some(ports) = args.rtp_ports {
        config.rtp.ports = ports;
    }
    if let Some(max) = args.max_calls {
        config.sip.max_calls = max;
    }
    if let Some(ms) = args.answer_after_ms {
        config.sip.answer_after_ms = ms;
    }
    if let Some(s) = args.rtp_timeout_s {
        config.rtp.timeout_s = s;
    }
    if let Some(admin) = args.admin {
        config.admin.listen = Some(admin);
    }
    if args.no_admin {
        config.admin.listen = None;
    }
    if let Ok(token) = std::env::var("IVR_ADMIN_TOKEN")
        && !token.trim().is_empty()
    {
        config.admin.token = Some(token.trim().to_string());
    }
    if let Some(listen) = config.admin.listen
        && !listen.ip().is_loopback()
        && config.admin.token.is_none()
    {
        return Err(format!(
            "the admin HTTP listens on {listen}, beyond this machine, without a token: anyone \
             who reaches it could read callers' numbers. Set admin.token in the configuration \
             or IVR_ADMIN_TOKEN, or listen on 127.0.0.1"
        ));
    }
    if let Some(s) = args.drain_s {
        config.drain_s = s;
    }
    if let Some(database) = &args.database {
        config.database = Some(database.clone());
        config.database_env = None;
    }
    if let Some(node) = &args.node_id {
        config.node_id = Some(node.clone());
    }
    if let Some(prompts) = &args.prompts {
        config.prompts = prompts.clone();
    }
    Ok(config)
}

fn start(args: &ServeArgs) -> Result<(), String> {
    // Logs to stderr; RUST_LOG picks what (default: the engine's own info lines).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("ivr=info,ivr_sip=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init()
        .ok();
    let config = settings(args)?;
    let listen = config.sip.listen;
    let media_ip = match (config.sip.media_ip, listen.ip()) {
        (Some(ip), _) => ip,
        (None, ip) if ip.is_unspecified() => {
            return Err(format!(
                "SIP listens on every address ({listen}), so the SDP answer needs the one \
                 callers reach: add --media-ip ADDRESS (or sip.media_ip in the configuration)"
            ));
        }
        (None, ip) => ip,
    };
    let clock = match &args.at {
        Some(at) => CallClock::starting_at(ivr_engine::flow_file::parse_time(at)?),
        None => CallClock::real(),
    };
    let flows = FlowLibrary::load(&config.flow_files())?;
    let models_dir = args
        .models
        .clone()
        .unwrap_or_else(SpeechConfig::default_models_dir);
    let speech = config.speech_or_default(&models_dir);
    let models = SpeechModels::load(&speech).map_err(|e| e.to_string())?;
    let node = config.node()?;
    let store = Store::connect(&config.database()?, &node)
        .map(Arc::new)
        .map_err(|e| e.to_string())?;
    // What this engine's earlier run left mid-delivery goes out now (other engines' claims
    // stay theirs until their leases end).
    match store.release_claims(jiff::Timestamp::now()) {
        Ok(0) => {}
        Ok(n) => {
            tracing::warn!("outbox: {n} message(s) cut off by the last run will be sent again")
        }
        Err(e) => return Err(e.to_string()),
    }
    let registrar = Arc::new(Mutex::new(
        Registrar::new(
            &config.realm,
            config
                .agents
                .iter()
                .filter_map(|(name, agent)| {
                    Some((name.clone(), agent.ha1.as_ref()?.to_ascii_lowercase()))
                })
                .collect(),
            random_secret(),
        )
        .allow_digest_without_qop(config.sip.allow_digest_without_qop),
    ));
    let acd = Arc::new(distributor(&config, &store)?);
    let metrics = metrics::install()?;
    let draining = Arc::new(AtomicBool::new(false));
    let live = Arc::new(LiveCalls::default());
    let prompts = CallPrompts::new(&config.prompts, &config.tts, &flows.languages())?;
    let hold_music = HoldMusicLibrary::load(&config.hold_music)?;
    // "Today" on the supervisor page is the main flow's day.
    let line_zone = flows
        .get(&config.flow)
        .map_or(jiff::tz::TimeZone::UTC, |(flow, _)| flow.timezone.clone());
    let shared = Arc::new(Shared {
        flows,
        models: Arc::new(models),
        recognition: RecognitionPool::new(speech.workers(), speech.queue())
            .map_err(|e| format!("starting recognition workers: {e}"))?,
        recognition_timeout_ms: speech.timeout_ms(),
        prompts,
        hold_music,
        http: HttpLookup::new(),
        rtp_ports: RtpPorts::new(config.rtp.ports),
        records: args
            .records
            .clone()
            .unwrap_or_else(|| config.data_dir.join("calls.jsonl")),
        stop_calls: ivr_sip_server::CancellationToken::new(),
        bind_ip: listen.ip(),
        media_ip,
        clock,
        live,
        line_stats: LineStats::new(line_zone),
        store,
        outbox_wake: Arc::new(tokio::sync::Notify::new()),
        registrar,
        acd,
        dialer: std::sync::OnceLock::new(),
        config,
    });
    let admin_at = match shared.config.admin.listen {
        Some(listen) => Some(admin::start(
            listen,
            admin::Admin {
                metrics,
                draining: Arc::clone(&draining),
                shared: Arc::clone(&shared),
            },
            admin::Limits {
                max_connections: shared.config.admin.max_connections,
                request_timeout: std::time::Duration::from_secs(
                    shared.config.admin.request_timeout_s.max(1),
                ),
            },
        )?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    let sms = match &shared.config.sms {
        Some(settings) => Some(deliver::sms::SmsSender::new(settings.clone())?),
        None => None,
    };
    runtime.block_on(serve_calls(shared, draining, admin_at, sms))
}

/// How often an engine of a cluster says it is alive, and how long it may stay silent before
/// another engine frees the agents it held and drops its callers from the line.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);
const STALE_AFTER_S: u64 = 10;

async fn heartbeat(store: Arc<Store>) {
    let mut every = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        every.tick().await;
        let store = Arc::clone(&store);
        match tokio::task::spawn_blocking(move || store.heartbeat(STALE_AFTER_S)).await {
            Ok(Ok(reaped)) => {
                for node in reaped {
                    tracing::warn!(
                        node,
                        "engine silent for {STALE_AFTER_S} s: its agents are free and its \
                         waiting callers left the line"
                    );
                }
            }
            Ok(Err(e)) => tracing::warn!("heartbeat: {e}"),
            Err(e) => tracing::warn!("heartbeat: {e}"),
        }
    }
}

/// The call distribution: this engine's own, or shared with the cluster through the
/// database (a `postgres://` store), where this engine's agents are enlisted and what its
/// previous run held is freed.
fn distributor(config: &EngineConfig, store: &Arc<Store>) -> Result<Distributor, String> {
    let agents: Vec<(String, Vec<String>)> = config
        .agents
        .iter()
        .map(|(name, agent)| (name.clone(), agent.languages.clone()))
        .collect();
    let wrap_up_ms = config.wrap_up_s * 1000;
    if !matches!(config.database()?, Database::Postgres(_)) {
        return Ok(Distributor::Local(Mutex::new(CallDistributor::new(
            agents, wrap_up_ms,
        ))));
    }
    let registering: Vec<&String> = config
        .agents
        .iter()
        .filter(|(_, agent)| agent.uri.is_none())
        .map(|(name, _)| name)
        .collect();
    if !registering.is_empty() && config.sip.load_balancer.is_none() {
        return Err(format!(
            "engines sharing a database ring agents through the load balancer they register \
             with: set sip.load_balancer (host:port), or give {} a fixed uri",
            registering.first().map_or("each agent", |n| n.as_str())
        ));
    }
    store.enlist_agents(&agents).map_err(|e| e.to_string())?;
    store
        .free_own_distribution_state()
        .map_err(|e| e.to_string())?;
    Ok(Distributor::Shared {
        store: Arc::clone(store),
        wrap_up_ms,
        fixed_address: config
            .agents
            .iter()
            .filter(|(_, agent)| agent.uri.is_some())
            .map(|(name, _)| name.clone())
            .collect(),
    })
}

/// One call in the count a drain waits on; it leaves the count when dropped, so a call task
/// that panics does not hold a drain up to its deadline.
struct ActiveCall(Arc<AtomicUsize>);

impl ActiveCall {
    fn count(active: &Arc<AtomicUsize>) -> ActiveCall {
        active.fetch_add(1, Ordering::SeqCst);
        ActiveCall(Arc::clone(active))
    }
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve_calls(
    shared: Arc<Shared>,
    draining: Arc<AtomicBool>,
    admin_at: Option<SocketAddr>,
    sms: Option<deliver::sms::SmsSender>,
) -> Result<(), String> {
    let config = &shared.config;
    let cancel = ivr_sip_server::CancellationToken::new();
    let active = Arc::new(AtomicUsize::new(0));
    let (calls_tx, mut calls) = mpsc::channel(16);
    let server_config = ServerConfig {
        listen: config.sip.listen,
        max_calls: config.sip.max_calls,
        draining: Arc::clone(&draining),
        registrar: (!config.agents.is_empty()).then(|| Arc::clone(&shared.registrar)),
        trunks: config.sip.trunks(),
        admission: config.sip.admission_limits(),
        ringing: std::time::Duration::from_millis(config.sip.answer_after_ms),
    };
    let mut terminate = tokio::signal::unix::signal(SignalKind::terminate())
        .map_err(|e| format!("listening for SIGTERM: {e}"))?;
    let mut hangup = tokio::signal::unix::signal(SignalKind::hangup())
        .map_err(|e| format!("listening for SIGHUP: {e}"))?;
    let senders = deliver::Senders::new(&shared, sms)?;
    tokio::spawn(deliver::run(
        Arc::clone(&shared),
        senders,
        Arc::clone(&shared.outbox_wake),
    ));
    if shared.acd.is_shared() {
        tokio::spawn(heartbeat(Arc::clone(&shared.store)));
    }
    let (sip, dialer) = bind(server_config, cancel.clone()).await?;
    shared.dialer.set(dialer).ok();
    let server = tokio::spawn(sip.run(calls_tx, cancel.clone()));
    print_welcome(&shared, admin_at);
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut check = tokio::time::interval(Duration::from_millis(100));
    let mut flow_poll = tokio::time::interval(FLOW_POLL);
    flow_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            call = calls.recv() => match call {
                Some(call) => {
                    // Every log line of the call carries its Call-ID.
                    let span = tracing::info_span!("call", call_id = %call.call_id);
                    let shared = Arc::clone(&shared);
                    let counted = ActiveCall::count(&active);
                    tokio::spawn(
                        async move {
                            call::run(shared, call).await;
                            drop(counted);
                        }
                        .instrument(span),
                    );
                }
                None => break,
            },
            _ = flow_poll.tick() => flows::reload(&shared, false).await,
            _ = hangup.recv() => {
                tracing::info!("SIGHUP: reading every flow again");
                flows::reload(&shared, true).await;
            }
            _ = terminate.recv(), if drain_until.is_none() => {
                draining.store(true, Ordering::SeqCst);
                drain_until = Some(tokio::time::Instant::now() + Duration::from_secs(config.drain_s));
                eprintln!(
                    "ivr serve: SIGTERM: refusing new calls, waiting up to {} s for {} in progress",
                    config.drain_s,
                    active.load(Ordering::SeqCst)
                );
            }
            _ = check.tick(), if drain_until.is_some() => {
                let now = tokio::time::Instant::now();
                if active.load(Ordering::SeqCst) == 0 {
                    cancel.cancel();
                    break;
                }
                if drain_until.is_some_and(|t| now >= t) {
                    // Out of time: hang up what is left (BYE); stop when those calls are
                    // gone, or 2 s later.
                    shared.stop_calls.cancel();
                    if drain_until.is_some_and(|t| now >= t + Duration::from_secs(2)) {
                        cancel.cancel();
                        break;
                    }
                }
            }
            _ = tokio::signal::ctrl_c() => {
                cancel.cancel();
                break;
            }
        }
    }
    match server.await {
        Ok(result) => result,
        Err(e) => Err(format!("SIP server task: {e}")),
    }
}

/// A secret for this process's digest nonces: `RandomState` keys come from the operating
/// system's random source.
fn random_secret() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    let mut secret = [0u8; 32];
    for chunk in secret.chunks_mut(8) {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    secret
}

fn print_welcome(shared: &Shared, admin_at: Option<SocketAddr>) {
    let config = &shared.config;
    let sip = config.sip.listen;
    let mut text = format!(
        "ivr serve: answering SIP on {sip} (UDP and TCP) with {flow}\n\
         call it with baresip (a caller asking for an agent; what it hears is recorded):\n    \
         scripts/call-with-baresip.sh fixtures/en-agent-representative.wav sip:8003755283@{sip}\n\
         or with SIPp (no audio: the call hears the greeting, then the no-input reprompts):\n    \
         sipp -sn uac {sip} -s 8003755283 -m 1 -d 30000 -i 127.0.0.1 -p 5070\n\
         an agent to take transfers at 127.0.0.1:5080 (during the agents' hours):\n    \
         sipp -sn uas -i 127.0.0.1 -p 5080 -rtp_echo\n",
        flow = config.flow.display()
    );
    for (number, flow) in &config.numbers {
        text += &format!("number {number} -> {}\n", flow.display());
    }
    for (queue, target) in &config.external_queues() {
        text += &format!(
            "transfers to queue {queue} -> REFER to {}\n",
            target.refer_to
        );
    }
    if let Some(at) = admin_at {
        text += &format!(
            "admin: http://{at}/healthz, /metrics, /calls, /agents, /queues, /callbacks, /outbox\n"
        );
    }
    if shared.clock.is_shifted() {
        text += &format!("clock: calls run as if it were {}\n", shared.clock.now());
    }
    eprint!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_task_that_panics_leaves_the_drain_count() {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
            panic!("no tokio runtime");
        };
        let active = Arc::new(AtomicUsize::new(0));
        let finished = ActiveCall::count(&active);
        let panicking = ActiveCall::count(&active);
        let outcome = runtime.block_on(async move {
            tokio::spawn(async move {
                let _counted = panicking;
                panic!("a bug in the call's task");
            })
            .await
        });
        assert!(outcome.is_err_and(|e| e.is_panic()));
        assert_eq!(active.load(Ordering::SeqCst), 1);
        drop(finished);
        assert_eq!(active.load(Ordering::SeqCst), 0);
    }
}
