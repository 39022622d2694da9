#!/usr/bin/env bash
# `make cluster`: the cluster on this machine's loopback - PostgreSQL, Kamailio in front, and
# two `ivr serve` engines sharing the database - to try what running more than one engine
# looks like. Ctrl-C (or SIGTERM) stops everything. Everything it writes is under $CLUSTER_DIR.
#
#   Kamailio  udp:127.0.0.1:${LB_PORT:-5060}   callers dial this; agents register here
#   engine e1 127.0.0.1:5081 (admin :9091)     engine e2 127.0.0.1:5082 (admin :9092)
#   PostgreSQL 127.0.0.1:${PG_PORT:-55432}, database ivr (the engines' tables and Kamailio's)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${CLUSTER_DIR:-$root/data/cluster}
lb_port=${LB_PORT:-5060}
pg_port=${PG_PORT:-55432}
flow=${FLOW:-call-flows/contact-center.yaml}
ivr=${IVR:-$root/target/release/ivr}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
for need in "$pg_bin/initdb" /usr/sbin/kamailio "$ivr"; do
  if [ ! -x "$need" ]; then
    echo "error: $need is missing: run \`make setup\` and \`make build\` (or \`make cluster\`)" >&2
    exit 1
  fi
done
if ! [ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so ] &&
  ! ls /usr/lib/*/kamailio/modules/db_postgres.so >/dev/null 2>&1; then
  echo "error: Kamailio's PostgreSQL module is missing: apt-get install kamailio-postgres-modules" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: as root, it runs as the package's postgres user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

pids=()
stop() {
  # A second Ctrl-C must not cut the stopping short and leave servers behind.
  trap '' INT TERM
  trap - EXIT
  echo
  echo "stopping the cluster"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  exit 0
}
trap stop INT TERM EXIT

mkdir -p "$dir/pg" "$dir/kamailio" "$dir/e1" "$dir/e2"
if [ ${#as_pg[@]} -gt 0 ]; then chown postgres: "$dir/pg"; fi
if [ ! -d "$dir/pg/data" ]; then
  "${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg/data" -A trust -U ivr -E UTF8 >"$dir/pg/initdb.log"
fi
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/pg" start >/dev/null
db="postgres://ivr@127.0.0.1:$pg_port/ivr"
psql=(psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U ivr)
if ! "${psql[@]}" -d ivr -c 'SELECT 1' >/dev/null 2>&1; then
  "${psql[@]}" -d postgres -c 'CREATE DATABASE ivr'
  for table in standard usrloc auth_db; do
    "${psql[@]}" -d ivr -f "/usr/share/kamailio/postgres/$table-create.sql"
  done
fi

# The engines' configuration: the shared database, Kamailio as the trunk whose caller ID is
# believed and the load balancer agents are rung through, and one demo agent account per
# language (their HA1s go to Kamailio with `ivr agents sync`; passwords are for this demo
# only).
ha1() { printf '%s' "$1:ivr.test:$2" | md5sum | cut -d' ' -f1; }
cat >"$dir/engine.yaml" <<EOF
database_env: IVR_DATABASE
flow: $flow
realm: ivr.test
sip:
  trunks: [127.0.0.1/32]
  load_balancer: "127.0.0.1:$lb_port"
agents:
  agent1: { ha1: "$(ha1 agent1 agent1-demo)", languages: [en-US] }
  agente2: { ha1: "$(ha1 agente2 agente2-demo)", languages: [es-US] }
EOF
"$ivr" agents sync --config "$dir/engine.yaml" --database "$db" >/dev/null
cat >"$dir/kamailio/dispatcher.list" <<EOF
# set 1: the engines (duid for call-load dispatching, maxload caps calls per engine)
1 sip:127.0.0.1:5081 0 0 duid=e1;maxload=20
1 sip:127.0.0.1:5082 0 0 duid=e2;maxload=20
EOF

for n in 1 2; do
  IVR_DATABASE=$db "$ivr" serve --config "$dir/engine.yaml" --node-id "e$n" \
    --sip "127.0.0.1:508$n" --admin "127.0.0.1:909$n" \
    --rtp-ports "2${n}000-2${n}999" --records "$dir/e$n/calls.jsonl" \
    2>"$dir/e$n/log" &
  pids+=($!)
done
/usr/sbin/kamailio -f scripts/cluster/kamailio.cfg -DD -E -Y "$dir/kamailio" \
  -A "LISTEN=udp:127.0.0.1:$lb_port" -A "DBURL=\"$db\"" \
  -A "DISPATCHER_LIST=\"$dir/kamailio/dispatcher.list\"" 2>"$dir/kamailio/log" &
pids+=($!)

for n in 1 2; do
  for _ in $(seq 120); do
    curl -fs "http://127.0.0.1:909$n/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done
cat <<EOF

The cluster is up (logs under $dir):
  call it:        sip:8003755283@127.0.0.1:$lb_port
                  e.g. baresip, or SIPp (its built-in uac ignores Kamailio's Record-Route):
                  sipp -sf scripts/cluster/sipp-caller.xml 127.0.0.1:$lb_port -m 10 -r 2
  an agent phone: register with Kamailio, e.g. this baresip account line (English queue):
                  <sip:agent1@ivr.test>;auth_pass=agent1-demo;outbound="sip:127.0.0.1:$lb_port";answermode=auto
                  (Spanish: agente2, agente2-demo); either engine then rings it through Kamailio
  each engine:    http://127.0.0.1:9091/calls   http://127.0.0.1:9092/calls
  callbacks:      psql -h 127.0.0.1 -p $pg_port -U ivr ivr -c 'table callbacks'
  drain e2:       kill -TERM ${pids[1]}   (OPTIONS answer 503; Kamailio stops choosing it)
Ctrl-C stops everything.
EOF
wait -n "${pids[@]}" || true
echo "a part of the cluster stopped; see the logs under $dir"
