-- Tenant names follow ^[a-z][a-z0-9_]{0,47}$; anything else is 22023 stating the rule,
-- in every function that takes a tenant name, and nothing is created.
\set VERBOSITY default
SELECT udm.create_tenant('Acme');

CREATE TEMP TABLE bad_names (label text, name text);
INSERT INTO bad_names VALUES
    ('empty', ''),
    ('upper case', 'Acme'),
    ('leading digit', '1acme'),
    ('leading underscore', '_acme'),
    ('hyphen', 'ac-me'),
    ('space', 'ac me'),
    ('trailing space', 'acme '),
    ('dot', 'acme.x'),
    ('double quote', 'acme"x'),
    ('single quote injection', 'x''); DROP ROLE postgres; --'),
    ('semicolon injection', 'x; DROP SCHEMA udm CASCADE'),
    ('identifier injection', 'x" CASCADE; DROP SCHEMA udm; --'),
    ('backslash', 'ac\me'),
    ('non-ASCII', 'café'),
    ('49 characters', repeat('a', 49)),
    ('very long', repeat('a', 5000));

SELECT label,
       test_error(format('SELECT udm.create_tenant(%L)', name)) AS create_tenant,
       test_error(format('SELECT udm.drop_tenant(%L)', name)) = test_error(format('SELECT udm.create_tenant(%L)', name)) AS drop_same,
       test_error(format('SELECT udm.tenant_schema(%L)', name)) = test_error(format('SELECT udm.create_tenant(%L)', name)) AS schema_same
FROM bad_names ORDER BY label;

-- Why each name is wrong.
SELECT udm.create_tenant('');
SELECT udm.create_tenant('ac-me');
SELECT udm.create_tenant(repeat('a', 49));

-- Nothing was created by any of them.
SELECT count(*) AS stray_schemas FROM pg_namespace WHERE nspname LIKE 'tenant%';
SELECT count(*) AS stray_roles FROM pg_roles WHERE rolname LIKE 'tenant%';

-- NULL is no name: the functions are strict.
SELECT udm.create_tenant(NULL) IS NULL AS null_in_null_out;
SELECT udm.tenant_schema(NULL) IS NULL AS null_in_null_out;
SELECT test_error('SELECT udm.drop_tenant(NULL)');

-- The longest valid name, and the shortest, work end to end.
SELECT udm.create_tenant(repeat('z', 48)) AS longest;
SELECT udm.create_tenant('q') AS shortest;
SELECT name, schema_name, owner_role, app_role FROM udm.tenants ORDER BY name;
SELECT udm.drop_tenant(repeat('z', 48));
SELECT udm.drop_tenant('q');
SELECT count(*) AS tenants_left FROM udm.tenants;
