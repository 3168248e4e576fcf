#!/usr/bin/env bash
# udm's GraphQL core against graphql-js, the reference implementation (steps 1 to 5 need no
# database; step 6 runs against the server in PGHOST, as scripts/test exports it):
#   1. npm ci in test/gateway (graphql-js, pinned by package-lock.json);
#   2. builds build/udm_graphql_corpus if needed and writes the corpus with it: the SDL of
#      generated models (awkward and colliding names, every data type, references,
#      relationships, nasty descriptions, rules, an empty model, 200 classes) and
#      requests (test/gateway/documents.json and mutations of each) with what udm's
#      prepare() and execute() made of them;
#   3. sdl_check.mjs: graphql-js buildSchema accepts every SDL and reads exactly the
#      expected types, fields, descriptions and @constraint values from it, and
#      printSchema prints it back byte for byte;
#   4. requests_check.mjs: graphql-js accepts exactly the requests udm accepts, and
#      executes the accepted ones to the same data and error paths, on the shop schema and
#      on a hand-made one with input objects, defaults, custom scalars and a Mutation type
#      (test/support/graphql_types_schema.hpp; the "type_requests" of documents.json);
#      introspection_check.mjs: graphql-js getIntrospectionQuery() answered by udm for every
#      schema of the corpus is exactly graphql-js's answer for its SDL, and
#      buildClientSchema of it prints (lexicographically sorted) as the SDL does;
#   5. the oracle itself reports a schema graphql-js rejects;
#   6. udm.graphql_sdl of tenants with awkward models (docs/examples/shop.json, the empty
#      model, test/gateway/models/*.json) is byte for byte what the core prints for the
#      tenant's udm.model (what udm-gateway serves), and graphql-js reads from it what the
#      core meant. Without PGHOST it is skipped, saying so.
# The last line is "graphql oracle: N passed, M failed"; the exit status is 1 on failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
gateway=$repo/test/gateway
work=$(mktemp -d)
db=udm_graphql_oracle
# Drops the database of step 6 and its tenants' roles (cluster-wide: they outlive it).
drop_sql_tenants() {
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    local f t
    for f in empty shop "$repo"/test/gateway/models/*.json; do
        t=$(basename "$f" .json)
        psql -X -q -d postgres -c "DROP ROLE IF EXISTS tenant_${t}_owner" \
            -c "DROP ROLE IF EXISTS tenant_${t}_role" >/dev/null 2>&1 || true
    done
}
cleanup() {
    if [[ -n ${PGHOST:-} ]]; then drop_sql_tenants; fi
    rm -rf "$work"
}
trap cleanup EXIT

give_up() {
    echo "graphql oracle: $1" >&2
    echo "graphql oracle: 0 passed, 1 failed"
    exit 1
}

# scripts/test has installed the clients and built everything (UDM_PREBUILT=1), and runs
# suites at once: then nothing here may write node_modules or build/.
if [[ ${UDM_PREBUILT:-} != 1 ]]; then
    if ! (cd "$gateway" && npm ci --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1; then
        cat "$work/npm.log" >&2
        give_up "npm ci in test/gateway failed"
    fi
    if ! { [[ -f $repo/build/CMakeCache.txt ]] || cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo; } >"$work/build.log" 2>&1 ||
        ! cmake --build "$repo/build" -j2 --target udm_graphql_corpus >>"$work/build.log" 2>&1; then
        cat "$work/build.log" >&2
        give_up "could not build udm_graphql_corpus"
    fi
fi
node "$gateway/introspection_check.mjs" --query >"$work/introspection.graphql" || give_up "no introspection query"
"$repo/build/udm_graphql_corpus" "$gateway/documents.json" "$work/corpus" "$work/introspection.graphql" ||
    give_up "udm_graphql_corpus failed"

passed=0
failed=0
# check <command...>: runs a node check and adds up its "<name>: N passed, M failed" line;
# a check that fails without counting a failure counts as one.
check() {
    set +e
    "$@" | tee "$work/out"
    local rc=${PIPESTATUS[0]}
    set -e
    local p f
    read -r p f < <(sed -nE 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' "$work/out" | tail -n 1) || true
    p=${p:-0}
    f=${f:-0}
    if ((rc != 0 && f == 0)); then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
}
check node "$gateway/sdl_check.mjs" "$work/corpus/sdl"
check node "$gateway/requests_check.mjs" "$work/corpus/shop.graphql" "$work/corpus/requests.json" "$gateway/documents.json"
check node "$gateway/requests_check.mjs" "$work/corpus/types.graphql" "$work/corpus/type_requests.json" "$gateway/documents.json"
check node "$gateway/introspection_check.mjs" "$work/corpus/sdl"
if echo 'type Query { a: Nope }' | node "$gateway/sdl_check.mjs" >/dev/null; then
    echo "FAIL sdl_check.mjs accepts a schema graphql-js rejects"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi

# sql_tenants: step 6. Writes $work/sql/<tenant>.graphql (udm.graphql_sdl) and, from the
# core, $work/core/<tenant>.graphql and <tenant>.expect.json; counts one test per tenant
# whose two SDLs are the same bytes.
sql_tenants() {
    local psql_db=(psql -X -q -v ON_ERROR_STOP=1 -d "$db")
    export PGOPTIONS="-c client_min_messages=warning"
    drop_sql_tenants
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" &&
        "${psql_db[@]}" -c "CREATE EXTENSION udm" || return 1
    mkdir -p "$work/sql" "$work/core"
    local -a models=(empty= shop="$repo/docs/examples/shop.json")
    local f
    for f in "$gateway"/models/*.json; do models+=("$(basename "$f" .json)=$f"); done
    local entry tenant file
    for entry in "${models[@]}"; do
        tenant=${entry%%=*}
        file=${entry#*=}
        "${psql_db[@]}" -c "SELECT udm.create_tenant('$tenant')" >/dev/null || return 1
        # \set from the file, not -v: a command-line argument holds at most 128 KiB.
        if [[ -n $file ]]; then
            "${psql_db[@]}" >/dev/null <<SQL || return 1
\\set model \`cat '$file'\`
SELECT udm.apply('$tenant', :'model');
SQL
        fi
        # base64: the exact bytes, final newline included.
        "${psql_db[@]}" -At -c "SELECT encode(convert_to(udm.graphql_sdl('$tenant'), 'UTF8'), 'base64')" |
            base64 -d >"$work/sql/$tenant.graphql" || return 1
        # What udm-gateway reads (pg_outbox.cpp) and builds its schema from.
        "${psql_db[@]}" -At -c "SELECT udm.model('$tenant')::text" >"$work/core/$tenant.json" || return 1
        "$repo/build/udm_graphql_corpus" --model "$work/core/$tenant.json" "$work/core/$tenant.graphql" ||
            return 1
        cp "$work/core/$tenant.expect.json" "$work/sql/$tenant.expect.json"
        if cmp -s "$work/sql/$tenant.graphql" "$work/core/$tenant.graphql"; then
            passed=$((passed + 1))
        else
            echo "FAIL udm.graphql_sdl('$tenant') differs from the core's SDL of udm.model('$tenant'):"
            diff "$work/core/$tenant.graphql" "$work/sql/$tenant.graphql" | head -n 20
            failed=$((failed + 1))
        fi
    done
}
if [[ -z ${PGHOST:-} ]]; then
    echo "graphql oracle: PGHOST is not set: udm.graphql_sdl not checked" >&2
elif sql_tenants; then
    check node "$gateway/sdl_check.mjs" "$work/sql"
else
    echo "FAIL could not read udm.graphql_sdl from the database $db"
    failed=$((failed + 1))
fi
echo "graphql oracle: $passed passed, $failed failed"
((failed == 0))
