-- Thing classes become real tables; attributes become columns; every change is a version.
\set VERBOSITY default
SELECT udm.create_tenant('shop');

-- A class is a table tc_<name> with id, bookkeeping columns, RLS, policy and triggers.
SELECT udm.create_class('shop', 'company', 'Companies that make things');
SELECT udm.class_table('shop', 'company');
SELECT column_name, data_type, is_nullable, column_default
FROM information_schema.columns WHERE table_schema = 'tenant_shop' AND table_name = 'tc_company'
ORDER BY ordinal_position;
SELECT relrowsecurity, obj_description(oid, 'pg_class') AS comment,
       pg_get_userbyid(relowner) AS owner
FROM pg_class WHERE oid = 'tenant_shop.tc_company'::regclass;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'tenant_shop.tc_company'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT name, description FROM tenant_shop.thing_classes;

-- Every data type maps to its column type.
SELECT udm.create_class('shop', 'product');
SELECT udm.create_attribute('shop', a.name, a.type, target_class => a.target)
FROM (VALUES ('title', 'text', NULL), ('price', 'number', NULL), ('stock', 'integer', NULL),
             ('active', 'boolean', NULL), ('launched', 'date', NULL), ('updated', 'timestamp', NULL),
             ('specs', 'json', NULL), ('maker', 'reference', 'company')) AS a(name, type, target);
SELECT udm.assign_attribute('shop', 'product', 'title', is_required => true);
SELECT udm.assign_attribute('shop', 'product', a) FROM unnest(ARRAY['price', 'stock', 'active', 'launched', 'updated', 'specs', 'maker']) AS a;
SELECT column_name, data_type, is_nullable FROM information_schema.columns
WHERE table_schema = 'tenant_shop' AND table_name = 'tc_product' AND ordinal_position > 6
ORDER BY column_name;
-- A reference is a foreign key with an index.
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'tenant_shop.tc_product'::regclass AND contype = 'f';
SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'tenant_shop' AND tablename = 'tc_product' ORDER BY 1;
SELECT * FROM udm.verify('shop');

-- Rows: defaults, the trigger keeps updated_at and row_version, the foreign key holds.
INSERT INTO tenant_shop.tc_company (id) VALUES ('00000000-0000-0000-0000-0000000000c1');
INSERT INTO tenant_shop.tc_product (id, title, price, stock, maker)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'anvil', 19.99, 3, '00000000-0000-0000-0000-0000000000c1'),
       ('00000000-0000-0000-0000-0000000000a2', 'rocket', 450, NULL, NULL);
SELECT title, price, row_version, is_deleted, created_by = session_user AS by_session FROM tenant_shop.tc_product ORDER BY title;
UPDATE tenant_shop.tc_product SET stock = 4 WHERE title = 'anvil';
UPDATE tenant_shop.tc_product SET stock = 5 WHERE title = 'anvil';
SELECT title, stock, row_version, updated_at > created_at OR updated_at = now() AS touched FROM tenant_shop.tc_product WHERE title = 'anvil';
SELECT test_error($$INSERT INTO tenant_shop.tc_product (title, maker) VALUES ('x', gen_random_uuid())$$) AS dangling_reference;
SELECT test_error($$INSERT INTO tenant_shop.tc_product (price) VALUES (1)$$) AS required_title;

-- "things" spans every class.
SELECT class_name, count(*) FROM tenant_shop.things GROUP BY 1 ORDER BY 1;
SELECT t.class_name = c.name AS class_id_matches FROM tenant_shop.things t JOIN tenant_shop.thing_classes c ON c.id = t.thing_class_id LIMIT 1;
SELECT name, instance_count, attribute_count FROM tenant_shop.thing_class_metrics ORDER BY name;
SELECT udm.refresh_summary('shop');
SELECT name, attribute_count, thing_count FROM tenant_shop.thing_class_summary ORDER BY name;
SELECT tablename FROM tenant_shop.schema_storage_metrics WHERE tablename LIKE 'tc\_%' ORDER BY 1;

-- Adding an optional attribute touches no row: the table keeps its file.
SELECT pg_relation_filenode('tenant_shop.tc_product') AS filenode_before \gset
SELECT udm.create_attribute('shop', 'color', 'text');
SELECT udm.assign_attribute('shop', 'product', 'color');
SELECT pg_relation_filenode('tenant_shop.tc_product') = :filenode_before AS no_rewrite;
SELECT udm.unassign_attribute('shop', 'product', 'color');
SELECT pg_relation_filenode('tenant_shop.tc_product') = :filenode_before AS no_rewrite_on_drop;

