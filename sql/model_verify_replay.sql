-- udm.verify finds every difference between catalog and tables; the recorded DDL replays
-- into an empty schema as the same tables.
\set VERBOSITY default
SELECT udm.create_tenant('ver');
SELECT udm.apply('ver', '{
  "attributes": {"name": {"type": "text"}, "born": {"type": "date"}, "email": {"type": "text", "rules": {"unique": true}},
                 "employer": {"type": "reference", "target": "company"}, "score": {"type": "number", "rules": {"indexed": true}}},
  "classes": {"company": {"attributes": {"name": {"required": true}}},
              "person": {"attributes": {"name": {"required": true}, "born": {}, "email": {}, "employer": {}, "score": {}}}}}');
SELECT udm.rename_class('ver', 'person', 'employee');
SELECT udm.alter_attribute('ver', 'born', new_name => 'birthday');
SELECT udm.alter_attribute('ver', 'score', data_type => 'integer');
SELECT udm.create_attribute('ver', 'nickname', 'text');
SELECT udm.assign_attribute('ver', 'employee', 'nickname');
SELECT udm.unassign_attribute('ver', 'employee', 'birthday');
SELECT * FROM udm.verify('ver');

-- Break the tables by hand (as a superuser could), one way each, and see each reported.
BEGIN;
ALTER TABLE tenant_ver.tc_employee DROP COLUMN nickname;
ALTER TABLE tenant_ver.tc_employee ADD COLUMN sneaky text;
ALTER TABLE tenant_ver.tc_employee ALTER COLUMN score TYPE text;
ALTER TABLE tenant_ver.tc_employee ALTER COLUMN name DROP NOT NULL;
DROP INDEX tenant_ver.tc_employee__email_key;
ALTER TABLE tenant_ver.tc_employee DROP CONSTRAINT tc_employee__employer_fkey;
DROP TRIGGER touch_updated_at ON tenant_ver.tc_employee;
ALTER TABLE tenant_ver.tc_company DISABLE ROW LEVEL SECURITY;
CREATE TABLE tenant_ver.tc_stray (id int);
COMMENT ON TABLE tenant_ver.tc_company IS 'udm class firm';
SELECT * FROM udm.verify('ver') ORDER BY object, problem;
ROLLBACK;
ALTER TABLE tenant_ver.tc_company RENAME TO tc_gone;
SELECT * FROM udm.verify('ver') ORDER BY object, problem;
ALTER TABLE tenant_ver.tc_gone RENAME TO tc_company;
SELECT * FROM udm.verify('ver');

-- Replay every recorded DDL statement, in order, into an empty schema.
CREATE SCHEMA replay;
DO $$
DECLARE
    stmt text;
BEGIN
    FOR stmt IN SELECT s FROM udm.migrations('ver') m, unnest(m.ddl) WITH ORDINALITY AS u(s, n) ORDER BY m.version, u.n LOOP
        EXECUTE replace(stmt, '"tenant_ver".', '"replay".');
    END LOOP;
END
$$;
-- The same tables: columns, types, nullability, defaults, constraints, indexes, triggers, comments.
CREATE TEMP VIEW shape AS
SELECT n.nspname AS schema, c.relname AS tbl, 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS item
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relname LIKE 'tc\_%' AND c.relkind = 'r'
UNION ALL
SELECT n.nspname, c.relname, 'constraint ' || con.conname || ' ' || replace(pg_get_constraintdef(con.oid), n.nspname || '.', '')
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname LIKE 'tc\_%'
UNION ALL
SELECT i.schemaname, i.tablename, 'index ' || replace(i.indexdef, i.schemaname || '.', '')
FROM pg_indexes i WHERE i.tablename LIKE 'tc\_%'
UNION ALL
SELECT n.nspname, c.relname, 'trigger ' || t.tgname || ' ' || replace(pg_get_triggerdef(t.oid), n.nspname || '.', '')
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname LIKE 'tc\_%' AND NOT t.tgisinternal
UNION ALL
SELECT n.nspname, c.relname, 'comment ' || obj_description(c.oid, 'pg_class') || ' rls ' || c.relrowsecurity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE 'tc\_%' AND c.relkind = 'r';
SELECT count(*) AS items FROM shape WHERE schema = 'tenant_ver';
(SELECT tbl, item FROM shape WHERE schema = 'tenant_ver' EXCEPT SELECT tbl, item FROM shape WHERE schema = 'replay')
UNION ALL
(SELECT tbl, item FROM shape WHERE schema = 'replay' EXCEPT SELECT tbl, item FROM shape WHERE schema = 'tenant_ver');
DROP SCHEMA replay CASCADE;
SELECT udm.drop_tenant('ver', force => true);
