-- The model API is usable by a tenant's role for its own tenant only, and nothing a user
-- writes (names, rules, descriptions, model documents) reaches SQL as code.
\set VERBOSITY default
\set admin :USER
SELECT udm.create_tenant('sec_a');
SELECT udm.create_tenant('sec_b');
CREATE ROLE sec_a_app LOGIN;
GRANT tenant_sec_a_role TO sec_a_app;

\c - sec_a_app
-- Its own tenant: the whole API.
SELECT udm.create_class('sec_a', 'note', 'Notes');
SELECT udm.create_attribute('sec_a', 'body', 'text', '{"max_length": 1000}');
SELECT udm.assign_attribute('sec_a', 'note', 'body');
INSERT INTO tenant_sec_a.tc_note (body) VALUES ('hello');
SELECT body FROM tenant_sec_a.tc_note;
SELECT version FROM udm.migrations('sec_a') ORDER BY 1;
SELECT * FROM udm.verify('sec_a');
-- The other tenant: nothing (42501), whatever the function.
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('create_class',  $$SELECT udm.create_class('sec_b', 'note')$$),
    ('apply',         $$SELECT udm.apply('sec_b', '{}')$$),
    ('plan',          $$SELECT * FROM udm.plan('sec_b', '{}')$$),
    ('model',         $$SELECT udm.model('sec_b')$$),
    ('migrations',    $$SELECT * FROM udm.migrations('sec_b')$$),
    ('verify',        $$SELECT * FROM udm.verify('sec_b')$$),
    ('relate',        $$SELECT udm.relate('sec_b', 'x', gen_random_uuid(), gen_random_uuid())$$),
    ('class_table',   $$SELECT udm.class_table('sec_b', 'x')$$),
    ('refresh',       $$SELECT udm.refresh_summary('sec_b')$$),
    -- udm's internals are not for it either
    ('_unconvertible',$$SELECT * FROM udm._unconvertible('tenant_sec_a.tc_note', 'body', 'int')$$),
    ('relationships', $$INSERT INTO tenant_sec_a.relationships (relationship_type_id, from_class_id, to_class_id, from_id, to_id) VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid())$$),
    ('history',       $$DELETE FROM tenant_sec_a.schema_versions$$),
    ('catalog',       $$UPDATE tenant_sec_a.thing_classes SET name = 'hacked'$$),
    ('ddl',           $$ALTER TABLE tenant_sec_a.tc_note ADD COLUMN x int$$)
) AS t(label, stmt);
\c - :admin
DROP OWNED BY sec_a_app;
DROP ROLE sec_a_app;

-- Hostile text in rules, descriptions and documents is stored as data, never run.
SELECT udm.create_class('sec_b', 'doc', $$'); DROP TABLE tenant_sec_a.tc_note; --$$,
                        '{"message": "''); DROP SCHEMA tenant_sec_a CASCADE; -- \" \\\\"}');
SELECT udm.create_attribute('sec_b', 'title', 'text', '{"message": "$$; DROP ROLE postgres; $$", "pattern": "^[^'';]*$"}',
                            description => E'quote \' and backslash \\ and "double"');
SELECT udm.assign_attribute('sec_b', 'doc', 'title', false, '{"enum": ["a''); DROP TABLE x; --", "b"]}');
-- A custom rule names a function; anything else is refused before it reaches SQL.
SELECT udm.alter_attribute('sec_b', 'title', validation_rules => '{"custom": "pg_sleep(10)"}');
SELECT udm.alter_attribute('sec_b', 'title', validation_rules => '{"custom": "x; DROP TABLE y"}');
SELECT udm.alter_attribute('sec_b', 'title', validation_rules => '{"custom": "tenant_sec_a.nothing_here"}');
SELECT description, validation_rules FROM tenant_sec_b.thing_classes;
SELECT description, validation_rules FROM tenant_sec_b.attributes;
SELECT assignment_rules FROM tenant_sec_b.attribute_assignments;
SELECT udm.apply('sec_b', udm.model('sec_b')) AS unchanged_version;
SELECT to_regclass('tenant_sec_a.tc_note') IS NOT NULL AS other_tenant_intact;
-- Rules apply; the value is never echoed, the rule's own message is.
SELECT test_error($$INSERT INTO tenant_sec_b.tc_doc (title) VALUES ('c; secret')$$);
\set VERBOSITY default
INSERT INTO tenant_sec_b.tc_doc (title) VALUES ('c; secret');
-- Nothing in any DDL udm ran holds the hostile text.
SELECT count(*) AS ddl_with_user_text FROM udm.migrations('sec_b') m, unnest(m.ddl) s
WHERE s LIKE '%DROP%' OR s LIKE '%pg_sleep%' OR s LIKE '%$$%';
SELECT udm.drop_tenant('sec_a', force => true);
SELECT udm.drop_tenant('sec_b', force => true);
