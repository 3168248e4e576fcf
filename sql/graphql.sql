-- udm.graphql_sdl: the GraphQL schema udm-gateway serves, read in SQL. The mapping itself
-- (types, names, collisions, @constraint) is tested in test/unit/graphql_*_test.cpp, and
-- graphql-js reads udm.graphql_sdl's output in test/integration/graphql_oracle.sh.
\set VERBOSITY default
\set admin :USER

-- The class types of an SDL, one row each: the type and its fields (name: type, or
-- name(...): type for a field with arguments), without the columns every class has,
-- descriptions and @constraint. Class types are the object types with a rowVersion field.
CREATE FUNCTION pg_temp.class_types(sdl text, OUT type text, OUT fields text) RETURNS SETOF record
LANGUAGE sql AS $$
    WITH lines AS (
        SELECT n, line,
               -- the type whose block the line is in (the last "type X {" above it)
               substring(max(CASE WHEN line ~ '^type ' THEN lpad(n::text, 8, '0') || line END)
                         OVER (ORDER BY n) FROM '^\d{8}type (\w+) \{$') AS type
        FROM regexp_split_to_table(sdl, E'\n') WITH ORDINALITY AS t(line, n)
    ), fields AS (
        SELECT n, type, substring(line FROM '^  (\w+: [][!\w]+)') AS field
        FROM lines WHERE type IS NOT NULL AND line ~ '^  \w+: '
        UNION ALL
        SELECT l.n, l.type, substring(l.line FROM '^  (\w+)\($') || '(...): ' ||
               (SELECT substring(e.line FROM '^  \): ([][!\w]+)') FROM lines e
                 WHERE e.n > l.n AND e.line ~ '^  \): ' ORDER BY e.n LIMIT 1)
        FROM lines l WHERE l.type IS NOT NULL AND l.line ~ '^  \w+\($'
    )
    SELECT type, coalesce(string_agg(field, ', ' ORDER BY n)
                          FILTER (WHERE field !~ '^(id|createdAt|updatedAt|createdBy|rowVersion): '), '')
    FROM fields
    GROUP BY type
    HAVING bool_or(field = 'rowVersion: BigInt!')
    ORDER BY min(n)
$$;

-- The empty model: the directive, scalars, Query, Subscription and their types; no class.
SELECT udm.create_tenant('gq_empty');
SELECT line AS definition
FROM regexp_split_to_table(udm.graphql_sdl('gq_empty'), E'\n') WITH ORDINALITY AS t(line, n)
WHERE line ~ '^(directive|scalar|enum|type) ' ORDER BY n;
SELECT right(udm.graphql_sdl('gq_empty'), 2) = E'}\n' AS ends_with_one_newline,
       udm.graphql_sdl('gq_empty') = udm.graphql_sdl('gq_empty') AS same_twice,
       (SELECT count(*) FROM pg_temp.class_types(udm.graphql_sdl('gq_empty'))) AS class_types;

-- The example model of docs/model.md (docs/examples/shop.json), in full once.
SELECT udm.create_tenant('gq_shop');
\set shop `cat docs/examples/shop.json`
SELECT udm.apply('gq_shop', :'shop') AS version;
\pset format unaligned
\pset tuples_only on
SELECT udm.graphql_sdl('gq_shop');
\pset format aligned
\pset tuples_only off

-- A model change shows in the next call, also before it commits; a rolled-back one goes.
SELECT udm.create_attribute('gq_shop', 'weight', 'number', '{"min": 0}', description => 'In kg') AS version;
SELECT udm.assign_attribute('gq_shop', 'product', 'weight', true) AS version;
SELECT * FROM pg_temp.class_types(udm.graphql_sdl('gq_shop'));
SELECT line FROM regexp_split_to_table(udm.graphql_sdl('gq_shop'), E'\n') AS line WHERE line ~ '^  weight';
BEGIN;
SELECT udm.rename_class('gq_shop', 'company', 'purchase_order') AS version;
SELECT udm.drop_attribute('gq_shop', 'tags', force => true) AS version;
SELECT * FROM pg_temp.class_types(udm.graphql_sdl('gq_shop'));
ROLLBACK;
SELECT * FROM pg_temp.class_types(udm.graphql_sdl('gq_shop'));

