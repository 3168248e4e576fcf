#!/usr/bin/env bash
# udm through PgBouncer in transaction pooling mode: a configuration written by
# scripts/pgbouncer_config (one pool per tenant, sized by its max_connections, open to
# that tenant's role only), then
# provisioning, model changes, inserts judged by rules, updates, soft deletes and
# udm.graphql queries and mutations through it; two tenants interleaved over one server
# connection (the per-backend caches must tell them apart), udm.actor per transaction, and
# what PostgreSQL enforces of the tenants' limits. Runs against the cluster in
# PGHOST/PGPORT (a socket directory, as scripts/test gives it); PgBouncer listens on
# 127.0.0.1 only, with a private socket directory, as the PostgreSQL OS user (not root).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
db=udm_pgbouncer
pgbouncer=${PGBOUNCER:-/usr/sbin/pgbouncer}
export PGOPTIONS="-c client_min_messages=warning"
# shellcheck source=test/integration/lib_check.sh
source "$repo/test/integration/lib_check.sh"

if [[ ! -x $pgbouncer ]]; then
    echo "not ok - pgbouncer not found at $pgbouncer (scripts/setup installs it)"
    echo "pgbouncer: 0 passed, 1 failed"
    exit 1
fi

# PgBouncer refuses to run as root: it runs as the OS user of PostgreSQL.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# A free port of the range set aside for this test (UDM_PGBOUNCER_PORTS: another range, so
# that runs side by side do not meet).
port=
for p in ${UDM_PGBOUNCER_PORTS:-16531 16532 16533 16534 16535 16536 16537 16538 16539}; do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        port=$p
        break
    fi
done
[[ -n $port ]] || { echo "not ok - no free port for PgBouncer"; echo "pgbouncer: 0 passed, 1 failed"; exit 1; }

work=$(mktemp -d /tmp/udm-pgbouncer.XXXXXX)
chmod 700 "$work"
mkdir "$work/sock"
[[ $(id -u) -eq 0 ]] && chown -R postgres "$work"
# Clients log in to PgBouncer as the role PgBouncer then logs in to PostgreSQL as: a tenant's
# client as tenant_<t>_role, the operator as the superuser (trust here: a name the
# auth_file lists and the HBA file admits to that database; in production a password).
# stray_user is listed in the auth_file but admitted to no database.
stray_user=udm_client_$RANDOM$RANDOM

