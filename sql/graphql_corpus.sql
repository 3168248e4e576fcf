-- A corpus of udm.graphql queries, each compared with a hand-written SQL statement over the
-- same data that builds the same JSON: the compiler's answers are checked against SQL a
-- person wrote, not against its own output. Every line must say true.
SELECT udm.create_tenant('gqk');
SELECT udm.apply('gqk', '{
  "attributes": {
    "name":  {"type": "text"},
    "price": {"type": "number"},
    "stock": {"type": "integer"},
    "since": {"type": "date"},
    "maker": {"type": "reference", "target": "company"}
  },
  "classes": {
    "company": {"attributes": {"name": {}}},
    "product": {"attributes": {"name": {}, "price": {}, "stock": {}, "since": {}, "maker": {}}}
  }
}') AS version;
INSERT INTO tenant_gqk.tc_company (id, name) VALUES
    ('c0000000-0000-0000-0000-000000000001', 'Acme'),
    ('c0000000-0000-0000-0000-000000000002', 'Bolt'),
    ('c0000000-0000-0000-0000-000000000003', 'Gone');
INSERT INTO tenant_gqk.tc_product (id, name, price, stock, since, maker)
SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid,
       CASE WHEN n % 7 = 0 THEN NULL ELSE (ARRAY['anvil', 'Bolt', 'crate', 'drill', 'Easel'])[1 + n % 5] || ' ' || (n % 4) END,
       CASE WHEN n % 5 = 0 THEN NULL ELSE round((n * 37 % 101) * 0.5, 2) END,
       CASE WHEN n % 6 = 0 THEN NULL ELSE n % 9 END,
       date '2020-01-01' + (n * 13 % 400),
       (ARRAY['c0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000002',
              'c0000000-0000-0000-0000-000000000003', NULL])[1 + n % 4]::uuid
  FROM generate_series(1, 60) n;
UPDATE tenant_gqk.tc_product SET is_deleted = true WHERE stock = 8;
UPDATE tenant_gqk.tc_company SET is_deleted = true WHERE name = 'Gone';

-- The nodes of hand-written pages: the things of a query, as JSON, in an order.
CREATE FUNCTION pg_temp.node(p tenant_gqk.tc_product) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', p.id, 'name', p.name, 'price', p.price, 'stock', p.stock::text,
                              'since', p.since,
                              'maker', (SELECT jsonb_build_object('name', c.name) FROM tenant_gqk.tc_company c
                                         WHERE c.id = p.maker AND NOT c.is_deleted))
