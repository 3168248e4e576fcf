-- Creating, listing, resolving and dropping tenants.
\set VERBOSITY default

SELECT udm.create_tenant('acme');
SELECT udm.create_tenant('globex');
SELECT name, schema_name, owner_role, app_role, schema_version,
       created_at <= now() AS created_at_set
FROM udm.tenants ORDER BY name;
-- Listing reads one tenant at a time and keeps no lock on any schema_state: a lock per
-- tenant until the end of the transaction would overflow the lock table at some thousands
-- of tenants (out of shared memory).
BEGIN;
SELECT count(*) AS listed FROM udm.tenants;
SELECT count(*) AS schema_state_locks FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND c.relname IN ('schema_state', 'schema_state_pkey');
COMMIT;
SELECT udm.tenant_schema('acme');

-- What a tenant is made of.
SELECT nspname, pg_get_userbyid(nspowner) AS owner, obj_description(oid, 'pg_namespace') AS comment
FROM pg_namespace WHERE nspname = 'tenant_acme';
SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolinherit
FROM pg_roles WHERE rolname LIKE 'tenant_acme%' ORDER BY 1;
SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity AS rls
FROM pg_class c WHERE c.relnamespace = 'tenant_acme'::regnamespace AND c.relkind = 'r' ORDER BY 1;
SELECT tenant_name, version, catalog_version FROM tenant_acme.schema_state;

-- Every object in the schema is owned by the tenant's owner role, and none belongs to
-- the extension.
SELECT count(*) AS not_owned_by_owner FROM pg_class
WHERE relnamespace = 'tenant_acme'::regnamespace AND relowner <> 'tenant_acme_owner'::regrole;
SELECT count(*) AS extension_members FROM pg_depend d
JOIN pg_class c ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
WHERE d.deptype = 'e' AND c.relnamespace IN ('tenant_acme'::regnamespace, 'tenant_globex'::regnamespace);
SELECT count(*) AS schema_is_extension_member FROM pg_depend
WHERE classid = 'pg_namespace'::regclass AND objid = 'tenant_acme'::regnamespace AND deptype = 'e';

-- Nothing refers across tenant schemas: no constraint of one tenant points at another schema.
SELECT count(*) AS cross_schema_foreign_keys FROM pg_constraint con
JOIN pg_class src ON src.oid = con.conrelid JOIN pg_class dst ON dst.oid = con.confrelid
WHERE con.contype = 'f' AND src.relnamespace <> dst.relnamespace
  AND src.relnamespace IN ('tenant_acme'::regnamespace, 'tenant_globex'::regnamespace);

-- An existing tenant is 42710; an unknown one 42704 with a hint.
SELECT udm.create_tenant('acme');
SELECT udm.tenant_schema('nobody');
SELECT udm.drop_tenant('nobody');
SELECT test_error($$SELECT udm.create_tenant('acme')$$);
SELECT test_error($$SELECT udm.tenant_schema('nobody')$$);
SELECT test_error($$SELECT udm.drop_tenant('nobody')$$);

-- A role of the same name left in the cluster is 42710 naming the role; nothing is created.
CREATE ROLE tenant_initech_role;
SELECT udm.create_tenant('initech');
SELECT count(*) AS initech_schema FROM pg_namespace WHERE nspname = 'tenant_initech';
SELECT count(*) AS initech_owner FROM pg_roles WHERE rolname = 'tenant_initech_owner';
DROP ROLE tenant_initech_role;

-- A schema of that name that is not a tenant is not a tenant, and is not overwritten.
CREATE SCHEMA tenant_hooli;
SELECT test_error($$SELECT udm.tenant_schema('hooli')$$);
SELECT test_error($$SELECT udm.create_tenant('hooli')$$);
SELECT count(*) AS hooli_roles FROM pg_roles WHERE rolname LIKE 'tenant_hooli%';
SELECT count(*) AS hooli_listed FROM udm.tenants WHERE name = 'hooli';
DROP SCHEMA tenant_hooli;

-- Provisioning is transactional: a rollback leaves no schema and no role behind.
BEGIN;
SELECT udm.create_tenant('ephemeral');
ROLLBACK;
SELECT count(*) AS ephemeral_schema FROM pg_namespace WHERE nspname = 'tenant_ephemeral';
SELECT count(*) AS ephemeral_roles FROM pg_roles WHERE rolname LIKE 'tenant_ephemeral%';

