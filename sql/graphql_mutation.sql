-- udm.graphql mutations: insertInto/update/deleteFrom<Class>Collection compiled to one
-- INSERT or UPDATE per root field, inputs judged by the class's rules before any SQL, the
-- triggers' errors as GraphQL errors, atMost, and one transaction for all root fields. The
-- compiler's SQL text is tested in test/unit/graphql_mutation_test.cpp; this runs it.
\set VERBOSITY default
SELECT udm.create_tenant('gqm');
SELECT udm.apply('gqm', '{
  "attributes": {
    "name":  {"type": "text", "rules": {"min_length": 2}},
    "email": {"type": "text", "rules": {"format": "email", "unique": true}},
    "price": {"type": "number", "rules": {"min": 0}},
    "stock": {"type": "integer"},
    "maker": {"type": "reference", "target": "company"},
    "extra": {"type": "json"}
  },
  "classes": {
    "company": {"attributes": {"name": {"required": true}, "email": {}}},
    "product": {"attributes": {"name": {"required": true}, "price": {}, "stock": {}, "maker": {}, "extra": {}},
                "rules": {"required_together": [["price", "stock"]]}}
  }
}') AS version;

-- Inserts: records as stored, in the order of objects, with nested references; BigInt as
-- a string of digits; a JSON value; an attribute not given gets its default (null).
SELECT jsonb_pretty(udm.graphql('gqm', $$mutation {
  insertIntoCompanyCollection(objects: [{name: "Acme", email: "sales@acme.test"}, {name: "Bolt"}]) {
    __typename affectedCount records { name email } } }$$));
SELECT id AS acme FROM tenant_gqm.tc_company WHERE name = 'Acme' \gset
SELECT udm._graphql_statements() AS before \gset
SELECT jsonb_pretty(udm.graphql('gqm', $$mutation($maker: ID, $extra: JSON) {
  insertIntoProductCollection(objects: [
      {name: "anvil", price: 10.5, stock: "9007199254740993", makerId: $maker, extra: $extra},
      {name: "o'brien \"quoted\"); DROP TABLE x; --", price: 3, stock: 1}]) {
    affectedCount records { name price stock maker { name } extra createdBy rowVersion } } }$$,
  jsonb_build_object('maker', :'acme', 'extra', '{"a": [1, 2.50]}'::jsonb)));
-- One statement for the root field, whatever its records nest.
SELECT udm._graphql_statements() - :before AS statements;
SELECT name, price, stock, extra FROM tenant_gqm.tc_product ORDER BY name;

-- Rules are judged before SQL: every violation of every object at once, each with its
-- input path, never the value; nothing is written.
SELECT jsonb_pretty(udm.graphql('gqm', $$mutation {
  insertIntoProductCollection(objects: [
      {name: "fine", price: 1, stock: 1},
      {name: "x", price: -1, makerId: "not-a-uuid"}]) { affectedCount } }$$));
SELECT count(*) AS products FROM tenant_gqm.tc_product;

-- The triggers stay the authority: a duplicate unique value, a reference to a missing
-- thing, a class rule an update breaks with the rest of the thing.
SELECT udm.graphql('gqm', $$mutation { insertIntoCompanyCollection(objects: [{name: "Again", email: "sales@acme.test"}]) { affectedCount } }$$)
    AS unique_violation;
SELECT udm.graphql('gqm', $$mutation { insertIntoProductCollection(objects: [{name: "ghost", makerId: "00000000-0000-0000-0000-0000000000ff"}]) { affectedCount } }$$)
    AS reference_not_found;
SELECT udm.graphql('gqm', $$mutation { updateProductCollection(set: {stock: null}, filter: {name: {eq: "anvil"}}) { affectedCount } }$$)
    AS class_rule;

-- Updates set what they give (null clears), bump rowVersion, and return the things.
SELECT jsonb_pretty(udm.graphql('gqm', $$mutation {
  updateProductCollection(set: {price: 12, makerId: null}, filter: {name: {eq: "anvil"}}) {
    affectedCount records { name price maker { name } rowVersion } } }$$));
