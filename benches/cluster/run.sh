#!/usr/bin/env bash
# Calls through the load balancer across two engines (issue 15): scripts/cluster.sh's cluster
# (PostgreSQL, Kamailio, engines e1 and e2, release build) on loopback, answering the keys test
# flow; SIPp places CALLS calls at RATE a second through Kamailio, each pressing 1 and waiting
# for the engine's BYE. Prints call setup time (INVITE to 200 OK through Kamailio, SIPp's
# response time, whole ms), how the calls split between the engines (their call records), and engine
# CPU per call (both engines' utime+stime from /proc over the run, divided by the calls).
#
#   benches/cluster/run.sh [CALLS] [RATE]      (default 200 calls, 10 a second)
#
# Environment: OUT (results folder, default /tmp/ivr-cluster-load/TIMESTAMP), IVR (the engine
# binary, default target/release/ivr), LB_PORT (default 25060), PG_PORT (default 55433).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
calls="${1:-200}"
rate="${2:-10}"
out="${OUT:-/tmp/ivr-cluster-load/$(date +%Y%m%dT%H%M%S)}"
lb_port="${LB_PORT:-25060}"
pg_port="${PG_PORT:-55433}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

CLUSTER_DIR="$out/cluster" LB_PORT="$lb_port" PG_PORT="$pg_port" IVR="${IVR:-$root/target/release/ivr}" \
  FLOW=crates/ivr/tests/flows/keys.yaml setsid "$root/scripts/cluster.sh" >"$out/cluster.out" 2>&1 &
cluster=$!
# SIGTERM: a background script ignores SIGINT.
stop() { kill -TERM "$cluster" 2>/dev/null || true; wait "$cluster" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 240); do
  grep -q "The cluster is up" "$out/cluster.out" 2>/dev/null && break
  sleep 0.5
done
grep -q "The cluster is up" "$out/cluster.out" || { cat "$out/cluster.out"; exit 1; }
sleep 3 # two OPTIONS probes: both engines up in Kamailio's view

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

sed -e 's/{key}/1/' -e 's/{pause_ms}/500/' "$root/crates/ivr/tests/sipp/lb_call_key.xml" >"$out/call.xml"
start=$(date +%s.%N)
(cd "$out" && timeout $((calls / rate + 120)) sipp "127.0.0.1:$lb_port" -sf call.xml -t u1 \
  -i 127.0.0.1 -p 25070 -m "$calls" -r "$rate" -l $((rate * 10)) -timeout 60s -timeout_error \
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
echo "results: $out"
