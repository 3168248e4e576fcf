#!/usr/bin/env bash
# End-to-end tests of live things in subscriptions (test/gateway/live_things.mjs, with the
# unmodified graphql-ws client) against the PostgreSQL in PGHOST/PGPORT, which has the udm
# extension installed: the gateway on 127.0.0.1 and an ephemeral port, two tenants with a
# product and company model, --max-thing-selections 3.
# Last line: "gateway live things: N passed, M failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build=${UDM_BUILD_DIR:-$repo/build}
db=udm_gateway_live
tenant=live
max_selections=3
gw_tenants=("$tenant" "${tenant}_other")
gw_label="gateway live things"
# shellcheck source=test/integration/lib_gateway.sh
source "$repo/test/integration/lib_gateway.sh"

create_database
model='{"attributes": {"name": {"type": "text"}, "price": {"type": "number"},
                       "maker": {"type": "reference", "target": "company"}},
        "classes": {"company": {"attributes": {"name": {}}},
                    "product": {"attributes": {"name": {}, "price": {}, "maker": {}}}}}'
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION udm" \
    -c "SELECT udm.create_tenant('$tenant')" -c "SELECT udm.apply('$tenant', '$model')" \
    -c "SELECT udm.create_tenant('${tenant}_other')" -c "SELECT udm.apply('${tenant}_other', '$model')" >/dev/null

secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$secret" >"$work/secret"
log=$work/gateway.log
: >"$log" # before the gateway starts: the background job opens it later, and sed reads it
"$build/udm-gateway" --listen 127.0.0.1 --port 0 --jwt-secret-file "$work/secret" \
    --max-thing-selections "$max_selections" --poll-interval 1s --log-level info 2>"$log" &
gateway_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -nE 's|.*listening on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$log" | head -n 1)
    [[ -n $port ]] && break
    sleep 0.05
done
if [[ -z $port ]]; then
    echo "gateway live things: the gateway did not start"
    cat "$log"
    echo "gateway live things: 0 passed, 1 failed"
    exit 1
fi

set +e
GATEWAY_URL=http://127.0.0.1:$port GATEWAY_SECRET=$secret GATEWAY_TENANT=$tenant \
    GATEWAY_MAX_SELECTIONS=$max_selections node "$repo/test/gateway/live_things.mjs" | tee "$work/node.out"
node_status=${PIPESTATUS[0]}
set -e
passed=$(grep -c '^ok ' "$work/node.out" || true)
failed=$(grep -c '^not ok ' "$work/node.out" || true)
if [[ $node_status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
if ((failed > 0)); then
    echo "---- gateway log (tail)"
    tail -n 40 "$log"
fi
summary
