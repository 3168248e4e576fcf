#!/usr/bin/env bash
# End-to-end tests of udm-gateway against the PostgreSQL in PGHOST/PGPORT (scripts/test runs
# this with a throwaway cluster that has the udm extension installed): the gateway on
# 127.0.0.1 and an ephemeral port, unmodified clients from npm (test/gateway/e2e.mjs:
# graphql-ws, ws, graphql-js), then graceful shutdown and configuration errors.
#
# With UDM_CLUSTER_DIR (set by scripts/lib/cluster.sh for throwaway clusters) the cases that
# restart PostgreSQL in the middle of a stream run too; without it they are skipped.
# Last line: "gateway e2e: N passed, M failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build=${UDM_BUILD_DIR:-$repo/build}
db=udm_gateway_e2e
tenant=e2e
gw_tenants=("$tenant" "${tenant}_other")
gw_label="gateway e2e"
# shellcheck source=test/integration/lib_gateway.sh
source "$repo/test/integration/lib_gateway.sh"

say() { echo "gateway e2e: $*"; }

# ---- database --------------------------------------------------------------------------------
create_database
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION udm" -c "SELECT udm.create_tenant('$tenant')" \
    -c "SELECT udm.create_tenant('${tenant}_other')" >/dev/null
# Restarting PostgreSQL (fast shutdown, then start) when this script knows the cluster.
restart=
if [[ -n ${UDM_CLUSTER_DIR:-} && -f $UDM_CLUSTER_DIR/data/PG_VERSION ]]; then
    as_pg=()
    [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
    printf -v restart '%q ' "${as_pg[@]}" "$(command -v pg_ctl)" -D "$UDM_CLUSTER_DIR/data" \
        -l "$UDM_CLUSTER_DIR/postgres.log" -m fast -w -t 60 restart
fi

# ---- gateway ---------------------------------------------------------------------------------
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$secret" >"$work/secret"
log=$work/gateway.log
: >"$log" # before the gateway starts: the background job opens it later, and sed reads it
"$build/udm-gateway" --listen 127.0.0.1 --port 0 --jwt-secret-file "$work/secret" \
    --connection-init-timeout 700ms --queue-limit 1000 --slow-consumer-timeout 2s --poll-interval 1s \
    --rebuild-interval 250ms --log-level info 2>"$log" &
gateway_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$log" | head -n 1)
    [[ -n $port ]] && break
    sleep 0.05
done
if [[ -z $port ]]; then
    say "the gateway did not start"
    cat "$log"
    failed=$((failed + 1))
    summary
    exit 1
fi
url=http://127.0.0.1:$port
for _ in $(seq 1 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/healthz") == 200 ]] && break
    sleep 0.05
done

# ---- clients ---------------------------------------------------------------------------------
set +e
GATEWAY_URL=$url GATEWAY_SECRET=$secret GATEWAY_TENANT=$tenant GATEWAY_PID=$gateway_pid \
    GATEWAY_PG_RESTART=$restart node "$repo/test/gateway/e2e.mjs" | tee "$work/node.out"
node_status=${PIPESTATUS[0]}
set -e
passed=$((passed + $(grep -c '^ok ' "$work/node.out" || true)))
node_failed=$(grep -c '^not ok ' "$work/node.out" || true)
# A crash of the client script is a failure even when no case reported one.
if [[ $node_status -ne 0 && $node_failed -eq 0 ]]; then node_failed=1; fi
failed=$((failed + node_failed))

# ---- the command-line client of scripts/run ----------------------------------------------------
# `scripts/run subscribe nosuch` once retried forever without a word.
set +e
out=$(UDM_GATEWAY_URL=$url UDM_GATEWAY_JWT_SECRET_FILE=$work/secret timeout 20 \
    node "$repo/scripts/lib/gateway_client.mjs" subscribe nosuch 'subscription { schemaChanged { version } }' 2>&1)
status=$?
set -e
check "scripts/run subscribe of an unknown tenant exits 1" 1 "$status"
check "... saying why" "gateway client: the gateway closed the connection: 4403 Forbidden: unknown tenant" "$out"

# ---- graceful shutdown -----------------------------------------------------------------------
U="ws://127.0.0.1:$port/graphql/$tenant" T=$tenant S=$secret \
    node "$repo/test/gateway/hold_open.mjs" >"$work/hold.out" &
hold_pid=$!
for _ in $(seq 1 100); do
    grep -q acked "$work/hold.out" 2>/dev/null && break
    sleep 0.05
done
kill -TERM "$gateway_pid"
set +e
wait "$gateway_pid"
status=$?
set -e
gateway_pid=
wait "$hold_pid" || true
check "SIGTERM: the gateway exits 0" 0 "$status"
check "SIGTERM: open WebSockets get 1001" "closed 1001 going away" "$(grep closed "$work/hold.out" || true)"

# ---- --max-connections under parallel upgrades ------------------------------------------------
"$build/udm-gateway" --listen 127.0.0.1 --port 0 --jwt-secret-file "$work/secret" \
    --max-connections 5 --log-level info 2>"$work/limited.log" &
limited_pid=$!
limited_port=
for _ in $(seq 1 100); do
    limited_port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$work/limited.log" | head -n 1)
    [[ -n $limited_port ]] && break
    sleep 0.05
done
U="ws://127.0.0.1:$limited_port/graphql/$tenant" N=40 node "$repo/test/gateway/max_connections.mjs" >"$work/limited.out" 2>&1 || true
check "--max-connections 5: 40 parallel upgrades, 5 open" "opened: 5, refused 503: 35" "$(cat "$work/limited.out")"
sleep 0.5  # the closed ones give their slots back
U="ws://127.0.0.1:$limited_port/graphql/$tenant" N=8 node "$repo/test/gateway/max_connections.mjs" >"$work/limited.out" 2>&1 || true
check "--max-connections 5: the slots come back when connections close" "opened: 5, refused 503: 3" "$(cat "$work/limited.out")"
check "--max-connections 5: the refused upgrades are counted" "udm_gateway_connections_refused_total 38" \
    "$(curl -s "http://127.0.0.1:$limited_port/metrics" | grep '^udm_gateway_connections_refused_total ')"
kill -TERM "$limited_pid" 2>/dev/null || true
wait "$limited_pid" 2>/dev/null || true

# ---- configuration errors --------------------------------------------------------------------
set +e
out=$("$build/udm-gateway" --port 70000 2>&1)
status=$?
set -e
check "a bad --port is refused with exit 2" 2 "$status"
check "the error names the option and the rule" \
    'udm-gateway: error: invalid value "70000" for --port: expected an integer from 0 to 65535' "$out"
set +e
out=$(env -u UDM_GATEWAY_JWT_SECRET "$build/udm-gateway" 2>&1)
status=$?
set -e
check "no JWT secret: exit 2" 2 "$status"

if ((failed > 0)); then
    echo "---- gateway log (tail)"
    tail -n 40 "$log"
fi
summary