admin_psql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
stop_pgbouncer() {
    if [[ -s $work/pgbouncer.pid ]]; then
        local pid
        pid=$(cat "$work/pgbouncer.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$work/pgbouncer.pid"
    fi
}
cleanup() {
    stop_pgbouncer
    psql -X -q -d "$db" -c "SELECT udm.drop_tenant(name, force => true) FROM udm.tenants WHERE name IN ('pa', 'pb')" >/dev/null 2>&1 || true
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
admin_psql -c "CREATE EXTENSION udm"
superuser=$(admin_psql -c "SELECT current_user")
for u in "$superuser" "$stray_user" tenant_pa_role tenant_pb_role; do printf '"%s" ""\n' "$u"; done >"$work/userlist.txt"
chmod 600 "$work/userlist.txt"
[[ $(id -u) -eq 0 ]] && chown postgres "$work/userlist.txt"

write_config() {
    PGDATABASE=$db "$repo/scripts/pgbouncer_config" --server-host "$PGHOST" --server-port "${PGPORT:-5432}" \
        --listen-port "$port" --socket-dir "$work/sock" --auth-method trust \
        --auth-file "$work/userlist.txt" --auth-hba-file "$work/pgbouncer_hba.conf" --max-client-conn 200 \
        --pidfile "$work/pgbouncer.pid" --logfile "$work/pgbouncer.log" \
        --operator "$superuser" --operator-pool-size 1 --output "$work/pgbouncer.ini"
    [[ $(id -u) -eq 0 ]] && chown postgres "$work/pgbouncer.ini" "$work/pgbouncer_hba.conf"
    return 0
}

# Through PgBouncer: psql to one of its databases as a given client role.
bq_as() { # bq_as <role> <pgbouncer database> <psql args...>
    local user=$1 target=$2
    shift 2
    # PgBouncer refuses the startup parameter "options" that PGOPTIONS would send.
    env -u PGOPTIONS PGUSER="$user" psql -X -q -At -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port dbname=$target" "$@"
}
# As the role a database is for: tenant_<t> as tenant_<t>_role, operator as the superuser.
bq() { # bq <pgbouncer database> <psql args...>
    local target=$1
    shift
    if [[ $target == tenant_* ]]; then
        bq_as "${target}_role" "$target" "$@"
    else
        bq_as "$superuser" "$target" "$@"
    fi
}
# Whether a client role is served on a PgBouncer database.
served() { # served <role> <pgbouncer database>
    bq_as "$1" "$2" -c "SELECT 1" >/dev/null 2>&1 && echo served || echo refused
}
# The SQLSTATE of the error a statement through PgBouncer raises.
bq_error() { # bq_error <pgbouncer database> <sql>
    bq "$1" -v VERBOSITY=sqlstate -c "\\set VERBOSITY sqlstate" -c "$2" 2>&1 >/dev/null | sed -n 's/^.*ERROR:  //p' | head -n 1
}

# 1. PgBouncer with no tenant yet: the operator's pool only.
write_config
check "no tenant pool before tenants exist" "0" "$(grep -c '^tenant_' "$work/pgbouncer.ini" || true)"
as_pg "$pgbouncer" -d "$work/pgbouncer.ini" >/dev/null
for _ in $(seq 100); do bq operator -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
check "PgBouncer serves" "1" "$(bq operator -c 'SELECT 1')"
check "PgBouncer listens on loopback only" "listen_addr = 127.0.0.1" "$(grep '^listen_addr' "$work/pgbouncer.ini")"
check "PgBouncer refuses other client names" "refused" "$(served intruder operator)"
check "PgBouncer refuses a listed name the HBA file admits nowhere" "refused" "$(served "$stray_user" operator)"
check "the HBA file admits loopback only" "" "$(grep -vE '^#|^host [a-z_]+ [A-Za-z0-9_]+ (127\.0\.0\.1/32|::1/128) trust$' "$work/pgbouncer_hba.conf" || true)"

# 2. Provisioning and model changes through the operator's pool. Both tenants get the
#    same classes (so the same versions and GraphQL documents) but different rules.
model() { # model <max price>
    printf '{"attributes": {"name": {"type": "text", "rules": {"min_length": 2}}, "price": {"type": "number", "rules": {"min": 0, "max": %s}}},
             "classes": {"product": {"attributes": {"name": {"required": true}, "price": {}}}}}' "$1"
}
check "tenants created through PgBouncer" "tenant_pa tenant_pb" \
    "$(bq operator -c "SELECT udm.create_tenant('pa')" -c "SELECT udm.create_tenant('pb')" | tr '\n' ' ' | sed 's/ $//')"
check "models applied through PgBouncer" "1 1" \
    "$(bq operator -c "SELECT udm.apply('pa', '$(model 1000)')" -c "SELECT udm.apply('pb', '$(model 100)')" | tr '\n' ' ' | sed 's/ $//')"
bq operator -c "SELECT udm.set_tenant_limits('pa', '{\"max_connections\": 2, \"statement_timeout\": 300}')" \
    -c "SELECT udm.set_tenant_limits('pb', '{\"max_connections\": 3, \"work_mem\": 2048}')" >/dev/null
# The operator lets the tenants' roles log in (in production with a password,
# docs/limits.md): a tenant's clients log in to PgBouncer, and PgBouncer to PostgreSQL, as it.
bq operator -c "ALTER ROLE tenant_pa_role LOGIN" -c "ALTER ROLE tenant_pb_role LOGIN" >/dev/null

# 3. The tenants' pools, written anew and reloaded without a restart.
write_config
check "one pool per tenant, sized by max_connections" \
    "tenant_pa ... pool_size=2 max_db_connections=2|tenant_pb ... pool_size=3 max_db_connections=3" \
    "$(sed -nE 's/^(tenant_[a-z]+) = .* (pool_size=.*)$/\1 ... \2/p' "$work/pgbouncer.ini" | paste -sd '|')"
check "no pool forces a user" "" "$(grep -E '^[a-z_]+ = .*user=' "$work/pgbouncer.ini" || true)"
# One tenant's bad stored limits (a hand UPDATE, a row of a newer udm) cost that tenant its
# pool size (the default, with a warning), not everyone's configuration.
cp "$work/pgbouncer.ini" "$work/good.ini"
admin_psql -c "UPDATE tenant_pb.schema_state SET limits = '{\"max_connections\": \"many\", \"cpu\": 1}'"
write_config 2>"$work/config.err"
check "a tenant with bad stored limits gets the default pool" \
    "tenant_pa ... pool_size=2 max_db_connections=2|tenant_pb ... pool_size=10 max_db_connections=10" \
    "$(sed -nE 's/^(tenant_[a-z]+) = .* (pool_size=.*)$/\1 ... \2/p' "$work/pgbouncer.ini" | paste -sd '|')"
check "and a warning naming it" "1" "$(grep -c 'limits of tenant pb cannot be read' "$work/config.err" || true)"
admin_psql -c "UPDATE tenant_pb.schema_state SET limits = '{\"max_connections\": 3, \"work_mem\": 2048}'"
# A run that fails leaves the files in place as they were, never empty or cut short.
write_config
cp "$work/pgbouncer.ini" "$work/good.ini"
cp "$work/pgbouncer_hba.conf" "$work/good_hba.conf"
# (a psql that fails once the tenants are read: the run stops half way)
mkdir "$work/bin"
printf '#!/bin/sh\ncase "$*" in *ON_ERROR_STOP=0*) echo "psql: connection lost" >&2; exit 2 ;; esac\nexec %q "$@"\n' \
    "$(command -v psql)" >"$work/bin/psql"
chmod 755 "$work/bin/psql"
check "a failed run fails" "failed" "$(PATH=$work/bin:$PATH PGDATABASE=$db "$repo/scripts/pgbouncer_config" \
    --auth-hba-file "$work/pgbouncer_hba.conf" --output "$work/pgbouncer.ini" >/dev/null 2>&1 && echo wrote || echo failed)"
check "and leaves the configuration as it was" "same" \
    "$(cmp -s "$work/good.ini" "$work/pgbouncer.ini" && cmp -s "$work/good_hba.conf" "$work/pgbouncer_hba.conf" && echo same || echo changed)"
check "and no temporary file behind" "" "$(find "$work" -maxdepth 1 -name '.pgbouncer*' -printf '%f ')"
as_pg kill -HUP "$(cat "$work/pgbouncer.pid")"
for _ in $(seq 100); do bq tenant_pa -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done

# Each pool is its own tenant's: a client of tenant pa is refused on pb's pool and on the
# operator's, and the other way round.
check "pa's client on its own pool" "served" "$(served tenant_pa_role tenant_pa)"
check "pa's client refused on pb's pool" "refused" "$(served tenant_pa_role tenant_pb)"
check "pa's client refused on the operator's pool" "refused" "$(served tenant_pa_role operator)"
check "pb's client refused on pa's pool" "refused" "$(served tenant_pb_role tenant_pa)"
check "the operator refused on a tenant's pool" "refused" "$(served "$superuser" tenant_pa)"
check "a listed client admitted nowhere is refused on a tenant's pool" "refused" "$(served "$stray_user" tenant_pa)"

# 4. What PostgreSQL enforces: the tenant's pool logs in as its role and has its settings.
check "tenant pool runs as the tenant's role with its settings" "tenant_pa_role|300ms|4MB" \
    "$(bq tenant_pa -F '|' -c "SELECT current_user, current_setting('statement_timeout'), current_setting('work_mem')")"
check "other tenant's settings" "tenant_pb_role|2MB" \
    "$(bq tenant_pb -F '|' -c "SELECT current_user, current_setting('work_mem')")"
check "a statement over the tenant's statement_timeout is cancelled" "57014" \
    "$(bq_error tenant_pa "SELECT pg_sleep(2)")"
check "the tenant's pool cannot read the other tenant" "42501" \
    "$(bq_error tenant_pa "SELECT count(*) FROM tenant_pb.tc_product")"
check "the tenant cannot raise its own limits" "42501" \
    "$(bq_error tenant_pa "SELECT udm.set_tenant_limits('pa', '{\"max_connections\": 100}')")"
# Five clients at once through a pool of two: they queue in PgBouncer, never more than two
# server connections as the tenant's role.
for i in 1 2 3 4 5; do
    bq tenant_pa -c "SELECT pg_sleep(0.25)" >"$work/sleep.$i" 2>&1 &
done
most=0
for _ in $(seq 8); do
    n=$(admin_psql -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'tenant_pa_role' AND datname = '$db'")
    ((n > most)) && most=$n
    sleep 0.05
done
wait
check "at most max_connections server connections for the tenant" "yes" "$([[ $most -ge 1 && $most -le 2 ]] && echo yes || echo "no: $most")"
check "every queued client was served" "" "$(cat "$work"/sleep.* | grep -v '^$' || true)"
# Direct logins as the role count against its CONNECTION LIMIT too.
check "the role's CONNECTION LIMIT is max_connections" "2" \
    "$(admin_psql -c "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'tenant_pa_role'")"

# 5. CRUD through the tenant's own pool: inserts judged by rules, updates, soft deletes.
check "insert" "INSERT 0 1" "$(env -u PGOPTIONS PGUSER=tenant_pa_role psql -X -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port dbname=tenant_pa" \
    -c "INSERT INTO tenant_pa.tc_product (name, price) VALUES ('anvil', 10)" 2>&1)"
check "insert breaking a rule" "23514" "$(bq_error tenant_pa "INSERT INTO tenant_pa.tc_product (name, price) VALUES ('x', -1)")"
bq tenant_pa -c "UPDATE tenant_pa.tc_product SET price = 12 WHERE name = 'anvil'"
check "update breaking a rule" "23514" "$(bq_error tenant_pa "UPDATE tenant_pa.tc_product SET price = 5000 WHERE name = 'anvil'")"
bq tenant_pa -c "INSERT INTO tenant_pa.tc_product (name, price) VALUES ('bucket', 3)" \
    -c "UPDATE tenant_pa.tc_product SET is_deleted = true WHERE name = 'bucket'"
check "soft delete" "anvil|12|f bucket|3|t" \
    "$(bq tenant_pa -F '|' -c "SELECT name, price, is_deleted FROM tenant_pa.tc_product ORDER BY name" | paste -sd ' ')"
check "soft delete recorded as an event" "insert update insert soft_delete" \
    "$(bq tenant_pa -c "SELECT operation FROM udm.data_events('pa', 0)" | paste -sd ' ')"
check "graphql mutation" "1" \
    "$(bq tenant_pa -c "SELECT udm.graphql('pa', 'mutation { insertIntoProductCollection(objects: [{name: \"chisel\", price: 7}]) { affectedCount } }') #>> '{data,insertIntoProductCollection,affectedCount}'")"
check "graphql query leaves soft-deleted things out" '["anvil", "chisel"]' \
    "$(bq tenant_pa -c "SELECT jsonb_path_query_array(udm.graphql('pa', '{ productCollection(orderBy: [{name: AscNullsLast}]) { edges { node { name } } } }'), '\$.data.productCollection.edges[*].node.name')")"

check "graphql delete is a soft delete" "1|chisel|t" \
    "$(bq tenant_pa -F '|' -c "SELECT udm.graphql('pa', 'mutation { deleteFromProductCollection(filter: {name: {eq: \"chisel\"}}) { affectedCount } }') #>> '{data,deleteFromProductCollection,affectedCount}'" \
        -c "SELECT name, is_deleted FROM tenant_pa.tc_product WHERE name = 'chisel'" | paste -sd '|')"

