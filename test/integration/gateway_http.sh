#!/usr/bin/env bash
# End-to-end tests of GraphQL over HTTP in udm-gateway (GET and POST /graphql/<tenant>)
# against the PostgreSQL in PGHOST/PGPORT (scripts/test runs this with a throwaway cluster
# that has the udm extension installed): two gateways on 127.0.0.1 and ephemeral ports, one
# with a pool of one connection, the client test/gateway/http.mjs (Node's fetch, graphql-ws),
# bad input and faults over plain TCP (test/gateway/faults.mjs), then SIGTERM while a request
# waits for the database.
#
# With UDM_CLUSTER_DIR (set by scripts/lib/cluster.sh for throwaway clusters) the case that
# restarts PostgreSQL runs too; without it it is skipped.
# Last line: "gateway http: N passed, M failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build=${UDM_BUILD_DIR:-$repo/build}
db=udm_gateway_http
tenant_a=httpa
tenant_b=httpb
gw_tenants=("$tenant_a" "$tenant_b")
gw_label="gateway http"
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
INSERT INTO tenant_$tenant_a.tc_company (id, name) VALUES ('c0000000-0000-0000-0000-000000000001', 'Acme');
INSERT INTO tenant_$tenant_a.tc_product (id, name, price, stock, maker) VALUES
  ('00000000-0000-0000-0000-000000000001', 'anvil', 10.5, 3, 'c0000000-0000-0000-0000-000000000001'),
  ('00000000-0000-0000-0000-000000000002', 'bolt', 0.25, 9007199254740993, NULL),
  ('00000000-0000-0000-0000-000000000003', 'crate', 2, 1, NULL),
  ('00000000-0000-0000-0000-000000000004', 'drill', 1, 5, NULL),
  ('00000000-0000-0000-0000-000000000005', 'hidden', NULL, NULL, NULL);
INSERT INTO tenant_$tenant_b.tc_product (name) VALUES ('b-only');
-- A restrictive policy of row-level security for the tenant's role (udm's own is permissive):
-- "hidden" is seen by the actor "boss" alone.
CREATE POLICY seen ON tenant_$tenant_a.tc_product AS RESTRICTIVE TO tenant_${tenant_a}_role
  USING (name <> 'hidden' OR current_setting('udm.actor', true) = 'boss');
