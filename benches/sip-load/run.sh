#!/usr/bin/env bash
# SIPp load run against `ivr serve`: N concurrent callers that speak a fixture (or stay silent),
# with engine CPU and RSS sampled from /proc, the RTP on loopback captured, and the call
# records and /metrics read at the end. Loopback only; every process is bounded by `timeout`.
#
#   benches/sip-load/run.sh MODE N [M] [R]
#     MODE  speech  - each caller streams fixtures/en-agent-representative.wav (asks for a
#                     representative 12.9 s in), padded with silence (recognition on)
#           silence - each caller streams silence: media + VAD only, nothing is recognized
#                     (recognition off; the no-input reprompts play)
#           bridge  - each caller (streaming silence) goes straight to a queue
#                     (crates/ivr/tests/flows/queue.yaml) and is bridged to an agent: N agents
#                     at fixed addresses, all answered by one SIPp callee echoing their audio
#     N     concurrent calls (sipp -l)
#     M     calls in all (sipp -m, default 2N)
#     R     new calls per second (sipp -r, default 1)
#
# Environment: HOLD_MS (how long each caller stays after the ACK, default 30000),
# WARMUP=1 (one speech call first, so the recognizer's first-decode allocations are not
# counted as per-call memory; default 1 in speech mode, 0 in silence mode), IVR (the engine
# binary, default target/release/ivr), OUT (results folder, default
# /tmp/ivr-sip-load/MODE-N-TIMESTAMP), SIP_PORT/ADMIN_PORT/SIPP_PORT/MEDIA_PORT.
# Run from anywhere; the engine runs from the repository root (prompts/, .models/).
# Needs sipp, tcpdump and tshark; root for the capture on lo.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../engine_process.sh
. "$here/../engine_process.sh"
mode="${1:?MODE (speech|silence)}"
n="${2:?N concurrent calls}"
m="${3:-$((2 * n))}"
rate="${4:-1}"
hold_ms="${HOLD_MS:-30000}"
ivr="${IVR:-$root/target/release/ivr}"
sip_port="${SIP_PORT:-15060}"
admin_port="${ADMIN_PORT:-19090}"
sipp_port="${SIPP_PORT:-15070}"
media_port="${MEDIA_PORT:-16000}"
case "$mode" in
  speech) warmup="${WARMUP:-1}" ;;
  silence | bridge) warmup="${WARMUP:-0}" ;;
  *) echo "MODE must be speech, silence or bridge" >&2; exit 2 ;;
esac
out="${OUT:-/tmp/ivr-sip-load/$mode-$n-$(date +%Y%m%dT%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# Caller audio: 32 s pcaps (longer than the hold, so RTP never stops before the BYE).
pcaps="$out/../pcaps"
mkdir -p "$pcaps"
[ -f "$pcaps/speech.pcap" ] || python3 "$here/make_pcap.py" \
  "$root/fixtures/en-agent-representative.wav" "$pcaps/speech.pcap" --pad-to 32 >/dev/null
[ -f "$pcaps/silence.pcap" ] || python3 "$here/make_pcap.py" --silence 32 "$pcaps/silence.pcap" >/dev/null
fill() { sed -e "s#{pcap}#$1#" -e "s#{hold_ms}#$hold_ms#" "$here/uac_pcap.xml" > "$2"; }
pcap="$mode"; [ "$mode" = bridge ] && pcap=silence
fill "$pcaps/$pcap.pcap" "$out/load.xml"
fill "$pcaps/speech.pcap" "$out/warmup.xml"

budget_s=$(( (m + n - 1) / n * (hold_ms / 1000 + 10) + m / rate + 60 ))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

metrics() { curl -s --max-time 2 "http://127.0.0.1:$admin_port/metrics" || true; }
active() { metrics | awk '/^ivr_active_calls /{print $2}'; }

# The engine (in bridge mode with N agents, all answered by one SIPp callee).
cd "$root"
extra=()
if [ "$mode" = bridge ]; then
  agent_port="${AGENT_PORT:-15090}"
  {
    echo "agents:"
    for i in $(seq "$n"); do
      echo "  a$i: { uri: \"sip:a$i@127.0.0.1:$agent_port\", languages: [es] }"
    done
    echo "wrap_up_s: 0"
  } > "$out/ivr.yaml"
  extra=(--config "$out/ivr.yaml" --flow crates/ivr/tests/flows/queue.yaml --database "$out/ivr.db")
  timeout "$((budget_s + 30))" sipp -sf "$root/crates/ivr/tests/sipp/agent_uas.xml" -i 127.0.0.1 \
    -p "$agent_port" -mp "$((media_port + 2000))" -rtp_echo -m "$m" -l "$n" -nostdin \
    < /dev/null > "$out/sipp-agents.out" 2>&1 &
  pids+=("$!")
