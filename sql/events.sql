-- Change events: schema events (udm.schema_events, udm.schema_at), data events written by
-- the statement triggers of class tables (udm.data_events), udm.set_class_events and
-- udm.prune_events. Signals (NOTIFY) are tested with two connections in
-- test/integration/events_test.cpp; positions hold transaction ids, so they are compared
-- here, never printed.
\set VERBOSITY default
\set admin :USER
SELECT udm.create_tenant('ev');
SELECT udm.apply('ev', '{
  "attributes": {"title": {"type": "text"}, "price": {"type": "number"}, "note": {"type": "text"},
                 "maker": {"type": "reference", "target": "maker"}},
  "classes": {"maker": {"attributes": {"title": {}}},
              "product": {"attributes": {"title": {"required": true}, "price": {}, "note": {}, "maker": {}}}}
}');

-- Schema events: one per version, with the structured diff.
SELECT udm.create_attribute('ev', 'weight', 'integer');
SELECT udm.assign_attribute('ev', 'product', 'weight');
SELECT udm.alter_attribute('ev', 'weight', data_type => 'number');
SELECT version, previous_version, actor = session_user AS by_me, jsonb_array_length(diff) AS changes
FROM udm.schema_events('ev', 0);
SELECT version, jsonb_pretty(diff) FROM udm.schema_events('ev', 2);
SELECT count(*) AS after_last FROM udm.schema_events('ev', 4);
-- The model at every version; the last one is the current model.
SELECT udm.schema_at('ev', 0);
SELECT udm.schema_at('ev', 1) -> 'attributes' ? 'weight' AS v1_has_weight,
       udm.schema_at('ev', 2) -> 'attributes' ->> 'weight' AS v2_weight,
       udm.schema_at('ev', 4) -> 'attributes' ->> 'weight' AS v4_weight,
       udm.schema_at('ev', 4) = udm.model('ev') AS v4_is_current;
-- Any two versions can be diffed by planning one against the other.
SELECT step, action, object, breaking FROM udm.plan('ev', udm.schema_at('ev', 1));
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('future version',   $$SELECT udm.schema_at('ev', 5)$$),
    ('negative version', $$SELECT udm.schema_at('ev', -1)$$),
    ('null version',     $$SELECT udm.schema_at('ev', NULL)$$),
    ('negative after',   $$SELECT * FROM udm.schema_events('ev', -1)$$),
    ('null after',       $$SELECT * FROM udm.schema_events('ev', NULL)$$),
    ('unknown tenant',   $$SELECT * FROM udm.schema_events('nobody', 0)$$),
    ('bad tenant name',  $$SELECT udm.schema_at('No Body', 0)$$)
) AS t(label, stmt);

-- Data events: one per row, from one trigger call per statement.
BEGIN;
SET LOCAL track_functions = 'all';
INSERT INTO tenant_ev.tc_product (title, price)
SELECT 'p' || g, g FROM generate_series(1, 10000) g;
SELECT pg_stat_get_xact_function_calls('udm.record_data_events'::regproc) AS event_trigger_calls,
       pg_stat_get_xact_function_calls('udm.validate_row'::regproc) AS row_trigger_calls;
-- A transaction does not read its own events: they are not news until it commits.
SELECT count(*) AS own_events_seen FROM udm.data_events('ev', 0);
COMMIT;
SELECT count(*) AS events, count(DISTINCT thing_id) AS things, min(operation) AS op, max(operation) AS op2,
       bool_and(class = 'product') AS all_product, bool_and(changed IS NULL) AS no_changed_list
FROM udm.data_events('ev', 0, 100000);
-- Positions rise in the order events are returned; reading on from any of them continues
-- exactly there.
WITH e AS (SELECT position, lag(position) OVER () AS prev FROM udm.data_events('ev', 0, 100000))
SELECT bool_and(prev IS NULL OR position > prev) AS rising FROM e;
WITH first AS (SELECT position FROM udm.data_events('ev', 0, 3))
SELECT count(*) AS after_third
FROM udm.data_events('ev', (SELECT max(position) FROM first), 100000);
SELECT count(*) AS max_events_respected FROM udm.data_events('ev', 0, 7);

