-- Attacks by a tenant's application role on the server and on other tenants, each refused
-- (docs/security.md keeps the table of them). The role atk_app has tenant_atk_role and
-- nothing else, and a schema of its own in which it can create functions. Custom rule
-- functions run as the tenant's role, tenant_atk_role, whoever writes or calls.
\set VERBOSITY default
\set admin :USER
SELECT udm.create_tenant('atk') AS atk, udm.create_tenant('vic') AS vic;
CREATE ROLE atk_app LOGIN;
GRANT tenant_atk_role TO atk_app;
CREATE SCHEMA atk_tools AUTHORIZATION atk_app;
-- A schema atk_app may not use, and a function in it.
CREATE SCHEMA sec_rules;
CREATE FUNCTION sec_rules.ok(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
-- A function atk_app may not execute, in a schema it may use.
CREATE FUNCTION public.no_exec(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
REVOKE EXECUTE ON FUNCTION public.no_exec(text) FROM PUBLIC;
-- A rule function that says who runs it.
CREATE FUNCTION public.whoami(text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE NOTICE 'custom rule runs as %', current_user; RETURN $1 <> 'bad'; END$$;
SELECT udm.create_class('vic', 'secret');
SELECT udm.create_attribute('vic', 'body', 'text');
SELECT udm.assign_attribute('vic', 'secret', 'body');
INSERT INTO tenant_vic.tc_secret (body) VALUES ('the other tenant''s secret');

\c - atk_app
SELECT udm.create_class('atk', 'item');
SELECT udm.create_attribute('atk', 'code', 'text');
SELECT udm.assign_attribute('atk', 'item', 'code');
INSERT INTO tenant_atk.tc_item (code) VALUES ('x');

-- The critical one: a temporary function that makes its caller superuser. Refused by name
-- (pg_temp and pg_temp_N alike), before anything looks it up.
CREATE FUNCTION pg_temp.pwn(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'pwn runs as %', current_user; EXECUTE 'ALTER ROLE atk_app SUPERUSER'; RETURN true; END $$;
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('pg_temp',          $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "pg_temp.pwn"}')$$),
    ('pg_temp_N',        $$SELECT udm.create_attribute('atk', 'c1', 'text', format('{"custom": "%s.pwn"}', nspname)::jsonb) FROM pg_namespace WHERE oid = pg_my_temp_schema()$$),
    ('unqualified',      $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "pwn"}')$$),
    ('alter_attribute',  $$SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "pg_temp.pwn"}')$$),
    ('assignment rules', $$SELECT udm.apply('atk', jsonb_set(udm.model('atk'), '{classes,item,attributes,code}', '{"rules": {"custom": "pg_temp.pwn"}}'))$$),
    ('class defaults',   $$SELECT udm.apply('atk', jsonb_set(udm.model('atk'), '{classes,item,rules}', '{"defaults": {"text": {"custom": "pg_temp.pwn"}}}'))$$),
    ('rule_impact',      $$SELECT * FROM udm.rule_impact('atk', 'item', 'code', '{"custom": "pg_temp.pwn"}')$$)
) AS t(label, stmt);
SELECT path, problem, sqlstate FROM udm.check_rules('text', '{"custom": "pg_temp.pwn"}');

-- Server functions: refused for what they return (a rule function returns boolean) or
-- because the caller may not call them; never run with udm's rights.
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('pg_read_file',     $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "pg_catalog.pg_read_file"}')$$),
    ('lower',            $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "pg_catalog.lower"}')$$),
    ('no such schema',   $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "nowhere.f"}')$$),
    ('no USAGE',         $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "sec_rules.ok"}')$$),
    ('no EXECUTE',       $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "public.no_exec"}')$$),
    ('other tenant',     $$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "tenant_vic.f"}')$$),
    ('rule_impact',      $$SELECT * FROM udm.rule_impact('atk', 'item', 'code', '{"custom": "pg_catalog.pg_read_file"}')$$)
) AS t(label, stmt);
SELECT count(*) AS attributes_created FROM tenant_atk.attributes WHERE name = 'c1';

-- Its own functions, once the tenant's role may use them, run as the tenant's role wherever
-- udm calls them: udm.validate, udm.rule_impact, the existing-rows check of a rule change,
-- and the trigger.
SELECT test_error($$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "atk_tools.nothing"}')$$);
CREATE FUNCTION atk_tools.ok(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
SELECT test_error($$SELECT udm.create_attribute('atk', 'c1', 'text', '{"custom": "atk_tools.ok"}')$$) AS before_grant;
GRANT USAGE ON SCHEMA atk_tools TO tenant_atk_role;
CREATE FUNCTION atk_tools.escalate(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'escalate runs as %', current_user; EXECUTE 'ALTER ROLE atk_app SUPERUSER'; RETURN true; END $$;
SELECT test_error($$SELECT * FROM udm.rule_impact('atk', 'item', 'code', '{"custom": "atk_tools.escalate"}')$$);
SELECT test_error($$SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "atk_tools.escalate"}')$$);
SET udm.rules_not_valid = on;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "atk_tools.escalate"}') > 0 AS rule_saved;
RESET udm.rules_not_valid;
SELECT test_error($$SELECT udm.validate('atk', 'item', '{"code": "y"}')$$);
SELECT test_error($$INSERT INTO tenant_atk.tc_item (code) VALUES ('y')$$);
-- The error names the rule in its context.
\set VERBOSITY verbose
INSERT INTO tenant_atk.tc_item (code) VALUES ('y');
\set VERBOSITY default
SELECT rolsuper AS atk_app_is_superuser FROM pg_roles WHERE rolname = 'atk_app';

-- It cannot read the other tenant either, nor make anything that outlives the call.
CREATE FUNCTION atk_tools.peek(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RETURN (SELECT count(*) FROM tenant_vic.tc_secret) >= 0; END $$;
CREATE FUNCTION atk_tools.stash(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN CREATE TEMP TABLE IF NOT EXISTS stash (v text); RETURN true; END $$;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{}') > 0 AS rule_removed;
SET udm.rules_not_valid = on;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "atk_tools.peek"}') > 0 AS rule_saved;
SELECT test_error($$SELECT udm.validate('atk', 'item', '{"code": "y"}')$$) AS peek_validate;
SELECT test_error($$INSERT INTO tenant_atk.tc_item (code) VALUES ('y')$$) AS peek_insert;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "atk_tools.stash"}') > 0 AS rule_saved;
SELECT test_error($$SELECT udm.validate('atk', 'item', '{"code": "y"}')$$) AS stash_validate;
SELECT test_error($$INSERT INTO tenant_atk.tc_item (code) VALUES ('y')$$) AS stash_insert;
RESET udm.rules_not_valid;

-- A rule function the superuser wrote, granted to PUBLIC: it runs as the tenant's role.
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "public.whoami", "message": "is refused"}') > 0 AS rule_saved;
SELECT udm.validate('atk', 'item', '{"code": "bad"}');
INSERT INTO tenant_atk.tc_item (code) VALUES ('fine');
SELECT * FROM udm.rule_impact('atk', 'item', 'code', '{"custom": "public.whoami"}');
\c - :admin
-- Even when the superuser writes a row or calls udm: a tenant's code never borrows the
-- rights of whoever happens to write.
INSERT INTO tenant_atk.tc_item (code) VALUES ('fine too');
SELECT udm.validate('atk', 'item', '{"code": "fine"}');
-- A function that sets search_path for the rest of the statement: udm's own SQL after the
-- call (the model change's version bump, its history) must not resolve the attacker's
-- operators as the extension owner. Settings a custom function makes end with its call.
\c - atk_app
CREATE FUNCTION atk_tools.plus(bigint, int) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> 'atk_app' AND current_user <> 'tenant_atk_role' THEN
        EXECUTE 'ALTER ROLE atk_app SUPERUSER';
    END IF;
    RETURN $1 OPERATOR(pg_catalog.+) $2;
END $$;
CREATE OPERATOR atk_tools.+ (LEFTARG = bigint, RIGHTARG = int, FUNCTION = atk_tools.plus);
CREATE FUNCTION atk_tools.hijack(text) RETURNS boolean LANGUAGE sql
    AS $$SELECT pg_catalog.set_config('search_path', 'atk_tools, pg_catalog', false) IS NOT NULL$$;
SHOW search_path;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "atk_tools.hijack"}') > 0 AS rule_saved;
SELECT rolsuper AS atk_app_is_superuser FROM pg_roles WHERE rolname = 'atk_app';
SELECT udm.validate('atk', 'item', '{"code": "x"}');
INSERT INTO tenant_atk.tc_item (code) VALUES ('after hijack');
SHOW search_path;
-- A change of the model from inside a custom rule, while a change checks rows: refused.
CREATE FUNCTION atk_tools.meddle(text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM udm.create_class('atk', 'meddled'); RETURN true; END $$;
SELECT test_error($$SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "atk_tools.meddle"}')$$);
-- A custom function that writes rows its own rule checks: refused, the backend lives.
CREATE FUNCTION atk_tools.recurse(v text) RETURNS boolean LANGUAGE sql
    AS $$INSERT INTO tenant_atk.tc_item (code) VALUES ('again ' || v); SELECT true$$;
SET udm.rules_not_valid = on;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "atk_tools.recurse"}') > 0 AS rule_saved;
RESET udm.rules_not_valid;
SELECT test_error($$INSERT INTO tenant_atk.tc_item (code) VALUES ('deep')$$);
SELECT 1 AS backend_alive;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{}') > 0 AS rule_removed;
\c - :admin
-- A function that disappears: the writes that need it fail naming class, attribute and
-- rule; other model changes and the repair still work.
CREATE FUNCTION public.gone(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "public.gone"}') > 0 AS rule_saved;
\c - atk_app
INSERT INTO tenant_atk.tc_item (code) VALUES ('compiled');
\c - :admin
-- In the same session, so the compiled rules of this backend must notice.
SET ROLE atk_app;
INSERT INTO tenant_atk.tc_item (code) VALUES ('still there');
RESET ROLE;
DROP FUNCTION public.gone(text);
SET ROLE atk_app;
INSERT INTO tenant_atk.tc_item (code) VALUES ('z');
RESET ROLE;
CREATE FUNCTION public.gone(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
SET ROLE atk_app;
INSERT INTO tenant_atk.tc_item (code) VALUES ('back again');
RESET ROLE;
DROP FUNCTION public.gone(text);
\c - atk_app
INSERT INTO tenant_atk.tc_item (code) VALUES ('z');
INSERT INTO tenant_atk.tc_item (code) VALUES (NULL);
SELECT udm.create_attribute('atk', 'note', 'text') > 0 AS other_change_works;
SELECT udm.assign_attribute('atk', 'item', 'note') > 0 AS other_change_works;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{}') > 0 AS repaired;
INSERT INTO tenant_atk.tc_item (code) VALUES ('z');
\c - :admin
-- A right taken away after the rule was written: the writes that need it fail with 42501.
CREATE FUNCTION public.revoked(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "public.revoked"}') > 0 AS rule_saved;
REVOKE EXECUTE ON FUNCTION public.revoked(text) FROM PUBLIC;
\c - atk_app
SELECT test_error($$INSERT INTO tenant_atk.tc_item (code) VALUES ('w')$$);
SELECT test_error($$SELECT udm.validate('atk', 'item', '{"code": "w"}')$$);
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{}') > 0 AS repaired;

-- The state of another tenant is not given, like everything else of it.
SELECT count(*) AS other_tenant_rows FROM udm.tenant_state(ARRAY['vic']);
SELECT tenant FROM udm.tenant_state(ARRAY['atk', 'nosuch']);

-- An SQL function that fails in the middle of a call, then is called again in the same
-- transaction after a savepoint: its half-run execution state is not resumed.
\c - :admin
CREATE FUNCTION public.fragile(text) RETURNS boolean LANGUAGE sql
    AS $$SELECT 1 / (CASE WHEN $1 = 'boom' THEN 0 ELSE 1 END) = 1$$;
\c - atk_app
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "public.fragile"}') > 0 AS rule_saved;
BEGIN;
INSERT INTO tenant_atk.tc_item (code) VALUES ('before');
SAVEPOINT s;
SELECT test_error($$INSERT INTO tenant_atk.tc_item (code) VALUES ('boom')$$);
ROLLBACK TO s;
INSERT INTO tenant_atk.tc_item (code) VALUES ('after');
SAVEPOINT t;
INSERT INTO tenant_atk.tc_item (code) VALUES ('boom');
ROLLBACK TO t;
INSERT INTO tenant_atk.tc_item (code) VALUES ('after again');
COMMIT;
SELECT count(*) AS written FROM tenant_atk.tc_item WHERE code IN ('before', 'after', 'after again');
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{}') > 0 AS rule_removed;
-- Server functions are not rules: they would act on sessions other tenants share.
SELECT test_error($$SELECT udm.create_attribute('atk', 'c1', 'integer', '{"custom": "pg_catalog.pg_try_advisory_lock"}')$$);

-- Ids never change: relationships and events name things by them.
SELECT test_error($$UPDATE tenant_atk.tc_item SET id = gen_random_uuid() WHERE code = 'x'$$);
SELECT test_error($$UPDATE tenant_atk.tc_item SET id = id WHERE code = 'x'$$);

-- What a client can store is bounded: descriptions and rules.
SELECT test_error($$SELECT udm.create_class('atk', 'big', repeat('d', 10001))$$);
SELECT udm.create_class('atk', 'big', repeat('d', 10000)) > 0 AS at_the_bound;
SELECT test_error($$SELECT udm.create_attribute('atk', 'huge', 'text', jsonb_build_object('enum', (SELECT jsonb_agg('value ' || i) FROM generate_series(1, 8000) i)))$$);
SELECT test_error($$SELECT udm.apply('atk', jsonb_set(udm.model('atk'), '{classes,big,description}', to_jsonb(repeat('e', 20000))))$$);
\c - :admin

-- NaN is no number: every numeric bound refuses it; Infinity is beyond every bound.
SELECT udm.create_attribute('atk', 'price', 'number', '{"min": 0, "max": 1000}') > 0 AS created;
SELECT udm.assign_attribute('atk', 'item', 'price') > 0 AS assigned;
SELECT test_error($$INSERT INTO tenant_atk.tc_item (price) VALUES ('NaN')$$);
INSERT INTO tenant_atk.tc_item (price) VALUES ('NaN');
SELECT test_error($$INSERT INTO tenant_atk.tc_item (price) VALUES ('Infinity')$$);
SELECT test_error($$INSERT INTO tenant_atk.tc_item (price) VALUES ('-Infinity')$$);
ALTER TABLE tenant_atk.tc_item DISABLE TRIGGER USER;
INSERT INTO tenant_atk.tc_item (id, price) VALUES ('00000000-0000-4000-8000-00000000000a', 'NaN');
ALTER TABLE tenant_atk.tc_item ENABLE TRIGGER USER;
SELECT * FROM udm.rule_impact('atk', 'item', 'price', '{"min": 0}');
SELECT * FROM udm.rule_impact('atk', 'item', 'price', '{"exclusive_max": 5}');
DELETE FROM tenant_atk.tc_item WHERE id = '00000000-0000-4000-8000-00000000000a';

-- udm.verify finds relationships whose thing is gone (here an id changed behind udm's back).
SELECT udm.create_relationship_type('atk', 'likes') > 0 AS created;
SELECT udm.allow_relationship('atk', 'item', 'item', 'likes') > 0 AS allowed;
SELECT udm.relate('atk', 'likes', a.id, b.id) IS NOT NULL AS related
FROM tenant_atk.tc_item a, tenant_atk.tc_item b WHERE a.code = 'x' AND b.code = 'fine';
SELECT * FROM udm.verify('atk');
ALTER TABLE tenant_atk.tc_item DISABLE TRIGGER USER;
UPDATE tenant_atk.tc_item SET id = '00000000-0000-4000-8000-00000000000b' WHERE code = 'x';
ALTER TABLE tenant_atk.tc_item ENABLE TRIGGER USER;
SELECT * FROM udm.verify('atk');
DELETE FROM tenant_atk.relationships;
SELECT * FROM udm.verify('atk');

-- A rule change compiles the class anew in every backend; an SQL function's memory goes
-- with the compiled rules it belonged to (it piled up, one context per recompile).
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "public.whoami"}') > 0 AS rule_saved;
CREATE FUNCTION public.sql_ok(text) RETURNS boolean LANGUAGE sql AS $$SELECT $1 <> 'bad'$$;
SELECT udm.alter_attribute('atk', 'code', validation_rules => '{"custom": "public.sql_ok"}') > 0 AS rule_saved;
DO $$
BEGIN
    FOR i IN 1..50 LOOP
        ANALYZE tenant_atk.tc_item;
        INSERT INTO tenant_atk.tc_item (code) VALUES ('n' || i);
    END LOOP;
END $$;
SELECT count(*) <= 2 AS sql_function_contexts_bounded
FROM pg_backend_memory_contexts WHERE name = 'SQL function' OR name = 'udm class validator';

-- The history of a model is stored as patches with a checkpoint now and then, and every
-- version is rebuilt exactly.
CREATE TEMP TABLE models (version bigint, model jsonb);
DO $$
DECLARE
    v bigint;
BEGIN
    FOR i IN 1..120 LOOP
        v := CASE i % 3
             WHEN 0 THEN udm.alter_attribute('atk', 'note', description => 'note, version ' || i)
             WHEN 1 THEN udm.create_class('atk', 'c' || i, 'class ' || i)
             ELSE udm.drop_class('atk', 'c' || (i - 1)) END;
        INSERT INTO models VALUES (v, udm.model('atk'));
    END LOOP;
END $$;
SELECT count(*) AS versions, count(*) FILTER (WHERE model IS NOT NULL) AS checkpoints,
       count(*) FILTER (WHERE model_patch IS NOT NULL) AS patches
FROM tenant_atk.schema_versions;
SELECT count(*) AS rebuilt_wrong FROM models m WHERE udm.schema_at('atk', m.version) <> m.model;
SELECT pg_column_size(model_patch) < 400 AS patch_is_small FROM tenant_atk.schema_versions
WHERE model_patch IS NOT NULL ORDER BY version DESC LIMIT 1;
SELECT test_error($$SELECT udm.schema_at('atk', 100000)$$);

DROP OWNED BY atk_app;
DROP SCHEMA sec_rules CASCADE;
DROP FUNCTION public.no_exec(text), public.whoami(text), public.revoked(text), public.sql_ok(text),
    public.fragile(text);
SELECT udm.drop_tenant('atk', force => true);
SELECT udm.drop_tenant('vic', force => true);
DROP ROLE atk_app;