$$;
CREATE FUNCTION pg_temp.page(nodes jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('data', jsonb_build_object('productCollection', jsonb_build_object('edges',
        COALESCE((SELECT jsonb_agg(jsonb_build_object('node', n) ORDER BY i) FROM jsonb_array_elements(nodes) WITH ORDINALITY AS e(n, i)), '[]'::jsonb))))
$$;
\set sel 'edges { node { id name price stock since maker { name } } }'

SELECT label, udm.graphql('gqk', gql) = hand AS same FROM (VALUES
  ('by id',
   '{ product(id: "00000000-0000-0000-0000-000000000003") { id name price stock since maker { name } } }',
   (SELECT jsonb_build_object('data', jsonb_build_object('product', pg_temp.node(p)))
      FROM tenant_gqk.tc_product p WHERE p.id = '00000000-0000-0000-0000-000000000003')),
  ('deleted by id',
   '{ product(id: "00000000-0000-0000-0000-000000000008") { id } }',
   '{"data": {"product": null}}'::jsonb),
  ('default order',
   '{ productCollection(first: 7) { ' || :'sel' || ' } }',
   pg_temp.page((SELECT jsonb_agg(pg_temp.node(p) ORDER BY p.id) FROM
                   (SELECT * FROM tenant_gqk.tc_product WHERE NOT is_deleted ORDER BY id LIMIT 7) p))),
  ('two keys, nulls',
   '{ productCollection(first: 10, orderBy: [{price: DescNullsLast}, {name: AscNullsFirst}]) { ' || :'sel' || ' } }',
   pg_temp.page((SELECT jsonb_agg(pg_temp.node(p) ORDER BY p.price DESC NULLS LAST, p.name ASC NULLS FIRST, p.id) FROM
                   (SELECT * FROM tenant_gqk.tc_product WHERE NOT is_deleted
                     ORDER BY price DESC NULLS LAST, name ASC NULLS FIRST, id LIMIT 10) p))),
  ('or, not, is',
   '{ productCollection(first: 100, filter: {or: [{name: {startsWith: "anvil"}}, {price: {gt: 40}}], not: {stock: {is: NULL}}}) { ' || :'sel' || ' } }',
   pg_temp.page((SELECT jsonb_agg(pg_temp.node(p) ORDER BY p.id) FROM tenant_gqk.tc_product p
                  WHERE NOT p.is_deleted AND (starts_with(p.name, 'anvil') OR p.price > 40)
                    AND NOT COALESCE(p.stock IS NULL, false)))),
  ('in, neq',
   '{ productCollection(first: 100, filter: {stock: {in: ["1", "2", "3"]}, name: {neq: "crate 2"}}) { ' || :'sel' || ' } }',
   pg_temp.page((SELECT jsonb_agg(pg_temp.node(p) ORDER BY p.id) FROM tenant_gqk.tc_product p
                  WHERE NOT p.is_deleted AND p.stock IN (1, 2, 3) AND p.name <> 'crate 2'))),
  ('ilike, dates',
   '{ productCollection(first: 100, filter: {name: {ilike: "%E%"}, since: {gte: "2020-06-01", lt: "2020-12-01"}}) { ' || :'sel' || ' } }',
   pg_temp.page((SELECT jsonb_agg(pg_temp.node(p) ORDER BY p.id) FROM tenant_gqk.tc_product p
                  WHERE NOT p.is_deleted AND p.name ILIKE '%E%' AND p.since >= '2020-06-01' AND p.since < '2020-12-01'))),
  ('reference id, totalCount',
   '{ productCollection(filter: {makerId: {eq: "c0000000-0000-0000-0000-000000000002"}}) { totalCount } }',
   jsonb_build_object('data', jsonb_build_object('productCollection', jsonb_build_object('totalCount',
     (SELECT count(*) FROM tenant_gqk.tc_product WHERE NOT is_deleted AND maker = 'c0000000-0000-0000-0000-000000000002'))))),
  ('last, backwards',
   '{ productCollection(last: 4, orderBy: [{name: AscNullsLast}]) { ' || :'sel' || ' } }',
   pg_temp.page((SELECT jsonb_agg(pg_temp.node(p) ORDER BY p.name ASC NULLS LAST, p.id) FROM
                   (SELECT * FROM tenant_gqk.tc_product WHERE NOT is_deleted
                     ORDER BY name DESC NULLS FIRST, id DESC LIMIT 4) p))),
  ('null filter operator ignored',
   '{ productCollection(first: 3, filter: {price: {eq: null}}) { ' || :'sel' || ' } }',
   pg_temp.page((SELECT jsonb_agg(pg_temp.node(p) ORDER BY p.id) FROM
                   (SELECT * FROM tenant_gqk.tc_product WHERE NOT is_deleted ORDER BY id LIMIT 3) p)))
) AS t(label, gql, hand);

-- Page after page with cursors, against OFFSET over the same order.
CREATE FUNCTION pg_temp.walk_same(size int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    after text := NULL;
    r jsonb;
    k int := 0;
    hand jsonb;
BEGIN
    LOOP
        r := udm.graphql('gqk', 'query($a: Cursor, $n: Int) { productCollection(first: $n, after: $a, orderBy: [{stock: DescNullsFirst}, {since: AscNullsLast}]) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
                         jsonb_build_object('a', after, 'n', size));
        SELECT COALESCE(jsonb_agg(jsonb_build_object('node', jsonb_build_object('id', id)) ORDER BY rn), '[]'::jsonb) INTO hand
          FROM (SELECT id, row_number() OVER () AS rn FROM
                  (SELECT id FROM tenant_gqk.tc_product WHERE NOT is_deleted
                    ORDER BY stock DESC NULLS FIRST, since ASC NULLS LAST, id OFFSET k * size LIMIT size) s) x;
        IF r #> '{data,productCollection,edges}' <> hand THEN
            RAISE NOTICE 'page % differs: % vs %', k, r #> '{data,productCollection,edges}', hand;
            RETURN false;
        END IF;
        k := k + 1;
        EXIT WHEN NOT (r #>> '{data,productCollection,pageInfo,hasNextPage}')::boolean;
        after := r #>> '{data,productCollection,pageInfo,endCursor}';
    END LOOP;
    RETURN k * size >= (SELECT count(*) FROM tenant_gqk.tc_product WHERE NOT is_deleted);
END $$;
SELECT size, pg_temp.walk_same(size) AS same FROM (VALUES (1), (4), (7), (100)) AS t(size);

SELECT udm.drop_tenant('gqk', force => true);