-- Updates name the attributes whose value changed; one setting is_deleted is a soft_delete,
-- one clearing it a restore; an id never changes (refused: events and relationships name
-- things by id).
CREATE TEMP TABLE seen AS SELECT coalesce(max(position), 0) AS p FROM udm.data_events('ev', 0, 100000);
UPDATE tenant_ev.tc_product SET price = price + 1, note = 'n' WHERE title IN ('p1', 'p2');
UPDATE tenant_ev.tc_product SET note = 'n', title = 'p3b' WHERE title IN ('p1', 'p3');
UPDATE tenant_ev.tc_product SET is_deleted = true WHERE title = 'p4';
UPDATE tenant_ev.tc_product SET is_deleted = NOT is_deleted, note = 'r' WHERE title IN ('p4', 'p9');
UPDATE tenant_ev.tc_product SET price = price WHERE title = 'p5';
SELECT test_error($$UPDATE tenant_ev.tc_product SET id = '00000000-0000-4000-8000-000000000001' WHERE title = 'p6'$$);
UPDATE tenant_ev.tc_product SET title = 'nothing' WHERE false;
DELETE FROM tenant_ev.tc_product WHERE title IN ('p7', 'p8');
SELECT e.operation, e.changed,
       coalesce(p.title, CASE WHEN e.operation = 'delete' THEN 'deleted' END) AS title
FROM udm.data_events('ev', (SELECT p FROM seen)) e LEFT JOIN tenant_ev.tc_product p ON p.id = e.thing_id
ORDER BY e.position;
SELECT thing_id FROM udm.data_events('ev', (SELECT p FROM seen)) WHERE operation = 'insert';

-- Rolled-back work leaves no event, a rolled-back savepoint only its own.
UPDATE seen SET p = (SELECT max(position) FROM udm.data_events('ev', 0, 100000));
BEGIN;
INSERT INTO tenant_ev.tc_product (title) VALUES ('rolled back');
ROLLBACK;
BEGIN;
INSERT INTO tenant_ev.tc_product (title) VALUES ('kept');
SAVEPOINT s;
INSERT INTO tenant_ev.tc_product (title) VALUES ('undone');
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT e.operation, p.title FROM udm.data_events('ev', (SELECT p FROM seen)) e
JOIN tenant_ev.tc_product p ON p.id = e.thing_id;

-- Per class: off is a model change (new version, triggers disabled, udm.verify agrees).
SELECT udm.set_class_events('ev', 'product', false);
SELECT version, diff FROM udm.schema_events('ev', 4);
SELECT udm.model('ev') -> 'classes' -> 'product' -> 'events' AS events_in_model;
UPDATE seen SET p = (SELECT max(position) FROM udm.data_events('ev', 0, 100000));
INSERT INTO tenant_ev.tc_product (title) VALUES ('silent');
INSERT INTO tenant_ev.tc_maker (title) VALUES ('loud');
SELECT class, operation FROM udm.data_events('ev', (SELECT p FROM seen));
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid = 'tenant_ev.tc_product'::regclass AND tgname LIKE 'data_events%' ORDER BY 1;
SELECT * FROM udm.verify('ev');
SELECT udm.set_class_events('ev', 'product', true);
SELECT * FROM udm.verify('ev');
-- A trigger switched by hand is a difference udm.verify reports.
ALTER TABLE tenant_ev.tc_product DISABLE TRIGGER data_events_update;
SELECT * FROM udm.verify('ev');
ALTER TABLE tenant_ev.tc_product ENABLE TRIGGER data_events_update;
-- The same through udm.apply, and a class created without events.
SELECT udm.apply('ev', jsonb_set(udm.model('ev'), '{classes,quiet}', '{"events": false}'));
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid = 'tenant_ev.tc_quiet'::regclass AND tgname LIKE 'data_events%' ORDER BY 1;
SELECT udm.set_class_events('ev', 'quiet', false) AS unchanged_version;
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('unknown class', $$SELECT udm.set_class_events('ev', 'nothing', true)$$),
    ('null on',       $$SELECT udm.set_class_events('ev', 'product', NULL)$$),
    ('bad events',    $$SELECT udm.apply('ev', '{"classes": {"x": {"events": "no"}}}')$$)
) AS t(label, stmt);