-- Optimistic locking: a filter on a rowVersion that moved on matches nothing.
SELECT udm.graphql('gqm', $$mutation { updateProductCollection(set: {price: 13}, filter: {name: {eq: "anvil"}, rowVersion: {eq: "1"}}) { affectedCount } }$$)
    AS stale_row_version;
SELECT udm.graphql('gqm', $$mutation { updateProductCollection(set: {price: 13}, filter: {name: {eq: "anvil"}, rowVersion: {eq: "2"}}) { affectedCount } }$$)
    AS current_row_version;

-- atMost: more things pass than allowed, nothing changes.
SELECT udm.graphql('gqm', 'mutation { updateProductCollection(set: {price: 0}) { affectedCount } }') AS too_many;
SELECT udm.graphql('gqm', 'mutation { deleteFromProductCollection(atMost: 0) { affectedCount } }') AS at_most_zero;
SELECT name, price, is_deleted FROM tenant_gqm.tc_product ORDER BY name;
SELECT udm.graphql('gqm', 'mutation { updateProductCollection(set: {stock: 2}, atMost: 2) { affectedCount } }') AS at_most_two;

-- All root fields of a mutation run in order in one transaction: the second fails, so the
-- first is undone too, and data is null (the fields are non-null).
SELECT udm.graphql('gqm', $$mutation {
  a: updateProductCollection(set: {price: 99}, atMost: 10) { affectedCount }
  b: insertIntoProductCollection(objects: [{name: "ghost", makerId: "00000000-0000-0000-0000-0000000000ff"}]) { affectedCount } }$$)
    AS undone;
SELECT count(*) FILTER (WHERE price = 99) AS priced_99 FROM tenant_gqm.tc_product;
-- In order: the second field sees what the first wrote.
SELECT udm.graphql('gqm', $$mutation {
  add: insertIntoCompanyCollection(objects: [{name: "Cogs"}]) { affectedCount }
  rename: updateCompanyCollection(set: {name: "Cogs Ltd"}, filter: {name: {eq: "Cogs"}}) { records { name } } }$$)
    AS in_order;

-- deleteFrom soft-deletes: the thing is no longer served, the data events say soft_delete.
SELECT udm.graphql('gqm', $$mutation { deleteFromCompanyCollection(filter: {name: {eq: "Cogs Ltd"}}) { affectedCount records { name } } }$$)
    AS deleted;
SELECT udm.graphql('gqm', '{ companyCollection(filter: {name: {startsWith: "Cogs"}}) { totalCount } }') AS not_served;
SELECT name, is_deleted FROM tenant_gqm.tc_company WHERE name LIKE 'Cogs%';
SELECT operation, count(*) FROM udm.data_events('gqm', 0, 1000) GROUP BY operation ORDER BY operation;

-- Bad arguments are clear errors; nothing is written.
SELECT label, udm.graphql('gqm', doc) AS response FROM (VALUES
    ('empty set',     'mutation { updateProductCollection(set: {}) { affectedCount } }'),
    ('atMost < 0',    'mutation { deleteFromProductCollection(atMost: -1) { affectedCount } }'),
    ('atMost > 1000', 'mutation { deleteFromProductCollection(atMost: 1001) { affectedCount } }'),
    ('bad date',      'mutation { updateProductCollection(set: {price: 1}, filter: {createdAt: {eq: "soon"}}) { affectedCount } }'),
    ('unknown field', 'mutation { insertIntoProductCollection(objects: [{nope: 1}]) { affectedCount } }'),
    ('no objects',    'mutation { insertIntoProductCollection(objects: []) { affectedCount records { id } } }')
) AS t(label, doc);

