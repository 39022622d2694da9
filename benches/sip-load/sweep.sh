#!/usr/bin/env bash
# The concurrency sweep behind benches/README.md "SIP load": recognition off (silence) at
# 10/20/40 calls, recognition on (speech) at 1/2/4/6/8/12, each a fresh engine, two waves of
# calls (M = 2N). The machine is shared: before each run it waits (up to 3 min) until the
# other processes use under 15% of the 2 cores over 5 s, and a run during which they used
# over 25% (analyze.py's other_processes_pct_of_2_cores) is run again, at most twice more.
#   benches/sip-load/sweep.sh [OUTDIR]      (default /tmp/ivr-sip-load/sweep-TIMESTAMP)
#   RUNS="speech:4:1 silence:40:4" benches/sip-load/sweep.sh   (MODE:N:R, a subset)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="${1:-/tmp/ivr-sip-load/sweep-$(date +%Y%m%dT%H%M%S)}"
mkdir -p "$top"
runs=(${RUNS:-"silence:10:4" "silence:20:4" "silence:40:4" "speech:1:1" "speech:2:1" "speech:4:1" "speech:6:1" "speech:8:1" "speech:12:1"})
busy_pct() { # whole-machine busy % over 5 s
  read -r _ a b c idle1 w1 i1 s1 st1 _ < /proc/stat
  sleep 5
  read -r _ d e f idle2 w2 i2 s2 st2 _ < /proc/stat
  local busy=$(( (d + e + f + i2 + s2 + st2) - (a + b + c + i1 + s1 + st1) ))
  local total=$(( busy + idle2 + w2 - idle1 - w1 ))
  echo $(( 100 * busy / (total > 0 ? total : 1) ))
}
for spec in "${runs[@]}"; do
  IFS=: read -r mode n rate <<< "$spec"
  for attempt in 1 2 3; do
    for _ in $(seq 36); do
      b=$(busy_pct)
      [ "$b" -lt 15 ] && break
      echo "   machine ${b}% busy, waiting" >> "$top/sweep.log"
    done
    dir="$top/$mode-$n"
    [ "$attempt" -gt 1 ] && dir="$top/$mode-$n-try$attempt"
    echo "== $mode N=$n R=$rate attempt $attempt: machine ${b}% busy before, load $(cut -d' ' -f1-3 /proc/loadavg) $(date +%T)" | tee -a "$top/sweep.log"
    OUT="$dir" timeout 300 "$here/run.sh" "$mode" "$n" "$((2 * n))" "$rate" 2>&1 | tail -1 | tee -a "$top/sweep.log"
    other=$(sed -n 's/^other_processes_pct_of_2_cores=//p' "$dir/summary.txt" 2>/dev/null)
    echo "   other processes: ${other:-?}% of 2 cores" | tee -a "$top/sweep.log"
    awk -v o="${other:-100}" 'BEGIN{exit !(o > 25)}' || break
  done
done
