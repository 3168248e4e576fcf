#!/usr/bin/env bash
# udm on a Citus cluster with schema-based sharding (docs/scale-out.md): starts one
# coordinator and two workers from the installed Citus (scripts/citus_cluster, in a
# directory of its own on loopback ports), then, against the coordinator:
#   - every pg_regress suite: the same output as on a single server, or differing only in
#     the lines recorded in test/citus/<suite>.diff (docs/scale-out.md says why);
#   - what only a cluster has: tenants spread over both workers, each tenant's tables on
#     one worker; writes, validation and events through the coordinator; schema moves in
#     both directions between writes, with every event read once and in order; a model
#     change reaching the workers' caches; a worker restart.
# Where Citus is not installed it says so, and how to install it, and passes: the test
# command must pass on a machine without Citus. UDM_CITUS_DIR keeps the cluster's files
# there (default: a temporary directory, removed at the end).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=test/integration/lib_check.sh
source "$repo/test/integration/lib_check.sh"
finish() { checks_summary citus; }

dir=${UDM_CITUS_DIR:-}
own_dir=
if [[ -z $dir ]]; then
    dir=$(mktemp -d /tmp/udm-citus.XXXXXX)
    chmod 0755 "$dir"  # the PostgreSQL OS user runs the nodes; each has a private socket directory
    own_dir=1
