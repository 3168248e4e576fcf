-- pg_dump -n of one tenant restores into a fresh database that has the extension, and
-- the restored tenant works there: registry, data, triggers, privileges, policies.
\set VERBOSITY default
SELECT udm.create_tenant('dumped');
INSERT INTO tenant_dumped.thing_classes (name, validation_rules) VALUES ('product', '{"max_length": 20}');
INSERT INTO tenant_dumped.attributes (name, data_type) VALUES ('title', 'text');
INSERT INTO tenant_dumped.attribute_assignments (thing_class_id, attribute_id, is_required)
SELECT c.id, a.id, true FROM tenant_dumped.thing_classes c, tenant_dumped.attributes a;
INSERT INTO tenant_dumped.relationship_types (name, inverse_name) VALUES ('contains', 'contained_in');
-- The tenant's limits are kept in its schema: they go with the dump.
SELECT udm.set_tenant_limits('dumped', '{"max_connections": 7, "work_mem": 2048}') ->> 'max_connections' AS max_connections;

\set source_db :DBNAME
\setenv UDM_SOURCE_DB :DBNAME
CREATE DATABASE udm_restore_target;
\c udm_restore_target
CREATE EXTENSION udm;
\i sql/include/test_error.sql
\! pg_dump --no-sync -n tenant_dumped "$UDM_SOURCE_DB" | psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -d udm_restore_target 2>&1 && echo 'restore succeeded'

-- The restored schema is a tenant here.
SELECT name, schema_name, owner_role, app_role, schema_version FROM udm.tenants;
SELECT udm.tenant_schema('dumped');
SELECT udm.tenant_limits('dumped') ->> 'max_connections' AS restored_max_connections,
       udm.tenant_limits('dumped') ->> 'work_mem' AS restored_work_mem;
SELECT c.name AS class, a.name AS attribute, aa.is_required
FROM tenant_dumped.attribute_assignments aa
JOIN tenant_dumped.thing_classes c ON c.id = aa.thing_class_id
JOIN tenant_dumped.attributes a ON a.id = aa.attribute_id;

-- Constraints, triggers, policies and privileges came along.
SELECT test_error($$INSERT INTO tenant_dumped.thing_classes (name) VALUES ('product')$$) AS unique_name;
SELECT test_error($$INSERT INTO tenant_dumped.thing_classes (name, validation_rules) VALUES ('x', '[]')$$) AS rules_object;
UPDATE tenant_dumped.relationship_types SET updated_at = '2000-01-01' WHERE name = 'contains';
SELECT name, updated_at > '2000-01-01' AS touched FROM tenant_dumped.relationship_types;
SELECT count(*) AS policies FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = 'tenant_dumped'::regnamespace;
SELECT count(*) AS extension_members FROM pg_depend d JOIN pg_class c ON d.objid = c.oid
WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relnamespace = 'tenant_dumped'::regnamespace;

SET ROLE tenant_dumped_role;
SELECT name FROM tenant_dumped.thing_classes;
SELECT test_error($$INSERT INTO tenant_dumped.thing_classes (name) VALUES ('sneaky')$$) AS catalog_read_only;
SELECT test_error('CREATE TABLE tenant_dumped.sneaky (x int)') AS no_ddl;
RESET ROLE;

-- A class created now is the owner's and writable by the tenant, as before the dump.
SELECT udm.create_attribute('dumped', 'note', 'text') IS NOT NULL AS attribute,
       udm.create_class('dumped', 'after_restore') IS NOT NULL AS class,
       udm.assign_attribute('dumped', 'after_restore', 'note') IS NOT NULL AS assigned;
SELECT pg_get_userbyid(relowner) AS owner FROM pg_class
WHERE oid = 'tenant_dumped.tc_after_restore'::regclass;
SET ROLE tenant_dumped_role;
INSERT INTO tenant_dumped.tc_after_restore (note) VALUES ('written after restore');
SELECT note FROM tenant_dumped.tc_after_restore;
RESET ROLE;

\c :source_db
DROP DATABASE udm_restore_target;
SELECT udm.drop_tenant('dumped', force => true);
