#!/usr/bin/env bash
# The adapter's include rule (include/udm/pg/postgres.hpp): every C++, third-party and core
# header before the first udm/pg header, since each of those may bring in PostgreSQL's
# headers, whose port.h redefines printf and friends as macros. PostgreSQL's own headers may
# follow. Prints each include out of place; exits 1 when there is one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
status=0
for f in src/pg/*.cpp include/udm/pg/*.hpp; do
    [[ $f == include/udm/pg/postgres.hpp ]] && continue
    out=$(awk '
        /^#include/ {
            h = $2
            if (h ~ /^"udm\/pg\// || h ~ /^"postgres/) { seen = 1; next }
            if (seen && (h ~ /^</ || h ~ /^"udm\/core\// || h ~ /^"nlohmann/ || h ~ /^"re2/)) print FILENAME ":" FNR ": " $0
        }' "$f")
    if [[ -n $out ]]; then
        echo "$out"
        status=1
    fi
done
if ((status != 0)); then
    echo "include C++, third-party and udm/core headers before udm/pg ones (see include/udm/pg/postgres.hpp)" >&2
fi
exit "$status"
