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
