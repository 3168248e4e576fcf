#!/usr/bin/env bash
# Two sessions provisioning and dropping the same tenant at once: one wins, the other gets
# a clear error, and nothing is left half-made. Runs against the cluster in PGHOST/PGPORT.
set -euo pipefail

db=udm_concurrency
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
export PGOPTIONS="-c client_min_messages=warning"
# shellcheck source=test/integration/lib_check.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib_check.sh"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
psql_q -c "CREATE EXTENSION udm"

# 1. Same name, two sessions: the second waits for the first and then reports 42710.
psql_q -c "BEGIN" -c "SELECT udm.create_tenant('race')" -c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null &
first=$!
sleep 0.5
second=$(psql -X -q -At -d "$db" -v VERBOSITY=sqlstate -c "\\set VERBOSITY sqlstate" \
    -c "SELECT udm.create_tenant('race')" 2>&1 || true)
wait "$first"
check "second create of the same tenant is 42710" "ERROR:  42710" "$second"
check "one tenant exists" "1" "$(psql_q -At -c "SELECT count(*) FROM udm.tenants WHERE name = 'race'")"

# 2. The first session rolls back: the waiting one then succeeds.
psql_q -c "BEGIN" -c "SELECT udm.create_tenant('undo')" -c "SELECT pg_sleep(1.5)" -c "ROLLBACK" >/dev/null &
first=$!
sleep 0.5
second=$(psql_q -At -c "SELECT udm.create_tenant('undo')" 2>&1 || true)
wait "$first"
check "create after a rolled-back create succeeds" "tenant_undo" "$second"

# 3. Drop racing create: the drop waits, then drops what was committed.
psql_q -c "BEGIN" -c "SELECT udm.create_tenant('dropme')" -c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null &
first=$!
sleep 0.5
dropped=$(psql_q -At -c "SELECT udm.drop_tenant('dropme')" -c "SELECT 'dropped'" 2>&1 || true)
wait "$first"
check "drop waits for the create and then drops it" "dropped" "$(echo "$dropped" | tail -n 1)"
check "no role left" "0" "$(psql_q -At -c "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tenant_dropme%'")"

psql_q -c "SELECT udm.drop_tenant('race')" -c "SELECT udm.drop_tenant('undo')" >/dev/null
check "no tenant role left in the cluster" "0" \
    "$(psql_q -At -c "SELECT count(*) FROM pg_roles WHERE rolname ~ '^tenant_(race|undo|dropme)_'")"

checks_summary tenant_concurrency
