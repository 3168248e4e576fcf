-- udm.graphql_things: the things of a batch of events as the thing field of a <class>Changed
-- subscription selects them, one compiled statement for all ids, with the caller's
-- privileges (what udm-gateway reads per batch and selection). The compiler's SQL text is
-- tested in test/unit/graphql_live_things_test.cpp; this runs it.
\set VERBOSITY default
SELECT udm.create_tenant('gqt');
SELECT udm.apply('gqt', '{
  "attributes": {
    "name":  {"type": "text"},
    "price": {"type": "number"},
    "stock": {"type": "integer"},
    "maker": {"type": "reference", "target": "company"}
  },
  "classes": {
    "company": {"attributes": {"name": {"required": true}}},
    "product": {"attributes": {"name": {"required": true}, "price": {}, "stock": {}, "maker": {}}}
  }
}') AS version;
INSERT INTO tenant_gqt.tc_company (id, name) VALUES
    ('c0000000-0000-0000-0000-000000000001', 'Acme');
INSERT INTO tenant_gqt.tc_product (id, name, price, stock, maker) VALUES
    ('00000000-0000-0000-0000-000000000001', 'anvil', 10.5, 9007199254740993, 'c0000000-0000-0000-0000-000000000001'),
    ('00000000-0000-0000-0000-000000000002', 'bolt',  NULL, NULL, NULL),
    ('00000000-0000-0000-0000-000000000003', 'crate', 2,    1,    NULL);
UPDATE tenant_gqt.tc_product SET is_deleted = true WHERE name = 'crate';
\set doc 'subscription($n: Int) { productChanged { id thing { name price stock maker { name productCollectionByMaker(first: $n) { totalCount } } } } }'
\set ids '{00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002,00000000-0000-0000-0000-000000000003,00000000-0000-0000-0000-000000000009}'

-- One statement for all ids: the soft-deleted (crate) and missing ids are left out.
SELECT udm._graphql_statements() AS before \gset
SELECT jsonb_pretty(udm.graphql_things('gqt', :'doc', '{"n": 1}', NULL, :'ids'));
SELECT udm._graphql_statements() - :before AS statements;
-- The named operation of a document with several; an empty or NULL list reads nothing.
SELECT udm.graphql_things('gqt', 'subscription A { companyChanged { id } } subscription B { companyChanged { thing { name } } }',
                          NULL, 'B', '{c0000000-0000-0000-0000-000000000001}') AS named;
SELECT udm.graphql_things('gqt', :'doc', NULL, NULL, '{}') AS empty,
       udm.graphql_things('gqt', :'doc', NULL, NULL, NULL) AS null_ids;

-- Errors with their SQLSTATEs: a document that does not validate, an operation that
-- selects no thing, a selection nesting too deep, more things than udm.graphql_max_things.
\set VERBOSITY sqlstate
SELECT udm.graphql_things('gqt', 'subscription { productChanged { thing { nme } } }', NULL, NULL, :'ids');
SELECT udm.graphql_things('gqt', 'subscription { productChanged { id } }', NULL, NULL, :'ids');
SELECT udm.graphql_things('gqt', '{ productCollection { totalCount } }', NULL, NULL, :'ids');
SET udm.graphql_max_depth = 1;
SELECT udm.graphql_things('gqt', :'doc', NULL, NULL, :'ids');
RESET udm.graphql_max_depth;
SET udm.graphql_max_things = 10;
SELECT udm.graphql_things('gqt', :'doc', '{"n": 1}', NULL, :'ids');
RESET udm.graphql_max_things;
\set VERBOSITY default
SELECT test_error($$SELECT udm.graphql_things('gqt', 'subscription { productChanged { thing { nme } } }', NULL, NULL, '{}')$$) AS invalid;

-- Privileges: the tenant's role reads its things; another tenant's role and a role
-- without the tenant's privileges get 42501 before anything is read; a tenant role whose
-- SELECT on the class table was revoked gets 42501 from the statement.
SELECT udm.create_tenant('gqt_other');
SET ROLE tenant_gqt_role;
SELECT udm.graphql_things('gqt', 'subscription { productChanged { thing { name } } }', NULL, NULL, :'ids') AS own_tenant;
RESET ROLE;
SET ROLE tenant_gqt_other_role;
SELECT test_error($$SELECT udm.graphql_things('gqt', 'subscription { productChanged { thing { name } } }', NULL, NULL, '{}')$$) AS other_tenant_role;
RESET ROLE;
REVOKE SELECT ON tenant_gqt.tc_product FROM tenant_gqt_role;
SET ROLE tenant_gqt_role;
SELECT test_error($$SELECT udm.graphql_things('gqt', 'subscription { productChanged { thing { name } } }', NULL, NULL, '{00000000-0000-0000-0000-000000000001}')$$) AS revoked;
RESET ROLE;
GRANT SELECT ON tenant_gqt.tc_product TO tenant_gqt_role;
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('null tenant',    $$SELECT udm.graphql_things(NULL, 'subscription { productChanged { thing { name } } }', NULL, NULL, '{}')$$),
    ('unknown tenant', $$SELECT udm.graphql_things('nobody', 'subscription { productChanged { thing { name } } }', NULL, NULL, '{}')$$),
    ('null query',     $$SELECT udm.graphql_things('gqt', NULL, NULL, NULL, '{}')$$)
) AS t(label, stmt);
SELECT p.provolatile, p.proparallel, p.prosecdef, p.proisstrict,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p WHERE p.oid = 'udm.graphql_things(text, text, jsonb, text, uuid[])'::regprocedure;

SELECT udm.drop_tenant('gqt', force => true);
SELECT udm.drop_tenant('gqt_other');
