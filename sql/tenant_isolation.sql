-- Isolation between tenants, as a matrix: each tenant's application role against its own
-- and the other tenant's catalog and class tables, for every kind of access.
\set VERBOSITY default
SELECT udm.create_tenant('alpha');
SELECT udm.create_tenant('beta');
INSERT INTO tenant_alpha.relationship_types (name) VALUES ('alpha_secret');
INSERT INTO tenant_beta.relationship_types (name) VALUES ('beta_secret');

-- A class table, as udm creates them (by udm, given to the owner role, granted to the
-- application role).
SELECT udm.create_attribute(t, 'note', 'text') + udm.create_class(t, 'probe') +
       udm.assign_attribute(t, 'probe', 'note') AS versions
FROM unnest(ARRAY['alpha', 'beta']) t;
INSERT INTO tenant_alpha.tc_probe (note) VALUES ('alpha row');
INSERT INTO tenant_beta.tc_probe (note) VALUES ('beta row');

-- Every statement runs in a subtransaction that is rolled back, so the matrix changes nothing.
-- Writing the views "things" fails before privileges are checked (55000, 42809: views and
-- materialized views are not writable at all).
CREATE TEMP TABLE matrix (actor text, target text, object text, action text, result text);
GRANT INSERT ON matrix TO PUBLIC;
DO $$
DECLARE
    actor text;
    target text;
    obj text;
    action text;
    stmt text;
    outcome text;
BEGIN
    FOREACH actor IN ARRAY ARRAY['alpha', 'beta'] LOOP
        FOREACH target IN ARRAY ARRAY['alpha', 'beta'] LOOP
            FOREACH obj IN ARRAY ARRAY['thing_classes', 'attributes', 'attribute_assignments',
                                       'relationship_types', 'thing_class_relationships',
                                       'schema_state', 'schema_versions', 'relationships',
                                       'things', 'thing_class_summary', 'tc_probe'] LOOP
                FOREACH action IN ARRAY ARRAY['select', 'insert', 'update', 'delete', 'truncate'] LOOP
                    stmt := CASE action
                        WHEN 'select' THEN format('SELECT * FROM %I.%I', 'tenant_' || target, obj)
                        WHEN 'insert' THEN format('INSERT INTO %I.%I DEFAULT VALUES', 'tenant_' || target, obj)
                        WHEN 'update' THEN format('UPDATE %I.%I SET id = id', 'tenant_' || target, obj)
                        WHEN 'delete' THEN format('DELETE FROM %I.%I', 'tenant_' || target, obj)
                        WHEN 'truncate' THEN format('TRUNCATE %I.%I', 'tenant_' || target, obj)
                    END;
                    IF obj IN ('schema_state', 'schema_versions') AND action = 'update' THEN
                        stmt := format('UPDATE %I.%I SET version = version', 'tenant_' || target, obj);
                    END IF;
                    EXECUTE format('SET ROLE %I', 'tenant_' || actor || '_role');
                    BEGIN
                        EXECUTE stmt;
                        RAISE SQLSTATE 'UDMOK';
                    EXCEPTION
                        WHEN SQLSTATE 'UDMOK' THEN outcome := 'ok';
                        WHEN OTHERS THEN outcome := SQLSTATE;
                    END;
                    RESET ROLE;
                    INSERT INTO matrix VALUES (actor, target, obj, action, outcome);
                END LOOP;
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;
SELECT actor, target, object,
       string_agg(action || '=' || result, ' ' ORDER BY array_position(ARRAY['select', 'insert', 'update', 'delete', 'truncate'], action)) AS access
FROM matrix GROUP BY actor, target, object ORDER BY actor, target, object;