-- Privileges: the tenant's role writes; without INSERT it gets FORBIDDEN and nothing is
-- written; another tenant's role gets 42501 before anything is read.
SET ROLE tenant_gqm_role;
SELECT udm.graphql('gqm', 'mutation { insertIntoCompanyCollection(objects: [{name: "Dyn"}]) { affectedCount } }') AS own_role;
RESET ROLE;
REVOKE INSERT ON tenant_gqm.tc_company FROM tenant_gqm_role;
SET ROLE tenant_gqm_role;
SELECT udm.graphql('gqm', 'mutation { insertIntoCompanyCollection(objects: [{name: "Eon"}]) { affectedCount } }') AS revoked;
RESET ROLE;
GRANT INSERT ON tenant_gqm.tc_company TO tenant_gqm_role;
SELECT udm.create_tenant('gqm_other');
SET ROLE tenant_gqm_other_role;
SELECT test_error($$SELECT udm.graphql('gqm', 'mutation { deleteFromCompanyCollection(atMost: 100) { affectedCount } }')$$) AS other_tenant_role;
RESET ROLE;
SELECT name FROM tenant_gqm.tc_company ORDER BY name;

SELECT udm.drop_tenant('gqm_other');
SELECT udm.drop_tenant('gqm', force => true);

-- The caches of the backend: a repeated document is neither parsed nor validated nor
-- planned again, also with other variable values; a model change starts afresh.
SELECT udm.create_tenant('gqc');
SELECT udm.apply('gqc', '{"attributes": {"name": {"type": "text"}}, "classes": {"item": {"attributes": {"name": {}}}}}') AS version;
SELECT udm._graphql_cache() AS before \gset
SELECT udm.graphql('gqc', 'mutation($n: String) { insertIntoItemCollection(objects: [{name: $n}]) { affectedCount } }', '{"n": "a"}');
SELECT udm.graphql('gqc', 'mutation($n: String) { insertIntoItemCollection(objects: [{name: $n}]) { affectedCount } }', '{"n": "b"}');
SELECT udm.graphql('gqc', 'query($n: String) { itemCollection(filter: {name: {eq: $n}}) { totalCount } }', '{"n": "a"}');
SELECT udm.graphql('gqc', 'query($n: String) { itemCollection(filter: {name: {eq: $n}}) { totalCount } }', '{"n": "b"}');
SELECT (udm._graphql_cache() ->> 'document_hits')::int - (:'before'::jsonb ->> 'document_hits')::int AS document_hits,
       (udm._graphql_cache() ->> 'plan_hits')::int - (:'before'::jsonb ->> 'plan_hits')::int AS plan_hits,
       (udm._graphql_cache() ->> 'schema_hits')::int - (:'before'::jsonb ->> 'schema_hits')::int AS schema_hits;
-- A new attribute: the next request sees it (a new schema, the document checked anew).
SELECT udm.create_attribute('gqc', 'size', 'integer');
SELECT udm.assign_attribute('gqc', 'item', 'size');
SELECT udm.graphql('gqc', 'mutation($n: String) { insertIntoItemCollection(objects: [{name: $n, size: "3"}]) { records { name size } } }', '{"n": "c"}');
SELECT udm.graphql('gqc', 'query($n: String) { itemCollection(filter: {name: {eq: $n}}) { totalCount } }', '{"n": "c"}');
-- A tenant dropped and created anew at the same version is not served from before.
SELECT udm.drop_tenant('gqc', force => true);
SELECT udm.create_tenant('gqc');
SELECT udm.apply('gqc', '{"attributes": {"label": {"type": "text"}}, "classes": {"item": {"attributes": {"label": {}}}}}') AS version;
SELECT udm.graphql('gqc', 'query($n: String) { itemCollection(filter: {name: {eq: $n}}) { totalCount } }', '{"n": "c"}') AS old_field;
SELECT udm.graphql('gqc', '{ itemCollection { totalCount } }') AS new_tenant;
SELECT udm.drop_tenant('gqc', force => true);