# 6. Two tenants interleaved over the one server connection of the operator's pool, as the
#    gateway runs them on its own connections: SET LOCAL ROLE and SET LOCAL udm.actor in
#    each transaction. Each psql below is a new client; the server connection is the same.
as_tenant() { # as_tenant <tenant> <actor or ""> <sql...>: one transaction on the operator's pool
    local t=$1 actor=$2
    shift 2
    local args=(-c "BEGIN" -c "SET LOCAL ROLE tenant_${t}_role")
    [[ -n $actor ]] && args+=(-c "SET LOCAL udm.actor = '$actor'")
    for sql in "$@"; do args+=(-c "$sql"); done
    args+=(-c "COMMIT")
    bq operator "${args[@]}"
}
pids=()
for i in 1 2 3; do
    for t in pa pb; do
        pids+=("$(as_tenant "$t" "user_${t}_$i" "INSERT INTO tenant_$t.tc_product (name, price) VALUES ('${t}_item_$i', $((i * 20)))" "SELECT pg_backend_pid()")")
    done
done
check "one server connection served both tenants" "1" "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)"
check "rules of each tenant on the shared connection (pa allows 500)" "" \
    "$(as_tenant pa "" "INSERT INTO tenant_pa.tc_product (name, price) VALUES ('pa_big', 500)" 2>&1)"
