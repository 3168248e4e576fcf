-- Per-tenant limits: defaults and ranges, partial updates, null restoring a default, the
-- errors, who may set and read them, what PostgreSQL enforces through the tenant's role,
-- and that a change of limits is recorded without a new model version.
\set VERBOSITY default
\set admin :USER
SELECT udm.create_tenant('lim');
SELECT udm.create_tenant('lim_other');
SELECT udm.apply('lim', '{"attributes": {"title": {"type": "text"}}, "classes": {"note": {"attributes": {"title": {}}}}}') AS version;

SELECT * FROM udm.tenant_limit_definitions();
SELECT udm.tenant_limits('lim');

-- What PostgreSQL enforces is written to the tenant's application role from the start.
CREATE VIEW lim_role AS
SELECT r.rolname, r.rolcanlogin, r.rolconnlimit,
       (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c
         WHERE s.setrole = r.oid AND s.setdatabase = 0) AS settings
FROM pg_roles r WHERE r.rolname IN ('tenant_lim_role', 'tenant_lim_owner') ORDER BY 1;
SELECT * FROM lim_role;

-- Partial updates merge; the result is every limit; only what was set is stored.
SELECT udm.set_tenant_limits('lim', '{"max_connections": 20}');
SELECT udm.set_tenant_limits('lim', '{"statement_timeout": 5000, "work_mem": 8192}');
SELECT limits, limits_version, version FROM tenant_lim.schema_state;
SELECT * FROM lim_role;
-- null restores the default; a whole number written as a float is a whole number.
SELECT udm.set_tenant_limits('lim', '{"max_connections": null, "max_rows_per_page": 5e2}');
SELECT limits, limits_version FROM tenant_lim.schema_state;
SELECT * FROM lim_role;
-- Nothing changed, nothing recorded: the role's settings are written again all the same.
SELECT udm.set_tenant_limits('lim', '{}') = udm.tenant_limits('lim') AS same;
SELECT limits_version FROM tenant_lim.schema_state;

-- A change of limits is no model change: no new version, no schema event.
SELECT version, (SELECT count(*) FROM udm.schema_events('lim', 0)) AS schema_events
FROM tenant_lim.schema_state;
SELECT tenant, schema_version, limits_version FROM udm.tenant_state(ARRAY['lim', 'lim_other']);

-- Bad input: the key and its range named, 22023; nothing stored.
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('unknown key',    $$SELECT udm.set_tenant_limits('lim', '{"cpu": 2}')$$),
    ('odd key',        $$SELECT udm.set_tenant_limits('lim', '{"Max Connections": 2}')$$),
    ('below range',    $$SELECT udm.set_tenant_limits('lim', '{"max_connections": 0}')$$),
    ('above range',    $$SELECT udm.set_tenant_limits('lim', '{"statement_timeout": 3600001}')$$),
    ('fraction',       $$SELECT udm.set_tenant_limits('lim', '{"work_mem": 64.5}')$$),
    ('string',         $$SELECT udm.set_tenant_limits('lim', '{"work_mem": "4MB"}')$$),
    ('boolean',        $$SELECT udm.set_tenant_limits('lim', '{"max_subscriptions": true}')$$),
    ('huge',           $$SELECT udm.set_tenant_limits('lim', '{"requests_per_second": 1e400}')$$),
    ('not an object',  $$SELECT udm.set_tenant_limits('lim', '[1]')$$),
    ('null limits',    $$SELECT udm.set_tenant_limits('lim', NULL)$$),
    ('null tenant',    $$SELECT udm.set_tenant_limits(NULL, '{}')$$),
    ('unknown tenant', $$SELECT udm.set_tenant_limits('nope', '{}')$$),
    ('read unknown',   $$SELECT udm.tenant_limits('nope')$$),
    ('bad name',       $$SELECT udm.tenant_limits('No Such')$$),
    ('one bad key',    $$SELECT udm.set_tenant_limits('lim', '{"work_mem": 100, "cpu": 1}')$$)
) AS t(label, stmt);
-- The whole error: message, the range in the detail, the default in the hint.
SELECT udm.set_tenant_limits('lim', '{"max_connections": 501}');
SELECT limits, limits_version FROM tenant_lim.schema_state;

