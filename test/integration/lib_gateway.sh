# shellcheck shell=bash disable=SC2154 # db, gw_tenants, gw_label: set by the script
# What the gateway's integration scripts (gateway_e2e.sh, gateway_http.sh, gateway_limits.sh,
# gateway_live_things.sh) share: counting checks, a test database of their own that is
# dropped with its tenants' roles on exit, the gateways they started stopped, and the
# gateway and the Node clients built when scripts/test has not (UDM_PREBUILT=1). Source it
# from the script's top level after setting
#   repo, build   the repository and the build directory
#   db            the test database
#   gw_tenants    the tenants whose roles to drop (an array)
#   gw_label      the prefix of the last line, "<gw_label>: N passed, M failed"
# Gateways a script starts go into pids (or gateway_pid); its files into work. Not
# executable: scripts/test runs the executable scripts of this directory as suites.

# shellcheck source=test/integration/lib_check.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib_check.sh"
work=$(mktemp -d)
pids=()
gateway_pid=

# Drops the test database and the tenant roles (cluster-wide, so they outlive the database).
drop_database() {
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
    local t
    for t in "${gw_tenants[@]}"; do
        psql -X -q -d postgres -c "DROP ROLE IF EXISTS tenant_${t}_owner" -c "DROP ROLE IF EXISTS tenant_${t}_role"
    done
}
finish() {
    local pid
    for pid in "${pids[@]}" $gateway_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    drop_database >/dev/null 2>&1 || true
    rm -rf -- "$work"
}
trap finish EXIT
summary() { checks_summary "$gw_label"; }

# scripts/test has built everything and installed the clients (UDM_PREBUILT=1).
if [[ ${UDM_PREBUILT:-} != 1 && ! -x $build/udm-gateway ]]; then
    cmake -S "$repo" -B "$build" >/dev/null
    cmake --build "$build" -j2 --target udm-gateway >/dev/null
fi
if [[ ${UDM_PREBUILT:-} != 1 && ! -d $repo/test/gateway/node_modules/graphql-ws ]]; then
    (cd "$repo/test/gateway" && npm ci --no-audit --no-fund --loglevel=error) >/dev/null
fi

# A new, empty test database, the default of psql from now on.
# With UDM_GATEWAY_DB_PREPARED=1 the caller made the database, empty (test/integration/
# citus.sh: a database of its Citus cluster, on every node).
create_database() {
    export PGOPTIONS="-c client_min_messages=warning"
    if [[ ${UDM_GATEWAY_DB_PREPARED:-} != 1 ]]; then
        drop_database
        psql -X -q -d postgres -c "CREATE DATABASE $db"
    fi
    export PGDATABASE=$db
}