-- The rest runs in real sessions of a login role that was granted alpha's role.
\set admin :USER
CREATE ROLE alpha_app LOGIN;
GRANT tenant_alpha_role TO alpha_app;
\c - alpha_app
SELECT current_user, session_user;
-- Its own tenant: catalog and class rows.
SELECT name FROM tenant_alpha.relationship_types;
SELECT note FROM tenant_alpha.tc_probe;
INSERT INTO tenant_alpha.tc_probe (note) VALUES ('written by alpha_app');
SELECT tenant_name, version FROM tenant_alpha.schema_state;
SELECT udm.tenant_schema('alpha');
-- The other tenant's schema is closed (42501), whatever the object, existing or not.
SELECT name FROM tenant_beta.relationship_types;
SELECT test_error('SELECT * FROM tenant_beta.tc_probe');
SELECT test_error('SELECT * FROM tenant_beta.no_such_table');

-- No DDL anywhere: not in its own schema, not in the other's, not in udm or public; no
-- other role; no provisioning.
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('create table, own schema',   'CREATE TABLE tenant_alpha.sneaky (x int)'),
    ('create table, other schema', 'CREATE TABLE tenant_beta.sneaky (x int)'),
    ('create table, udm',          'CREATE TABLE udm.sneaky (x int)'),
    ('create table, public',       'CREATE TABLE public.sneaky (x int)'),
    ('create view, own schema',    'CREATE VIEW tenant_alpha.v AS SELECT 1'),
    ('create function, own schema','CREATE FUNCTION tenant_alpha.f() RETURNS int LANGUAGE sql AS ''SELECT 1'''),
    ('create schema',              'CREATE SCHEMA sneaky'),
    ('alter own catalog',          'ALTER TABLE tenant_alpha.thing_classes ADD COLUMN x int'),
    ('drop own catalog',           'DROP TABLE tenant_alpha.thing_classes'),
    ('disable own policy',         'ALTER TABLE tenant_alpha.thing_classes DISABLE ROW LEVEL SECURITY'),
    ('drop own trigger',           'DROP TRIGGER touch_updated_at ON tenant_alpha.thing_classes'),
    ('drop own class table',       'DROP TABLE tenant_alpha.tc_probe'),
    ('become other tenant',        'SET ROLE tenant_beta_role'),
    ('become own owner',           'SET ROLE tenant_alpha_owner'),
    ('create a tenant',            'SELECT udm.create_tenant(''gamma'')'),
    ('drop the other tenant',      'SELECT udm.drop_tenant(''beta'', true)'),
    ('list tenants',               'SELECT * FROM udm.tenants'),
    ('list tenants, function',     'SELECT * FROM udm.tenant_list()')
) AS t(label, stmt);
-- Granting its own table to another tenant grants nothing.
GRANT SELECT ON tenant_alpha.tc_probe TO tenant_beta_role;
\c - :admin
SELECT has_table_privilege('tenant_beta_role', 'tenant_alpha.tc_probe', 'SELECT') AS beta_reads_alpha;
DROP OWNED BY alpha_app;
DROP ROLE alpha_app;

-- Row-level security is the second wall: if an administrator grants another tenant's role
-- access by mistake, it still sees and writes no row.
GRANT USAGE ON SCHEMA tenant_alpha TO tenant_beta_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_alpha.relationship_types TO tenant_beta_role;
SET ROLE tenant_beta_role;
SELECT count(*) AS alpha_rows_seen_by_beta FROM tenant_alpha.relationship_types;
SELECT test_error($$INSERT INTO tenant_alpha.relationship_types (name) VALUES ('planted')$$);
UPDATE tenant_alpha.relationship_types SET name = 'stolen';
DELETE FROM tenant_alpha.relationship_types;
RESET ROLE;
SELECT name FROM tenant_alpha.relationship_types;
REVOKE ALL ON tenant_alpha.relationship_types FROM tenant_beta_role;
REVOKE USAGE ON SCHEMA tenant_alpha FROM tenant_beta_role;

SELECT udm.drop_tenant('alpha', force => true);
SELECT udm.drop_tenant('beta', force => true);
