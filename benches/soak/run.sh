#!/usr/bin/env bash
# Soak (issue 14): N concurrent SIPp callers on the shipped flow for MINUTES, each speaking a
# fixture (asks for a representative) and pressing a key by SIP INFO, while mutate_sip.py
# throws mutated SIP (UDP and TCP) at the engine from another address. Samples the engine's
# resident memory, open files, threads and CPU every 5 s; at the end checks that the engine
# never died and that every SIPp call has its call record. Not part of `make test`.
#
#   benches/soak/run.sh [MINUTES] [N]      (defaults: 30 minutes, 20 callers)
#
# Environment: IVR (engine binary, default target/release/ivr), OUT (results folder, default
# /tmp/ivr-soak/TIMESTAMP), RATE (mutated messages per second, default 40), HOLD_MS (each
# call's length, default 30000), SIP_PORT/ADMIN_PORT/SIPP_PORT/MEDIA_PORT.
# Needs sipp and python3; loopback only; every process is bounded by `timeout`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../engine_process.sh
. "$here/../engine_process.sh"
minutes="${1:-30}"
n="${2:-20}"
rate="${RATE:-40}"
hold_ms="${HOLD_MS:-30000}"
ivr="${IVR:-$root/target/release/ivr}"
sip_port="${SIP_PORT:-25060}"
admin_port="${ADMIN_PORT:-29090}"
sipp_port="${SIPP_PORT:-25070}"
media_port="${MEDIA_PORT:-26000}"
out="${OUT:-/tmp/ivr-soak/$(date +%Y%m%dT%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
seconds=$((minutes * 60))
# Calls in all: N lines kept busy for the whole soak (each call holds its line ~HOLD_MS + 2 s).
calls=$((n * seconds * 1000 / (hold_ms + 2000)))

[ -f "$out/speech.pcap" ] || python3 "$root/benches/sip-load/make_pcap.py" \
  "$root/fixtures/en-agent-representative.wav" "$out/speech.pcap" --pad-to 32 >/dev/null
sed -e "s#{pcap}#$out/speech.pcap#" -e "s#{key_after_ms}#3000#" \
  -e "s#{rest_ms}#$((hold_ms - 3000))#" "$here/caller.xml" > "$out/caller.xml"

# SIPp's callers come from a trusted trunk (127.0.0.1); the mutated stream from 127.0.0.3,
# an untrusted address held to the per-source limits.
cat > "$out/ivr.yaml" <<YAML
sip: { trunks: ["127.0.0.1"], max_calls: $((n + 10)) }
rtp: { ports: 31000-31999 }
data_dir: $out/data
YAML

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

cd "$root"
timeout "$((seconds + 600))" "$ivr" serve --config "$out/ivr.yaml" --sip "127.0.0.1:$sip_port" \
  --admin "127.0.0.1:$admin_port" --records "$out/records.jsonl" \
  --at 2026-12-01T10:00:00-05:00 --drain-s 5 > "$out/engine.log" 2>&1 &
engine=$!
pids+=("$engine")
wait_for_engine "$admin_port" "$out/engine.log"
engine_pid="$(engine_pid_of "$engine")"
echo "$engine_pid" > "$out/engine.pid"

# Sampler: time, RSS kB, open files, threads, CPU ticks (utime+stime), active calls.
(
  echo -e "# t\trss_kb\tfds\tthreads\tcpu_ticks\tactive"
  while kill -0 "$engine_pid" 2>/dev/null; do
    rest="$(sed 's/^.*) //' "/proc/$engine_pid/stat" 2>/dev/null)" || break
    read -r -a f <<< "$rest"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date +%s)" \
      "$(awk '/^VmRSS/{print $2}' "/proc/$engine_pid/status")" \
      "$(ls "/proc/$engine_pid/fd" 2>/dev/null | wc -l)" \
      "$(awk '/^Threads/{print $2}' "/proc/$engine_pid/status")" \
      "$(( f[11] + f[12] ))" \
      "$(curl -s --max-time 2 "http://127.0.0.1:$admin_port/metrics" | awk '/^ivr_active_calls /{print $2}')"
    sleep 5
  done
) > "$out/samples.tsv" 2>/dev/null &
pids+=("$!")

date +%s > "$out/start"
timeout "$((seconds + 60))" python3 "$here/mutate_sip.py" --to "127.0.0.1:$sip_port" \
  --from 127.0.0.3 --rate "$rate" --seconds "$seconds" > "$out/mutator.out" 2>&1 &
mutator=$!
pids+=("$mutator")
(cd "$out" && timeout "$((seconds + 300))" sipp "127.0.0.1:$sip_port" -sf "$out/caller.xml" \
  -i 127.0.0.1 -p "$sipp_port" -mp "$media_port" -l "$n" -m "$calls" -r 2 \
  -trace_stat -fd 60 -trace_err -trace_screen -nostdin < /dev/null > "$out/sipp.out" 2>&1) \
  || echo "sipp exited $?" | tee -a "$out/notes.txt"
wait "$mutator" || echo "mutator exited $?" | tee -a "$out/notes.txt"
date +%s > "$out/end"
sleep 5
curl -s --max-time 2 "http://127.0.0.1:$admin_port/metrics" > "$out/metrics.txt" || true
alive=yes
kill -0 "$engine_pid" 2>/dev/null || alive=no
echo "$alive" > "$out/alive_at_end"
kill -TERM "$engine_pid" 2>/dev/null || true
status=0
wait "$engine" || status=$?
echo "$status" > "$out/engine_exit"
cleanup
trap - EXIT
python3 "$here/summary.py" "$out" | tee "$out/summary.txt"
