#!/usr/bin/env bash
# Calls through the load balancer across two engines (issue 15): scripts/cluster.sh's cluster
# (PostgreSQL, Kamailio, engines e1 and e2, release build) on loopback; SIPp places calls
# through Kamailio.
#
#   benches/cluster/run.sh keys [CALLS] [RATE]    (default 200 calls, 10 a second)
#     each caller answers the keys test flow (crates/ivr/tests/flows/keys.yaml), presses 1 by
#     INFO and waits for the engine's BYE. Prints call setup time (INVITE to 200 OK through
#     Kamailio, SIPp's response time, whole ms), how the calls split between the engines
#     (their call records), and engine CPU per call (both engines' utime+stime from /proc
#     over the run, divided by the calls).
#   benches/cluster/run.sh agent [CALLS]          (default 20 calls, one at a time)
#     one baresip agent phone registers with Kamailio (the cluster's demo Spanish agent);
#     each caller reaches the queue flow (crates/ivr/tests/flows/queue.yaml), waits for the
#     agent, is bridged, and hangs up 5 s after the answer; one call every 16 s. Prints the
#     agent offer latency through the shared call distribution: caller joins the queue -> the INVITE to the agent leaves its
#     engine (towards Kamailio), and -> the agent answered (benches/sip-load/offer_latency.py
#     on both engines' logs).
#
# Environment: OUT (results folder, default /tmp/ivr-cluster-load/MODE-TIMESTAMP), IVR (the
# engine binary, default target/release/ivr), LB_PORT (default 25060), PG_PORT (55433).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode="${1:-keys}"
case "$mode" in
  keys) calls="${2:-200}"; rate="${3:-10}"; flow=crates/ivr/tests/flows/keys.yaml ;;
  agent) calls="${2:-20}"; rate=1; flow=crates/ivr/tests/flows/queue.yaml ;;
  *) echo "MODE must be keys or agent" >&2; exit 2 ;;
esac
out="${OUT:-/tmp/ivr-cluster-load/$mode-$(date +%Y%m%dT%H%M%S)}"
lb_port="${LB_PORT:-25060}"
pg_port="${PG_PORT:-55433}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

CLUSTER_DIR="$out/cluster" LB_PORT="$lb_port" PG_PORT="$pg_port" IVR="${IVR:-$root/target/release/ivr}" \
  FLOW=$flow setsid "$root/scripts/cluster.sh" >"$out/cluster.out" 2>&1 &
cluster=$!
# SIGTERM: a background script ignores SIGINT.
phone_pid=""
stop() {
  # The phone is only a test phone: no goodbye (baresip would keep unregistering from a
  # Kamailio that is gone).
  if [ -n "$phone_pid" ]; then
    pkill -KILL -P "$phone_pid" 2>/dev/null || true
    kill "$phone_pid" 2>/dev/null || true
  fi
  kill -TERM "$cluster" 2>/dev/null || true
  wait "$cluster" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 240); do
  grep -q "The cluster is up" "$out/cluster.out" 2>/dev/null && break
  sleep 0.5
done
grep -q "The cluster is up" "$out/cluster.out" || { cat "$out/cluster.out"; exit 1; }
sleep 3 # two OPTIONS probes: both engines up in Kamailio's view

if [ "$mode" = agent ]; then
  # The agent's phone: baresip with the tests' configuration, registering through Kamailio.
  phone="$out/phone"
  mkdir -p "$phone/heard"
  sed -e "s#{sip_port}#25999#; s#{ctrl_port}#25998#; s#{rtp_lo}#26000#; s#{rtp_hi}#26019#" \
    -e "s#{mic_wav}#$phone/mic.wav#; s#{record_dir}#$phone/heard#" \
    "$root/crates/ivr/tests/baresip/caller/config" >"$phone/config"
  sox -n -r 8000 -c 1 -b 16 "$phone/mic.wav" synth 600 sine 1000
  echo "<sip:agente2@ivr.test>;auth_pass=agente2-demo;outbound=\"sip:127.0.0.1:$lb_port\";answermode=auto" >"$phone/accounts"
  timeout $((calls * 20 + 180)) baresip -f "$phone" >"$phone/log" 2>&1 &
  phone_pid=$!
  sleep 8 # registered, and written to PostgreSQL (every 5 s) where the engines look
