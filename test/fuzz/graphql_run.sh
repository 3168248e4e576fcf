#!/usr/bin/env bash
# Builds the libFuzzer target of the GraphQL core (test/fuzz/graphql_fuzz.cpp) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/, and runs it for a bounded
# time on the documents of test/gateway/documents.json and a few models. Exits non-zero on
# any crash, sanitizer report, broken invariant or slow input; artifacts go to build-fuzz/.
#
#   test/fuzz/graphql_run.sh                       # 60 s
#   UDM_FUZZ_SECONDS=300 test/fuzz/graphql_run.sh  # longer
#   test/fuzz/graphql_run.sh build-fuzz/crash-...  # replay one input
#
# Needs clang-14 and libclang-rt-14-dev (scripts/setup).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"
seconds=${UDM_FUZZ_SECONDS:-60}
finish() { echo "graphql fuzz: $1 passed, $2 failed"; }

if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
    echo "graphql fuzz: error: UDM_FUZZ_SECONDS must be a positive number of seconds" >&2
    finish 0 1
    exit 2
fi
mkdir -p "$build"
if ! CC=${UDM_FUZZ_CC:-clang-14} CXX=${UDM_FUZZ_CXX:-clang++-14} cmake -S "$root" -B "$build" -DUDM_FUZZ=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/graphql_build.log" 2>&1 ||
    ! cmake --build "$build" --target udm_graphql_fuzz -j"$(nproc)" >>"$build/graphql_build.log" 2>&1; then
    cat "$build/graphql_build.log" >&2
    finish 0 1
    exit 1
fi
fuzzer="$build/udm_graphql_fuzz"

if (($# > 0)); then
    if "$fuzzer" -rss_limit_mb=2048 "$@"; then finish 1 0; exit 0; fi
    finish 0 1
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
# Seeds: every document of the request corpus, and models (first byte 1).
node -e '
const fs = require("fs");
const corpus = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
corpus.requests.forEach((r, i) => fs.writeFileSync(`${process.argv[2]}/doc-${i}`, r.document));
fs.writeFileSync(`${process.argv[2]}/model-0`, "\x01" + JSON.stringify(corpus.model));
' "$root/test/gateway/documents.json" "$work/corpus"
printf '\x01{"classes": {"query": {}, "a_b1": {}, "a_b_1": {}}, "attributes": {"x": {"type": "text", "description": "\\"\\"\\" \\u0001"}}}' >"$work/corpus/model-1"

log="$build/graphql_fuzz.log"
echo "graphql fuzz: running udm_graphql_fuzz for ${seconds} s (log: $log)"
status=0
"$fuzzer" "$work/corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
    -artifact_prefix="$build/" -print_final_stats=1 >"$log" 2>&1 || status=$?
if ((status == 0)) && grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant broken' "$log"; then
    status=1
fi
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$log" || true
if ((status != 0)); then
    tail -n 60 "$log" >&2
    finish 0 1
    exit 1
fi
finish 1 0
