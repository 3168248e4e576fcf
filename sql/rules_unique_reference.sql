-- Unique values and references are rules like the others: a row that breaks them is refused
-- in model terms (23505, 23503) with the JSON detail of its violations, before the unique
-- index or the foreign key would report a physical name; values are never echoed.
\set VERBOSITY default
SELECT udm.create_tenant('uq');
SELECT udm.apply('uq', '{
  "attributes": {
    "name":   {"type": "text", "rules": {"min_length": 2}},
    "email":  {"type": "text", "rules": {"unique": true, "format": "email"}},
    "code":   {"type": "text", "rules": {"unique": true, "message": "must look like ABC"}},
    "author": {"type": "reference", "target": "author"},
    "editor": {"type": "reference", "target": "author"}
  },
  "classes": {
    "author": {"attributes": {"name": {"required": true}, "email": {}, "code": {}}},
    "book":   {"attributes": {"name": {"required": true}, "author": {}, "editor": {}}}
  }}') AS version;
\set a1 '''00000000-0000-0000-0000-0000000000a1'''
\set a2 '''00000000-0000-0000-0000-0000000000a2'''
\set b1 '''00000000-0000-0000-0000-0000000000b1'''
INSERT INTO tenant_uq.tc_author (id, name, email, code) VALUES (:a1, 'Ann', 'ann@example.com', 'ANN');