fi

engine_pid() { pgrep -f -- "--node-id $1 .*$out/cluster" | head -1; }
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
pids=("$(engine_pid e1)" "$(engine_pid e2)")
before=$(cpu_ticks "${pids[@]}")

if [ "$mode" = agent ]; then
  # One call every 16 s: the previous caller's call (about 1 s of greeting, the offer, 4 s
  # bridged) and the agent's 10 s wrap-up are over when the next caller joins the queue, so
  # every caller is offered to the agent at once and the figure is the offer path alone.
  sed -e 's/{hold_ms}/5000/' "$here/caller_hold.xml" >"$out/call.xml"
  limit=1
  period_ms=16000
else
  sed -e 's/{key}/1/' -e 's/{pause_ms}/500/' "$root/crates/ivr/tests/sipp/lb_call_key.xml" >"$out/call.xml"
  limit=$((rate * 10))
  period_ms=1000
fi
# SIPp's -timeout bounds its whole run, not one call.
budget_s=$((calls * period_ms / rate / 1000 + 120))
start=$(date +%s.%N)
(cd "$out" && timeout $((budget_s + 60)) sipp "127.0.0.1:$lb_port" -sf call.xml -t u1 \
  -i 127.0.0.1 -p 25070 -m "$calls" -r "$rate" -rp "$period_ms" -l "$limit" \
  -timeout "${budget_s}s" -timeout_error \
  -trace_rtt -rtt_freq 1 -trace_stat -nostdin >sipp.out 2>&1) || echo "sipp exited $?"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
after=$(cpu_ticks "${pids[@]}")
sleep 2

python3 - "$out" "$calls" "$((after - before))" "$(getconf CLK_TCK)" "$elapsed" <<'PY'
import csv, glob, pathlib, sys
out, calls, ticks, hz, elapsed = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
setup = []
for f in glob.glob(str(out / "call_*_rtt.csv")):
    for row in csv.DictReader(open(f), delimiter=";"):
        value = row.get("response_time_ms")
        if value:
            setup.append(float(value))
setup.sort()
def pct(p): return setup[min(len(setup) - 1, int(p * len(setup)))] if setup else float("nan")
split = {n: sum(1 for _ in open(out / "cluster" / n / "calls.jsonl")) if (out / "cluster" / n / "calls.jsonl").exists() else 0 for n in ("e1", "e2")}
stats = sorted(glob.glob(str(out / "call_*_.csv")))
ok = failed = "?"
if stats:
    last = list(csv.DictReader(open(stats[0]), delimiter=";"))[-1]
    ok, failed = last.get("SuccessfulCall(C)"), last.get("FailedCall(C)")
print(f"calls {calls}, ok {ok}, failed {failed}, {elapsed:.1f} s")
print(f"setup ms (INVITE -> 200 through Kamailio): p50 {pct(0.5):.2f}  p95 {pct(0.95):.2f}  max {setup[-1] if setup else float('nan'):.2f}  ({len(setup)} samples)")
print(f"split: e1 {split['e1']}  e2 {split['e2']}")
print(f"engine CPU per call: {ticks / hz / calls * 1000:.1f} ms (both engines, {ticks / hz:.2f} s over the run)")
PY
if [ "$mode" = agent ]; then
  cat "$out/cluster/e1/log" "$out/cluster/e2/log" >"$out/engines.log"
  python3 "$root/benches/sip-load/offer_latency.py" "$out/engines.log"
fi
echo "results: $out"
