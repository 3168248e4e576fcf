#!/usr/bin/env bash
# udm with several sessions (test/integration/*_test.cpp, GoogleTest + libpqxx): concurrent
# model changes, udm.ddl_lock_timeout, readers during udm.apply, relationship cardinality
# under concurrency, tenant roles, rule cache invalidation; change events: signals, and
# reading the outbox gap-free under interleaved commits and consumer restarts. Runs build/udm_integration_tests against the
# cluster in PGHOST/PGPORT (scripts/test exports them); without them, against a throwaway
# cluster of its own. The binary creates and drops its own database. Arguments are passed
# to the binary (e.g. --gtest_filter=EventsTest.*).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
bin=$repo/build/udm_integration_tests
export PATH="/usr/lib/postgresql/15/bin:$PATH"

if [[ -z ${PGHOST:-} || -z ${PGPORT:-} ]]; then
    # shellcheck source=scripts/lib/cluster.sh
    source "$repo/scripts/lib/cluster.sh"
    # shellcheck disable=SC2119 # no options: a socket-only cluster
    udm_cluster_throwaway
fi

# scripts/test has built it already; when run by hand, bring it up to date.
log=$(mktemp)
if [[ ${UDM_PREBUILT:-} != 1 ]] && { ! { [[ -f $repo/build/CMakeCache.txt ]] || cmake -S "$repo" -B "$repo/build"; } >"$log" 2>&1 ||
    ! cmake --build "$repo/build" -j2 --target udm_integration_tests >>"$log" 2>&1; }; then
    cat "$log" >&2
    rm -f "$log"
    echo "libpqxx: could not build udm_integration_tests" >&2
    echo "libpqxx: 0 passed, 1 failed"
    exit 1
fi

set +e
"$bin" --gtest_color=no "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
passed=$(grep -cE '^\[       OK \] ' "$log" || true)
failed=$(grep -cE '^\[  FAILED  \] .* \([0-9]+ ms\)$' "$log" || true)
rm -f "$log"
# A failure outside any test (setting up or dropping the database, a crash) counts as one.
if ((rc != 0 && failed == 0)); then
    failed=1
fi
echo "libpqxx: $passed passed, $failed failed"
((rc == 0))