fi
timeout "$((budget_s + 60))" "$ivr" serve --sip "127.0.0.1:$sip_port" --admin "127.0.0.1:$admin_port" \
  --max-calls "$((n + 10))" --records "$out/records.jsonl" --rtp-ports 30000-30999 \
  --at 2026-12-01T10:00:00-05:00 --drain-s 2 "${extra[@]}" > "$out/engine.log" 2>&1 &
engine=$!
pids+=("$engine")
wait_for_engine "$admin_port" "$out/engine.log"
engine_pid="$(engine_pid_of "$engine")"

run_sipp() { # scenario calls limit rate tag
  (cd "$out" && timeout "$budget_s" sipp "127.0.0.1:$sip_port" -sf "$1" -i 127.0.0.1 -p "$sipp_port" \
    -mp "$media_port" -l "$3" -m "$2" -r "$4" -timeout "${budget_s}s" -timeout_error \
    -trace_rtt -rtt_freq 1 -trace_stat -fd 5 -trace_err -trace_screen -nostdin \
    < /dev/null > "$out/sipp-$5.out" 2>&1) || echo "sipp ($5) exited $?" | tee -a "$out/notes.txt"
}

if [ "$warmup" = 1 ]; then
  run_sipp "$out/warmup.xml" 1 1 1 warmup
  sleep 1
fi
warm_records=0
[ -f "$out/records.jsonl" ] && warm_records=$(wc -l < "$out/records.jsonl")
echo "$warm_records" > "$out/warmup_records"
metrics > "$out/metrics-before.txt"

# Sampler: time, engine utime+stime (ticks), VmRSS (kB), threads, active calls, load average,
# whole-machine busy and total ticks (/proc/stat), once a second.
(
  hz=$(getconf CLK_TCK)
  echo "# hz=$hz"
  while kill -0 "$engine_pid" 2>/dev/null; do
    # fields after "(comm)": utime is the 14th field, stime the 15th
    rest="$(sed 's/^.*) //' "/proc/$engine_pid/stat")"
    read -r -a f <<< "$rest"
    cpu=$(( f[11] + f[12] ))
    rss=$(awk '/^VmRSS/{print $2}' "/proc/$engine_pid/status")
    thr=$(awk '/^Threads/{print $2}' "/proc/$engine_pid/status")
    read -r _ u ni sy idle iow irq sirq steal _ < /proc/stat
    busy=$((u + ni + sy + irq + sirq + steal)); total=$((busy + idle + iow))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date +%s.%N)" "$cpu" "$rss" "$thr" \
      "$(active)" "$(cut -d' ' -f1 /proc/loadavg)" "$busy" "$total"
    sleep 1
  done
) > "$out/samples.tsv" 2>/dev/null &
pids+=("$!")
sleep 3  # idle samples

# Capture SIP and both directions of RTP (engine ports 30000-30999).
timeout "$budget_s" tcpdump -i lo -s 2048 -w "$out/rtp.pcap" -U "udp and (portrange 30000-30999 or port $sip_port)" \
  > "$out/tcpdump.out" 2>&1 &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
sleep 1

date +%s.%N > "$out/sipp_start"
run_sipp "$out/load.xml" "$m" "$n" "$rate" load
date +%s.%N > "$out/sipp_end"
sleep 3  # last records written, idle samples after
metrics > "$out/metrics-after.txt"
kill "$tcpdump_pid" 2>/dev/null || true
wait "$tcpdump_pid" 2>/dev/null || true
kill -TERM "$engine_pid" 2>/dev/null || true
wait "$engine" 2>/dev/null || true
cleanup
trap - EXIT

timeout 120 tshark -r "$out/rtp.pcap" -o rtp.heuristic_rtp:TRUE -q -z rtp,streams > "$out/rtp-streams.txt" 2>/dev/null || true
python3 "$here/analyze.py" "$out" "$mode" "$n" "$m" "$rate" | tee "$out/summary.txt"
[ "$mode" = bridge ] && python3 "$here/offer_latency.py" "$out/engine.log" | tee -a "$out/summary.txt"
