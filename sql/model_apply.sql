-- The declarative API: udm.apply makes a model so, udm.plan shows what it would do.
\set VERBOSITY default
SELECT udm.create_tenant('decl');
-- The example of docs/model.md.
\set model '{"attributes": {"name": {"type": "text", "description": "What it is called", "rules": {"max_length": 200}}, "sku": {"type": "text", "rules": {"unique": true}}, "price": {"type": "number", "rules": {"min": 0}}, "stock": {"type": "integer"}, "launched": {"type": "date"}, "maker": {"type": "reference", "target": "company", "description": "Who makes it"}, "tags": {"type": "json"}}, "classes": {"company": {"description": "A business", "attributes": {"name": {"required": true}}}, "product": {"description": "Something for sale", "rules": {"required_together": [["price", "stock"]]}, "attributes": {"name": {"required": true}, "sku": {}, "price": {}, "stock": {"rules": {"indexed": true}}, "launched": {}, "maker": {}, "tags": {}}}}, "relationship_types": {"supplies": {"inverse": "supplied_by", "description": "Delivers goods to"}}, "relationships": [{"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_sources": 3}}]}'

-- Planning changes nothing.
SELECT step, action, object, breaking, cardinality(statements) AS statements FROM udm.plan('decl', :'model');
SELECT version FROM tenant_decl.schema_state;
SELECT count(*) AS tables FROM pg_class WHERE relnamespace = 'tenant_decl'::regnamespace AND relname LIKE 'tc\_%' AND relkind = 'r';

-- Applying makes it so, as one version.
SELECT udm.apply('decl', :'model') AS version;
SELECT count(*) AS migrations FROM udm.migrations('decl');
SELECT d->>'kind' AS kind, d->>'change' AS change, coalesce(d->>'class', d->>'attribute', d->>'type') AS object,
       d->>'breaking' AS breaking
FROM udm.migrations('decl'), jsonb_array_elements(diff) d;
SELECT * FROM udm.verify('decl');
-- What was applied is what udm.model reads back.
SELECT udm.model('decl') = :'model'::jsonb AS round_trip;
SELECT indexname FROM pg_indexes WHERE tablename = 'tc_product' ORDER BY 1;

-- The same model again: nothing to do, no new version.
SELECT * FROM udm.plan('decl', :'model');
SELECT udm.apply('decl', :'model') AS version;
SELECT udm.apply('decl', udm.model('decl')) AS version;
SELECT count(*) AS migrations FROM udm.migrations('decl');

INSERT INTO tenant_decl.tc_company (id, name) VALUES ('00000000-0000-0000-0000-0000000000c1', 'ACME');
INSERT INTO tenant_decl.tc_product (name, sku, price, stock, maker)
VALUES ('anvil', 'A-1', 20, 3, '00000000-0000-0000-0000-0000000000c1');

-- A plan of a real change: the steps in order, breaking ones marked, and their SQL.
\set changed '{"attributes": {"title": {"type": "text", "renamed_from": "name"}, "sku": {"type": "text", "rules": {"unique": true}}, "price": {"type": "integer"}, "stock": {"type": "integer"}, "maker": {"type": "reference", "target": "firm"}, "weight": {"type": "number"}}, "classes": {"firm": {"renamed_from": "company", "attributes": {"title": {"required": true}}}, "item": {"renamed_from": "product", "attributes": {"title": {"required": true}, "sku": {}, "price": {}, "stock": {"required": true}, "maker": {}, "weight": {}}}}, "relationship_types": {}, "relationships": []}'
-- (class ids in the view's SQL vary from run to run)
SELECT step, action, object, breaking, destructive, destroys,
       regexp_replace(array_to_string(statements, E';\n'), '''[0-9a-f-]{36}''', '''<id>''', 'g') AS sql
FROM udm.plan('decl', :'changed');
SELECT udm.apply('decl', :'changed') AS version;
-- Renames kept the data; the dropped attributes took their columns with them.
SELECT title, sku, price, stock, maker IS NOT NULL AS has_maker FROM tenant_decl.tc_item;
SELECT column_name FROM information_schema.columns WHERE table_schema = 'tenant_decl' AND table_name = 'tc_item' ORDER BY ordinal_position;
SELECT d->>'kind' AS kind, d->>'change' AS change, d->>'breaking' AS breaking, d - 'kind' - 'change' - 'breaking' AS detail
FROM udm.migrations('decl'), jsonb_array_elements(diff) d WHERE version = 2;
SELECT * FROM udm.verify('decl');
SELECT udm.model('decl') = (:'changed'::jsonb #- '{attributes,title,renamed_from}' #- '{classes,firm,renamed_from}' #- '{classes,item,renamed_from}') AS as_applied;

-- Classes that reference each other, created together and dropped together.
SELECT udm.apply('decl', udm.model('decl') || '{"attributes": {"title": {"type": "text"}, "sku": {"type": "text", "rules": {"unique": true}}, "price": {"type": "integer"}, "stock": {"type": "integer"}, "maker": {"type": "reference", "target": "firm"}, "weight": {"type": "number"}, "left_of": {"type": "reference", "target": "right"}, "right_of": {"type": "reference", "target": "left"}}}'::jsonb
    || jsonb_build_object('classes', udm.model('decl')->'classes' || '{"left": {"attributes": {"left_of": {}}}, "right": {"attributes": {"right_of": {}}}}')) AS version;
SELECT conrelid::regclass, confrelid::regclass FROM pg_constraint WHERE connamespace = 'tenant_decl'::regnamespace AND contype = 'f' ORDER BY 1, 2;
SELECT udm.apply('decl', :'changed'::jsonb #- '{attributes,title,renamed_from}' #- '{classes,firm,renamed_from}' #- '{classes,item,renamed_from}') AS version;
SELECT to_regclass('tenant_decl.tc_left') AS left_table, to_regclass('tenant_decl.tc_right') AS right_table;
SELECT * FROM udm.verify('decl');

-- An empty model drops everything: the things too, so only when told to.
SELECT step, action, object, breaking, destructive, destroys FROM udm.plan('decl', '{}');
SELECT udm.apply('decl', '{}') AS version;
SELECT udm.apply('decl', '{}', allow_data_loss => true) AS version;
SELECT udm.model('decl');
SELECT count(*) AS tables FROM pg_class WHERE relnamespace = 'tenant_decl'::regnamespace AND relname LIKE 'tc\_%' AND relkind = 'r';
SELECT udm.drop_tenant('decl');
