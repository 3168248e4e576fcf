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

fuzz_name="graphql fuzz"
fuzz_target=udm_graphql_fuzz
# shellcheck source=test/fuzz/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fuzz_build
fuzz_replay "$@"
fuzz_make_work
mkdir -p "$fuzz_work/corpus"
# Seeds: every document of the request corpus, and models (first byte 1).
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
const fs = require("fs");
const corpus = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
corpus.requests.forEach((r, i) => fs.writeFileSync(`${process.argv[2]}/doc-${i}`, r.document));
fs.writeFileSync(`${process.argv[2]}/model-0`, "\x01" + JSON.stringify(corpus.model));
' "$fuzz_root/test/gateway/documents.json" "$fuzz_work/corpus"
printf '\x01{"classes": {"query": {}, "a_b1": {}, "a_b_1": {}}, "attributes": {"x": {"type": "text", "description": "\\"\\"\\" \\u0001"}}}' >"$fuzz_work/corpus/model-1"

fuzz_run "$fuzz_work/corpus" graphql_fuzz.log -timeout=10 -max_len=4096