-- udm.graphql nested in itself: a custom rule of a mutation's class calls udm.graphql and
-- runs 300 different documents (more plans than the cache keeps) while the outer statement
-- runs its plan; the outer plan is not freed under it.
SELECT udm.create_tenant('gqn');
CREATE SCHEMA gqn_rules;
CREATE FUNCTION gqn_rules.busy(v text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    i int;
    r jsonb;
BEGIN
    FOR i IN 1..300 LOOP
        r := udm.graphql('gqn', format('{ a%s: itemCollection { totalCount } }', i));
    END LOOP;
    RETURN r #>> '{data,a300,totalCount}' IS NOT NULL;
END $$;
GRANT USAGE ON SCHEMA gqn_rules TO tenant_gqn_role;
SELECT udm.apply('gqn', '{"attributes": {"name": {"type": "text", "rules": {"custom": "gqn_rules.busy"}}},
                          "classes": {"item": {"attributes": {"name": {}}}}}') AS version;
SELECT udm.graphql('gqn', 'mutation { insertIntoItemCollection(objects: [{name: "a"}, {name: "b"}]) { affectedCount } }') AS nested;
SELECT udm.graphql('gqn', 'mutation { insertIntoItemCollection(objects: [{name: "a"}, {name: "b"}]) { affectedCount } }') AS nested_again;
SELECT (udm._graphql_cache() ->> 'plans')::int <= 256 AS plans_bounded;
SELECT udm.drop_tenant('gqn', force => true);
DROP SCHEMA gqn_rules CASCADE;

-- relate and unrelate: udm.relate's checks, its errors as GraphQL errors.
SELECT udm.create_tenant('gqr');
SELECT udm.apply('gqr', '{
  "attributes": {"name": {"type": "text"}},
  "classes": {"company": {"attributes": {"name": {}}}, "product": {"attributes": {"name": {}}}},
  "relationship_types": {"supplies": {}},
  "relationships": [{"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_sources": 1}}]
}') AS version;
INSERT INTO tenant_gqr.tc_company (id, name) VALUES
    ('c0000000-0000-0000-0000-000000000001', 'Acme'), ('c0000000-0000-0000-0000-000000000002', 'Bolt');
INSERT INTO tenant_gqr.tc_product (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'anvil');
SELECT label, udm.graphql('gqr', doc) AS response FROM (VALUES
    ('relate',        'mutation { relate(type: "supplies", fromId: "c0000000-0000-0000-0000-000000000001", toId: "00000000-0000-0000-0000-000000000001") }'),
    ('again',         'mutation { relate(type: "supplies", fromId: "c0000000-0000-0000-0000-000000000001", toId: "00000000-0000-0000-0000-000000000001") }'),
    ('cardinality',   'mutation { relate(type: "supplies", fromId: "c0000000-0000-0000-0000-000000000002", toId: "00000000-0000-0000-0000-000000000001") }'),
    ('other way',     'mutation { relate(type: "supplies", fromId: "00000000-0000-0000-0000-000000000001", toId: "c0000000-0000-0000-0000-000000000002") }'),
    ('missing thing', 'mutation { relate(type: "supplies", fromId: "c0000000-0000-0000-0000-0000000000ff", toId: "00000000-0000-0000-0000-000000000001") }'),
    ('unknown type',  'mutation { relate(type: "owns", fromId: "c0000000-0000-0000-0000-000000000001", toId: "00000000-0000-0000-0000-000000000001") }'),
    ('bad id',        'mutation { relate(type: "supplies", fromId: "x", toId: "00000000-0000-0000-0000-000000000001") }'),
    ('unrelate',      'mutation { unrelate(type: "supplies", fromId: "c0000000-0000-0000-0000-000000000001", toId: "00000000-0000-0000-0000-000000000001") }'),
    ('unrelate none', 'mutation { unrelate(type: "supplies", fromId: "c0000000-0000-0000-0000-000000000001", toId: "00000000-0000-0000-0000-000000000001") }')
) AS t(label, doc);
-- With the other fields of the mutation, in one transaction: the failing relate undoes the
-- insert before it.
SELECT udm.graphql('gqr', $$mutation {
  insertIntoProductCollection(objects: [{name: "bolt"}]) { affectedCount }
  relate(type: "supplies", fromId: "c0000000-0000-0000-0000-0000000000ff", toId: "00000000-0000-0000-0000-000000000001") }$$) AS undone;
