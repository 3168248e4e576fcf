-- udm.graphql: GraphQL queries over a tenant's things, compiled to one SQL statement per
-- root field and run with the caller's privileges. The compiler's SQL text is tested in
-- test/unit/graphql_compile_test.cpp; this runs it.
\set VERBOSITY default
-- Nested collections here take the default page (100) at every level, which the bound on
-- things per request refuses (graphql_mutation.sql tests that bound): lifted for this file.
SET udm.graphql_max_things = 10000000;
\set admin :USER
SELECT udm.create_tenant('gqq');
SELECT udm.apply('gqq', '{
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
INSERT INTO tenant_gqq.tc_company (id, name) VALUES
    ('c0000000-0000-0000-0000-000000000001', 'Acme'),
    ('c0000000-0000-0000-0000-000000000002', 'Gone');
INSERT INTO tenant_gqq.tc_product (id, name, price, stock, maker) VALUES
    ('00000000-0000-0000-0000-000000000001', 'anvil',  10.5, 3,    'c0000000-0000-0000-0000-000000000001'),
    ('00000000-0000-0000-0000-000000000002', 'bolt',   NULL, NULL, 'c0000000-0000-0000-0000-000000000002'),
    ('00000000-0000-0000-0000-000000000003', 'crate',  2,    9007199254740993, NULL),
    ('00000000-0000-0000-0000-000000000004', 'drill',  99.99, 1,   'c0000000-0000-0000-0000-000000000001'),
    ('00000000-0000-0000-0000-000000000005', 'easel',  7,    0,    NULL),
    ('00000000-0000-0000-0000-000000000006', 'fake',   1,    1,    NULL);
-- Soft-deleted things are never served, also not through a reference.
UPDATE tenant_gqq.tc_product SET is_deleted = true WHERE name = 'fake';
UPDATE tenant_gqq.tc_company SET is_deleted = true WHERE name = 'Gone';

-- One thing by id, with its maker; BigInt as a string of digits; aliases and __typename.
SELECT jsonb_pretty(udm.graphql('gqq', $$
  { p: product(id: "00000000-0000-0000-0000-000000000001") {
      __typename id name price stock maker { name } makerId }
    schemaVersion }$$));
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000003") { stock maker { id } } }');
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000002") { name maker { name } makerId } }')
    AS deleted_maker_is_null;
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000006") { name } }')
    AS deleted_thing_is_null;
SELECT udm.graphql('gqq', 'query($id: ID!) { product(id: $id) { name } }',
                   '{"id": "00000000-0000-0000-0000-000000000004"}') AS with_variables;

-- A collection: a page, its cursors and pageInfo, totalCount (soft-deleted not counted).
SELECT jsonb_pretty(udm.graphql('gqq', $$
  { productCollection(first: 2) {
      totalCount
      edges { node { name } }
      pageInfo { hasNextPage hasPreviousPage } } }$$));

-- Walking the whole collection page by page, forwards then backwards: every thing once,
-- in order, and pageInfo right on every page.
CREATE FUNCTION pg_temp.walk(forward boolean, size int) RETURNS TABLE (page int, names text, has_next boolean, has_previous boolean)
LANGUAGE plpgsql AS $$
DECLARE
    cursor text;
    r jsonb;
    n int := 0;
BEGIN
    LOOP
        n := n + 1;
        r := udm.graphql('gqq',
            CASE WHEN forward
                 THEN 'query($n: Int, $c: Cursor) { productCollection(first: $n, after: $c) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }'
                 ELSE 'query($n: Int, $c: Cursor) { productCollection(last: $n, before: $c) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }'
            END,
            jsonb_build_object('n', size, 'c', cursor)) -> 'data' -> 'productCollection';
        page := n;
        names := (SELECT string_agg(e -> 'node' ->> 'name', ',') FROM jsonb_array_elements(r -> 'edges') e);
        has_next := (r -> 'pageInfo' ->> 'hasNextPage')::boolean;
        has_previous := (r -> 'pageInfo' ->> 'hasPreviousPage')::boolean;
        RETURN NEXT;
        IF forward AND NOT has_next OR NOT forward AND NOT has_previous OR n > 10 THEN
            RETURN;
        END IF;
        cursor := r -> 'pageInfo' ->> CASE WHEN forward THEN 'endCursor' ELSE 'startCursor' END;
    END LOOP;
END
$$;
SELECT * FROM pg_temp.walk(true, 2);
SELECT * FROM pg_temp.walk(false, 2);
SELECT * FROM pg_temp.walk(true, 5);
-- The cursors of the edges are the page's start and end cursors.
SELECT r -> 'edges' -> 0 -> 'cursor' = r -> 'pageInfo' -> 'startCursor' AS start_cursor,
       r -> 'edges' -> 1 -> 'cursor' = r -> 'pageInfo' -> 'endCursor' AS end_cursor
FROM (SELECT udm.graphql('gqq', '{ productCollection(first: 2) { edges { cursor } pageInfo { startCursor endCursor } } }')
             -> 'data' -> 'productCollection' AS r) t;
-- An empty page: no cursors.
SELECT udm.graphql('gqq', '{ productCollection(first: 0) { edges { cursor } pageInfo { hasNextPage startCursor endCursor } } }');

-- Filters and orders (input objects): values only as parameters, nulls where asked.
SELECT udm.graphql('gqq', $$
  { a: productCollection(filter: {name: {startsWith: "a"}}) { edges { node { name } } }
    b: productCollection(filter: {or: [{price: {gt: 50}}, {stock: {in: ["0", 3]}}]}, orderBy: [{name: DescNullsLast}]) { edges { node { name } } }
    c: productCollection(filter: {not: {price: {gt: 5}}}) { totalCount }
    d: productCollection(filter: {makerId: {is: NULL}, price: {is: NOT_NULL}}) { edges { node { name } } }
    e: productCollection(filter: {name: {eq: "x'); DROP TABLE tenant_gqq.tc_product; --"}}) { totalCount }
    f: productCollection(filter: {name: {like: "%'%"}, createdBy: {neq: "'"}}) { totalCount } }$$) AS filtered;
SELECT udm.graphql('gqq', 'query($f: ProductFilter) { productCollection(filter: $f) { totalCount } }',
                   '{"f": {"createdAt": {"lt": "not a time"}}}') AS bad_value;
SELECT udm.graphql('gqq', '{ productCollection(filter: {id: {in: ["00000000-0000-0000-0000-000000000001", "x"]}}) { totalCount } }') AS bad_id;
SELECT count(*) AS products_still_there FROM tenant_gqq.tc_product;
CREATE FUNCTION pg_temp.walk_ordered(forward boolean, size int, ord jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    cursor text;
    r jsonb;
    names text := '';
BEGIN
    FOR n IN 1..10 LOOP
        r := udm.graphql('gqq',
            CASE WHEN forward
                 THEN 'query($n: Int, $c: Cursor, $o: [ProductOrderBy!]) { productCollection(first: $n, after: $c, orderBy: $o) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }'
                 ELSE 'query($n: Int, $c: Cursor, $o: [ProductOrderBy!]) { productCollection(last: $n, before: $c, orderBy: $o) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }'
            END,
            jsonb_build_object('n', size, 'c', cursor, 'o', ord)) -> 'data' -> 'productCollection';
        names := names || '[' || coalesce((SELECT string_agg(e -> 'node' ->> 'name', ',') FROM jsonb_array_elements(r -> 'edges') e), '') || ']';
        EXIT WHEN NOT (r -> 'pageInfo' ->> CASE WHEN forward THEN 'hasNextPage' ELSE 'hasPreviousPage' END)::boolean;
        cursor := r -> 'pageInfo' ->> CASE WHEN forward THEN 'endCursor' ELSE 'startCursor' END;
    END LOOP;
    RETURN names;
END
$$;
SELECT d AS direction, pg_temp.walk_ordered(true, 2, jsonb_build_array(jsonb_build_object('price', d))) AS forwards,
       pg_temp.walk_ordered(false, 2, jsonb_build_array(jsonb_build_object('price', d))) AS backwards
FROM unnest(ARRAY['AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast']) AS d;
-- A cursor of another order is refused.
SELECT udm.graphql('gqq', 'query($c: Cursor) { productCollection(after: $c, orderBy: [{name: AscNullsLast}]) { totalCount } }',
                   jsonb_build_object('c', udm.graphql('gqq', '{ productCollection(first: 1) { edges { cursor } } }')
                                           #>> '{data,productCollection,edges,0,cursor}')) AS foreign_order;

-- Aggregates: over every thing that passes the filter (not only the page), as hand-written
-- SQL computes them; BigInt sums and extremes as strings of digits, exact.
SELECT jsonb_pretty(udm.graphql('gqq', $$
  { productCollection(first: 1, filter: {name: {neq: "easel"}}) {
      totalCount
      edges { node { name } }
      aggregate {
        __typename count
        sum { price stock } avg { price stock }
        min { name price stock } max { name price stock __typename } } } }$$));
SELECT count(*) AS count, sum(price) AS sum_price, sum(stock) AS sum_stock,
       avg(price)::float8 AS avg_price, avg(stock)::float8 AS avg_stock, min(name) AS min_name,
       max(name) AS max_name, min(price) AS min_price, max(stock) AS max_stock
FROM tenant_gqq.tc_product WHERE NOT is_deleted AND name <> 'easel';
-- Nothing passes: count 0, the rest null. A class of text only has min and max.
SELECT udm.graphql('gqq', '{ productCollection(filter: {name: {eq: "none"}}) { aggregate { count sum { price } avg { stock } min { name } } } }') AS nothing;
SELECT udm.graphql('gqq', '{ companyCollection { aggregate { count min { name } max { name } } } }') AS companies;
SELECT udm.graphql('gqq', '{ companyCollection { aggregate { sum { name } } } }') #>> '{errors,0,message}' AS no_sum;

-- References filter by their target's filter: an EXISTS over the target's table, never
-- passing through a deleted target.
SELECT jsonb_pretty(udm.graphql('gqq', $$
  { a: productCollection(filter: {maker: {name: {eq: "Acme"}}}) { edges { node { name } } }
    b: productCollection(filter: {maker: {}}) { edges { node { name } } }
    c: productCollection(filter: {not: {maker: {name: {eq: "Acme"}}}}) { edges { node { name } } }
    d: productCollection(filter: {or: [{maker: {name: {startsWith: "A"}}}, {price: {lt: 3}}]}) { totalCount } }$$))
    AS reference_filters;
-- a, b and c by hand.
SELECT string_agg(p.name, ',' ORDER BY p.id) FILTER (WHERE m.id IS NOT NULL AND m.name = 'Acme') AS a,
       string_agg(p.name, ',' ORDER BY p.id) FILTER (WHERE m.id IS NOT NULL) AS b,
       string_agg(p.name, ',' ORDER BY p.id) FILTER (WHERE m.id IS NULL OR m.name <> 'Acme') AS c
FROM tenant_gqq.tc_product p
LEFT JOIN tenant_gqq.tc_company m ON m.id = p.maker AND NOT m.is_deleted
WHERE NOT p.is_deleted;
SELECT udm.graphql('gqq', '{ productCollection(filter: {maker: {nme: {eq: "Acme"}}}) { totalCount } }') AS unknown_filter_field;
SELECT udm.graphql('gqq', 'query($f: ProductFilter) { productCollection(filter: $f) { totalCount } }',
                   '{"f": {"maker": {"name": {"eq": "Acme"}}}}') AS reference_filter_variable;

-- Reverse collections: the products whose maker is the company, paged, filtered, ordered
-- and aggregated like a root collection, inside the company's statement.
SELECT jsonb_pretty(udm.graphql('gqq', $$
  { companyCollection {
      edges { node { name
        productCollectionByMaker(orderBy: [{price: DescNullsLast}], first: 1) {
          totalCount aggregate { sum { price } }
          edges { node { name maker { name } } }
          pageInfo { hasNextPage hasPreviousPage } } } } } }$$));
SELECT c.name, count(p.id) AS products, sum(p.price) AS sum_price
FROM tenant_gqq.tc_company c
LEFT JOIN tenant_gqq.tc_product p ON p.maker = c.id AND NOT p.is_deleted
WHERE NOT c.is_deleted GROUP BY c.id, c.name ORDER BY c.id;
-- Its cursors page on, forwards and backwards; a cursor of another order is refused.
SELECT udm.graphql('gqq', 'query($c: Cursor) { company(id: "c0000000-0000-0000-0000-000000000001") { productCollectionByMaker(orderBy: [{price: DescNullsLast}], first: 1, after: $c) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage } } } }',
                   jsonb_build_object('c', udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000001") { productCollectionByMaker(orderBy: [{price: DescNullsLast}], first: 1) { pageInfo { endCursor } } } }')
                                           #>> '{data,company,productCollectionByMaker,pageInfo,endCursor}')) AS second_page;
SELECT udm.graphql('gqq', 'query($c: Cursor) { company(id: "c0000000-0000-0000-0000-000000000001") { productCollectionByMaker(orderBy: [{price: DescNullsLast}], last: 1, before: $c) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage } } } }',
                   jsonb_build_object('c', udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000001") { productCollectionByMaker(orderBy: [{price: DescNullsLast}]) { pageInfo { endCursor } } } }')
                                           #>> '{data,company,productCollectionByMaker,pageInfo,endCursor}')) AS backwards;
SELECT udm.graphql('gqq', 'query($c: Cursor) { company(id: "c0000000-0000-0000-0000-000000000001") { productCollectionByMaker(after: $c) { totalCount } } }',
                   jsonb_build_object('c', udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000001") { productCollectionByMaker(orderBy: [{price: DescNullsLast}], first: 1) { pageInfo { endCursor } } } }')
                                           #>> '{data,company,productCollectionByMaker,pageInfo,endCursor}')) AS foreign_order;
SELECT udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000002") { productCollectionByMaker { totalCount } } }') AS deleted_company;

-- Errors: GraphQL errors with a path, locations and extensions.code; never SQL text.
SELECT udm.graphql('gqq', '{ productCollection(first: -1) { totalCount } }');
SELECT udm.graphql('gqq', '{ productCollection(first: 10000000) { totalCount } }');
SELECT udm.graphql('gqq', '{ productCollection(first: 1, last: 1) { totalCount } }');
SELECT udm.graphql('gqq', '{ productCollection(after: "bm9uc2Vuc2U=") { totalCount } }');
-- A cursor of another class, and a tampered one whose value is no uuid.
SELECT udm.graphql('gqq', 'query($c: Cursor) { productCollection(after: $c) { totalCount } }',
                   jsonb_build_object('c', udm.graphql('gqq', '{ companyCollection(first: 1) { edges { cursor } } }')
                                           #>> '{data,companyCollection,edges,0,cursor}'));
SELECT udm.graphql('gqq', 'query($c: Cursor) { productCollection(after: $c) { totalCount } }',
                   jsonb_build_object('c', translate(encode(convert_to('["Product|id", "'');DROP TABLE x;--"]', 'UTF8'), 'base64'), E'\n', '')));
SELECT udm.graphql('gqq', '{ product(id: "1'' OR ''1''=''1") { name } }');
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000001") { maker { maker { name } } } }') AS unknown_field;
SELECT udm.graphql('gqq', '{ product { name } }') AS missing_argument;
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000001") { name } ') AS syntax_error;
SELECT udm.graphql('gqq', 'mutation { sdl }') AS mutation;
SELECT udm.graphql('gqq', 'subscription { schemaChanged { version } }') AS subscription;
-- A field error nulls only its own nullable field; a non-null root field nulls data.
SELECT udm.graphql('gqq', '{ a: product(id: "x") { name } b: product(id: "00000000-0000-0000-0000-000000000005") { name } }');
SELECT udm.graphql('gqq', '{ a: productCollection(first: -5) { totalCount } b: schemaVersion }');

-- Deep nesting: at most 5 levels of things.
SELECT udm.apply('gqq', '{
  "attributes": {
    "name":  {"type": "text"}, "price": {"type": "number"}, "stock": {"type": "integer"},
    "maker": {"type": "reference", "target": "company"},
    "parent": {"type": "reference", "target": "company"}
  },
  "classes": {
    "company": {"attributes": {"name": {"required": true}, "parent": {}}},
    "product": {"attributes": {"name": {"required": true}, "price": {}, "stock": {}, "maker": {}}}
  }
}') AS version;
UPDATE tenant_gqq.tc_company SET parent = id WHERE NOT is_deleted;
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000001") { maker { parent { parent { parent { name } } } } } }') AS four_levels;
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000001") { maker { parent { parent { parent { parent { name } } } } } } }') AS six_levels;
-- Reference filters and reverse collections count levels too.
SELECT udm.graphql('gqq', '{ productCollection(filter: {maker: {parent: {parent: {parent: {name: {eq: "Acme"}}}}}}) { totalCount } }') AS filter_five_levels;
SELECT udm.graphql('gqq', '{ productCollection(filter: {or: [{maker: {parent: {parent: {parent: {parent: {name: {eq: "Acme"}}}}}}}]}) { totalCount } }') AS filter_six_levels;
SELECT udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000001") { companyCollectionByParent { edges { node { name companyCollectionByParent { totalCount edges { node { productCollectionByMaker { edges { node { maker { name } } } } } } } } } } } }') AS reverse_five_levels;
SELECT udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000001") { companyCollectionByParent { edges { node { companyCollectionByParent { edges { node { productCollectionByMaker { edges { node { maker { parent { name } } } } } } } } } } } } }') AS reverse_six_levels;

-- Relationship fields: many things are a connection (filter, orderBy, pages, aggregates),
-- at most one a nullable object; a bidirectional relationship counts written either way.
SELECT udm.create_relationship_type('gqq', 'supplies', inverse_name => 'supplied_by') AS version;
SELECT udm.create_relationship_type('gqq', 'partners') AS version;
SELECT udm.create_relationship_type('gqq', 'favourite') AS version;
SELECT udm.allow_relationship('gqq', 'company', 'product', 'supplies') AS version;
SELECT udm.allow_relationship('gqq', 'company', 'company', 'partners', bidirectional => true) AS version;
SELECT udm.allow_relationship('gqq', 'product', 'company', 'favourite', '{"max_targets": 1}') AS version;
INSERT INTO tenant_gqq.tc_company (id, name) VALUES ('c0000000-0000-0000-0000-000000000003', 'Beta');
SELECT udm.relate('gqq', t, f::uuid, o::uuid) FROM (VALUES
    ('supplies', 'c0000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000001'),
    ('supplies', 'c0000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000003'),
    ('supplies', 'c0000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001'),
    ('partners', 'c0000000-0000-0000-0000-000000000003', 'c0000000-0000-0000-0000-000000000001'),
    ('favourite', '00000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000003')
) AS r(t, f, o);
SELECT line FROM regexp_split_to_table(udm.graphql_sdl('gqq'), E'\n') AS line
 WHERE line ~ '^  (supplies|suppliedBy|partners|favourite)\M';
SELECT jsonb_pretty(udm.graphql('gqq', $$
  { companyCollection(orderBy: [{name: AscNullsLast}]) { edges { node { name
      supplies(orderBy: [{name: DescNullsLast}]) {
        totalCount aggregate { sum { price } }
        edges { node { name suppliedBy { edges { node { name } } } favourite { name } } } }
      partners { edges { node { name } } } } } } }$$));
-- The same by hand.
SELECT c.name,
       (SELECT string_agg(p.name, ',' ORDER BY p.name DESC) FROM tenant_gqq.relationships r
          JOIN tenant_gqq.relationship_types t ON t.id = r.relationship_type_id AND t.name = 'supplies'
          JOIN tenant_gqq.tc_product p ON p.id = r.to_id AND NOT p.is_deleted
         WHERE r.from_id = c.id) AS supplies,
       (SELECT string_agg(o.name, ',') FROM tenant_gqq.relationships r
          JOIN tenant_gqq.relationship_types t ON t.id = r.relationship_type_id AND t.name = 'partners'
          JOIN tenant_gqq.tc_company o ON o.id IN (r.from_id, r.to_id) AND o.id <> c.id AND NOT o.is_deleted
         WHERE c.id IN (r.from_id, r.to_id)) AS partners
FROM tenant_gqq.tc_company c WHERE NOT c.is_deleted ORDER BY c.name;
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000001") { suppliedBy(filter: {name: {eq: "Beta"}}) { edges { node { name } } } favourite { name partners { totalCount } } } }') AS filtered_relationship;
SELECT udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000001") { supplies(first: 1, orderBy: [{name: AscNullsLast}]) { edges { node { name } } pageInfo { hasNextPage endCursor } } } }')
    #> '{data,company,supplies,edges}' AS first_page;

-- One root field is one statement, whatever it nests: udm._graphql_statements() counts the
-- statements udm.graphql ran in this backend.
SELECT udm._graphql_statements() AS before \gset
SELECT jsonb_array_length(udm.graphql('gqq', '{ productCollection { totalCount edges { node { name maker { name parent { name } } } } pageInfo { hasNextPage } } }')
                          #> '{data,productCollection,edges}') AS things;
SELECT udm._graphql_statements() - :before AS statements;
SELECT udm.graphql('gqq', '{ a: productCollection { totalCount } b: product(id: "00000000-0000-0000-0000-000000000001") { name } v: schemaVersion }');
SELECT udm._graphql_statements() - :before AS statements;
-- Also with reverse collections, reference filters and aggregates in every row.
SELECT udm._graphql_statements() AS before \gset
SELECT jsonb_pretty(udm.graphql('gqq', $$
  { companyCollection(filter: {parent: {name: {eq: "Acme"}}}) { edges { node { name
      companyCollectionByParent { totalCount }
      productCollectionByMaker(filter: {maker: {parent: {name: {startsWith: "A"}}}}) {
        aggregate { count max { price } } edges { node { name } } } } } }
    productCollection(filter: {maker: {parent: {name: {eq: "Acme"}}}}) {
      edges { node { name suppliedBy { totalCount edges { node { partners { totalCount } } } } favourite { name } } } } }$$));
SELECT udm._graphql_statements() - :before AS statements;

-- Privileges: the tenant's role reads its things; another tenant's role gets 42501 before
-- anything is read; so does a role without the tenant's privileges.
SELECT udm.create_tenant('gqq_other');
SET ROLE tenant_gqq_role;
SELECT udm.graphql('gqq', '{ productCollection(first: 1) { totalCount edges { node { name } } } }') AS own_tenant;
SELECT udm.graphql('gqq', '{ product(id: "00000000-0000-0000-0000-000000000001") { suppliedBy { totalCount } favourite { name } } }') AS own_relationships;
RESET ROLE;
SET ROLE tenant_gqq_other_role;
SELECT test_error($$SELECT udm.graphql('gqq', '{ productCollection { totalCount } }')$$) AS other_tenant_role;
RESET ROLE;
CREATE ROLE gqq_nobody;
SET ROLE gqq_nobody;
SELECT test_error($$SELECT udm.graphql('gqq', '{ productCollection { totalCount } }')$$) AS no_role;
RESET ROLE;
DROP ROLE gqq_nobody;
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('null tenant',     $$SELECT udm.graphql(NULL, '{ sdl }')$$),
    ('unknown tenant',  $$SELECT udm.graphql('nobody', '{ sdl }')$$),
    ('bad tenant name', $$SELECT udm.graphql('No Body', '{ sdl }')$$),
    ('null query',      $$SELECT udm.graphql('gqq', NULL)$$)
) AS t(label, stmt);
-- SECURITY INVOKER: a tenant role whose SELECT on a class table was revoked gets a
-- FORBIDDEN field error, and the other root fields still answer (a non-null one, the
-- collection, nulls data).
REVOKE SELECT ON tenant_gqq.tc_company FROM tenant_gqq_role;
SET ROLE tenant_gqq_role;
SELECT udm.graphql('gqq', '{ company(id: "c0000000-0000-0000-0000-000000000001") { name } product(id: "00000000-0000-0000-0000-000000000005") { name } }') AS revoked;
SELECT udm.graphql('gqq', '{ companyCollection { totalCount } }') AS revoked_collection;
RESET ROLE;
GRANT SELECT ON tenant_gqq.tc_company TO tenant_gqq_role;
SELECT p.provolatile, p.proparallel, p.prosecdef, p.proisstrict,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p WHERE p.oid = 'udm.graphql(text, text, jsonb, text)'::regprocedure;

SELECT udm.drop_tenant('gqq', force => true);
SELECT udm.drop_tenant('gqq_other');
