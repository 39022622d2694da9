//! The engine's Prometheus metrics: names in one place, recorded through the `metrics` facade
//! and rendered by `/metrics`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const ACTIVE_CALLS: &str = "ivr_active_calls";
pub const CALLS: &str = "ivr_calls_total";
pub const RECOGNITION_LATENCY: &str = "ivr_recognition_latency_seconds";
pub const RECOGNITION_QUEUE: &str = "ivr_recognition_queue_depth";
pub const RECOGNITION_REFUSED: &str = "ivr_recognition_refused_total";
pub const RECOGNITION_TIMEOUTS: &str = "ivr_recognition_timeouts_total";
pub const SPECULATIVE_SKIPPED: &str = "ivr_recognition_speculative_skipped_total";
pub const EARLY_ENDPOINTS: &str = "ivr_early_endpoints_total";
pub const RTP_LOST: &str = "ivr_rtp_packets_lost_total";
pub const RTP_LATE: &str = "ivr_rtp_packets_late_total";
pub const PROMPT_UNDERRUNS: &str = "ivr_prompt_underruns_total";
pub const FLOW_RELOADS: &str = "ivr_flow_reloads_total";
pub const MESSAGES: &str = "ivr_messages_total";
pub const CALLBACKS: &str = "ivr_callbacks_total";
pub const ESCALATIONS: &str = "ivr_escalations_total";
pub const REQUESTS_REFUSED: &str = "ivr_requests_refused_total";
/// Counted by the SIP endpoint (ivr-sip-server), which names it itself.
pub const CALLS_REFUSED: &str = ivr_sip_server::CALLS_REFUSED;

/// End of speech to recognition result, seconds: Whisper on 2 cores takes 0.5-4 s.
const LATENCY_BUCKETS: &[f64] = &[0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0];

/// Installs the process-wide recorder; the handle renders the text format.
pub fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(RECOGNITION_LATENCY.to_string()),
            LATENCY_BUCKETS,
        )
        .map_err(|e| format!("metrics: {e}"))?
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    describe();
    // Every series exists from the start, so a scrape before the first call shows zeros.
    metrics::gauge!(ACTIVE_CALLS).set(0.0);
    metrics::gauge!(RECOGNITION_QUEUE).set(0.0);
    for name in [
        RTP_LOST,
        RTP_LATE,
        PROMPT_UNDERRUNS,
        RECOGNITION_REFUSED,
        RECOGNITION_TIMEOUTS,
        SPECULATIVE_SKIPPED,
        EARLY_ENDPOINTS,
    ] {
        metrics::counter!(name).absolute(0);
    }
    let _registered = metrics::histogram!(RECOGNITION_LATENCY);
    Ok(handle)
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(ACTIVE_CALLS, "Calls answered and not yet ended");
    describe_counter!(
        CALLS,
        "Calls ended, by outcome (who ended them, or the refusal status)"
    );
    describe_histogram!(
        RECOGNITION_LATENCY,
        Unit::Seconds,
        "End of the caller's speech to the recognition result"
    );
    describe_gauge!(
        RECOGNITION_QUEUE,
        "Utterances waiting for a recognition worker"
    );
    describe_counter!(
        RECOGNITION_REFUSED,
        "Utterances refused by the recognition pool (every worker busy, queue full)"
    );
    describe_counter!(
        RECOGNITION_TIMEOUTS,
        "Utterances whose result did not come in time: the flow took its no-match path"
    );
    describe_counter!(
        SPECULATIVE_SKIPPED,
        "Decodes ahead of the endpoint not run because no recognition worker was idle"
    );
    describe_counter!(
        EARLY_ENDPOINTS,
        "Utterances ended before the full trailing silence: the words already answered"
    );
    describe_counter!(
        RTP_LOST,
        "Caller RTP packets never received (sequence gaps)"
    );
    describe_counter!(
        RTP_LATE,
        "Caller RTP packets that came after their play-out time"
    );
    describe_counter!(
        PROMPT_UNDERRUNS,
        "20 ms frames of silence while a prompt's audio was still being prepared"
    );
    describe_counter!(
        REQUESTS_REFUSED,
        "Messages and callbacks a flow asked for and the engine refused, by kind and reason \
         (caps, country, unverified caller ID, bad address)"
    );
    describe_counter!(
        CALLS_REFUSED,
        "New calls refused before the answer, by reason (engine busy, too many or too fast \
         from one source)"
    );
    describe_counter!(
        ESCALATIONS,
        "Requests sent to an officer and confirmed by email, by who asked (flow or agent)"
    );
    describe_counter!(
        FLOW_RELOADS,
        "Flow file reloads, by result (loaded or refused)"
    );
}