check "rules of each tenant on the shared connection (pb refuses 500)" "23514" \
    "$(bq_error operator "BEGIN; SET LOCAL ROLE tenant_pb_role; INSERT INTO tenant_pb.tc_product (name, price) VALUES ('pb_big', 500); COMMIT")"
check "udm.actor per transaction, not per connection" \
    "pa_big|$superuser pa_item_1|user_pa_1 pa_item_2|user_pa_2 pa_item_3|user_pa_3" \
    "$(admin_psql -F '|' -c "SELECT name, created_by FROM tenant_pa.tc_product WHERE name LIKE 'pa\\_%' ORDER BY name" | paste -sd ' ')"
check "actor of the other tenant" "pb_item_1|user_pb_1 pb_item_2|user_pb_2 pb_item_3|user_pb_3" \
    "$(admin_psql -F '|' -c "SELECT name, created_by FROM tenant_pb.tc_product ORDER BY name" | paste -sd ' ')"
# Same document, same version, two tenants, one backend: each its own answer.
query='{ productCollection(orderBy: [{name: AscNullsLast}]) { totalCount edges { node { name } } } }'
for round in 1 2; do
    for t in pa pb; do
        answer=$(as_tenant "$t" "" "SELECT udm.graphql('$t', '$query') #>> '{data,productCollection,totalCount}'")
        expected=$([[ $t == pa ]] && echo 5 || echo 3)
        check "graphql on the shared connection, round $round, tenant $t" "$expected" "$answer"
    done