-- udm.actor names who acts; the session user is recorded otherwise.
INSERT INTO tenant_acme.relationship_types (name) VALUES ('no_actor');
SET udm.actor = 'user-42';
INSERT INTO tenant_acme.relationship_types (name) VALUES ('with_actor');
RESET udm.actor;
SELECT name, created_by FROM tenant_acme.relationship_types ORDER BY name;

-- updated_at is kept by the trigger on every catalog table; schema_state also tells the
-- compiled rules of a Citus worker when the model changed.
SELECT c.relname, t.tgname, t.tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'tenant_acme'::regnamespace AND NOT t.tgisinternal ORDER BY 1, 2;
BEGIN;
INSERT INTO tenant_acme.thing_classes (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'touched');
INSERT INTO tenant_acme.attributes (id, name, data_type) VALUES ('00000000-0000-0000-0000-0000000000b1', 'touched', 'text');
INSERT INTO tenant_acme.attribute_assignments (thing_class_id, attribute_id)
VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b1');
INSERT INTO tenant_acme.thing_class_relationships (from_thing_class_id, to_thing_class_id, relationship_type_id)
SELECT '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a', id
FROM tenant_acme.relationship_types WHERE name = 'no_actor';
UPDATE tenant_acme.thing_classes SET updated_at = '2000-01-01';
UPDATE tenant_acme.attributes SET updated_at = '2000-01-01';
UPDATE tenant_acme.attribute_assignments SET updated_at = '2000-01-01';
UPDATE tenant_acme.relationship_types SET updated_at = '2000-01-01' WHERE name = 'no_actor';
UPDATE tenant_acme.thing_class_relationships SET updated_at = '2000-01-01';
UPDATE tenant_acme.schema_state SET updated_at = '2000-01-01';
SELECT 'thing_classes' AS table_name, bool_and(updated_at = now()) AS touched FROM tenant_acme.thing_classes
UNION ALL SELECT 'attributes', bool_and(updated_at = now()) FROM tenant_acme.attributes
UNION ALL SELECT 'attribute_assignments', bool_and(updated_at = now()) FROM tenant_acme.attribute_assignments
UNION ALL SELECT 'relationship_types', bool_and(updated_at = now()) FROM tenant_acme.relationship_types WHERE name = 'no_actor'
UNION ALL SELECT 'thing_class_relationships', bool_and(updated_at = now()) FROM tenant_acme.thing_class_relationships
UNION ALL SELECT 'schema_state', bool_and(updated_at = now()) FROM tenant_acme.schema_state;
SELECT name, updated_at = now() AS touched FROM tenant_acme.relationship_types ORDER BY name;
ROLLBACK;

-- Moving a tenant into a Citus distributed schema and back needs Citus (0A000), and is the
-- operator's: EXECUTE is revoked from PUBLIC (test/integration/citus.sh tests the moves).
SELECT test_error($$SELECT udm.distribute_tenant('acme')$$);
SELECT test_error($$SELECT udm.undistribute_tenant('acme')$$);
SELECT has_function_privilege('public', 'udm.distribute_tenant(text)', 'EXECUTE') AS public_distributes,
       has_function_privilege('public', 'udm.undistribute_tenant(text)', 'EXECUTE') AS public_undistributes;

-- A tenant that holds classes is refused unless forced (2BP01); nothing is dropped.
INSERT INTO tenant_acme.thing_classes (name) VALUES ('product');
SELECT udm.drop_tenant('acme');
INSERT INTO tenant_acme.thing_classes (name) VALUES ('order');
SELECT test_error($$SELECT udm.drop_tenant('acme')$$);
SELECT test_error($$SELECT udm.drop_tenant('acme', NULL)$$);
SELECT udm.tenant_schema('acme');
SELECT udm.drop_tenant('acme', force => true);
SELECT test_error($$SELECT udm.tenant_schema('acme')$$);
SELECT count(*) AS acme_roles FROM pg_roles WHERE rolname LIKE 'tenant_acme%';
SELECT count(*) AS acme_default_acls FROM pg_default_acl
WHERE defaclrole NOT IN (SELECT oid FROM pg_roles);

-- A login role that was granted the application role loses it with the tenant.
CREATE ROLE globex_app LOGIN;
GRANT tenant_globex_role TO globex_app;
SELECT udm.drop_tenant('globex');
SELECT count(*) AS memberships_left FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
WHERE r.rolname = 'globex_app';
DROP ROLE globex_app;
SELECT count(*) AS tenants_left FROM udm.tenants;
