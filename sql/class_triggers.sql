-- The triggers of a class table find their class by the id udm gives them as argument,
-- not by the table's name: on a Citus worker they fire on a shard of the table, named
-- tc_<class>_<shard id>, whose triggers are named <trigger>_<shard id>. Here a copy of a
-- class table, with its triggers named as Citus names them, stands in for a shard.
\set VERBOSITY default
SELECT udm.create_tenant('shardlike');
SELECT udm.apply('shardlike', '{"attributes": {"name": {"type": "text", "rules": {"min_length": 2}}},
                                "classes": {"company": {"attributes": {"name": {"required": true}}}}}');

-- Every trigger but touch_updated_at has the class's id as its one argument.
SELECT t.tgname, t.tgnargs,
       encode(t.tgargs, 'escape') = (SELECT id::text || '\000' FROM tenant_shardlike.thing_classes
                                     WHERE name = 'company') AS class_id
FROM pg_trigger t
WHERE t.tgrelid = 'tenant_shardlike.tc_company'::regclass AND NOT t.tgisinternal
ORDER BY t.tgname COLLATE "C";

CREATE TABLE tenant_shardlike.tc_company_102008 (LIKE tenant_shardlike.tc_company INCLUDING ALL);
DO $$
DECLARE
    id text := (SELECT id FROM tenant_shardlike.thing_classes WHERE name = 'company');
BEGIN
    EXECUTE format('CREATE TRIGGER validate_102008 BEFORE INSERT OR UPDATE ON '
                   'tenant_shardlike.tc_company_102008 FOR EACH ROW '
                   'EXECUTE FUNCTION udm.validate_row(%L)', id);
END $$;
INSERT INTO tenant_shardlike.tc_company_102008 (name) VALUES ('A');
INSERT INTO tenant_shardlike.tc_company_102008 (name) VALUES ('Acme');

-- Found by id across a rename of the class, too (in a new session: the copy is no class
-- table udm knows, so the rename does not invalidate what this one cached for it).
SELECT udm.rename_class('shardlike', 'company', 'firm');
\c
INSERT INTO tenant_shardlike.tc_company_102008 (name) VALUES ('B');
INSERT INTO tenant_shardlike.tc_firm (name) VALUES ('C');

-- A trigger whose name only starts like udm's is no class's trigger: nothing is checked.
DROP TRIGGER validate_102008 ON tenant_shardlike.tc_company_102008;
DO $$
DECLARE
    id text := (SELECT id FROM tenant_shardlike.thing_classes WHERE name = 'firm');
BEGIN
    EXECUTE format('CREATE TRIGGER validated BEFORE INSERT OR UPDATE ON '
                   'tenant_shardlike.tc_company_102008 FOR EACH ROW '
                   'EXECUTE FUNCTION udm.validate_row(%L)', id);
END $$;
INSERT INTO tenant_shardlike.tc_company_102008 (name) VALUES ('D');

DROP TABLE tenant_shardlike.tc_company_102008;
SELECT udm.drop_tenant('shardlike', force => true);
