#!/usr/bin/env bash
# udm's GraphQL core against graphql-js, the reference implementation (no database needed):
#   1. npm ci in test/gateway (graphql-js, pinned by package-lock.json);
#   2. builds build/udm_graphql_corpus if needed and writes the corpus with it: the SDL of
#      generated models (awkward and colliding names, every data type, references,
#      relationships, nasty descriptions, rules, an empty model, 1,000 classes) and
#      requests (test/gateway/documents.json and mutations of each) with what udm's
#      prepare() and execute() made of them;
#   3. sdl_check.mjs: graphql-js buildSchema accepts every SDL and reads exactly the
#      expected types, fields, descriptions and @constraint values from it, and
#      printSchema prints it back byte for byte;
#   4. requests_check.mjs: graphql-js accepts exactly the requests udm accepts, and
#      executes the accepted ones to the same data and error paths;
#   5. the oracle itself reports a schema graphql-js rejects.
# The last line is "graphql oracle: N passed, M failed"; the exit status is 1 on failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
gateway=$repo/test/gateway
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

give_up() {
    echo "graphql oracle: $1" >&2
    echo "graphql oracle: 0 passed, 1 failed"
    exit 1
}

if ! (cd "$gateway" && npm ci --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1; then
    cat "$work/npm.log" >&2
    give_up "npm ci in test/gateway failed"
fi
if ! { [[ -f $repo/build/CMakeCache.txt ]] || cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo; } >"$work/build.log" 2>&1 ||
    ! cmake --build "$repo/build" -j2 --target udm_graphql_corpus >>"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    give_up "could not build udm_graphql_corpus"
fi
"$repo/build/udm_graphql_corpus" "$gateway/documents.json" "$work/corpus" || give_up "udm_graphql_corpus failed"

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
check node "$gateway/requests_check.mjs" "$work/corpus/shop.graphql" "$work/corpus/requests.json"
if echo 'type Query { a: Nope }' | node "$gateway/sdl_check.mjs" >/dev/null; then
    echo "FAIL sdl_check.mjs accepts a schema graphql-js rejects"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
echo "graphql oracle: $passed passed, $failed failed"
((failed == 0))
