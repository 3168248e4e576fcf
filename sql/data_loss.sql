-- A model change never destroys data unless the caller says so: dropping a class that holds
-- things, a column that holds values, relationships of a kind no longer allowed, or the
-- time of day of timestamps turned into dates is refused (2BP01) with a count of what
-- would go, unless udm.apply(..., allow_data_loss => true) or the call's force. udm.plan
-- shows what each step would destroy. A refused change leaves everything as it was.
\set VERBOSITY default
SELECT udm.create_tenant('dl');
SELECT udm.apply('dl', '{
  "attributes": {"name": {"type": "text"}, "price": {"type": "number"}, "color": {"type": "text"},
                 "due": {"type": "timestamp"}, "maker": {"type": "reference", "target": "company"}},
  "classes": {"company": {"attributes": {"name": {}}},
              "product": {"attributes": {"name": {}, "price": {}, "color": {}, "due": {}, "maker": {}}},
              "empty":   {"attributes": {"name": {}}}},
  "relationship_types": {"supplies": {}},
  "relationships": [{"from": "company", "to": "product", "type": "supplies"}]}') AS version;
INSERT INTO tenant_dl.tc_company (id, name) VALUES ('00000000-0000-0000-0000-0000000000c1', 'ACME');
INSERT INTO tenant_dl.tc_product (id, name, price, color, due, maker) VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'anvil', 20, 'black', '2026-01-01 00:00+00', '00000000-0000-0000-0000-0000000000c1'),
  ('00000000-0000-0000-0000-0000000000a2', 'rope', NULL, NULL, '2026-01-01 13:30+00', NULL),
  ('00000000-0000-0000-0000-0000000000a3', 'nail', 1, NULL, NULL, NULL);
UPDATE tenant_dl.tc_product SET is_deleted = true WHERE name = 'nail';
SELECT udm.relate('dl', 'supplies', '00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a1') AS related;
CREATE TABLE dl_model AS SELECT udm.model('dl') AS model;

-- The issue's case: a document without "product" (and without "supplies").
\set partial '{"attributes": {"name": {"type": "text"}}, "classes": {"company": {"attributes": {"name": {}}}, "empty": {"attributes": {"name": {}}}}, "relationship_types": {"supplies": {}}}'
SELECT step, action, object, destructive, destroys FROM udm.plan('dl', :'partial');
SELECT udm.apply('dl', :'partial');
-- Nothing happened: same model, same version, same rows.
SELECT udm.model('dl') = model AS model_unchanged FROM dl_model;
SELECT max(version) AS version FROM udm.migrations('dl');
SELECT count(*) AS products FROM tenant_dl.tc_product;
-- allow_data_loss => NULL is the default, not a yes.
SELECT udm.apply('dl', :'partial', allow_data_loss => NULL);

-- Fine-grained calls: the same rule, told with force.
SELECT udm.unassign_attribute('dl', 'product', 'color');
SELECT udm.drop_attribute('dl', 'color');
SELECT udm.drop_attribute('dl', 'color', force => true);
SELECT udm.disallow_relationship('dl', 'company', 'product', 'supplies');
-- An empty class, a column without values, no relationships of the kind: nothing to refuse.
SELECT udm.create_attribute('dl', 'note', 'text');
SELECT udm.assign_attribute('dl', 'product', 'note');
SELECT udm.unassign_attribute('dl', 'product', 'note') > 0 AS unassigned_empty_column;
SELECT udm.drop_class('dl', 'empty') > 0 AS dropped_empty_class;
-- A soft-deleted thing is a thing: a class holding only soft-deleted things is refused too.
SELECT udm.create_class('dl', 'archive');
INSERT INTO tenant_dl.tc_archive (is_deleted) VALUES (true);
SELECT udm.drop_class('dl', 'archive');
SELECT udm.drop_class('dl', 'archive', force => true) > 0 AS dropped_archive;

-- A timestamp becoming a date loses its time of day: counted, refused unless force.
SELECT step, action, object, destructive, destroys
FROM udm.plan('dl', jsonb_set(udm.model('dl'), '{attributes,due}', '{"type": "date"}'));
SELECT udm.alter_attribute('dl', 'due', data_type => 'date');
SELECT udm.apply('dl', jsonb_set(udm.model('dl'), '{attributes,due}', '{"type": "date"}'));
SELECT udm.alter_attribute('dl', 'due', data_type => 'date', force => true) > 0 AS retyped;
SELECT name, due FROM tenant_dl.tc_product ORDER BY name;
-- Back to timestamp: widening loses nothing.
SELECT step, destructive, destroys FROM udm.plan('dl', jsonb_set(udm.model('dl'), '{attributes,due}', '{"type": "timestamp"}'));

-- A text with a time of day parses as its date: the time is lost too. Dates and midnight
-- lose nothing.
SELECT udm.create_attribute('dl', 'when_text', 'text') > 0 AS created;
SELECT udm.assign_attribute('dl', 'company', 'when_text') > 0 AS assigned;
UPDATE tenant_dl.tc_company SET when_text = '2024-01-05 13:45';
SELECT udm.alter_attribute('dl', 'when_text', data_type => 'date');
UPDATE tenant_dl.tc_company SET when_text = '2024-01-05 00:00:00';
SELECT udm.alter_attribute('dl', 'when_text', data_type => 'date') > 0 AS retyped_midnight;
SELECT when_text FROM tenant_dl.tc_company;

-- A check of a change reads what was committed after a REPEATABLE READ snapshot: a value
-- that would not convert is found, not silently rounded.
SELECT udm.create_attribute('dl', 'qty', 'number') > 0 AS created;
SELECT udm.assign_attribute('dl', 'company', 'qty') > 0 AS assigned;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('dbname=%s host=%s port=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')) AS conn \gset
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) AS companies_seen FROM tenant_dl.tc_company;
SELECT * FROM dblink(:'conn', $$UPDATE tenant_dl.tc_company SET qty = 1.5 RETURNING 1$$) AS t(n int);
SELECT udm.alter_attribute('dl', 'qty', data_type => 'integer');
ROLLBACK;
SELECT qty FROM tenant_dl.tc_company;

-- Told to: the plan's counts are what goes.
SELECT udm.apply('dl', :'partial', allow_data_loss => true) > 0 AS applied;
SELECT to_regclass('tenant_dl.tc_product') AS product_table, count(*) AS relationships FROM tenant_dl.relationships;
SELECT * FROM udm.verify('dl');

-- Rows committed after a REPEATABLE READ transaction's snapshot are counted too: the
-- change would drop them with the table.
SELECT udm.create_class('dl', 'late') > 0 AS created;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) AS late_things_seen FROM tenant_dl.tc_late;
SELECT * FROM dblink(:'conn', $$INSERT INTO tenant_dl.tc_late DEFAULT VALUES RETURNING 1$$) AS t(n int);
SELECT udm.drop_class('dl', 'late');
ROLLBACK;
SELECT count(*) AS late_things FROM tenant_dl.tc_late;

-- The tenant's application role gets the same refusal.
SET ROLE tenant_dl_role;
SELECT udm.drop_class('dl', 'late');
RESET ROLE;
SELECT udm.drop_tenant('dl', force => true);
DROP TABLE dl_model;
DROP EXTENSION dblink;