-- Rolled back, a change leaves neither limits nor the role's settings behind.
BEGIN;
SELECT udm.set_tenant_limits('lim', '{"max_connections": 99, "work_mem": 99999}') ->> 'max_connections' AS inside;
ROLLBACK;
SELECT udm.tenant_limits('lim') ->> 'max_connections' AS max_connections;
SELECT * FROM lim_role;

-- Who may: the tenant reads its limits; it never sets them, not even with a mistaken
-- grant; the operator (granted EXECUTE) sets and reads any tenant's; other roles neither.
CREATE ROLE lim_app LOGIN IN ROLE tenant_lim_role;
CREATE ROLE lim_other_app LOGIN IN ROLE tenant_lim_other_role;
CREATE ROLE lim_operator LOGIN;
CREATE ROLE lim_stranger LOGIN;
GRANT EXECUTE ON FUNCTION udm.set_tenant_limits(text, jsonb) TO lim_operator;
SELECT r AS role, test_error(format('SET ROLE %I; SELECT udm.tenant_limits(''lim'')', r)) AS reads,
       test_error(format('SET ROLE %I; SELECT udm.set_tenant_limits(''lim'', ''{"max_connections": 100}'')', r)) AS sets
FROM unnest(ARRAY['lim_app', 'lim_other_app', 'lim_operator', 'lim_stranger']) r;
RESET ROLE;
GRANT EXECUTE ON FUNCTION udm.set_tenant_limits(text, jsonb) TO lim_app;  -- a mistake
SELECT test_error($$SET ROLE lim_app; SELECT udm.set_tenant_limits('lim', '{"max_connections": 100}')$$) AS own_tenant,
       test_error($$SET ROLE tenant_lim_role; SELECT udm.set_tenant_limits('lim', '{"max_connections": 100}')$$) AS as_tenant_role;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION udm.set_tenant_limits(text, jsonb) FROM lim_app;
-- Nor another tenant's: with EXECUTE granted to PUBLIC (a mistake), a role with the
-- privileges of any tenant's role is refused for every tenant, its own or not.
GRANT EXECUTE ON FUNCTION udm.set_tenant_limits(text, jsonb) TO PUBLIC;  -- a mistake
SELECT test_error($$SET ROLE lim_other_app; SELECT udm.set_tenant_limits('lim', '{"max_connections": 1}')$$) AS other_tenant,
       test_error($$SET ROLE lim_app; SELECT udm.set_tenant_limits('lim_other', '{"max_connections": 1}')$$) AS from_lim,
       test_error($$SET ROLE tenant_lim_other_role; SELECT udm.set_tenant_limits('lim', '{"max_connections": 1}')$$) AS as_tenant_role;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION udm.set_tenant_limits(text, jsonb) FROM PUBLIC;
SELECT udm.tenant_limits('lim') ->> 'max_connections' AS set_by_the_operator;
-- The tenant's role reads its limits, not what is stored of other tenants.
SELECT test_error($$SET ROLE lim_app; SELECT limits FROM tenant_lim.schema_state$$) AS reads_own_row,
       test_error($$SET ROLE lim_app; UPDATE tenant_lim.schema_state SET limits = '{"max_connections": 500}'$$) AS writes_own_row,
       test_error($$SET ROLE lim_app; SELECT limits FROM tenant_lim_other.schema_state$$) AS reads_other;
RESET ROLE;