-- Reading: bad positions and limits.
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('negative',      $$SELECT * FROM udm.data_events('ev', -1)$$),
    ('fraction',      $$SELECT * FROM udm.data_events('ev', 1.5)$$),
    ('null position', $$SELECT * FROM udm.data_events('ev', NULL)$$),
    ('zero max',      $$SELECT * FROM udm.data_events('ev', 0, 0)$$),
    ('huge max',      $$SELECT * FROM udm.data_events('ev', 0, 100001)$$),
    ('null max',      $$SELECT * FROM udm.data_events('ev', 0, NULL)$$),
    ('unknown',       $$SELECT * FROM udm.data_events('nobody', 0)$$),
    ('unknown head',  $$SELECT udm.data_head('nobody')$$),
    ('null head',     $$SELECT udm.data_head(NULL)$$)
) AS t(label, stmt);

-- The head: the newest event readable now; reading after it returns only later events.
SELECT udm.data_head('ev') = (SELECT max(position) FROM udm.data_events('ev', 0, 100000)) AS head_is_newest;
SELECT count(*) AS after_head FROM udm.data_events('ev', udm.data_head('ev'));
BEGIN;
CREATE TEMP TABLE head_before AS SELECT udm.data_head('ev') AS h;
INSERT INTO tenant_ev.tc_product (title) VALUES ('uncommitted');
SELECT udm.data_head('ev') = (SELECT h FROM head_before) AS own_uncommitted_not_in_head;
ROLLBACK;

-- Pruning removes a prefix and remembers how far: a consumer behind it is told, one at
-- its end or starting over (0) reads on.
SELECT udm.prune_events('ev', '1 hour') AS pruned_recent;
UPDATE seen SET p = (SELECT max(position) FROM udm.data_events('ev', 0, 100000));
SELECT udm.prune_events('ev', '0 seconds') > 10000 AS pruned_all;
SELECT count(*) AS left_after_prune FROM udm.data_events('ev', 0);
SELECT data_events_pruned_through = (SELECT p FROM seen) AS remembered FROM tenant_ev.schema_state;
SELECT udm.data_head('ev') = (SELECT p FROM seen) AS head_after_prune;
SELECT count(*) AS from_the_end FROM udm.data_events('ev', (SELECT p FROM seen));
SELECT regexp_replace(test_error($$SELECT * FROM udm.data_events('ev', 1)$$), '[0-9]{6,}', 'N', 'g') AS behind;
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('negative', $$SELECT udm.prune_events('ev', '-1 day')$$),
    ('null',     $$SELECT udm.prune_events('ev', NULL)$$)
) AS t(label, stmt);
INSERT INTO tenant_ev.tc_product (title) VALUES ('after prune');
SELECT operation FROM udm.data_events('ev', (SELECT p FROM seen));

-- Only udm writes the outbox; the tenant's role reads it; other tenants see nothing.
SELECT udm.create_tenant('ev_other');
CREATE ROLE ev_app LOGIN;
GRANT tenant_ev_role TO ev_app;
\c - ev_app
SELECT count(*) >= 1 AS reads_own_events FROM udm.data_events('ev', 0);
SELECT count(*) >= 1 AS reads_outbox_table FROM tenant_ev.data_events;
-- Its writes are recorded all the same (the trigger writes the outbox directly, not as
-- SQL), also with a search_path of its own choosing.
SET search_path = tenant_ev, public;
INSERT INTO tc_product (title) VALUES ('by the app');
UPDATE tc_product SET note = 'changed by the app' WHERE title = 'by the app';
RESET search_path;
SELECT e.operation, e.changed FROM tenant_ev.data_events e JOIN tenant_ev.tc_product p ON p.id = e.thing_id
WHERE p.title = 'by the app' ORDER BY e.xid, e.seq;
SELECT label, test_error(stmt) AS error FROM (VALUES
    ('insert',        $$INSERT INTO tenant_ev.data_events VALUES (0, '1', 1, 'x', 'insert', gen_random_uuid())$$),
    ('delete',        $$DELETE FROM tenant_ev.data_events$$),
    ('other tenant',  $$SELECT * FROM udm.data_events('ev_other', 0)$$),
    ('other schema',  $$SELECT * FROM udm.schema_events('ev_other', 0)$$),
    ('other at',      $$SELECT udm.schema_at('ev_other', 0)$$),
    ('other prune',   $$SELECT udm.prune_events('ev_other', '1 day')$$),
    ('other switch',  $$SELECT udm.set_class_events('ev_other', 'x', true)$$),
    ('call trigger',  $$SELECT udm.record_data_events()$$)
) AS t(label, stmt);
\c - :admin
DROP OWNED BY ev_app;
DROP ROLE ev_app;