-- unique: 23505, the class and attribute named, the violations in the detail.
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Anna', 'ann@example.com');
INSERT INTO tenant_uq.tc_author (name, email, code) VALUES ('Anna', 'ann@example.com', 'ANN');
-- Together with a rule of the row's own values: 23514, every violation in the detail.
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('A', 'ann@example.com');
-- Two new rows of one statement with the same value.
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Bea', 'bea@example.com'), ('Bee', 'bea@example.com');
-- An update to a value another thing holds.
INSERT INTO tenant_uq.tc_author (id, name, email) VALUES (:a2, 'Bea', 'bea@example.com');
SELECT test_error($$UPDATE tenant_uq.tc_author SET email = 'ann@example.com' WHERE id = '00000000-0000-0000-0000-0000000000a2'$$) AS update_to_taken;
-- Case matters as it does for the index (the column's collation).
SELECT test_error($$INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Ann', 'ANN@example.com')$$) AS other_case;

-- Over live rows only: a soft-deleted thing's value is free; the thing cannot come back
-- while another holds it.
UPDATE tenant_uq.tc_author SET is_deleted = true WHERE id = :a2;
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Bert', 'bert@example.com');
SELECT test_error($$INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Bea 2', 'bea@example.com')$$) AS over_deleted;
SELECT test_error($$UPDATE tenant_uq.tc_author SET is_deleted = false WHERE id = '00000000-0000-0000-0000-0000000000a2'$$) AS back_from_deletion;

-- A row whose unique value does not change is not probed again: the index holds it already.
BEGIN;
SELECT pg_stat_get_xact_numscans('tenant_uq.tc_author__email_key'::regclass) AS scans_before;
UPDATE tenant_uq.tc_author SET name = 'Annie' WHERE id = :a1;
SELECT pg_stat_get_xact_numscans('tenant_uq.tc_author__email_key'::regclass) AS scans_unchanged;
UPDATE tenant_uq.tc_author SET email = 'annie@example.com' WHERE id = :a1;
SELECT pg_stat_get_xact_numscans('tenant_uq.tc_author__email_key'::regclass) AS scans_changed;
ROLLBACK;

-- INSERT ... ON CONFLICT handles its conflicts itself, also when one came before in the
-- transaction and also inside a subtransaction that failed.
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Ann', 'ann@example.com')
ON CONFLICT (email) WHERE NOT is_deleted DO NOTHING;
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Ann B.', 'ann@example.com')
ON CONFLICT (email) WHERE NOT is_deleted DO UPDATE SET name = excluded.name RETURNING name;
DO $$
DECLARE
    msg text;
BEGIN
    BEGIN
        INSERT INTO tenant_uq.tc_author (name, email) VALUES ('A', 'new@example.com')
        ON CONFLICT (email) WHERE NOT is_deleted DO NOTHING;
    EXCEPTION WHEN check_violation THEN
        NULL;
    END;
    INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Ann', 'ann@example.com');
EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    RAISE NOTICE 'after a failed ON CONFLICT: %', msg;
END
$$;

-- references: a missing thing and a soft-deleted one are refused alike (23503).
INSERT INTO tenant_uq.tc_book (id, name, author) VALUES (:b1, 'Book', :a1);
INSERT INTO tenant_uq.tc_book (name, author) VALUES ('Lost', '00000000-0000-0000-0000-00000000dead');
INSERT INTO tenant_uq.tc_book (name, author) VALUES ('Gone', :a2);
INSERT INTO tenant_uq.tc_book (name, author, editor) VALUES ('Both', :a2, '00000000-0000-0000-0000-00000000dead');
SELECT test_error($$UPDATE tenant_uq.tc_book SET editor = '00000000-0000-0000-0000-0000000000a2' WHERE id = '00000000-0000-0000-0000-0000000000b1'$$) AS update_to_deleted;
-- With a rule of the row's own values: 23514 again, every violation in the detail.
INSERT INTO tenant_uq.tc_book (name, author) VALUES ('B', :a2);
-- A thing and a reference to it written by one statement.
WITH a AS (INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Cy', 'cy@example.com') RETURNING id)
INSERT INTO tenant_uq.tc_book (name, author) SELECT 'By Cy', id FROM a RETURNING name;

-- Soft-deleting a referenced thing is allowed; its references stay, and rows holding them
-- can be updated as long as they do not set them anew. Deleting it for good is refused
-- (23503, in model terms too).
UPDATE tenant_uq.tc_author SET is_deleted = true WHERE id = :a1;
UPDATE tenant_uq.tc_book SET name = 'Book, 2nd ed.' WHERE id = :b1;
SELECT name, author = :a1 AS keeps_author FROM tenant_uq.tc_book WHERE id = :b1;
SELECT test_error($$UPDATE tenant_uq.tc_book SET author = NULL, editor = '00000000-0000-0000-0000-0000000000a1' WHERE id = '00000000-0000-0000-0000-0000000000b1'$$) AS set_anew;
DELETE FROM tenant_uq.tc_author WHERE id = :a1;
UPDATE tenant_uq.tc_author SET is_deleted = false WHERE id = :a1;

-- Deleting things for good: refused in model terms while things refer to them (soft-deleted
-- ones too: their references are kept), whatever else the statement deletes; references
-- among the rows one statement deletes are no obstacle.
INSERT INTO tenant_uq.tc_book (name, editor) VALUES ('Edited', :a1);
DELETE FROM tenant_uq.tc_author WHERE id IN (:a1, :a2);
UPDATE tenant_uq.tc_book SET is_deleted = true WHERE author = :a1 OR editor = :a1;
SELECT test_error($$DELETE FROM tenant_uq.tc_author WHERE id = '00000000-0000-0000-0000-0000000000a1'$$) AS referred_by_deleted;
UPDATE tenant_uq.tc_book SET is_deleted = false WHERE author = :a1 OR editor = :a1;
DELETE FROM tenant_uq.tc_author WHERE name = 'Bert' RETURNING name;
BEGIN;
DELETE FROM tenant_uq.tc_book WHERE author = :a1 OR editor = :a1;
DELETE FROM tenant_uq.tc_author WHERE id = :a1 RETURNING name;
ROLLBACK;
SELECT udm.apply('uq', udm.model('uq') || jsonb_build_object(
  'attributes', udm.model('uq')->'attributes' || '{"manager": {"type": "reference", "target": "person"}}',
  'classes', udm.model('uq')->'classes' || '{"person": {"attributes": {"name": {}, "manager": {}}}}')) > 0 AS applied;
INSERT INTO tenant_uq.tc_person (id, name) VALUES ('00000000-0000-0000-0000-0000000000c1', 'Boss');
INSERT INTO tenant_uq.tc_person (id, name, manager) VALUES ('00000000-0000-0000-0000-0000000000c2', 'Staff', '00000000-0000-0000-0000-0000000000c1');
DELETE FROM tenant_uq.tc_person WHERE name = 'Boss';
DELETE FROM tenant_uq.tc_person;
SELECT count(*) AS persons FROM tenant_uq.tc_person;

-- As the tenant's role, under row-level security: the same errors.
SET ROLE tenant_uq_role;
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Ann', 'ann@example.com');
INSERT INTO tenant_uq.tc_book (name, author) VALUES ('Gone', :a2);
DELETE FROM tenant_uq.tc_author WHERE id = :a1;
RESET ROLE;

-- The longest names: a class of 63 bytes and attributes of 62 and 63, whose indexes and
-- keys have shortened names.
SELECT udm.apply('uq', udm.model('uq') || jsonb_build_object(
  'attributes', udm.model('uq')->'attributes' || jsonb_build_object(
      repeat('u', 62), '{"type": "text", "rules": {"unique": true}}'::jsonb,
      repeat('r', 63), jsonb_build_object('type', 'reference', 'target', repeat('c', 63))),
  'classes', udm.model('uq')->'classes' || jsonb_build_object(
      repeat('c', 63), jsonb_build_object('attributes', jsonb_build_object(repeat('u', 62), '{}'::jsonb, repeat('r', 63), '{}'::jsonb))))) > 0 AS applied;
SELECT relname FROM pg_class WHERE relnamespace = 'tenant_uq'::regnamespace AND relname LIKE 'tc_ccc%' ORDER BY 1;
SELECT format('INSERT INTO tenant_uq.%I (%I) VALUES (%L)', physical, repeat('u', 62), 'x') AS ins,
       format('INSERT INTO tenant_uq.%I (%I) VALUES (%L)', physical, repeat('r', 63), '00000000-0000-0000-0000-00000000dead') AS ref
FROM (SELECT relname AS physical FROM pg_class WHERE relnamespace = 'tenant_uq'::regnamespace
      AND relname LIKE 'tc_ccc%' AND relkind = 'r') t \gset
:ins;
\set VERBOSITY sqlstate
:ins;
:ref;
\set VERBOSITY default
SELECT test_error(:'ins') AS long_unique;
SELECT test_error(:'ref') AS long_reference;

-- udm.relate: a soft-deleted thing takes part in no new relationship, at either end.
SELECT udm.apply('uq', udm.model('uq') || '{"relationship_types": {"wrote": {}},
  "relationships": [{"from": "author", "to": "book", "type": "wrote"}]}') > 0 AS applied;
SELECT udm.relate('uq', 'wrote', :a2, :b1);
UPDATE tenant_uq.tc_book SET is_deleted = true WHERE id = :b1;
SELECT udm.relate('uq', 'wrote', :a1, :b1);
UPDATE tenant_uq.tc_book SET is_deleted = false WHERE id = :b1;
SELECT udm.relate('uq', 'wrote', :a1, :b1) AS related;
-- Soft-deleting a related thing keeps its relationships (they go with a hard delete).
UPDATE tenant_uq.tc_book SET is_deleted = true WHERE id = :b1;
SELECT count(*) AS relationships FROM tenant_uq.relationships;
SELECT udm.unrelate('uq', 'wrote', :a1, :b1) AS unrelated;

-- Concurrent writers of the same value: the second waits for the first, then gets the
-- model-terms error when it commits, or goes ahead when it rolls back.
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('dbname=%s host=%s port=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')) AS conn \gset
SELECT dblink_connect('other', :'conn');
-- udm is loaded in the other session first, so that what follows does not depend on how
-- the statement that loads it is classified (rules_probe_edges tests that).
SELECT dblink_exec('other', 'LOAD ''udm''');
SELECT pid AS other_pid FROM dblink('other', 'SELECT pg_backend_pid()') AS t(pid integer) \gset
\i sql/include/wait_for_other.sql
BEGIN;
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Dee', 'dee@example.com');
SELECT dblink_send_query('other', $$INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Dee', 'dee@example.com')$$);
SELECT pg_temp.wait_for_other(:other_pid) AS other_waits;
COMMIT;
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT * FROM dblink_get_result('other') AS t(result text);
BEGIN;
INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Eve', 'eve@example.com');
SELECT dblink_send_query('other', $$INSERT INTO tenant_uq.tc_author (name, email) VALUES ('Eve', 'eve@example.com')$$);
SELECT pg_temp.wait_for_other(:other_pid) AS other_waits;
ROLLBACK;
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT count(*) AS eves FROM tenant_uq.tc_author WHERE email = 'eve@example.com';
SELECT dblink_disconnect('other');

SELECT udm.drop_tenant('uq', force => true);