-- Awkward names: classes named like the schema's own types and GraphQL words, names that
-- collide after PascalCase / camelCase (compared ignoring case), attributes against the
-- columns of every class and the id fields of references, relationship fields against
-- attributes. The first claimant keeps the plain name, later ones get _2, _3 ...
SELECT udm.create_tenant('gq_names');
SELECT udm.apply('gq_names', '{
  "attributes": {
    "type": {"type": "text"}, "query": {"type": "integer"}, "subscription": {"type": "boolean"},
    "fragment": {"type": "timestamp"}, "on": {"type": "text"}, "null": {"type": "text"},
    "i_d": {"type": "text"}, "createdat": {"type": "date"}, "rowversion": {"type": "integer"},
    "supplier": {"type": "reference", "target": "type"}, "supplier_id": {"type": "text"},
    "unit_price": {"type": "number"}, "unit_price_1": {"type": "number"}, "unit_price1": {"type": "number"},
    "typename": {"type": "json"}
  },
  "classes": {
    "query": {"attributes": {"type": {}, "supplier": {"required": true}, "supplier_id": {}, "i_d": {},
                             "createdat": {}, "rowversion": {}}},
    "subscription": {"attributes": {"query": {}, "subscription": {}, "typename": {}, "fragment": {},
                                    "on": {}, "null": {}}},
    "type": {"attributes": {"unit_price": {}, "unit_price_1": {}, "unit_price1": {}}},
    "a_b1": {}, "a_b_1": {}, "ab1": {},
    "string": {}, "int": {}, "id": {}, "big_int": {}, "date_time": {}, "json": {}, "mutation": {},
    "operation": {}, "schema_change": {}, "schema_change_entry": {}, "thing_event": {}
  },
  "relationship_types": {"supplies": {"inverse": "supplier"}, "type": {}},
  "relationships": [
    {"from": "type", "to": "query", "type": "supplies"},
    {"from": "query", "to": "query", "type": "type", "bidirectional": true}
  ]
}') AS version;
SELECT * FROM pg_temp.class_types(udm.graphql_sdl('gq_names'));
-- The schema's own types keep their names; the classes get what is left.
SELECT line AS definition
FROM regexp_split_to_table(udm.graphql_sdl('gq_names'), E'\n') WITH ORDINALITY AS t(line, n)
WHERE line ~ '^(directive|scalar|enum|type) ' ORDER BY n;
-- No GraphQL name can start with "__": udm's names start with a lower-case letter.
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('class __schema',    $$SELECT udm.create_class('gq_names', '__schema')$$),
    ('class _type',       $$SELECT udm.create_class('gq_names', '_type')$$),
    ('attribute __x',     $$SELECT udm.create_attribute('gq_names', '__typename', 'text')$$),
    ('relationship __x',  $$SELECT udm.create_relationship_type('gq_names', 'knows', '__knows')$$)
) AS t(label, stmt);

-- Bad input: the errors every tenant function gives.
CREATE ROLE gq_intruder;
CREATE SCHEMA tenant_gq_fake AUTHORIZATION gq_intruder;
CREATE TABLE tenant_gq_fake.schema_state (x int);
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('null tenant',      $$SELECT udm.graphql_sdl(NULL)$$),
    ('unknown tenant',   $$SELECT udm.graphql_sdl('nobody')$$),
    ('bad tenant name',  $$SELECT udm.graphql_sdl('No Body')$$),
    ('not udm''s schema', $$SELECT udm.graphql_sdl('gq_fake')$$)
) AS t(label, stmt);
DROP SCHEMA tenant_gq_fake CASCADE;
DROP ROLE gq_intruder;
SELECT udm.graphql_sdl('nobody');

-- Privileges: as udm.model, anyone may call it, for a tenant whose role it has.
SELECT p.provolatile, p.proparallel, p.prosecdef, p.proisstrict,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p WHERE p.oid = 'udm.graphql_sdl(text)'::regprocedure;
CREATE ROLE gq_app LOGIN;
GRANT tenant_gq_empty_role TO gq_app;
\c - gq_app
SELECT udm.graphql_sdl('gq_empty') LIKE '%type Query {%' AS reads_own_tenant;
-- GraphQL introspection is on unless a superuser switches it off for a deployment.
SHOW udm.graphql_introspection;
SELECT test_error($$SET udm.graphql_introspection = off$$) AS app_cannot_switch;
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('graphql_sdl', $$SELECT udm.graphql_sdl('gq_shop')$$),
    ('model',       $$SELECT udm.model('gq_shop')$$)
) AS t(label, stmt);
\c - :admin
SET ROLE tenant_gq_names_role;
SELECT test_error($$SELECT udm.graphql_sdl('gq_shop')$$) AS other_tenant_role;
RESET ROLE;
DROP OWNED BY gq_app;
DROP ROLE gq_app;

SELECT udm.drop_tenant('gq_empty');
SELECT udm.drop_tenant('gq_shop', force => true);
SELECT udm.drop_tenant('gq_names', force => true);
