-- udm 0.1.0: tenants and the UDM catalog.
\echo Use "CREATE EXTENSION udm" to load this file. \quit

-- The extension's schema holds functions and views only; everything that belongs to a
-- tenant lives in that tenant's schema and is not a member of the extension.
GRANT USAGE ON SCHEMA udm TO PUBLIC;

-- Provisioning runs as the extension owner (it creates roles and schemas). EXECUTE is
-- revoked from PUBLIC: a superuser grants it to the platform's provisioning role.
CREATE FUNCTION udm.create_tenant(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'udm_create_tenant'
    LANGUAGE C STRICT VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.create_tenant(text) IS
    'creates schema tenant_<name>, its owner and application roles, privileges and the UDM catalog; returns the schema name';
REVOKE ALL ON FUNCTION udm.create_tenant(text) FROM PUBLIC;

CREATE FUNCTION udm.drop_tenant(name text, force boolean DEFAULT false) RETURNS void
    AS 'MODULE_PATHNAME', 'udm_drop_tenant'
    LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET client_min_messages = warning;
COMMENT ON FUNCTION udm.drop_tenant(text, boolean) IS
    'drops a tenant''s schema and roles; refuses a tenant that holds thing classes unless force is true';
REVOKE ALL ON FUNCTION udm.drop_tenant(text, boolean) FROM PUBLIC;

-- On a Citus cluster (docs/scale-out.md): an existing tenant into a distributed schema, and
-- back. The platform operator's: EXECUTE is revoked from PUBLIC.
CREATE FUNCTION udm.distribute_tenant(name text) RETURNS void
    AS 'MODULE_PATHNAME', 'udm_distribute_tenant'
    LANGUAGE C STRICT VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET client_min_messages = warning;
REVOKE ALL ON FUNCTION udm.distribute_tenant(text) FROM PUBLIC;
COMMENT ON FUNCTION udm.distribute_tenant(text) IS
    'makes an existing tenant a Citus distributed schema, as udm.create_tenant makes new ones on a cluster with schema-based sharding';
CREATE FUNCTION udm.undistribute_tenant(name text) RETURNS void
    AS 'MODULE_PATHNAME', 'udm_undistribute_tenant'
    LANGUAGE C STRICT VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET client_min_messages = warning;
REVOKE ALL ON FUNCTION udm.undistribute_tenant(text) FROM PUBLIC;
COMMENT ON FUNCTION udm.undistribute_tenant(text) IS
    'makes a distributed tenant a plain schema of the coordinator again';

CREATE FUNCTION udm.tenant_schema(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'udm_tenant_schema'
    LANGUAGE C STRICT STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.tenant_schema(text) IS
    'the schema of an existing tenant; an error for an invalid or unknown name';

CREATE FUNCTION udm.tenant_list(
        OUT name text, OUT schema_name text, OUT owner_role text, OUT app_role text,
        OUT created_at timestamptz, OUT schema_version bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'udm_tenant_list'
    LANGUAGE C STRICT STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.tenant_list() IS 'every tenant of this database, read from its schema_state';
REVOKE ALL ON FUNCTION udm.tenant_list() FROM PUBLIC;

CREATE FUNCTION udm.tenant_state(tenants text[],
        OUT tenant text, OUT identity text, OUT schema_version bigint,
        OUT data_events_pruned_through numeric, OUT limits_version bigint,
        OUT reachable boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'udm_tenant_state'
    LANGUAGE C STRICT STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.tenant_state(text[]) IS
    'for each named tenant that exists: an identity that changes when it is created again, its schema version, how far its data events were pruned and how often its limits changed (for consumers of events such as udm-gateway); on Citus, reachable is false (and the versions null) while the node holding it cannot be read';

-- On a Citus cluster, udm.tenant_list and udm.tenant_state ask each node for the tenants it
-- holds through this function, as the extension's owner (docs/scale-out.md).
CREATE FUNCTION udm.tenant_states_here(tenants text[]) RETURNS text
    AS 'MODULE_PATHNAME', 'udm_tenant_states_here'
    LANGUAGE C STRICT STABLE
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION udm.tenant_states_here(text[]) FROM PUBLIC;
COMMENT ON FUNCTION udm.tenant_states_here(text[]) IS
    'the schema_state of each named tenant this node holds, as JSON (for udm.tenant_list and udm.tenant_state on a Citus cluster)';

-- Per-tenant limits (docs/limits.md). Setting them is the platform operator's: EXECUTE is
-- revoked from PUBLIC (a superuser grants it), and a tenant's own roles are refused even
-- when granted it. Reading them is the tenant's and the operator's.
CREATE FUNCTION udm.set_tenant_limits(tenant text, limits jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'udm_set_tenant_limits'
    LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.set_tenant_limits(text, jsonb) IS
    'merges limits into the tenant''s (null restores a default), applies statement_timeout, work_mem and max_connections to its role, signals the change; returns every limit';
REVOKE ALL ON FUNCTION udm.set_tenant_limits(text, jsonb) FROM PUBLIC;

CREATE FUNCTION udm.tenant_limits(tenant text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'udm_tenant_limits'
    LANGUAGE C STRICT STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.tenant_limits(text) IS
    'every limit of the tenant with its value (its own or the default)';

CREATE FUNCTION udm.tenant_limit_definitions(
        OUT name text, OUT default_value bigint, OUT min_value bigint, OUT max_value bigint,
        OUT unit text, OUT description text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'udm_tenant_limit_definitions'
    LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION udm.tenant_limit_definitions() IS
    'every per-tenant limit: its default and allowed range';

CREATE VIEW udm.tenants AS
    SELECT name, schema_name, owner_role, app_role, created_at, schema_version
    FROM udm.tenant_list();
COMMENT ON VIEW udm.tenants IS 'the tenants of this database';
REVOKE ALL ON udm.tenants FROM PUBLIC;

-- Trigger function of every tenant table with an updated_at column.
CREATE FUNCTION udm.touch_updated_at() RETURNS trigger
    AS 'MODULE_PATHNAME', 'udm_touch_updated_at'
    LANGUAGE C;
COMMENT ON FUNCTION udm.touch_updated_at() IS 'BEFORE UPDATE row trigger: sets updated_at to now()';

-- Trigger function of every tenant's schema_state.
CREATE FUNCTION udm.forget_compiled_rules() RETURNS trigger
    AS 'MODULE_PATHNAME', 'udm_forget_compiled_rules'
    LANGUAGE C;
COMMENT ON FUNCTION udm.forget_compiled_rules() IS
    'AFTER UPDATE statement trigger of schema_state: on a Citus worker, the rules compiled for the tenant''s shards are built anew once the change commits';

-- For the regression tests of the error barrier.
CREATE FUNCTION udm._raise_test_error(kind text) RETURNS void
    AS 'MODULE_PATHNAME', 'udm_raise_test_error'
    LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION udm._raise_test_error(text) IS
    'raises one kind of error through the C++ error barrier (udm, postgres, spi, bad_alloc, std, unknown, none)';
REVOKE ALL ON FUNCTION udm._raise_test_error(text) FROM PUBLIC;

-- Models: classes, attributes, assignments, relationship types and allowed relationships.
-- Every function takes the tenant first, runs as the extension owner with a pinned
-- search_path, and checks that the caller has the privileges of the tenant's role.
-- Functions that change the model return the tenant's schema version after the change.

CREATE FUNCTION udm.create_class(tenant text, name text, description text DEFAULT NULL,
                                 validation_rules jsonb DEFAULT '{}')
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_create_class'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.create_class(text, text, text, jsonb) IS 'creates a thing class and its table tc_<name>';

CREATE FUNCTION udm.rename_class(tenant text, name text, new_name text)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_rename_class'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.rename_class(text, text, text) IS 'renames a class and its table; no data moves';

CREATE FUNCTION udm.drop_class(tenant text, name text, force boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_drop_class'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.drop_class(text, text, boolean) IS
    'drops a class and its table; refused while reference attributes point at it, and while it holds things or relationships unless force';

CREATE FUNCTION udm.create_attribute(tenant text, name text, data_type text,
                                     validation_rules jsonb DEFAULT '{}', target_class text DEFAULT NULL,
                                     description text DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_create_attribute'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.create_attribute(text, text, text, jsonb, text, text) IS
    'defines an attribute of the tenant; it becomes a column of every class it is assigned to';

CREATE FUNCTION udm.alter_attribute(tenant text, name text, new_name text DEFAULT NULL,
                                    data_type text DEFAULT NULL, target_class text DEFAULT NULL,
                                    validation_rules jsonb DEFAULT NULL, description text DEFAULT NULL,
                                    force boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_alter_attribute'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.alter_attribute(text, text, text, text, text, jsonb, text, boolean) IS
    'renames, retypes (checking every row first), retargets or re-describes an attribute; NULL leaves a property as it is; a retype that loses data (timestamp to date) needs force';

CREATE FUNCTION udm.drop_attribute(tenant text, name text, force boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_drop_attribute'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.drop_attribute(text, text, boolean) IS
    'drops an attribute; refused while assigned to a class unless force, which drops its columns and their values';

CREATE FUNCTION udm.assign_attribute(tenant text, class text, attribute text, is_required boolean DEFAULT false,
                                     assignment_rules jsonb DEFAULT '{}')
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_assign_attribute'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.assign_attribute(text, text, text, boolean, jsonb) IS
    'adds an attribute to a class: a new column of its table (optional: no table rewrite)';

CREATE FUNCTION udm.alter_assignment(tenant text, class text, attribute text, is_required boolean DEFAULT NULL,
                                     assignment_rules jsonb DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_alter_assignment'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.alter_assignment(text, text, text, boolean, jsonb) IS
    'changes whether an assigned attribute is required and its assignment rules; NULL leaves either as it is';

CREATE FUNCTION udm.unassign_attribute(tenant text, class text, attribute text, force boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_unassign_attribute'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.unassign_attribute(text, text, text, boolean) IS
    'removes an attribute from a class, dropping its column; refused while the column holds values unless force';

CREATE FUNCTION udm.create_relationship_type(tenant text, name text, inverse_name text DEFAULT NULL,
                                             description text DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_create_relationship_type'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.create_relationship_type(text, text, text, text) IS 'defines a kind of relationship between things';

CREATE FUNCTION udm.drop_relationship_type(tenant text, name text)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_drop_relationship_type'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.drop_relationship_type(text, text) IS 'drops a relationship type that is allowed nowhere';

CREATE FUNCTION udm.allow_relationship(tenant text, from_class text, to_class text, type text,
                                       cardinality jsonb DEFAULT '{}', bidirectional boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_allow_relationship'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.allow_relationship(text, text, text, text, jsonb, boolean) IS
    'allows relationships of a type from things of one class to things of another; cardinality {"max_targets": n, "max_sources": n}';

CREATE FUNCTION udm.disallow_relationship(tenant text, from_class text, to_class text, type text,
                                          force boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_disallow_relationship'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.disallow_relationship(text, text, text, text, boolean) IS
    'no longer allows a relationship; refused while relationships of that kind exist unless force, which removes them';

CREATE FUNCTION udm.apply(tenant text, model jsonb, allow_data_loss boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_apply'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.apply(text, jsonb, boolean) IS
    'makes the tenant''s model the given one (docs/model.md); the same model twice changes nothing; refuses to destroy things, values or relationships unless allow_data_loss';

CREATE FUNCTION udm.plan(tenant text, model jsonb,
                         OUT step integer, OUT action text, OUT object text, OUT breaking boolean,
                         OUT destructive boolean, OUT destroys jsonb, OUT statements text[])
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_plan'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.plan(text, jsonb) IS
    'the steps udm.apply would run, what each destroys of the data there now, and their DDL, changing nothing';

CREATE FUNCTION udm.model(tenant text)
    RETURNS jsonb AS 'MODULE_PATHNAME', 'udm_model'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.model(text) IS 'the tenant''s current model, in the format of udm.apply';

-- PARALLEL RESTRICTED: it may run in the leader of a parallel query, not in a worker
-- (it checks the caller's role and reads the catalog through SPI).
CREATE FUNCTION udm.graphql_sdl(tenant text)
    RETURNS text AS 'MODULE_PATHNAME', 'udm_graphql_sdl'
    LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.graphql_sdl(text) IS
    'the GraphQL schema (SDL) of the tenant''s current model, as udm-gateway serves it (docs/graphql.md)';

-- SECURITY INVOKER: things are read with the caller's privileges, so the tenant role's
-- GRANTs and row-level security decide what is visible. VOLATILE and PARALLEL UNSAFE: each
-- root field runs in a subtransaction of its own (an error in it becomes a GraphQL error).
CREATE FUNCTION udm.graphql(tenant text, query text, variables jsonb DEFAULT NULL,
                            operation_name text DEFAULT NULL)
    RETURNS jsonb AS 'MODULE_PATHNAME', 'udm_graphql'
    LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY INVOKER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.graphql(text, text, jsonb, text) IS
    'a GraphQL query over the tenant''s things, answered as a GraphQL response (docs/graphql.md)';

-- udm.graphql_things(tenant, query, variables, operation_name, ids): the things of ids as the
-- `thing` field of a <class>Changed subscription document selects them, as {"<id>": {...}}
-- for each one that is there and not soft deleted: what udm-gateway reads once per batch of
-- events and selection. SECURITY INVOKER like udm.graphql: the caller's privileges decide.
CREATE FUNCTION udm.graphql_things(tenant text, query text, variables jsonb,
                                   operation_name text, ids uuid[])
    RETURNS jsonb AS 'MODULE_PATHNAME', 'udm_graphql_things'
    LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY INVOKER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.graphql_things(text, text, jsonb, text, uuid[]) IS
    'the things of ids as a <class>Changed subscription selects them (docs/graphql.md)';

CREATE FUNCTION udm._graphql_statements() RETURNS bigint
    AS 'MODULE_PATHNAME', 'udm_graphql_statements' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION udm._graphql_statements() IS
    'for tests: how many statements udm.graphql has run in this backend';
REVOKE ALL ON FUNCTION udm._graphql_statements() FROM PUBLIC;

CREATE FUNCTION udm._graphql_cache() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'udm_graphql_cache' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION udm._graphql_cache() IS
    'for tests: what udm.graphql''s caches of this backend hold and how often they were hit';
REVOKE ALL ON FUNCTION udm._graphql_cache() FROM PUBLIC;

CREATE FUNCTION udm.migrations(tenant text,
                               OUT version bigint, OUT previous_version bigint, OUT actor text,
                               OUT created_at timestamptz, OUT diff jsonb, OUT ddl text[])
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_migrations'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.migrations(text) IS 'every schema version of the tenant: who, when, the diff and the DDL run';

CREATE FUNCTION udm.verify(tenant text, OUT object text, OUT problem text, OUT expected text, OUT actual text)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_verify'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.verify(text) IS 'every difference between the tenant''s catalog and its class tables; none when in sync';

CREATE FUNCTION udm.relate(tenant text, relationship_type text, from_id uuid, to_id uuid)
    RETURNS boolean AS 'MODULE_PATHNAME', 'udm_relate'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.relate(text, text, uuid, uuid) IS
    'relates two things if the relationship is allowed between their classes and within its cardinality; false if they already were';
-- What udm.relate on a Citus coordinator runs on the worker that holds the tenant, as udm's
-- owner, with the caller's udm.actor (docs/scale-out.md).
CREATE FUNCTION udm.relate_as(tenant text, relationship_type text, from_id uuid, to_id uuid, actor text)
    RETURNS boolean AS 'MODULE_PATHNAME', 'udm_relate_as'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION udm.relate_as(text, text, uuid, uuid, text) FROM PUBLIC;
COMMENT ON FUNCTION udm.relate_as(text, text, uuid, uuid, text) IS
    'udm.relate recording actor as created_by: what udm.relate on a Citus coordinator runs on the worker';

CREATE FUNCTION udm.unrelate(tenant text, relationship_type text, from_id uuid, to_id uuid)
    RETURNS boolean AS 'MODULE_PATHNAME', 'udm_unrelate'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.unrelate(text, text, uuid, uuid) IS 'removes a relationship; false if there was none';

CREATE FUNCTION udm.refresh_summary(tenant text)
    RETURNS void AS 'MODULE_PATHNAME', 'udm_refresh_summary'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.refresh_summary(text) IS 'refreshes the tenant''s materialized view thing_class_summary';

CREATE FUNCTION udm.class_table(tenant text, class text)
    RETURNS regclass AS 'MODULE_PATHNAME', 'udm_class_table'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.class_table(text, text) IS 'the table of a class';

-- AFTER DELETE statement trigger of every class table: forgets the deleted things'
-- relationships. SECURITY DEFINER: the tenant's role cannot write relationships itself.
CREATE FUNCTION udm.forget_relationships() RETURNS trigger
    AS 'MODULE_PATHNAME', 'udm_forget_relationships'
    LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.forget_relationships() IS 'AFTER DELETE statement trigger: removes relationships of deleted things';

-- AFTER DELETE row trigger of every class table: refuses, in model terms, to delete a thing
-- other things refer to. Runs as the writer, like udm.validate_row (no SET clause: that
-- would cost every deleted row a settings save and restore); it reads indexes directly, not
-- by privilege, and resolves nothing by name.
CREATE FUNCTION udm.check_referrers() RETURNS trigger
    AS 'MODULE_PATHNAME', 'udm_check_referrers'
    LANGUAGE C;
COMMENT ON FUNCTION udm.check_referrers() IS 'AFTER DELETE row trigger: refuses to delete a thing other things refer to';

-- Every thing of every class of a tenant, read from its class tables with the caller's
-- privileges and row-level security (SECURITY INVOKER): what each tenant's view "things"
-- returns. Reading it names the class tables, so the view itself never names one.
CREATE FUNCTION udm.things(tenant_schema regnamespace)
    RETURNS TABLE (id uuid, thing_class_id uuid, class_name text, created_at timestamp with time zone,
                   updated_at timestamp with time zone, is_deleted boolean)
    AS 'MODULE_PATHNAME', 'udm_things'
    LANGUAGE C STRICT STABLE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.things(regnamespace) IS 'every thing of every class of a tenant schema, read as the caller (behind view things)';

-- For retyping: how many values of a column fail the cast ALTER COLUMN ... TYPE will
-- make, and the ids of a few. One scan when all convert; row by row only when some fail.
CREATE FUNCTION udm._unconvertible(tbl regclass, col name, target regtype,
                                   OUT failures bigint, OUT sample text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    failures := 0;
    BEGIN
        EXECUTE format('SELECT count(%I::%s) FROM %s', col, target, tbl);
        RETURN;
    EXCEPTION WHEN OTHERS THEN
        NULL;  -- some value does not convert: find which
    END;
    FOR r IN EXECUTE format('SELECT id, %I AS v FROM %s WHERE %I IS NOT NULL', col, tbl, col) LOOP
        BEGIN
            EXECUTE format('SELECT $1::%s', target) USING r.v;
        EXCEPTION WHEN OTHERS THEN
            failures := failures + 1;
            IF failures <= 5 THEN
                sample := concat_ws(', ', sample, r.id::text);
            END IF;
        END;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION udm._unconvertible(regclass, name, regtype) FROM PUBLIC;

-- Validation rules (docs/rules.md).

-- BEFORE INSERT OR UPDATE row trigger of every class table: checks the row against the
-- class's compiled rules, reporting every violation at once (23514).
CREATE FUNCTION udm.validate_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'udm_validate_row'
    LANGUAGE C;
COMMENT ON FUNCTION udm.validate_row() IS 'BEFORE INSERT OR UPDATE row trigger: enforces the class''s validation rules';

CREATE FUNCTION udm.check_rules(data_type text, rules jsonb,
                                OUT path text, OUT problem text, OUT sqlstate text)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_check_rules'
    LANGUAGE C IMMUTABLE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.check_rules(text, jsonb) IS 'the problems of a rule set for a data type, saving nothing; no rows when it is fine';

CREATE FUNCTION udm.effective_rules(tenant text, class text,
                                    OUT attribute text, OUT data_type text, OUT rules jsonb)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_effective_rules'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.effective_rules(text, text) IS
    'the rules of every attribute of a class, merged: class defaults, then attribute rules, then assignment rules';

CREATE FUNCTION udm.validate(tenant text, class text, doc jsonb)
    RETURNS jsonb AS 'MODULE_PATHNAME', 'udm_validate'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.validate(text, text, jsonb) IS
    'the violations a document would cause as a row of the class, writing nothing; [] when none';

CREATE FUNCTION udm.rule_impact(tenant text, class text, attribute text, rules jsonb,
                                OUT id uuid, OUT rule text, OUT message text)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_rule_impact'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.rule_impact(text, text, text, jsonb) IS
    'the rows of a class that would break an attribute''s rules if its assignment had the given ones';

-- Change events (docs/events.md). Schema events are the rows of each tenant's
-- schema_versions; data events are the rows of its data_events outbox. Each committing
-- transaction signals once per tenant on channel udm_schema or udm_data.

CREATE FUNCTION udm.set_class_events(tenant text, class text, "on" boolean)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_set_class_events'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.set_class_events(text, text, boolean) IS
    'turns the data events of a class on or off (a model change: a new schema version)';

-- AFTER INSERT / UPDATE / DELETE statement triggers of every class table. The tenant's
-- role reads the outbox; the trigger writes its rows directly through the table access
-- method, not as SQL, so the caller needs no privilege on it and no search_path applies.
CREATE FUNCTION udm.record_data_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'udm_record_data_events'
    LANGUAGE C;
COMMENT ON FUNCTION udm.record_data_events() IS
    'AFTER statement trigger with transition tables: one data event per inserted, updated or deleted thing';

CREATE FUNCTION udm.schema_events(tenant text, after_version bigint DEFAULT 0,
                                  OUT version bigint, OUT previous_version bigint, OUT actor text,
                                  OUT created_at timestamptz, OUT diff jsonb)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_schema_events'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.schema_events(text, bigint) IS
    'the tenant''s schema changes after a version, oldest first, each with its diff';

CREATE FUNCTION udm.schema_at(tenant text, version bigint)
    RETURNS jsonb AS 'MODULE_PATHNAME', 'udm_schema_at'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.schema_at(text, bigint) IS
    'the tenant''s model as it was at a schema version, in the format of udm.apply (0: the empty model)';

CREATE FUNCTION udm.data_events(tenant text, after_position numeric DEFAULT 0, max_events integer DEFAULT 1000,
                                OUT "position" numeric, OUT class text, OUT operation text, OUT thing_id uuid,
                                OUT changed text[], OUT created_at timestamptz)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'udm_data_events'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.data_events(text, numeric, integer) IS
    'the tenant''s data events after a position, in order; never one below a position already returned';

CREATE FUNCTION udm.node_group()
    RETURNS integer AS 'MODULE_PATHNAME', 'udm_node_group'
    LANGUAGE C STABLE;
REVOKE EXECUTE ON FUNCTION udm.node_group() FROM PUBLIC;
COMMENT ON FUNCTION udm.node_group() IS
    'the Citus group of the node that runs it (0 without Citus): where a tenant''s data events are being written';

CREATE FUNCTION udm.data_head(tenant text)
    RETURNS numeric AS 'MODULE_PATHNAME', 'udm_data_head'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.data_head(text) IS
    'the position to follow the tenant''s data events from now on: udm.data_events after it returns only later events';

CREATE FUNCTION udm.prune_events(tenant text, older_than interval)
    RETURNS bigint AS 'MODULE_PATHNAME', 'udm_prune_events'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.prune_events(text, interval) IS
    'removes the tenant''s data events older than an interval; returns how many';