-- Renames are RENAMEs: the data stays.
SELECT udm.rename_class('shop', 'product', 'article');
SELECT udm.alter_attribute('shop', 'title', new_name => 'headline');
SELECT headline, price FROM tenant_shop.tc_article ORDER BY headline;
SELECT pg_relation_filenode('tenant_shop.tc_article') = :filenode_before AS same_table;
SELECT indexname FROM pg_indexes WHERE tablename = 'tc_article' ORDER BY 1;
SELECT class_name, count(*) FROM tenant_shop.things GROUP BY 1 ORDER BY 1;
SELECT * FROM udm.verify('shop');

-- Retyping reports the rows that would not convert, and changes nothing then.
SELECT udm.create_attribute('shop', 'code', 'text');
SELECT udm.assign_attribute('shop', 'article', 'code');
UPDATE tenant_shop.tc_article SET code = CASE headline WHEN 'anvil' THEN '42' ELSE 'R-7' END;
SELECT udm.alter_attribute('shop', 'code', data_type => 'integer');
SELECT data_type FROM information_schema.columns WHERE table_name = 'tc_article' AND column_name = 'code';
UPDATE tenant_shop.tc_article SET code = '7' WHERE code = 'R-7';
SELECT udm.alter_attribute('shop', 'code', data_type => 'integer');
SELECT headline, code FROM tenant_shop.tc_article ORDER BY headline;
-- Narrowing number to integer refuses fractions.
SELECT udm.alter_attribute('shop', 'price', data_type => 'integer');
-- Widening is always possible.
SELECT udm.alter_attribute('shop', 'stock', data_type => 'number');
SELECT udm.alter_attribute('shop', 'code', data_type => 'text');
SELECT headline, code, stock FROM tenant_shop.tc_article ORDER BY headline;
-- Some conversions are not offered.
SELECT udm.alter_attribute('shop', 'active', data_type => 'date');

-- Making an attribute required succeeds only when no row lacks it.
SELECT udm.create_attribute('shop', 'sku', 'text');
SELECT udm.assign_attribute('shop', 'article', 'sku');
SELECT udm.alter_attribute('shop', 'sku', validation_rules => '{"max_length": 40}');
SELECT udm.unassign_attribute('shop', 'article', 'sku');
SELECT udm.assign_attribute('shop', 'article', 'sku', is_required => true);
SELECT count(*) AS rows_without_sku FROM tenant_shop.tc_article;
-- Through udm.apply: make "stock" required while a row has none.
SELECT udm.apply('shop', jsonb_set(udm.model('shop'), '{classes,article,attributes,stock}', '{"required": true}'));
UPDATE tenant_shop.tc_article SET stock = 0 WHERE stock IS NULL;
SELECT udm.apply('shop', jsonb_set(udm.model('shop'), '{classes,article,attributes,stock}', '{"required": true}'));
SELECT is_nullable FROM information_schema.columns WHERE table_name = 'tc_article' AND column_name = 'stock';

-- Unique: refused while duplicates exist, then a unique index over live rows.
UPDATE tenant_shop.tc_article SET code = 'same';
SELECT udm.apply('shop', jsonb_set(udm.model('shop'), '{classes,article,attributes,code}', '{"rules": {"unique": true}}'));
UPDATE tenant_shop.tc_article SET code = headline;
SELECT udm.apply('shop', jsonb_set(udm.model('shop'), '{classes,article,attributes,code}', '{"rules": {"unique": true}}'));
SELECT indexdef FROM pg_indexes WHERE tablename = 'tc_article' AND indexname LIKE '%code%';
SELECT test_error($$INSERT INTO tenant_shop.tc_article (headline, stock, code) VALUES ('copy', 1, 'anvil')$$) AS duplicate_code;

-- Long names get a stable shortened form with a hash; two long names never collide.
SELECT udm.create_class('shop', 'a_very_long_class_name_that_goes_on_and_on_beyond_what_postgres_allows');
SELECT udm.create_class('shop', 'a_very_long_class_name_that_goes_on_and_on_beyond_what_postgres_accepts');
SELECT udm.create_attribute('shop', 'an_attribute_name_that_is_far_too_long_to_be_a_postgres_identifier_as_is', 'text');
SELECT udm.assign_attribute('shop', 'a_very_long_class_name_that_goes_on_and_on_beyond_what_postgres_allows',
                            'an_attribute_name_that_is_far_too_long_to_be_a_postgres_identifier_as_is');
SELECT c.relname, length(c.relname) AS bytes, obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c WHERE c.relnamespace = 'tenant_shop'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'tc\_a\_very%' ORDER BY 1;
SELECT attname FROM pg_attribute WHERE attrelid = udm.class_table('shop', 'a_very_long_class_name_that_goes_on_and_on_beyond_what_postgres_allows') AND attnum > 6;
-- Each validator reads its own class, though both tables keep the same prefix.
SELECT udm.validate('shop', 'a_very_long_class_name_that_goes_on_and_on_beyond_what_postgres_allows',
                    '{"an_attribute_name_that_is_far_too_long_to_be_a_postgres_identifier_as_is": "x"}') AS allows;
