#!/usr/bin/env bash
# udm-gateway on a Citus cluster (docs/gateway.md#signals-on-citus): a tenant's writes run on
# the worker that holds it, so its udm_data signal is sent there, and the gateway LISTENs on
# every worker besides the coordinator. Starts its own cluster (scripts/citus_cluster: a
# coordinator and two workers on loopback ports), two tenants on different workers, and:
#   1. a gateway with --poll-interval 60s: an insert in each tenant (through the coordinator)
#      reaches a thingChanged subscriber of its tenant, heard as a signal (the debug log
#      shows it) well before any poll;
#   2. a gateway with --poll-interval 2s: one worker stopped for a few polls costs one
#      warning for its signal connection and one for its tenant, never the coordinator
#      connection nor a subscription; the other worker's tenant is delivered meanwhile; once
#      the worker is started again, the next poll listens there again, and an insert in its
#      tenant is signalled and delivered again.
# Where Citus is not installed it says so and passes: "gateway citus: 0 passed, 0 failed".
# Last line: "gateway citus: N passed, M failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build=${UDM_BUILD_DIR:-$repo/build}
# shellcheck source=scripts/lib/cluster.sh
source "$repo/scripts/lib/cluster.sh"

# shellcheck source=test/integration/lib_check.sh
source "$repo/test/integration/lib_check.sh"

