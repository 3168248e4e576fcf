#!/usr/bin/env bash
# End-to-end tests of per-tenant limits in udm-gateway against the PostgreSQL in
# PGHOST/PGPORT (with the udm extension installed): two tenants, A with small limits and B
# with the defaults, one gateway with a global pool of 2 connections, and the client
# test/gateway/limits.mjs (Node's fetch, graphql-ws): 429 over requests_per_second, A's pool
# of 1 saturated without delaying B, statement_timeout, max_subscriptions, and a change of
# limits applied without a restart.
# Last line: "gateway limits: N passed, M failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build=${UDM_BUILD_DIR:-$repo/build}
db=udm_gateway_limits
tenant_a=lima
tenant_b=limb
gw_tenants=("$tenant_a" "$tenant_b")
gw_label="gateway limits"
# shellcheck source=test/integration/lib_gateway.sh
source "$repo/test/integration/lib_gateway.sh"

# ---- database --------------------------------------------------------------------------------
create_database
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE EXTENSION udm;
SELECT udm.create_tenant('$tenant_a');
SELECT udm.create_tenant('$tenant_b');
\set shop \`cat "$repo/docs/examples/shop.json"\`
SELECT udm.apply('$tenant_a', :'shop');
SELECT udm.apply('$tenant_b', :'shop');
INSERT INTO tenant_$tenant_a.tc_product (name, price, stock) VALUES ('anvil', 10.5, 3), ('bolt', 1, 2);
INSERT INTO tenant_$tenant_b.tc_product (name) VALUES ('b-only');
SELECT udm.set_tenant_limits('$tenant_a', '{"max_connections": 1, "requests_per_second": 5,
  "statement_timeout": 1500, "max_subscriptions": 1}');
SQL

# ---- gateway ---------------------------------------------------------------------------------
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$secret" >"$work/secret"
log=$work/gateway.log
: >"$log" # before the gateway starts: the background job opens it later, and sed reads it
"$build/udm-gateway" --listen 127.0.0.1 --port 0 --jwt-secret-file "$work/secret" \
    --max-db-connections 2 --db-queue-timeout 5s --poll-interval 500ms --log-level info \
    >/dev/null 2>"$log" &
pids+=("$!")
port=
for _ in $(seq 1 100); do
    port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$log" | head -n 1)
    [[ -n $port ]] && break
    sleep 0.05
done
for _ in $(seq 1 100); do
    [[ -n $port && $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz") == 200 ]] && break
    sleep 0.05
done
if [[ -z $port ]]; then
    echo "gateway limits: the gateway did not start"
    cat "$log"
    failed=$((failed + 1))
    summary
    exit 1
fi

# ---- clients ---------------------------------------------------------------------------------
set +e
GATEWAY_URL=http://127.0.0.1:$port GATEWAY_SECRET=$secret TENANT_A=$tenant_a TENANT_B=$tenant_b \
    node "$repo/test/gateway/limits.mjs" | tee "$work/node.out"
node_status=${PIPESTATUS[0]}
set -e
passed=$((passed + $(grep -c '^ok ' "$work/node.out" || true)))
node_failed=$(grep -c '^not ok ' "$work/node.out" || true)
if [[ $node_status -ne 0 && $node_failed -eq 0 ]]; then node_failed=1; fi
failed=$((failed + node_failed))

# ---- the limits were followed, not restarted for ---------------------------------------------
check "the change of limits was read from its signal or poll" yes \
    "$(grep -q "limits of tenant $tenant_a changed" "$log" && echo yes || echo no)"
token=$(node -e '
const { createHmac } = require("node:crypto");
const b = (s) => Buffer.from(JSON.stringify(s)).toString("base64url");
const input = `${b({ alg: "HS256", typ: "JWT" })}.${b({ tenant: process.argv[1], exp: Math.floor(Date.now() / 1000) + 300 })}`;
console.log(`${input}.${createHmac("sha256", process.argv[2]).update(input).digest("base64url")}`);' "$tenant_b" "$secret")
# After a request, its connection stays in the pool while it is unused for less than
# --db-idle-timeout (60 s). Asked right after one, so that the check does not depend on how
# the clients' last requests ended (the pool closes a connection left in a failed
# transaction instead of reusing it).
kept=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"query":"{ productCollection { totalCount } }"}' "http://127.0.0.1:$port/graphql/$tenant_b")
# The count of open connections (a read of /metrics that gets nothing is tried again: what
# is checked is the pool, not the metrics endpoint).
open_connections=
for _ in 1 2 3; do
    open_connections=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" |
        sed -n 's/^udm_gateway_db_pool_connections //p')
    [[ -n $open_connections ]] && break
    sleep 0.2
done
check "idle database connections are kept open below the idle timeout" "200 yes" \
    "$kept $([[ $open_connections == 1 || $open_connections == 2 ]] && echo yes || echo "no (${open_connections:-no metric})")"

# ---- idle connections are closed after --db-idle-timeout ------------------------------------
idle_log=$work/idle.log
"$build/udm-gateway" --listen 127.0.0.1 --port 0 --jwt-secret-file "$work/secret" \
    --db-idle-timeout 300ms --log-level info >/dev/null 2>"$idle_log" &
pids+=("$!")
idle_port=
for _ in $(seq 1 100); do
    idle_port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$idle_log" | head -n 1)
    [[ -n $idle_port ]] && break
    sleep 0.05
done
pool_connections() {
    curl -s "http://127.0.0.1:$idle_port/metrics" | sed -n 's/^udm_gateway_db_pool_connections //p'
}
status=
for _ in $(seq 1 50); do
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"query":"{ productCollection { totalCount } }"}' "http://127.0.0.1:$idle_port/graphql/$tenant_b")
    [[ $status == 200 ]] && break
    sleep 0.1
done
check "a request with --db-idle-timeout 300ms" 200 "$status"
closed=
for _ in $(seq 1 50); do
    closed=$(pool_connections)
    [[ $closed == 0 ]] && break
    sleep 0.1
done
check "... its connection is closed once idle" 0 "$closed"
check "... and opened again by the next request" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"query":"{ productCollection { totalCount } }"}' "http://127.0.0.1:$idle_port/graphql/$tenant_b")"

if ((failed > 0)); then
    echo "---- gateway log (tail)"
    tail -n 40 "$log"
fi
summary