SELECT count(*) AS products FROM tenant_gqr.tc_product;
SELECT udm.drop_tenant('gqr', force => true);

-- An error udm.graphql does not turn into a GraphQL error (here a custom rule's own
-- exception) is an SQL error of the call, with the mutation's subtransaction closed: a
-- PL/pgSQL block catches it and the transaction goes on, clean.
SELECT udm.create_tenant('gqx');
CREATE SCHEMA gqx_rules;
CREATE FUNCTION gqx_rules.boom(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF v = 'boom' THEN RAISE EXCEPTION 'boom from a custom rule'; END IF;
    RETURN true;
END $$;
GRANT USAGE ON SCHEMA gqx_rules TO tenant_gqx_role;
SELECT udm.apply('gqx', '{"attributes": {"name": {"type": "text", "rules": {"custom": "gqx_rules.boom"}}},
                          "classes": {"item": {"attributes": {"name": {}}}}}') AS version;
BEGIN;
DO $$
BEGIN
    PERFORM udm.graphql('gqx', 'mutation { insertIntoItemCollection(objects: [{name: "fine"}, {name: "boom"}]) { affectedCount } }');
EXCEPTION WHEN raise_exception THEN
    RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT udm.graphql('gqx', 'mutation { insertIntoItemCollection(objects: [{name: "after"}]) { affectedCount } }') AS after_caught;
COMMIT;
SELECT name FROM tenant_gqx.tc_item;
SELECT udm.drop_tenant('gqx', force => true);
DROP SCHEMA gqx_rules CASCADE;

-- Concurrent writers: an update waits for the lock of the thing another transaction is
-- changing, then judges its filter on the committed row. With rowVersion in the filter
-- (optimistic locking) the loser changes nothing and says so; without, it applies on top.
SELECT udm.create_tenant('gqy');
SELECT udm.apply('gqy', '{"attributes": {"name": {"type": "text"}, "stock": {"type": "integer"}},
                          "classes": {"item": {"attributes": {"name": {}, "stock": {}}}}}') AS version;
SELECT udm.graphql('gqy', 'mutation { insertIntoItemCollection(objects: [{name: "one", stock: "1"}]) { affectedCount } }') AS inserted;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT format('dbname=%s host=%s port=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')) AS conn \gset
SELECT dblink_connect('other', :'conn');
SELECT * FROM dblink('other', 'SELECT pg_backend_pid()') AS t(pid int) \gset other_
\i sql/include/wait_for_other.sql
BEGIN;
SELECT udm.graphql('gqy', 'mutation { updateItemCollection(set: {stock: "2"}, filter: {name: {eq: "one"}, rowVersion: {eq: "1"}}) { affectedCount } }') AS first_writer;
SELECT dblink_send_query('other', $$SELECT udm.graphql('gqy', 'mutation { updateItemCollection(set: {stock: "3"}, filter: {name: {eq: "one"}, rowVersion: {eq: "1"}}) { affectedCount } }')$$);
SELECT pg_temp.wait_for_other(:other_pid) AS other_waits;
COMMIT;
SELECT * FROM dblink_get_result('other') AS t(second_writer jsonb);
SELECT * FROM dblink_get_result('other') AS t(result text);
BEGIN;
SELECT udm.graphql('gqy', 'mutation { updateItemCollection(set: {stock: "4"}, filter: {name: {eq: "one"}}) { affectedCount } }') AS first_writer;
SELECT dblink_send_query('other', $$SELECT udm.graphql('gqy', 'mutation { updateItemCollection(set: {stock: "5"}, filter: {name: {eq: "one"}}) { records { stock rowVersion } } }')$$);
SELECT pg_temp.wait_for_other(:other_pid) AS other_waits;
COMMIT;
SELECT * FROM dblink_get_result('other') AS t(second_writer jsonb);
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT dblink_disconnect('other');
SELECT name, stock, row_version FROM tenant_gqy.tc_item;
SELECT udm.drop_tenant('gqy', force => true);