dir=$(mktemp -d /tmp/udm-gateway-citus.XXXXXX)
chmod 0755 "$dir" # the PostgreSQL OS user runs the nodes; each has a private socket directory
work=$(mktemp -d)
gateway_pid=
subscriber_pid=
# Stops a process this script started, if it runs.
stop_pid() {
    if [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; then
        kill -TERM "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}
cleanup() {
    stop_pid "$subscriber_pid"
    stop_pid "$gateway_pid"
    "$repo/scripts/citus_cluster" stop "$dir" >/dev/null 2>&1 || true
    rm -rf -- "$dir" "$work"
}
trap cleanup EXIT

rc=0
env_lines=$("$repo/scripts/citus_cluster" start "$dir" 2>"$work/cluster.log") || rc=$?
if [[ $rc -eq 3 ]]; then
    echo "# skipped: Citus is not installed (scripts/citus_cluster says how to install it)"
    checks_summary "gateway citus"
    exit 0
fi
if [[ $rc -ne 0 ]]; then
    cat "$work/cluster.log"
    check "the Citus cluster starts" 0 "$rc"
    checks_summary "gateway citus"
    exit 1
fi
eval "$env_lines"
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

if [[ ${UDM_PREBUILT:-} != 1 && ! -x $build/udm-gateway ]]; then
    cmake -S "$repo" -B "$build" >/dev/null
    cmake --build "$build" -j2 --target udm-gateway >/dev/null
fi
if [[ ${UDM_PREBUILT:-} != 1 && ! -d $repo/test/gateway/node_modules/graphql-ws ]]; then
    (cd "$repo/test/gateway" && npm ci --no-audit --no-fund --loglevel=error) >/dev/null
fi

# ---- two tenants on different workers -------------------------------------------------------
a=gwca
b=gwcb
q -c "SELECT udm.create_tenant('$a')" -c "SELECT udm.create_tenant('$b')" >/dev/null
worker_of() { # the port of the worker that holds tenant $1
    q -c "SELECT DISTINCT nodeport FROM citus_shards WHERE table_name::text LIKE 'tenant_$1.%'"
}
if [[ $(worker_of "$a") == "$(worker_of "$b")" ]]; then
    other=$CITUS_WORKER1_PORT
    [[ $(worker_of "$b") == "$CITUS_WORKER1_PORT" ]] && other=$CITUS_WORKER2_PORT
    q -c "SELECT citus_schema_move('tenant_$b', '127.0.0.1', $other, 'block_writes')" >/dev/null
fi
port_a=$(worker_of "$a")
port_b=$(worker_of "$b")
check "the tenants are on one worker each" "2" \
    "$(printf '%s\n' "$port_a" "$port_b" | grep -E '^[0-9]+$' | sort -u | wc -l)"
for t in "$a" "$b"; do
    q -v model="$(cat "$repo/scripts/lib/small_model.json")" >/dev/null <<EOF
SELECT udm.apply('$t', :'model');
EOF
done
node_a=worker1
[[ $port_a == "$CITUS_WORKER2_PORT" ]] && node_a=worker2

# ---- helpers ---------------------------------------------------------------------------------
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$secret" >"$work/secret"
url=
# Starts a gateway against the coordinator: start_gateway <poll interval> <log file>.
start_gateway() {
    : >"$2" # before the gateway starts: the background job opens it later
    "$build/udm-gateway" --listen 127.0.0.1 --port 0 --jwt-secret-file "$work/secret" \
        --poll-interval "$1" --log-level debug 2>"$2" &
    gateway_pid=$!
    local port=
    for _ in $(seq 1 100); do
        port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$2" | head -n 1)
        [[ -n $port ]] && break
        sleep 0.05
    done
    url=http://127.0.0.1:$port
    for _ in $(seq 1 100); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/healthz") == 200 ]] && break
        sleep 0.05
    done
}
# The value of an unlabelled metric of the gateway.
metric() {
    curl -s "$url/metrics" | sed -n "s/^$1 //p"
}
# Waits up to $1 seconds for the command after it to succeed; its status.
wait_for() {
    local tries=$(($1 * 10))
    shift
    for _ in $(seq 1 "$tries"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
workers_listening() { [[ $(metric udm_gateway_db_worker_signal_connections) == "$1" ]]; }
# Starts the subscriber of both tenants, output in $1, and waits until it is subscribed.
start_subscriber() {
    GATEWAY_URL=$url GATEWAY_SECRET=$secret GATEWAY_TENANTS="$a,$b" \
        node "$repo/test/gateway/citus_signals.mjs" >"$1" 2>&1 &
    subscriber_pid=$!
    wait_for 15 eval "[[ \$(grep -c '^ready ' '$1') == 2 ]]" || true
}
# Inserts a customer of tenant $1 through the coordinator; prints its id.
insert() {
    q -c "INSERT INTO tenant_$1.tc_customer (name) VALUES ('c') RETURNING id"
}
delivered() { # delivered <subscriber output> <tenant> <id>
    grep -q "^event $2 INSERT $3\$" "$1"
}
signalled() { # signalled <gateway log> <tenant> [from line]: a udm_data signal of tenant was heard
    tail -n "+${3:-1}" "$1" | grep -qF "notification on udm_data: {\"tenant\": \"$2\"}"
}

# ---- 1. signals from both workers, no poll ---------------------------------------------------
log1=$work/gateway1.log
start_gateway 60s "$log1"
wait_for 10 workers_listening 2 || true
check "the gateway listens on both workers" 2 "$(metric udm_gateway_db_worker_signal_connections)"
start_subscriber "$work/sub1.out"
check "the subscriber is subscribed to both tenants" 2 "$(grep -c '^ready ' "$work/sub1.out" || true)"
id_a=$(insert "$a")
id_b=$(insert "$b")
# The poll interval is 60 s and the gateway polled when it connected: within 10 s only a
# signal delivers.
wait_for 10 delivered "$work/sub1.out" "$a" "$id_a" && got=yes || got=no
check "an insert in $a (worker $port_a) is delivered before the next poll" yes "$got"
wait_for 10 delivered "$work/sub1.out" "$b" "$id_b" && got=yes || got=no
check "an insert in $b (worker $port_b) is delivered before the next poll" yes "$got"
signalled "$log1" "$a" && got=yes || got=no
check "$a's signal was heard from its worker" yes "$got"
signalled "$log1" "$b" && got=yes || got=no
check "$b's signal was heard from its worker" yes "$got"
stop_pid "$subscriber_pid"
subscriber_pid=
stop_pid "$gateway_pid"
gateway_pid=

# ---- 2. a worker stops and starts again --------------------------------------------------------
# A poll interval of 2 s: the gateway listens on a restarted worker again at the next poll.
# Delivery alone would not tell a signal from a poll now; the debug log does.
log2=$work/gateway2.log
start_gateway 2s "$log2"
wait_for 10 workers_listening 2 || true
check "the second gateway listens on both workers" 2 \
    "$(metric udm_gateway_db_worker_signal_connections)"
start_subscriber "$work/sub2.out"
check "the second subscriber is subscribed to both tenants" 2 \
    "$(grep -c '^ready ' "$work/sub2.out" || true)"
pg_ctl_as_pg=(runuser -u postgres --)
[[ $(id -u) -eq 0 ]] || pg_ctl_as_pg=()
node_ctl() { # node_ctl <stop|start>: $a's worker
    (cd / && "${pg_ctl_as_pg[@]}" "$UDM_PG_BIN/pg_ctl" -D "$dir/$node_a/data" \
        -l "$dir/$node_a/postgres.log" -m fast -w -t 60 -s "$1") >/dev/null
}
restart_line=$(($(wc -l <"$log2") + 1))
node_ctl stop
# Down for a few polls: $a is kept (its node cannot be reached, it was not dropped), and $b,
# on the other worker, goes on as before.
# shellcheck disable=SC2016 # expanded by eval, at each try
wait_for 10 eval 'tail -n "+$restart_line" "$log2" | grep -qF "the node that holds tenant $a cannot be reached"' &&
    got=yes || got=no
check "$a's worker down: the gateway says its node cannot be reached" yes "$got"
sleep 5 # two polls more
id_b=$(insert "$b")
wait_for 10 delivered "$work/sub2.out" "$b" "$id_b" && got=yes || got=no
check "... an insert in $b on the other worker is delivered meanwhile" yes "$got"
check "... the coordinator connection was never lost" 0 "$(metric udm_gateway_db_reconnects_total)"
check "... said once, not once per poll" 1 \
    "$(tail -n "+$restart_line" "$log2" | grep -cF "the node that holds tenant $a cannot be reached")"
check "... $a's subscription goes on" 0 "$(grep -c '^error ' "$work/sub2.out" || true)"
check "... $a is not unfollowed" 0 "$(tail -n "+$restart_line" "$log2" | grep -cF "tenant $a is no longer followed")"
node_ctl start
# Listening there again, on the same coordinator connection.
listening_line() {
    tail -n "+$restart_line" "$log2" |
        grep -nF "listening on udm_data on Citus worker 127.0.0.1:$port_a" | head -n 1 | cut -d: -f1
}
# shellcheck disable=SC2016 # expanded by eval, at each try
wait_for 20 eval '[[ -n $(listening_line) ]]' && got=yes || got=no
check "the gateway listens on the restarted worker again" yes "$got"
wait_for 10 workers_listening 2 || true
check "... both workers counted again" 2 "$(metric udm_gateway_db_worker_signal_connections)"
# shellcheck disable=SC2016 # expanded by eval, at each try
wait_for 10 eval 'tail -n "+$restart_line" "$log2" | grep -qF "the node that holds tenant $a can be reached again"' &&
    got=yes || got=no
check "... and says $a can be reached again" yes "$got"
logged=$(grep -cF "cannot listen on Citus worker 127.0.0.1:$port_a" "$log2" || true)
check "the worker's failure to listen is logged once" 1 "$logged"
check "the coordinator connection is up, never reconnected" "1 0" \
    "$(metric udm_gateway_db_connected) $(metric udm_gateway_db_reconnects_total)"
again_line=$(listening_line)
from=$((restart_line + ${again_line:-999999}))
id_a=$(insert "$a")
id_b=$(insert "$b")
wait_for 10 delivered "$work/sub2.out" "$a" "$id_a" && got=yes || got=no
check "an insert in $a after its worker's restart is delivered" yes "$got"
signalled "$log2" "$a" "$from" && got=yes || got=no
check "... signalled from the restarted worker" yes "$got"
wait_for 10 delivered "$work/sub2.out" "$b" "$id_b" && got=yes || got=no
check "an insert in $b on the other worker is delivered" yes "$got"

if ((failed > 0)); then
    for f in "$log1" "$log2"; do
        echo "---- $(basename "$f") (tail)"
        tail -n 40 "$f" 2>/dev/null || true
    done
    echo "---- subscribers"
    cat "$work/sub1.out" "$work/sub2.out" 2>/dev/null || true
fi
checks_summary "gateway citus"
