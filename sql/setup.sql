-- Installs udm and the helpers every later test uses.
CREATE EXTENSION udm;

\i sql/include/test_error.sql

-- What the extension installs, and who may call what.
SELECT p.proname,
       pg_get_function_identity_arguments(p.oid) AS args,
       p.prosecdef AS security_definer,
       array_to_string(p.proconfig, ', ') AS settings,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p
WHERE p.pronamespace = 'udm'::regnamespace
ORDER BY 1;

SELECT has_table_privilege('public', 'udm.tenants', 'SELECT') AS public_reads_tenants,
       has_schema_privilege('public', 'udm', 'USAGE') AS public_uses_udm_schema,
       has_schema_privilege('public', 'udm', 'CREATE') AS public_creates_in_udm;

-- Every exported symbol is one PostgreSQL looks up; the module loads.
SELECT udm._raise_test_error('none');