-- The bounds are settings of the deployment (superusers): depth and page size.
SELECT udm.create_tenant('gqz');
SELECT udm.apply('gqz', '{"attributes": {"name": {"type": "text"}, "maker": {"type": "reference", "target": "company"}},
                          "classes": {"company": {"attributes": {"name": {}}}, "product": {"attributes": {"name": {}, "maker": {}}}}}') AS version;
SET udm.graphql_max_depth = 1;
SET udm.graphql_max_page_size = 2;
SELECT label, udm.graphql('gqz', doc) AS response FROM (VALUES
    ('depth',    '{ productCollection { edges { node { maker { name } } } } }'),
    ('first',    '{ productCollection(first: 3) { totalCount } }'),
    ('atMost',   'mutation { deleteFromProductCollection(atMost: 3) { affectedCount } }'),
    ('objects',  'mutation { insertIntoCompanyCollection(objects: [{name: "a"}, {name: "b"}, {name: "c"}]) { affectedCount } }'),
    ('within',   '{ productCollection(first: 2) { totalCount } }')
) AS t(label, doc);
RESET udm.graphql_max_depth;
RESET udm.graphql_max_page_size;
-- Things a request may read or write, estimated before any SQL runs: pages times what each
-- of their things nests, summed over the root fields (many aliases of a big page).
SET udm.graphql_max_things = 50;
SELECT udm._graphql_statements() AS before \gset
SELECT udm.graphql('gqz', '{ a: productCollection(first: 20) { edges { node { maker { name } } } } b: productCollection(first: 11) { edges { node { name } } } }') AS too_many_things;
SELECT udm.graphql('gqz', '{ a: productCollection(first: 20) { edges { node { maker { name } } } } b: productCollection(first: 10) { edges { node { name } } } }') AS within;
SELECT udm._graphql_statements() - :before AS statements;
-- What a mutation writes counts whatever it selects; a count is a page (100 by default).
SELECT udm.graphql('gqz', 'mutation { a: deleteFromProductCollection(atMost: 30) { affectedCount } b: deleteFromProductCollection(atMost: 30) { affectedCount } }') AS writes_count;
SELECT udm.graphql('gqz', '{ productCollection { totalCount } }') AS counts_count;
RESET udm.graphql_max_things;
SET ROLE tenant_gqz_role;
SELECT test_error('SET udm.graphql_max_depth = 20') AS tenant_role_sets_depth;
RESET ROLE;
SELECT udm.drop_tenant('gqz', force => true);

-- One subtransaction per mutation, whatever its fields: writing four fields assigns one
-- transaction id beyond the transaction's own (a subtransaction per field would assign
-- four, and 64 of them overflow every snapshot's cache of subtransactions).
SELECT udm.create_tenant('gqs');
SELECT udm.apply('gqs', '{"attributes": {"name": {"type": "text"}}, "classes": {"item": {"attributes": {"name": {}}}}}') AS version;
BEGIN;
SELECT pg_current_xact_id()::text::bigint AS xid_before \gset
SELECT udm.graphql('gqs', 'mutation { a: insertIntoItemCollection(objects: [{name: "a"}]) { affectedCount } b: insertIntoItemCollection(objects: [{name: "b"}]) { affectedCount } c: updateItemCollection(set: {name: "c"}, filter: {name: {eq: "a"}}) { affectedCount } d: deleteFromItemCollection(filter: {name: {eq: "b"}}) { affectedCount } }') AS four_fields;
COMMIT;
SELECT pg_current_xact_id()::text::bigint - :xid_before - 1 AS subtransaction_ids;
SELECT udm.drop_tenant('gqs', force => true);