done
# A model change of one tenant on the shared connection: the other's schema stays.
as_tenant pb "" "SELECT udm.apply('pb', '{\"attributes\": {\"name\": {\"type\": \"text\", \"rules\": {\"min_length\": 2}}, \"price\": {\"type\": \"number\", \"rules\": {\"min\": 0, \"max\": 100}}, \"color\": {\"type\": \"text\"}}, \"classes\": {\"product\": {\"attributes\": {\"name\": {\"required\": true}, \"price\": {}, \"color\": {}}}}}')" >/dev/null
check "new attribute in pb's GraphQL" '["red"]' \
    "$(as_tenant pb "" "SELECT udm.graphql('pb', 'mutation { updateProductCollection(set: {color: \"red\"}, filter: {name: {eq: \"pb_item_1\"}}) { records { color } } }') #> '{data,updateProductCollection,records}' -> 0 -> 'color' IS NOT NULL" >/dev/null; as_tenant pb "" "SELECT jsonb_path_query_array(udm.graphql('pb', '{ productCollection(filter: {name: {eq: \"pb_item_1\"}}) { edges { node { color } } } }'), '\$.data.productCollection.edges[*].node.color')")"
check "not in pa's GraphQL on the same connection" "t" \
    "$(as_tenant pa "" "SELECT udm.graphql('pa', '{ productCollection { edges { node { color } } } }') ? 'errors'")"
check "model versions" "1 2" "$(bq operator -c "SELECT schema_version FROM udm.tenants ORDER BY name" | paste -sd ' ')"
# A change of limits through PgBouncer is a transaction like any other: recorded, no new
# model version.
bq operator -c "SELECT udm.set_tenant_limits('pb', '{\"max_subscriptions\": 5}')" >/dev/null
check "limits version after a change through PgBouncer" "2|2" \
    "$(bq operator -F '|' -c "SELECT schema_version, limits_version FROM udm.tenant_state(ARRAY['pb'])")"

# 7. A session-level SET (never to be used through a pooler: it stays on the server
#    connection for the pool's next client) stays in its own tenant's pool: every pool
#    serves one role, so it never reaches another tenant's clients nor the operator's.
bq tenant_pa -c "SET udm.actor = 'leaked_from_pa'" -c "SET statement_timeout = 0"
check "a session-level SET of pa does not reach pb" "|30s" \
    "$(bq tenant_pb -F '|' -c "SELECT coalesce(current_setting('udm.actor', true), ''), current_setting('statement_timeout')")"
check "nor the operator's pool" "" \
    "$(bq operator -c "SELECT coalesce(current_setting('udm.actor', true), '')")"

stop_pgbouncer
checks_summary pgbouncer