-- A session logged in as the tenant's role has its settings (role settings apply at
-- login; the gateway applies them with SET LOCAL), and a statement longer than the
-- tenant's statement_timeout is cancelled.
SELECT udm.set_tenant_limits('lim', '{"statement_timeout": 200, "work_mem": 2048}') ->> 'statement_timeout' AS statement_timeout;
ALTER ROLE tenant_lim_role LOGIN;
\c - tenant_lim_role
SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('work_mem') AS work_mem;
\set VERBOSITY sqlstate
SELECT pg_sleep(2);
\set VERBOSITY default
SELECT udm.tenant_limits('lim') ->> 'statement_timeout' AS reads_own;
-- A login role granted the tenant's role does not get them: role settings are not
-- inherited (docs/limits.md says what to do).
\c - lim_app
SELECT current_setting('statement_timeout') = '200ms' AS lim_app_has_timeout;
\c - :admin
ALTER ROLE tenant_lim_role NOLOGIN;

-- max_rows_per_page holds inside udm.graphql, whoever calls it: it bounds first, last,
-- objects and atMost, and the default page shrinks to it; a change applies at once.
INSERT INTO tenant_lim.tc_note (title) SELECT 'note ' || i FROM generate_series(1, 5) i;
SELECT udm.set_tenant_limits('lim', '{"max_rows_per_page": 3}') ->> 'max_rows_per_page' AS max_rows_per_page;
SELECT udm.graphql('lim', '{ noteCollection(first: 4) { totalCount } }') #>> '{errors,0,message}' AS first_4;
SELECT jsonb_array_length(udm.graphql('lim', '{ noteCollection { edges { node { title } } } }') #> '{data,noteCollection,edges}') AS default_page;
SELECT jsonb_array_length(udm.graphql('lim', '{ noteCollection(first: 3) { edges { node { title } } } }') #> '{data,noteCollection,edges}') AS first_3;
SELECT udm.graphql('lim', 'mutation { deleteFromNoteCollection(atMost: 4) { affectedCount } }') #>> '{errors,0,message}' AS at_most_4;
SELECT udm.set_tenant_limits('lim', '{"max_rows_per_page": null}') ->> 'max_rows_per_page' AS back_to_default;
SELECT jsonb_array_length(udm.graphql('lim', '{ noteCollection { edges { node { title } } } }') #> '{data,noteCollection,edges}') AS default_page;

-- A bad stored limit (a row restored from a newer udm, a hand UPDATE) does not break the
-- tenant's GraphQL: udm.graphql reads only max_rows_per_page, clamped to its range (with a
-- WARNING), or its default; set_tenant_limits still refuses what is stored.
UPDATE tenant_lim.schema_state SET limits = '{"cpu": 2, "work_mem": "lots", "max_rows_per_page": 2}';
SELECT jsonb_array_length(udm.graphql('lim', '{ noteCollection { edges { node { title } } } }') #> '{data,noteCollection,edges}') AS other_keys_bad;
UPDATE tenant_lim.schema_state SET limits = '{"max_rows_per_page": 0}';
SELECT jsonb_array_length(udm.graphql('lim', '{ noteCollection { edges { node { title } } } }') #> '{data,noteCollection,edges}') AS clamped_to_1;
UPDATE tenant_lim.schema_state SET limits = '{"max_rows_per_page": "many"}';
SELECT jsonb_array_length(udm.graphql('lim', '{ noteCollection { edges { node { title } } } }') #> '{data,noteCollection,edges}') AS default_page;
SELECT test_error($$SELECT udm.set_tenant_limits('lim', '{}')$$) AS set_still_checks;
UPDATE tenant_lim.schema_state SET limits = '{}';

-- Dropped with the tenant: its role and the role's settings go.
SELECT udm.drop_tenant('lim', force => true);
SELECT count(*) AS settings_left FROM pg_db_role_setting s
WHERE NOT EXISTS (SELECT FROM pg_roles r WHERE r.oid = s.setrole) AND s.setrole <> 0;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'tenant\_lim\_%' AND rolname NOT LIKE 'tenant\_lim\_other%';
DROP VIEW lim_role;
SELECT udm.drop_tenant('lim_other');
DROP OWNED BY lim_app, lim_other_app, lim_operator, lim_stranger;
DROP ROLE lim_app, lim_other_app, lim_operator, lim_stranger;