-- The gateway sets the tenant's statement_timeout in each transaction: 3 s for the pool case.
SELECT udm.set_tenant_limits('$tenant_a', '{"statement_timeout": 3000}');
-- The restart under load sends B's requests as fast as they are answered.
SELECT udm.set_tenant_limits('$tenant_b', '{"requests_per_second": 100000}');
SQL
restart=
if [[ -n ${UDM_CLUSTER_DIR:-} && -f $UDM_CLUSTER_DIR/data/PG_VERSION ]]; then
    as_pg=()
    [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
    printf -v restart '%q ' "${as_pg[@]}" "$(command -v pg_ctl)" -D "$UDM_CLUSTER_DIR/data" \
        -l "$UDM_CLUSTER_DIR/postgres.log" -m fast -w -t 60 restart
fi

# ---- gateways ----------------------------------------------------------------------------------
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$secret" >"$work/secret"
# start_gateway <log> <PGOPTIONS> <flags...>: starts a gateway; sets started_pid and
# started_port (empty when it did not start).
start_gateway() {
    local log=$1 options=$2
    shift 2
    : >"$log" # before the gateway starts: the background job opens it later
    PGOPTIONS=$options "$build/udm-gateway" --listen 127.0.0.1 --port 0 \
        --jwt-secret-file "$work/secret" --log-level info "$@" >/dev/null 2>"$log" &
    started_pid=$!
    pids+=("$started_pid")
    started_port=
    for _ in $(seq 1 100); do
        started_port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$log" | head -n 1)
        [[ -n $started_port ]] && break
        sleep 0.05
    done
    for _ in $(seq 1 100); do
        [[ -n $started_port && $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$started_port/healthz") == 200 ]] && break
        sleep 0.05
    done
}
# test/gateway/faults.mjs floods it with connections that send nothing: 64 may wait for a
# request, each at most 3 s.
start_gateway "$work/gateway.log" "$PGOPTIONS" --max-request-bytes 65536 \
    --max-idle-http-connections 64 --request-timeout 3s
port=$started_port
main_pid=$started_pid
# Tenant A's statements time out after 3 s (its statement_timeout, set above, replaces the
# connection's in each transaction; the connection's 3 s stays for anything else).
start_gateway "$work/pool.log" "$PGOPTIONS -c statement_timeout=3s" \
    --max-db-connections 1 --db-queue-limit 1 --db-queue-timeout 1s
pool_port=$started_port
pool_pid=$started_pid
if [[ -z $port || -z $pool_port ]]; then
    echo "gateway http: the gateway did not start"
    cat "$work/gateway.log" "$work/pool.log"
    failed=$((failed + 1))
    summary
    exit 1
fi

# Connections are opened when requests need them.
check "no database connection before the first request" "udm_gateway_db_pool_connections 0" \
    "$(curl -s "http://127.0.0.1:$pool_port/metrics" | grep '^udm_gateway_db_pool_connections ')"

# ---- clients ---------------------------------------------------------------------------------
set +e
GATEWAY_URL=http://127.0.0.1:$port POOL_URL=http://127.0.0.1:$pool_port GATEWAY_SECRET=$secret \
    TENANT_A=$tenant_a TENANT_B=$tenant_b GATEWAY_PG_RESTART=$restart \
    node "$repo/test/gateway/http.mjs" | tee "$work/node.out"
node_status=${PIPESTATUS[0]}
set -e
passed=$((passed + $(grep -c '^ok ' "$work/node.out" || true)))
node_failed=$(grep -c '^not ok ' "$work/node.out" || true)
if [[ $node_status -ne 0 && $node_failed -eq 0 ]]; then node_failed=1; fi
failed=$((failed + node_failed))

# While PostgreSQL restarted under load every request tried to connect: the failures are
# logged at most once a second, not once per request.
if [[ -n $restart ]]; then
    connect_warnings=$(grep -c 'cannot connect to the database\|cannot set up a database connection' "$work/gateway.log" || true)
    check "a restart under load logs few connection failures" yes \
        "$( ((connect_warnings <= 20)) && echo yes || echo "no: $connect_warnings lines")"
fi

# ---- bad input and faults over plain TCP -----------------------------------------------------
set +e
GATEWAY_URL=http://127.0.0.1:$port GATEWAY_PID=$main_pid GATEWAY_SECRET=$secret \
    TENANT_A=$tenant_a TENANT_B=$tenant_b REQUEST_TIMEOUT_MS=3000 MAX_PENDING=64 \
    node "$repo/test/gateway/faults.mjs" | tee "$work/faults.out"
node_status=${PIPESTATUS[0]}
set -e
passed=$((passed + $(grep -c '^ok ' "$work/faults.out" || true)))
node_failed=$(grep -c '^not ok ' "$work/faults.out" || true)
if [[ $node_status -ne 0 && $node_failed -eq 0 ]]; then node_failed=1; fi
failed=$((failed + node_failed))
check "the gateway is still running after the faults" yes \
    "$(kill -0 "$main_pid" 2>/dev/null && echo yes || echo no)"

token=$(node -e '
const { createHmac } = require("node:crypto");
const b = (s) => Buffer.from(JSON.stringify(s)).toString("base64url");
const input = `${b({ alg: "HS256", typ: "JWT" })}.${b({ tenant: process.argv[1], exp: Math.floor(Date.now() / 1000) + 300 })}`;
console.log(`${input}.${createHmac("sha256", process.argv[2]).update(input).digest("base64url")}`);' "$tenant_a" "$secret")

# ---- Expect: 100-continue (curl sends it for large bodies): the body follows "100 Continue" ---
printf '{"query": "{ schemaVersion } # %s"}' "$(head -c 3000 /dev/zero | tr '\0' x)" >"$work/big.json"
out=$(curl -sv -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Expect: 100-continue' --data-binary @"$work/big.json" \
    "http://127.0.0.1:$port/graphql/$tenant_a" 2>"$work/curl.err")
check "Expect: 100-continue is answered" "100 Continue" \
    "$(grep -o '100 Continue' "$work/curl.err" | head -n 1)"
check "... and the request served" 200 "$out"

# ---- SIGTERM while a request waits for the database ---------------------------------------------
# Tenant A's statements may now run past the shutdown grace (3 s), so that the mutation below
# is still under way when the gateway shuts its database connections down.
changes() { grep -c "limits of tenant $tenant_a changed" "$work/pool.log" || true; }
before=$(changes)
psql -X -qAt -c "SELECT udm.set_tenant_limits('$tenant_a', '{\"statement_timeout\": 60000}')" >/dev/null
for _ in $(seq 1 100); do
    (($(changes) > before)) && break
    sleep 0.05
done
# A session holding a lock the request waits for, until its stdin closes.
exec {lock_in}> >(psql -X -qAt -c "BEGIN" -c "LOCK TABLE tenant_$tenant_a.tc_product IN ACCESS EXCLUSIVE MODE" -f - >/dev/null)
for _ in $(seq 1 100); do
    [[ $(psql -X -qAt -c "SELECT count(*) FROM pg_locks WHERE relation = 'tenant_$tenant_a.tc_product'::regclass AND granted AND mode = 'AccessExclusiveLock'") == 1 ]] && break
    sleep 0.05
done
count_query='{"query":"{ productCollection { totalCount } }"}'
request() { # request <output file> [<body>]: a request waiting for the lock, its status in the file
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "${2:-$count_query}" "http://127.0.0.1:$pool_port/graphql/$tenant_a" >"$1" || true
}
# The running one a mutation: the gateway stops with it under way, so it must not commit.
request "$work/running" '{"query":"mutation { insertIntoProductCollection(objects: [{name: \"sigterm-insert\", price: 1, stock: \"2\"}]) { affectedCount } }"}' &
curl_running=$!
sleep 0.3
request "$work/queued" &
curl_queued=$!
sleep 0.2
started=$SECONDS
kill -TERM "$pool_pid"
set +e
wait "$pool_pid"
status=$?
set -e
check "SIGTERM while a request waits for the database: exit 0" 0 "$status"
check "... within the shutdown grace" yes "$( ((SECONDS - started <= 6)) && echo yes || echo "no: $((SECONDS - started)) s")"
wait "$curl_running" "$curl_queued" || true
check "... the queued request gets 503" 503 "$(cat "$work/queued")"
exec {lock_in}>&-
# The mutation's backend goes on once the lock is gone, then finds its client gone: its
# transaction is rolled back, never committed (its COMMIT was not sent).
for _ in $(seq 1 200); do
    [[ $(psql -X -qAt -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%udm.graphql(%' AND pid <> pg_backend_pid()") == 0 ]] && break
    sleep 0.05
done
check "... the mutation under way is not committed" 0 \
    "$(psql -X -qAt -c "SELECT count(*) FROM tenant_$tenant_a.tc_product WHERE name = 'sigterm-insert'")"

if ((failed > 0)); then
    echo "---- gateway log (tail)"
    tail -n 30 "$work/gateway.log"
    echo "---- pool gateway log (tail)"
    tail -n 30 "$work/pool.log"
fi
summary