SELECT udm.validate('shop', 'a_very_long_class_name_that_goes_on_and_on_beyond_what_postgres_accepts',
                    '{"an_attribute_name_that_is_far_too_long_to_be_a_postgres_identifier_as_is": "x"}') AS accepts;
-- Words SQL reserves are fine as names: identifiers are always quoted.
SELECT udm.create_class('shop', 'order');
SELECT udm.create_attribute('shop', 'select', 'text');
SELECT udm.assign_attribute('shop', 'order', 'select');
INSERT INTO tenant_shop.tc_order ("select") VALUES ('chosen');
SELECT "select" FROM tenant_shop.tc_order;
SELECT * FROM udm.verify('shop');

-- Dropping.
SELECT udm.drop_attribute('shop', 'code');
SELECT udm.drop_attribute('shop', 'code', force => true);
SELECT column_name FROM information_schema.columns WHERE table_name = 'tc_article' AND column_name = 'code';
SELECT udm.drop_class('shop', 'company');
SELECT udm.drop_attribute('shop', 'maker', force => true);
-- It holds a thing: refused unless force.
SELECT udm.drop_class('shop', 'company');
SELECT udm.drop_class('shop', 'company', force => true);
SELECT to_regclass('tenant_shop.tc_company') AS company_table;
SELECT class_name, count(*) FROM tenant_shop.things GROUP BY 1 ORDER BY 1;
SELECT * FROM udm.verify('shop');

-- The history: one version per change, gap-free, with the diff and the DDL.
SELECT count(*) = max(version) AND min(version) = 1 AS gap_free, max(version) = (SELECT version FROM tenant_shop.schema_state) AS current
FROM udm.migrations('shop');
SELECT version, d->>'kind' AS kind, d->>'change' AS change, d->>'breaking' AS breaking, cardinality(ddl) AS statements
FROM udm.migrations('shop'), jsonb_array_elements(diff) d WHERE version IN (1, 12, 13) ORDER BY version;
-- "Add it as optional, fill it in, then make it required": udm.alter_assignment changes an
-- assignment; assigning it again is refused with a hint naming that call.
SELECT udm.create_class('shop', 'note');
SELECT udm.create_attribute('shop', 'body', 'text');
SELECT udm.assign_attribute('shop', 'note', 'body');
INSERT INTO tenant_shop.tc_note (id, body) VALUES ('00000000-0000-0000-0000-0000000000f1', NULL);
SELECT udm.assign_attribute('shop', 'note', 'body', is_required => true);
SELECT udm.alter_assignment('shop', 'note', 'body', is_required => true);
UPDATE tenant_shop.tc_note SET body = 'filled';
SELECT udm.alter_assignment('shop', 'note', 'body', is_required => true) > 0 AS made_required;
SELECT is_nullable FROM information_schema.columns WHERE table_name = 'tc_note' AND column_name = 'body';
SELECT udm.alter_assignment('shop', 'note', 'body', assignment_rules => '{"max_length": 3}');
SELECT udm.alter_assignment('shop', 'note', 'body', assignment_rules => '{"max_length": 10}') > 0 AS rules_set;
SELECT udm.model('shop') #> '{classes,note,attributes,body}' AS assignment;
SELECT udm.alter_assignment('shop', 'note', 'sku');
SELECT udm.alter_assignment('shop', 'note', 'body') = (SELECT version FROM tenant_shop.schema_state) AS no_change_no_version;
-- A long class name fitted to 62 bytes (the "_" before the hash dropped) still finds its
-- rules and records its events.
SELECT udm.create_class('shop', repeat('a', 50) || '_' || repeat('b', 20));
SELECT udm.assign_attribute('shop', repeat('a', 50) || '_' || repeat('b', 20), 'body',
                            assignment_rules => '{"max_length": 10}');
SELECT udm.class_table('shop', repeat('a', 50) || '_' || repeat('b', 20))::text AS fitted \gset
SELECT octet_length(relname) AS table_name_bytes FROM pg_class WHERE oid = :'fitted'::regclass;
INSERT INTO :fitted (body) VALUES ('far too long for ten');
INSERT INTO :fitted (body) VALUES ('fits');
SELECT count(*) AS rows, (SELECT count(*) FROM udm.data_events('shop', 0) e WHERE e.class = repeat('a', 50) || '_' || repeat('b', 20)) AS events FROM :fitted;
SELECT udm.drop_tenant('shop', force => true);
