# Sourced by the bench scripts that start `ivr serve` under `timeout` (sip-load, soak).

# Waits up to 30 s for the engine's admin /healthz on 127.0.0.1:PORT; on failure prints the
# end of LOG and exits the script.
wait_for_engine() { # PORT LOG
  local port="$1" log="$2"
  for _ in $(seq 150); do
    curl -sf --max-time 1 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "engine did not start (no /healthz on 127.0.0.1:$port)" >&2
  tail -n 40 "$log" >&2
  exit 1
}

# The engine's own pid: `timeout` (pid TIMEOUT_PID) runs it as its child, and /proc sampling
# wants the engine, not timeout.
engine_pid_of() { # TIMEOUT_PID
  pgrep -P "$1" | head -1 || echo "$1"
}
