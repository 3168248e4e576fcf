-- Each backend keeps the models it read or wrote, keyed by the version and the transaction
-- that wrote it. Whatever happens around a change — a rollback, a savepoint, a change in
-- another session — the next change plans against what the catalog holds, and udm.model
-- returns it. A change checks only what it touches; view "things" names no class table.
\set VERBOSITY default
SELECT udm.create_tenant('mc');
SELECT udm.apply('mc', '{"attributes": {"name": {"type": "text"}, "qty": {"type": "integer"}},
                         "classes": {"item": {"attributes": {"name": {"required": true}, "qty": {}}}}}');
-- The model this session has now (cached) is the catalog's.
CREATE TABLE mc_seen (label text, model jsonb);
INSERT INTO mc_seen SELECT 'start', udm.model('mc');

-- A rolled-back change leaves nothing behind, in the catalog or the cache.
BEGIN;
SELECT udm.create_class('mc', 'ghost');
SELECT udm.model('mc') -> 'classes' ? 'ghost' AS ghost_inside;
ROLLBACK;
SELECT udm.model('mc') -> 'classes' ? 'ghost' AS ghost_after_rollback;
SELECT udm.model('mc') = model AS unchanged FROM mc_seen WHERE label = 'start';

-- Savepoints: what a rolled-back subtransaction did is gone, what came before stays.
BEGIN;
SELECT udm.create_class('mc', 'kept');
SAVEPOINT s;
SELECT udm.create_class('mc', 'undone');
ROLLBACK TO SAVEPOINT s;
SELECT udm.create_class('mc', 'later');
SELECT string_agg(c, ', ' ORDER BY c) AS classes FROM jsonb_object_keys(udm.model('mc') -> 'classes') c;
COMMIT;
SELECT string_agg(c, ', ' ORDER BY c) AS classes FROM jsonb_object_keys(udm.model('mc') -> 'classes') c;
SELECT to_regclass('tenant_mc.tc_undone') IS NULL AS no_undone_table;