fi
cleanup() {
    "$repo/scripts/citus_cluster" stop "$dir" >/dev/null 2>&1 || true
    if [[ -n $own_dir ]]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

rc=0
env_lines=$("$repo/scripts/citus_cluster" start "$dir" 2>"$dir.log") || rc=$?
if [[ $rc -eq 3 ]]; then
    sed 's/^/# /' "$dir.log"
    rm -f "$dir.log"
    echo "# skipped: Citus is not installed (above: how to install it)"
    finish
    exit 0
fi
if [[ $rc -ne 0 ]]; then
    cat "$dir.log"
    rm -f "$dir.log"
    check "the Citus cluster starts" 0 "$rc"
    finish
    exit 1
fi
rm -f "$dir.log"
eval "$env_lines"
coord_sock=$PGHOST
workers=("$CITUS_WORKER1_PORT" "$CITUS_WORKER2_PORT")
worker_sock() { # the socket directory of the worker on port $1
    if [[ $1 == "$CITUS_WORKER1_PORT" ]]; then echo "$dir/worker1/sock"; else echo "$dir/worker2/sock"; fi
}
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
qw() { local port=$1; shift; q -h "$(worker_sock "$port")" -p "$port" "$@"; }

# A database of the cluster: created on every node, with Citus, the workers registered.
# cluster_db <db> [command]: the command runs in between, in the database on the
# coordinator, before Citus is there (a database that had udm before Citus).
cluster_db() {
    local db=$1 before=${2:-} port
    for port in "$PGPORT" "${workers[@]}"; do
        local sock=$coord_sock
        [[ $port != "$PGPORT" ]] && sock=$(worker_sock "$port")
        q -h "$sock" -p "$port" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
            -c "CREATE DATABASE $db"
    done
    [[ -z $before ]] || q -d "$db" -c "$before" >/dev/null
    for port in "$PGPORT" "${workers[@]}"; do
        local sock=$coord_sock
        [[ $port != "$PGPORT" ]] && sock=$(worker_sock "$port")
        q -h "$sock" -p "$port" -d "$db" -c "CREATE EXTENSION citus"
    done
    q -d "$db" -c "SELECT citus_set_coordinator_host('127.0.0.1', $PGPORT)" >/dev/null
    for port in "${workers[@]}"; do
        q -d "$db" -c "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
    done
}

# --- every regression suite, against the coordinator --------------------------------------------
# Each suite's output is compared with the single server's expected output once Citus' own
# additions are taken out of both (the CONTEXT naming the worker an error came from, the
# warning that a temporary function stays on the coordinator) and shard ids, node
# addresses and random uuids made neutral. Most are the same. Where Citus differs
# (docs/scale-out.md says why, suite by suite), the lines that differ are recorded in
# test/citus/<suite>.diff and must be exactly those: a new difference, or one gone, fails.
# UDM_CITUS_RECORD=1 writes them anew (read them before committing); CITUS_REGRESS runs
# only some suites.
CITUS_REGRESS=${CITUS_REGRESS:-$(sed -n '/^REGRESS = /,/^$/p' "$repo/Makefile" | sed 's/^REGRESS = //; s/\\//')}
CITUS_REGRESS=$(tr -s ' \n' ' ' <<<"$CITUS_REGRESS")
citus_filter() {
    sed -E \
        -e '/^CONTEXT:  while executing command on [0-9.]+:[0-9]+$/d' \
        -e '/^while executing command on [0-9.]+:[0-9]+$/d' \
        -e '/^(psql:[^ ]*: )?WARNING:  "(function|view) [^"]*" has dependency on unsupported object "schema pg_temp_[0-9]+"$/d' \
        -e '/^DETAIL:  "(function|view) [^"]*" will be created only locally$/d' \
        -e 's/_1[0-9]{5,}\b/_<shard>/g' \
        -e 's/127\.0\.0\.1:[0-9]+|host=127\.0\.0\.1 port=[0-9]+/<node>/g' \
        -e 's/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/<random uuid>/g' "$1"
}
# The lines of $2 (filtered) that are not in $1 (filtered), and the other way: "-" the
# single server's, "+" the coordinator's, in the order they come.
citus_changes() {
    diff --unchanged-line-format='' --old-line-format='-%L' --new-line-format='+%L' \
        <(citus_filter "$1") <(citus_filter "$2") || true
}
cluster_db contrib_regression
out=$dir/regress
mkdir -p "$out"
make -s -C "$repo" PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" installcheck \
    REGRESS="$CITUS_REGRESS" \
    EXTRA_REGRESS_OPTS="--use-existing --outputdir=$out --host=$coord_sock --port=$PGPORT" \
    >"$out/make.log" 2>&1 || true
for suite in $CITUS_REGRESS; do
    result=$out/results/$suite.out
    recorded=$repo/test/citus/$suite.diff
    if [[ ! -f $result ]]; then
        check "pg_regress $suite on the coordinator" "output" "none (see $out/make.log)"
        continue
    fi
    citus_changes "$repo/expected/$suite.out" "$result" >"$out/$suite.changes"
    if [[ -n ${UDM_CITUS_RECORD:-} ]]; then
        if [[ -s $out/$suite.changes ]]; then cp "$out/$suite.changes" "$recorded"; else rm -f "$recorded"; fi
    fi
    if [[ ! -f $recorded ]]; then
        if [[ -s $out/$suite.changes ]]; then
            head -n 40 "$out/$suite.changes" | sed 's/^/# /'
        fi
        check "pg_regress $suite on the coordinator: as on a single server" 0 \
            "$(wc -l <"$out/$suite.changes")"
    elif diff -u "$recorded" "$out/$suite.changes" >"$out/$suite.unrecorded"; then
        check "pg_regress $suite on the coordinator: only the differences recorded" same same
    else
        head -n 40 "$out/$suite.unrecorded" | sed 's/^/# /'
        check "pg_regress $suite on the coordinator: only the differences recorded" same \
            "$(tail -n +3 "$out/$suite.unrecorded" | grep -c '^[-+][-+]' || true) lines unlike test/citus/$suite.diff"
    fi
done

# --- the libpqxx integration tests (test/integration/libpqxx.sh) ---------------------------------
# Against the coordinator, in a database of the cluster made here (UDM_IT_PREPARED=1).
# Concurrent model changes and relates, the lock timeout, rule caches, the outbox read
# gap-free under interleaved commits. Three are skipped there, each saying why: the data
# signals are sent by the workers (tested below and by gateway_citus.sh), and a reader can
# see the coordinator's commit of a model change before the worker's (docs/scale-out.md).
it_bin=${UDM_BUILD_DIR:-$repo/build}/udm_integration_tests
if [[ ${UDM_PREBUILT:-} != 1 && ! -x $it_bin ]]; then
    cmake -S "$repo" -B "$repo/build" >/dev/null && cmake --build "$repo/build" -j2 --target udm_integration_tests >/dev/null
fi
cluster_db udm_it_models
q -d udm_it_models -c "CREATE EXTENSION udm"
it_log=$dir/libpqxx.log
UDM_IT_PREPARED=1 "$it_bin" --gtest_color=no >"$it_log" 2>&1 || true
it_passed=$(grep -cE '^\[       OK \] ' "$it_log" || true)
it_failed=$(grep -cE '^\[  FAILED  \] .* \([0-9]+ ms\)$' "$it_log" || true)
it_skipped=$(grep -cE '^\[  SKIPPED \] .* \([0-9]+ ms\)$' "$it_log" || true)
if ((it_failed > 0 || it_passed == 0)); then
    grep -E 'Failure|Expected|Actual|Which is|exception|FAILED' "$it_log" | head -n 40 | sed 's/^/# /'
fi
check "libpqxx integration tests on the coordinator ($it_passed passed)" "0 failed, 3 skipped" \
    "$( ((it_passed > 0)) && echo "$it_failed failed, $it_skipped skipped" || echo "none ran (see $it_log)")"

# --- the gateway's end-to-end suite (test/integration/gateway_e2e.sh) -------------------------------
# Against the coordinator, in its database (udm_gateway_e2e) made a database of the
# cluster here (UDM_GATEWAY_DB_PREPARED=1).
cluster_db udm_gateway_e2e
e2e_log=$dir/gateway_e2e.log
# Not the cluster scripts/test may have started for this script: its restart cases are
# left out here.
env -u UDM_CLUSTER_DIR UDM_GATEWAY_DB_PREPARED=1 PGDATABASE=postgres \
    bash "$repo/test/integration/gateway_e2e.sh" >"$e2e_log" 2>&1 || true
e2e_summary=$(tail -n 1 "$e2e_log")
if [[ $e2e_summary != "gateway e2e: "*" passed, 0 failed" ]]; then
    grep -E '^not ok' "$e2e_log" | head -n 20 | sed 's/^/# /'
fi
check "the gateway's end-to-end suite against the coordinator" "0 failed" \
    "$(sed -nE 's/^gateway e2e: [0-9]+ passed, ([0-9]+ failed)$/\1/p' <<<"$e2e_summary")"

# --- what only a cluster has -------------------------------------------------------------------
db=udm_citus
cluster_db "$db"
export PGDATABASE=$db
q -c "CREATE EXTENSION udm"
for t in ca cb cc cd; do q -c "SELECT udm.create_tenant('$t')" >/dev/null; done

# Each tenant a distributed schema, its tables together on one worker; tenants on both.
check "every tenant is a distributed schema" 4 \
    "$(q -c "SELECT count(*) FROM citus_schemas WHERE schema_name::text LIKE 'tenant\_c_'")"
check "each tenant's tables on one node" 0 "$(q -c "
    SELECT count(*) FROM (SELECT split_part(table_name::text, '.', 1) FROM citus_shards
                          WHERE table_name::text LIKE 'tenant\_c_.%'
                          GROUP BY 1 HAVING count(DISTINCT nodeport) <> 1) x")"
node_of() { # the port of the worker that holds tenant $1
    q -c "SELECT nodeport FROM citus_shards WHERE table_name = 'tenant_$1.schema_state'::regclass"
}
other_worker() { if [[ $1 == "${workers[0]}" ]]; then echo "${workers[1]}"; else echo "${workers[0]}"; fi; }
# Spread the tenants over both workers, whatever Citus chose.
for t in cb cd; do
    if [[ $(node_of "$t") == $(node_of ca) ]]; then
        q -c "SELECT citus_schema_move('tenant_$t', '127.0.0.1', $(other_worker "$(node_of ca)"))" >/dev/null
    fi
done
check "tenants on both workers" 2 \
    "$(q -c "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name::text LIKE 'tenant\_c_.%'")"
check "udm.tenants lists them" "ca cb cc cd" "$(q -c "SELECT string_agg(name, ' ' ORDER BY name) FROM udm.tenants")"

model='{"attributes": {"name": {"type": "text", "rules": {"min_length": 2}},
                      "maker": {"type": "reference", "target": "company"}},
        "classes": {"company": {"attributes": {"name": {"required": true}}},
                    "product": {"attributes": {"name": {"required": true}, "maker": {}}}}}'