-- udm's triggers run with the extension owner's rights: on a table of a schema that only
-- looks like a tenant schema they refuse to run, and write nothing there.
CREATE ROLE ev_intruder;
CREATE SCHEMA tenant_fake AUTHORIZATION ev_intruder;
CREATE TABLE tenant_fake.schema_state (x int);
CREATE TABLE tenant_fake.data_events (LIKE tenant_ev.data_events);
CREATE TABLE tenant_fake.relationships (from_id uuid, to_id uuid);
CREATE TABLE tenant_fake.tc_x (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TRIGGER e AFTER INSERT ON tenant_fake.tc_x REFERENCING NEW TABLE AS udm_new
    FOR EACH STATEMENT EXECUTE FUNCTION udm.record_data_events();
CREATE TRIGGER f AFTER DELETE ON tenant_fake.tc_x REFERENCING OLD TABLE AS udm_old
    FOR EACH STATEMENT EXECUTE FUNCTION udm.forget_relationships();
SELECT test_error($$INSERT INTO tenant_fake.tc_x DEFAULT VALUES$$) AS insert_error;
ALTER TABLE tenant_fake.tc_x DISABLE TRIGGER e;
INSERT INTO tenant_fake.tc_x DEFAULT VALUES;
SELECT test_error($$DELETE FROM tenant_fake.tc_x$$) AS delete_error;
SELECT count(*) AS written FROM tenant_fake.data_events;
-- Nor is such a schema listed as a tenant: not with a schema_state of other column types
-- (whose values the listing must not take for text and numbers), not with the right ones.
DROP TABLE tenant_fake.schema_state;
CREATE TABLE tenant_fake.schema_state (tenant_name bigint, created_at timestamptz, version bigint);
INSERT INTO tenant_fake.schema_state VALUES (1094795585, now(), 0);
CREATE SCHEMA tenant_fake_typed AUTHORIZATION ev_intruder;
CREATE TABLE tenant_fake_typed.schema_state (tenant_name text, created_at timestamptz, version bigint);
INSERT INTO tenant_fake_typed.schema_state VALUES ('fake_typed', now(), 1);
SELECT count(*) AS fakes_listed FROM udm.tenants WHERE schema_name LIKE 'tenant\_fake%';
SELECT count(*) AS fake_states FROM udm.tenant_state(ARRAY['fake', 'fake_typed']);
DROP SCHEMA tenant_fake CASCADE;
DROP SCHEMA tenant_fake_typed CASCADE;
DROP ROLE ev_intruder;

-- udm.tenant_state: what a consumer of events follows, for the tenants that exist.
SELECT tenant, identity = 'tenant_ev'::regnamespace::oid::text AS identity_ok,
       schema_version = (SELECT version FROM tenant_ev.schema_state) AS version_ok,
       data_events_pruned_through >= 0 AS pruned_ok, reachable
FROM udm.tenant_state(ARRAY['ev', 'ev', 'nosuch', 'Bad Name', NULL]);
SELECT count(*) AS none FROM udm.tenant_state('{}');
SELECT test_error($$SELECT * FROM udm.tenant_state(array_fill('x'::text, ARRAY[10001]))$$);
-- It keeps no lock on any schema_state: a consumer asks for every tenant it follows at
-- once, and a lock per tenant to the end of the transaction would overflow the lock table
-- at some thousands of tenants.
BEGIN;
SELECT count(*) AS states FROM udm.tenant_state(ARRAY['ev', 'ev_other']);
SELECT count(*) AS schema_state_locks FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND c.relname IN ('schema_state', 'schema_state_pkey');
COMMIT;
-- What udm.tenant_list and udm.tenant_state ask each node of a Citus cluster: here, without
-- Citus, no node holds a tenant; it reads tables without their privileges, so it is udm's
-- own (docs/scale-out.md).
SELECT udm.tenant_states_here(ARRAY['ev', 'nosuch']) AS held_here;
SET ROLE tenant_ev_role;
SELECT test_error($$SELECT udm.tenant_states_here(ARRAY['ev'])$$);
RESET ROLE;

SELECT udm.drop_tenant('ev', force => true);
SELECT udm.drop_tenant('ev_other', force => true);

