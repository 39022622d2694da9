//! `ivr serve`: answers SIP calls and runs the flow on each, with the same call session a
//! replay uses; only the edges differ (RTP sockets and the wall clock here).

mod call;
mod media;
mod record;

use crate::http_lookup::HttpLookup;
use crate::replay::prompts::PromptFiles;
use clap::Args;
use ivr_engine::speech::SpeechModels;
use ivr_flow::Flow;
use ivr_sip::server::{ServerConfig, serve};
use ivr_speech::pool::RecognitionPool;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::signal::unix::SignalKind;
use tokio::sync::mpsc;
use tracing::Instrument;

/// Utterances decoded at once: one per core on the 2-core machines this targets (each Whisper
/// model also keeps two replicas).
const RECOGNITION_WORKERS: usize = 2;
/// Utterances waiting for a worker before new ones are refused (each waits about a decode,
/// 1-2 s, per place in the queue).
const RECOGNITION_QUEUE: usize = 8;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Engine configuration (YAML); its `speech:` section chooses the models
    #[arg(long)]
    config: Option<PathBuf>,
    /// The call flow every call runs
    #[arg(long, default_value = "call-flows/contact-center.yaml")]
    flow: PathBuf,
    /// Where SIP listens (UDP and TCP)
    #[arg(long, default_value = "127.0.0.1:5060")]
    sip: SocketAddr,
    /// The address written in SDP answers, where callers send RTP (default: the --sip
    /// address; required when that is 0.0.0.0 or ::)
    #[arg(long)]
    media_ip: Option<std::net::IpAddr>,
    /// Calls at once; more are refused with 503
    #[arg(long, default_value_t = 20)]
    max_calls: usize,
    /// Hang up when the caller sends no RTP for this long (seconds)
    #[arg(long, default_value_t = 30)]
    rtp_timeout_s: u64,
    /// Folder of the speech models (default: $IVR_MODELS_DIR or .models)
    #[arg(long)]
    models: Option<PathBuf>,
    /// On SIGTERM, how long calls in progress may go on (new calls get 503 meanwhile)
    #[arg(long, default_value_t = 60)]
    drain_s: u64,
    /// Where call records go: one JSON line per call, appended
    #[arg(long, default_value = "data/calls.jsonl")]
    records: PathBuf,
    /// Folder of recorded prompts
    #[arg(long, default_value = "prompts")]
    prompts: PathBuf,
}

/// What every call shares: loaded once per process.
pub(crate) struct Shared {
    pub flow: Arc<Flow>,
    pub models: Arc<SpeechModels>,
    /// Recognition runs here, off the async runtime, with a bounded queue.
    pub recognition: RecognitionPool,
    pub prompts: Mutex<PromptFiles>,
    pub http: HttpLookup,
    pub rtp_timeout: Duration,
    /// The call records file.
    pub records: PathBuf,
    /// Fired when a drain runs out of time: calls still up are hung up (BYE).
    pub stop_calls: rsipstack::platform::CancellationToken,
    /// Where RTP sockets bind.
    pub bind_ip: std::net::IpAddr,
    /// The address SDP answers give callers.
    pub media_ip: std::net::IpAddr,
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

fn start(args: &ServeArgs) -> Result<(), String> {
    // Logs to stderr; RUST_LOG picks what (default: the engine's own info lines).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("ivr=info,ivr_sip=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init()
        .ok();
    let media_ip = match (args.media_ip, args.sip.ip()) {
        (Some(ip), _) => ip,
        (None, ip) if ip.is_unspecified() => {
            return Err(format!(
                "--sip {} listens on every address, so the SDP answer needs the one callers \
                 reach: add --media-ip ADDRESS",
                args.sip
            ));
        }
        (None, ip) => ip,
    };
    let flow = crate::flow_file::load(&args.flow).map(Arc::new)?;
    let models = crate::speech_setup::load_models(args.models.as_deref(), args.config.as_deref())?;
    let shared = Arc::new(Shared {
        flow,
        models: Arc::new(models),
        recognition: RecognitionPool::new(RECOGNITION_WORKERS, RECOGNITION_QUEUE)
            .map_err(|e| format!("starting recognition workers: {e}"))?,
        prompts: Mutex::new(PromptFiles::new(&args.prompts)?),
        http: HttpLookup::new(),
        rtp_timeout: Duration::from_secs(args.rtp_timeout_s.max(1)),
        records: args.records.clone(),
        stop_calls: rsipstack::platform::CancellationToken::new(),
        bind_ip: args.sip.ip(),
        media_ip,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async {
        let cancel = rsipstack::platform::CancellationToken::new();
        let draining = Arc::new(AtomicBool::new(false));
        let active = Arc::new(AtomicUsize::new(0));
        let (calls_tx, mut calls) = mpsc::channel(16);
        let config = ServerConfig {
            listen: args.sip,
            max_calls: args.max_calls,
            draining: Arc::clone(&draining),
        };
        let mut terminate = tokio::signal::unix::signal(SignalKind::terminate())
            .map_err(|e| format!("listening for SIGTERM: {e}"))?;
        let server = tokio::spawn(serve(config, calls_tx, cancel.clone()));
        eprintln!(
            "ivr serve: answering SIP on {sip} (UDP and TCP) with {flow}\n\
             call it with a softphone at sip:8003755283@{sip}, or with SIPp (it sends no audio, \
             so the call hears the greeting, then the no-input reprompts):\n    \
             sipp -sn uac {sip} -s 8003755283 -m 1 -d 30000 -i 127.0.0.1 -p 5070",
            sip = args.sip,
            flow = args.flow.display()
        );
        let mut drain_until: Option<tokio::time::Instant> = None;
        let mut check = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                call = calls.recv() => match call {
                    Some(call) => {
                        // Every log line of the call carries its Call-ID.
                        let span = tracing::info_span!("call", call_id = %call.call_id);
                        let shared = Arc::clone(&shared);
                        let active = Arc::clone(&active);
                        active.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(
                            async move {
                                call::run(shared, call).await;
                                active.fetch_sub(1, Ordering::SeqCst);
                            }
                            .instrument(span),
                        );
                    }
                    None => break,
                },
                _ = terminate.recv(), if drain_until.is_none() => {
                    draining.store(true, Ordering::SeqCst);
                    drain_until = Some(tokio::time::Instant::now() + Duration::from_secs(args.drain_s));
                    eprintln!(
                        "ivr serve: SIGTERM: refusing new calls, waiting up to {} s for {} in progress",
                        args.drain_s,
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
    })
}