for t in ca cb; do q -c "SELECT udm.apply('$t', '$model')" >/dev/null; done

# Writes through the coordinator: validated on the worker, with udm's errors.
err=$(q -c "INSERT INTO tenant_ca.tc_company (name) VALUES ('A')" 2>&1 || true)
check "a rule is enforced on the worker" 1 "$(grep -c 'violates 1 rule' <<<"$err")"
err=$(q -c "INSERT INTO tenant_ca.tc_product (name, maker) VALUES ('Pp', gen_random_uuid())" 2>&1 || true)
check "a reference is checked on the worker" 1 "$(grep -c 'refers to a missing or deleted thing' <<<"$err")"

# Events across moves: write, move, write, move back, write; a consumer reading as it goes
# gets every event once, in order.
insert() { # insert <tenant> <name>...: one company each, in order
    local t=$1 n
    shift
    for n in "$@"; do q -c "INSERT INTO tenant_$t.tc_company (name) VALUES ('$n')" >/dev/null; done
}
read_after() { # the companies of the events of tenant $1 after position $2, and the last position
    q -F '|' -c "SELECT coalesce(string_agg(c.name, ',' ORDER BY e.position), ''), coalesce(max(e.position), $2)
                 FROM udm.data_events('$1', $2, 1000) e JOIN tenant_$1.tc_company c ON c.id = e.thing_id"
}
burn_xids() { # burn_xids <worker port> <n>: n transaction ids of that worker taken and ended
    qw "$1" -d "$db" -c "DO \$\$ BEGIN FOR i IN 1..$2 LOOP PERFORM pg_catalog.txid_current(); COMMIT; END LOOP; END \$\$"
}
xid_of() { qw "$1" -d "$db" -c "SELECT pg_catalog.txid_current()"; }
home=$(node_of ca)
away=$(other_worker "$home")
# Each move goes to the node whose transaction ids are the lower ones: events written
# after a move would sort before older ones, and the old ones hide behind the new node's
# watermark, but for the epochs.
burn_xids "$home" $((2000 + $(xid_of "$away") - $(xid_of "$home")))
insert ca a1 a2
IFS="|" read -r got last < <(read_after ca 0)
check "events before a move" "a1,a2" "$got"
q -c "SELECT citus_schema_move('tenant_ca', '127.0.0.1', $away)" >/dev/null
check "the tenant moved" "$away" "$(node_of ca)"
IFS="|" read -r got _ < <(read_after ca "$last")
check "nothing new right after the move" "" "$got"
insert ca a3 a4
IFS="|" read -r got last < <(read_after ca "$last")
check "events after the move, none repeated" "a3,a4" "$got"
burn_xids "$away" $((2000 + $(xid_of "$home") - $(xid_of "$away")))
q -c "SELECT citus_schema_move('tenant_ca', '127.0.0.1', $home, shard_transfer_mode => 'block_writes')" >/dev/null
check "the tenant moved back" "$home" "$(node_of ca)"
insert ca a5
IFS="|" read -r got last < <(read_after ca "$last")
check "events after moving back" "a5" "$got"
IFS="|" read -r got _ < <(read_after ca 0)
check "every event once, in order, across both moves" "a1,a2,a3,a4,a5" "$got"
check "udm.data_head is the last position" "$last" "$(q -c "SELECT udm.data_head('ca')")"

