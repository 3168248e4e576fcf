#!/usr/bin/env bash
# The doc test: every ```sql example of README.md and docs/*.md, run in order per
# document on a fresh database, must print what the document shows (the convention is
# described in test/docs/doc_test.py). Runs against the cluster in PGHOST/PGPORT with the
# extension installed; a document or several may be named to run only those.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo"
if (($# == 0)); then
  set -- README.md docs/*.md
fi
# Debian's python3 (scripts/setup installs it): a version manager's shim can take seconds.
python=/usr/bin/python3
[[ -x $python ]] || python=python3
exec "$python" test/docs/doc_test.py "$@"