-- A change in another session: this session's cached model is stale, and is not used.
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('dbname=%s host=%s port=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')) AS conn \gset
SELECT * FROM dblink(:'conn', $$SELECT udm.create_attribute('mc', 'note', 'text')$$) AS t(version bigint);
SELECT * FROM dblink(:'conn', $$SELECT udm.assign_attribute('mc', 'item', 'note')$$) AS t(version bigint);
SELECT udm.model('mc') #> '{classes,item,attributes}' AS item_attributes;
-- A change here plans against the other session's change: it keeps note.
SELECT udm.assign_attribute('mc', 'kept', 'qty');
SELECT column_name FROM information_schema.columns
WHERE table_schema = 'tenant_mc' AND table_name = 'tc_item' AND ordinal_position > 6 ORDER BY 1;
-- And the other session sees this one's.
SELECT * FROM dblink(:'conn', $$SELECT (udm.model('mc') #> '{classes,kept,attributes}')::text$$) AS t(kept text);
-- Both sessions' models equal a model read afresh, and udm.verify finds nothing.
INSERT INTO mc_seen SELECT 'here', udm.model('mc');
\c
INSERT INTO mc_seen SELECT 'fresh', udm.model('mc');
SELECT a.label, a.model = b.model AS same_as_fresh
FROM mc_seen a, mc_seen b WHERE b.label = 'fresh' AND a.label = 'here';
SELECT count(*) AS problems FROM udm.verify('mc');
-- udm.model builds its jsonb from C++ values: the same value jsonb_in makes of its text,
-- keys in jsonb's order (lookups and containment find them), numbers as JSON spells them.
SELECT udm.alter_attribute('mc', 'qty', validation_rules => '{"min": -0.5, "max": 1e3, "multiple_of": 0.25}') > 0 AS rules_set;
SELECT udm.model('mc') = (udm.model('mc')::text)::jsonb AS same_as_parsed,
       udm.model('mc') @> '{"classes": {"item": {"attributes": {"qty": {}}}}}' AS contains,
       udm.model('mc') #> '{attributes,qty,rules}' AS qty_rules;
-- Every version rebuilds to the model it recorded (the history patches of cached changes).
SELECT udm.schema_at('mc', (SELECT version FROM tenant_mc.schema_state)) = udm.model('mc') AS history_matches;

-- Names: a change checks the database names of what it adds against the schema, where
-- every other class's relations are. Table tc_widget_pkey would be widget's key.
SELECT udm.create_class('mc', 'widget');
SELECT test_error($$SELECT udm.create_class('mc', 'widget_pkey')$$) AS collides;
-- A relation udm did not make blocks the name as well.
CREATE TABLE tenant_mc.tc_stray (x int);
SELECT test_error($$SELECT udm.create_class('mc', 'stray')$$) AS stray;
DROP TABLE tenant_mc.tc_stray;
SELECT udm.create_class('mc', 'stray') > 0 AS created_after_drop;

-- View "things": every class table, as the reader, without naming one.
INSERT INTO tenant_mc.tc_item (name, qty) VALUES ('a', 1), ('b', 2);
INSERT INTO tenant_mc.tc_kept DEFAULT VALUES;
SELECT class_name, count(*) FROM tenant_mc.things GROUP BY 1 ORDER BY 1;
SELECT count(*) AS class_tables_the_view_names FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
WHERE r.ev_class = 'tenant_mc.things'::regclass AND d.refobjid IN (
    SELECT oid FROM pg_class WHERE relnamespace = 'tenant_mc'::regnamespace AND relname LIKE 'tc\_%');
SELECT udm.refresh_summary('mc');
SELECT name, attribute_count, thing_count FROM tenant_mc.thing_class_summary ORDER BY name;
SELECT name, instance_count, attribute_count, last_instance_update IS NOT NULL AS updated
FROM tenant_mc.thing_class_metrics ORDER BY name;
-- A role outside the tenant reads no thing (even with SELECT on the view and the catalog:
-- row-level security then hides every class); one of the tenant sees them all.
CREATE ROLE mc_outsider;
GRANT USAGE ON SCHEMA tenant_mc TO mc_outsider;
GRANT SELECT ON tenant_mc.things TO mc_outsider;
SET ROLE mc_outsider;
SELECT test_error('SELECT count(*) FROM tenant_mc.things') AS outsider_reads;
RESET ROLE;
GRANT SELECT ON tenant_mc.thing_classes TO mc_outsider;
SET ROLE mc_outsider;
SELECT count(*) AS outsider_sees FROM tenant_mc.things;
RESET ROLE;
SET ROLE tenant_mc_role;
SELECT count(*) AS member_sees FROM tenant_mc.things;
RESET ROLE;
-- udm.things reads tenant schemas only.
SELECT test_error($$SELECT * FROM udm.things('public')$$) AS not_a_tenant;

-- A validator built in a REPEATABLE READ transaction after another session changed the
-- rules uses the transaction's snapshot, so the old rules; it must not outlive it.
SELECT udm.alter_assignment('mc', 'item', 'name', assignment_rules => '{"max_length": 20}') > 0 AS loose;
INSERT INTO tenant_mc.tc_item (name) VALUES ('warm');
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) > 0 AS snapshot_taken FROM tenant_mc.tc_item;
SELECT * FROM dblink(:'conn', $$SELECT udm.alter_assignment('mc', 'item', 'name', assignment_rules => '{"max_length": 5}') > 0$$) AS t(tightened boolean);
INSERT INTO tenant_mc.tc_item (name) VALUES ('twelve chars');
COMMIT;
INSERT INTO tenant_mc.tc_item (name) VALUES ('twelve chars');

-- A tenant dropped and created again in one transaction is another tenant: the model
-- cached for the first (same version, same transaction) is not the second's.
BEGIN;
SELECT udm.create_tenant('mc2');
SELECT udm.create_class('mc2', 'first');
SELECT udm.drop_tenant('mc2', force => true);
SELECT udm.create_tenant('mc2');
SELECT udm.create_class('mc2', 'second');
SELECT string_agg(c, ', ') AS classes FROM jsonb_object_keys(udm.model('mc2') -> 'classes') c;
ROLLBACK;

SELECT udm.drop_tenant('mc', force => true);
DROP ROLE mc_outsider;
DROP TABLE mc_seen;