# The first writers on a node the tenant just came to: the first claims the new epoch and
# stays open, a second waits for it; the first rolls back, so the second records the epoch
# itself. Then the tenant moves back and is written there: the epoch moves on past the
# second writer's (an epoch left unrecorded would let these events sort below its event).
q -c "SELECT citus_schema_move('tenant_ca', '127.0.0.1', $away)" >/dev/null
epoch_of() { q -c "SELECT max(epoch) FROM tenant_ca.data_events"; }
state_of() {
    q -F ' ' -c "SELECT s.data_events_epoch, n.nodeport FROM tenant_ca.schema_state s
                 JOIN pg_dist_node n ON n.groupid = s.data_events_node"
}
before_epoch=$(epoch_of)
q -c "BEGIN" -c "INSERT INTO tenant_ca.tc_company (name) VALUES ('f1')" -c "SELECT pg_sleep(6)" \
    -c "ROLLBACK" >/dev/null 2>&1 &
first_pid=$!
sleeping=no
for _ in $(seq 1 100); do
    if [[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(6)'") == 1 ]]; then
        sleeping=yes
        break
    fi
    sleep 0.1
done
check "the first writer on the new node claims the epoch and stays open" yes "$sleeping"
insert ca f2 # waits for the first writer
wait "$first_pid" || true
check "a second writer, after the first rolled back, records the next epoch" "$((before_epoch + 1)) $away" \
    "$(state_of)"
IFS="|" read -r got last < <(read_after ca "$last")
check "... its event is read, the first writer's is not" "f2" "$got"
q -c "SELECT citus_schema_move('tenant_ca', '127.0.0.1', $home)" >/dev/null
insert ca g1
check "moved back, the epoch moves on past the second writer's" "$((before_epoch + 2)) $home" "$(state_of)"
IFS="|" read -r got last < <(read_after ca "$last")
check "... and its event follows" "g1" "$got"
IFS="|" read -r got _ < <(read_after ca 0)
check "every event once, in order, after the first writers and the move back" "a1,a2,a3,a4,a5,f2,g1" "$got"

# udm.relate through the coordinator runs whole on the worker, recording who related as
# this session says (udm.actor), not as Citus' connection.
q -c "SELECT udm.create_relationship_type('cb', 'partners')" \
    -c "SELECT udm.allow_relationship('cb', 'company', 'company', 'partners')" >/dev/null
insert cb p1 p2
rel_ids=$(q -F ' ' -c "SELECT min(id::text), max(id::text) FROM tenant_cb.tc_company WHERE name IN ('p1', 'p2')")
read -r rel_a rel_b <<<"$rel_ids"
q -c "SET udm.actor = 'app-user-7'" -c "SELECT udm.relate('cb', 'partners', '$rel_a', '$rel_b')" >/dev/null
check "udm.relate on the coordinator records the session's udm.actor" "app-user-7" \
    "$(q -c "SELECT created_by FROM tenant_cb.relationships")"

# A udm function called for the rows of a query Citus sends to a worker: for the tenant
# held there it runs; for one held on the other worker Citus refuses, as without udm.
check "a pushed-down udm call for the tenant of the worker" t \
    "$(q -c "SELECT udm.model('ca') IS NOT NULL FROM tenant_ca.tc_company LIMIT 1")"
[[ $(node_of cb) != "$(node_of ca)" ]] || q -c "SELECT citus_schema_move('tenant_cb', '127.0.0.1', $(other_worker "$(node_of ca)"))" >/dev/null
err=$(q -c "SELECT udm.model('cb') IS NOT NULL FROM tenant_ca.tc_company LIMIT 1" 2>&1 || true)
check "... and for a tenant on another worker, Citus' refusal" 1 \
    "$(grep -c 'cannot execute a distributed query from a query on a shard' <<<"$err")"

# A model change reaches the caches of the worker's sessions: one coordinator session that
# validated with the old rule before.
out=$(q <<'SQL' 2>&1 || true
INSERT INTO tenant_cb.tc_company (name) VALUES ('Ab');
SET udm.rules_not_valid = on;
SELECT udm.alter_attribute('cb', 'name', validation_rules => '{"min_length": 3}') > 0;
INSERT INTO tenant_cb.tc_company (name) VALUES ('Cd');
SQL
)
check "a tightened rule applies at once on the worker" 1 "$(grep -c 'at least 3 characters' <<<"$out")"

# A transaction over both workers (two-phase commit): committed, and its events read.
q -c "BEGIN" -c "INSERT INTO tenant_ca.tc_company (name) VALUES ('x1')" \
    -c "INSERT INTO tenant_cb.tc_company (name) VALUES ('x2y')" -c "COMMIT" >/dev/null
IFS="|" read -r got last < <(read_after ca "$last")
check "a transaction over two workers commits, with its events" "x1" "$got"
check "... on both" 1 "$(q -c "SELECT count(*) FROM udm.data_events('cb', 0, 1000) e
                              JOIN tenant_cb.tc_company c ON c.id = e.thing_id WHERE c.name = 'x2y'")"

# Reading every tenant's state keeps no lock on the coordinator (each node is read on a
# connection and in a transaction of its own), however many tenants there are.
check "udm.tenants and udm.tenant_state keep no lock on tenants' tables" 0 "$(q -c "
    BEGIN;
    SELECT count(*) FROM udm.tenants;
    SELECT count(*) FROM udm.tenant_state(ARRAY['ca', 'cb', 'cc', 'cd']);
    SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
     WHERE l.pid = pg_backend_pid() AND c.relnamespace::regnamespace::text LIKE 'tenant\_%';
    COMMIT;" | sed -n 3p)"
check "udm.tenant_state reads each tenant on its worker" "ca:true:true cb:true:true cc:true:true cd:true:true" \
    "$(q -c "SELECT string_agg(tenant || ':' || reachable || ':' || (schema_version IS NOT NULL), ' '
                               ORDER BY tenant)
             FROM udm.tenant_state(ARRAY['ca', 'cb', 'cc', 'cd'])")"
check "udm.tenant_states_here is udm's own" 1 \
    "$(q -c "SET ROLE tenant_ca_role; SELECT udm.tenant_states_here(ARRAY['ca'])" 2>&1 | grep -c 'permission denied')"

# A worker down: the tenants it holds exist still, unread, and the others are read as
# before; once it is back, its tenant is written and read again.
w=$(node_of ca)
wdir=$dir/worker1
[[ $w == "${workers[1]}" ]] && wdir=$dir/worker2
declare -A on_down=()
for t in ca cb cc cd; do
    on_down[$t]=false
    [[ $(node_of "$t") == "$w" ]] && on_down[$t]=true
done
as_pg=()
[[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
(cd / && "${as_pg[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$wdir/data" -l "$wdir/postgres.log" \
    -m fast -w -t 60 stop >/dev/null)
want=""
for t in ca cb cc cd; do
    if [[ ${on_down[$t]} == true ]]; then want+=" $t:false:"; else want+=" $t:true:v"; fi
done
check "a worker down: udm.tenant_state says which tenants cannot be read, reads the others" \
    "${want# }" "$(q -c "SELECT string_agg(tenant || ':' || reachable || ':' ||
                               coalesce(left(schema_version::text, 0) || 'v', ''), ' ' ORDER BY tenant)
                        FROM udm.tenant_state(ARRAY['ca', 'cb', 'cc', 'cd'])")"
listed=$(q -c "SELECT string_agg(name || ':' || (schema_version IS NOT NULL), ' ' ORDER BY name)
               FROM udm.tenants" 2>"$dir/tenants.err")
want=""
for t in ca cb cc cd; do
    if [[ ${on_down[$t]} == true ]]; then want+=" $t:false"; else want+=" $t:true"; fi
done
check "... udm.tenants lists every tenant" "${want# }" "$listed"
check "... and warns of those it could not read" 1 \
    "$(grep -c "WARNING:  the schema_state of tenants .*ca.* could not be read: node 127.0.0.1:$w" "$dir/tenants.err")"
(cd / && "${as_pg[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$wdir/data" -l "$wdir/postgres.log" \
    -w -t 60 start >/dev/null)
check "the worker back: every tenant read again" "ca:true cb:true cc:true cd:true" \
    "$(q -c "SELECT string_agg(tenant || ':' || reachable, ' ' ORDER BY tenant)
             FROM udm.tenant_state(ARRAY['ca', 'cb', 'cc', 'cd'])")"
insert ca r1
IFS="|" read -r got last < <(read_after ca "$last")
check "events after a worker restart" "r1" "$got"

# An existing tenant (created with schema-based sharding off, as on a server before Citus)
# into a distributed schema and back: its rows, rules, privileges and events go on, and what
# Citus copies between the nodes is neither validated nor recorded as events again.
q -c "SET citus.enable_schema_based_sharding = off" -c "SELECT udm.create_tenant('ce')" >/dev/null 2>&1
q -c "SELECT udm.apply('ce', '$model')" >/dev/null
q -c "SELECT udm.set_class_events('ce', 'product', false)" >/dev/null
insert ce e1 e2
ce_distributed() {
    q -c "SELECT count(*) FROM citus_schemas WHERE schema_name::text = 'tenant_ce'"
}
ce_triggers_off() {
    q -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tenant_ce.tc_product'::regclass AND tgenabled = 'D'"
}
check "a tenant created with sharding off is no distributed schema" 0 "$(ce_distributed)"
q -c "SELECT udm.distribute_tenant('ce')" >/dev/null
check "udm.distribute_tenant makes it one, all its tables on one worker" "1 1" \
    "$(ce_distributed) $(q -c "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name::text LIKE 'tenant\_ce.%'")"
check "... udm.verify finds nothing to repair" "" "$(q -c "SELECT object || ': ' || problem FROM udm.verify('ce')")"
check "... no event was recorded for the rows copied" "e1,e2" "$(read_after ce 0 | cut -d'|' -f1)"
insert ce e3
check "... rules are enforced on the worker" 1 \
    "$(q -c "INSERT INTO tenant_ce.tc_company (name) VALUES ('x')" 2>&1 | grep -c 'violates 1 rule')"
check "... its events go on, in order" "e1,e2,e3" "$(read_after ce 0 | cut -d'|' -f1)"
check "... its application role reads through row-level security" 3 \
    "$(q -c "SET ROLE tenant_ce_role" -c "SELECT count(*) FROM tenant_ce.tc_company")"
check "... a class's events switched off stay off" 3 "$(ce_triggers_off)"
check "... and a second call is refused" 1 \
    "$(q -c "SELECT udm.distribute_tenant('ce')" 2>&1 | grep -c 'is already a distributed schema')"
q -c "SELECT udm.undistribute_tenant('ce')" >/dev/null 2>&1
check "udm.undistribute_tenant brings it back to the coordinator" "0 0" \
    "$(ce_distributed) $(q -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'tenant\_ce.%'")"
check "... udm.verify finds nothing to repair" "" "$(q -c "SELECT object || ': ' || problem FROM udm.verify('ce')")"
insert ce e4
check "... its events go on, in order" "e1,e2,e3,e4" "$(read_after ce 0 | cut -d'|' -f1)"
check "... its tables are its owner role's again" tenant_ce_owner \
    "$(q -c "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'tenant_ce'::regnamespace")"
check "... a class's events switched off stay off" 3 "$(ce_triggers_off)"
q -c "SELECT udm.drop_tenant('ce', force => true)" >/dev/null

# A database that had udm and a tenant before Citus (a server outgrowing itself): Citus is
# added and the nodes registered; the tenant, a plain schema still, is distributed, and
# udm reaches the workers with it.
cluster_db udm_citus_later "CREATE EXTENSION udm; SELECT udm.create_tenant('old');
    SELECT udm.apply('old', '$model'); INSERT INTO tenant_old.tc_company (name) VALUES ('o1')"
q -d udm_citus_later -c "SELECT udm.distribute_tenant('old')" >/dev/null
q -d udm_citus_later -c "INSERT INTO tenant_old.tc_company (name) VALUES ('o2')" >/dev/null
with_udm=0
for port in "${workers[@]}"; do
    with_udm=$((with_udm + $(qw "$port" -d udm_citus_later -c "SELECT count(*) FROM pg_extension WHERE extname = 'udm'")))
done
check "udm before Citus: the tenant distributed, udm on every worker" "1 2" \
    "$(q -d udm_citus_later -c "SELECT count(*) FROM citus_schemas WHERE schema_name::text = 'tenant_old'") $with_udm"
check "... its events in order, before and after" "o1,o2" "$(PGDATABASE=udm_citus_later read_after old 0 | cut -d'|' -f1)"
check "... udm.verify finds nothing to repair" "" \
    "$(q -d udm_citus_later -c "SELECT object || ': ' || problem FROM udm.verify('old')")"
q -d udm_citus_later -c "SELECT udm.drop_tenant('old', force => true)" >/dev/null

# Dropping a tenant removes it from the workers too.
q -c "SELECT udm.drop_tenant('cd', force => true)" >/dev/null
left=0
for port in "${workers[@]}"; do
    left=$((left + $(qw "$port" -d "$db" -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_cd'")))
done
check "a dropped tenant is gone from the workers" 0 "$left"

finish
