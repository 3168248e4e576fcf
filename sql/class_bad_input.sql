-- Bad input to the model API: each case a clear error with its SQLSTATE, and nothing
-- applied. To add a case, add a row to the VALUES list. Each case runs on its own (what a
-- case that wrongly succeeded did is undone), so the list needs no particular order.
SELECT udm.create_tenant('bad');
SELECT udm.create_class('bad', 'person');
SELECT udm.create_class('bad', 'car');
SELECT udm.create_attribute('bad', 'name', 'text');
SELECT udm.create_attribute('bad', 'owner', 'reference', target_class => 'person');
SELECT udm.create_attribute('bad', 'electric', 'boolean');
SELECT udm.assign_attribute('bad', 'person', 'name');
SELECT udm.assign_attribute('bad', 'car', 'owner');
SELECT udm.create_relationship_type('bad', 'drives');
SELECT udm.allow_relationship('bad', 'person', 'car', 'drives');
SELECT version AS version_before FROM tenant_bad.schema_state \gset
SELECT udm.model('bad') AS model_before \gset

CREATE TEMP TABLE cases (area text, label text, stmt text);
INSERT INTO cases VALUES
    -- unknown objects
    ('unknown', 'tenant',                    $$SELECT udm.create_class('nobody', 'x')$$),
    ('unknown', 'class (assign)',            $$SELECT udm.assign_attribute('bad', 'boat', 'name')$$),
    ('unknown', 'class (rename)',            $$SELECT udm.rename_class('bad', 'boat', 'ship')$$),
    ('unknown', 'class (drop)',              $$SELECT udm.drop_class('bad', 'boat')$$),
    ('unknown', 'class (table)',             $$SELECT udm.class_table('bad', 'boat')$$),
    ('unknown', 'attribute (assign)',        $$SELECT udm.assign_attribute('bad', 'person', 'age')$$),
    ('unknown', 'attribute (alter)',         $$SELECT udm.alter_attribute('bad', 'age', new_name => 'years')$$),
    ('unknown', 'attribute (drop)',          $$SELECT udm.drop_attribute('bad', 'age')$$),
    ('unknown', 'assignment (unassign)',     $$SELECT udm.unassign_attribute('bad', 'car', 'name')$$),
    ('unknown', 'data type',                 $$SELECT udm.create_attribute('bad', 'age', 'varchar')$$),
    ('unknown', 'data type (alter)',         $$SELECT udm.alter_attribute('bad', 'name', data_type => 'string')$$),
    ('unknown', 'relationship type (allow)', $$SELECT udm.allow_relationship('bad', 'person', 'car', 'owns')$$),
    ('unknown', 'relationship type (drop)',  $$SELECT udm.drop_relationship_type('bad', 'owns')$$),
    ('unknown', 'relationship (disallow)',   $$SELECT udm.disallow_relationship('bad', 'car', 'person', 'drives')$$),
    ('unknown', 'relationship type (relate)',$$SELECT udm.relate('bad', 'owns', gen_random_uuid(), gen_random_uuid())$$),
    ('unknown', 'thing (relate)',            $$SELECT udm.relate('bad', 'drives', '00000000-0000-0000-0000-00000000dead', '00000000-0000-0000-0000-00000000beef')$$),
    -- duplicates
    ('duplicate', 'class',                   $$SELECT udm.create_class('bad', 'person')$$),
    ('duplicate', 'class (rename onto)',     $$SELECT udm.rename_class('bad', 'person', 'car')$$),
    ('duplicate', 'attribute',               $$SELECT udm.create_attribute('bad', 'name', 'integer')$$),
    ('duplicate', 'attribute (rename onto)', $$SELECT udm.alter_attribute('bad', 'name', new_name => 'owner')$$),
    ('duplicate', 'assignment',              $$SELECT udm.assign_attribute('bad', 'person', 'name')$$),
    ('duplicate', 'relationship type',       $$SELECT udm.create_relationship_type('bad', 'drives')$$),
    ('duplicate', 'allowed relationship',    $$SELECT udm.allow_relationship('bad', 'person', 'car', 'drives')$$),
    -- names
    ('name', 'empty',                        $$SELECT udm.create_class('bad', '')$$),
    ('name', 'space',                        $$SELECT udm.create_class('bad', 'sports car')$$),
    ('name', 'single quote',                 $$SELECT udm.create_class('bad', 'o''reilly')$$),
    ('name', 'double quote',                 $$SELECT udm.create_class('bad', 'x"y')$$),
    ('name', 'semicolon',                    $$SELECT udm.create_class('bad', 'x; DROP TABLE tenant_bad.tc_person')$$),
    ('name', 'quote injection',              $$SELECT udm.create_attribute('bad', 'x" text); DROP TABLE tenant_bad.tc_car; --', 'text')$$),
    ('name', 'unicode',                      $$SELECT udm.create_class('bad', 'voiture_électrique')$$),
    ('name', 'upper case',                   $$SELECT udm.create_class('bad', 'Person')$$),
    ('name', 'leading digit',                $$SELECT udm.create_class('bad', '2cv')$$),
    ('name', 'double underscore',            $$SELECT udm.create_class('bad', 'a__b')$$),
    ('name', 'trailing underscore',          $$SELECT udm.create_class('bad', 'car_')$$),
    ('name', 'over-long (129)',              $$SELECT udm.create_class('bad', repeat('x', 129))$$),
    ('name', 'reserved column id',           $$SELECT udm.create_attribute('bad', 'id', 'text')$$),
    ('name', 'reserved column created_at',   $$SELECT udm.create_attribute('bad', 'created_at', 'timestamp')$$),
    ('name', 'reserved column row_version',  $$SELECT udm.create_attribute('bad', 'row_version', 'integer')$$),
    ('name', 'system column xmin',           $$SELECT udm.create_attribute('bad', 'xmin', 'integer')$$),
    ('name', 'system column ctid',           $$SELECT udm.create_attribute('bad', 'ctid', 'text')$$),
    ('name', 'relationship type',            $$SELECT udm.create_relationship_type('bad', 'is a')$$),
    ('name', 'inverse name',                 $$SELECT udm.create_relationship_type('bad', 'likes', 'liked-by')$$),
    ('name', 'rename target',                $$SELECT udm.rename_class('bad', 'car', 'Car')$$),
    ('name', 'tenant',                       $$SELECT udm.create_class('Bad', 'x')$$),
    -- NULLs
    ('null', 'tenant',                       $$SELECT udm.create_class(NULL, 'x')$$),
    ('null', 'class name',                   $$SELECT udm.create_class('bad', NULL)$$),
    ('null', 'data type',                    $$SELECT udm.create_attribute('bad', 'age', NULL)$$),
    ('null', 'model',                        $$SELECT udm.apply('bad', NULL)$$),
    ('null', 'thing id',                     $$SELECT udm.relate('bad', 'drives', NULL, gen_random_uuid())$$),
    -- references
    ('reference', 'no target',               $$SELECT udm.create_attribute('bad', 'boss', 'reference')$$),
    ('reference', 'unknown target',          $$SELECT udm.create_attribute('bad', 'boss', 'reference', target_class => 'manager')$$),
    ('reference', 'target on a text',        $$SELECT udm.create_attribute('bad', 'boss', 'text', target_class => 'person')$$),
    ('reference', 'drop referenced class',   $$SELECT udm.drop_class('bad', 'person')$$),
    ('reference', 'drop used attribute',     $$SELECT udm.drop_attribute('bad', 'owner')$$),
    ('reference', 'drop used type',          $$SELECT udm.drop_relationship_type('bad', 'drives')$$),
    -- rules
    ('rules', 'class rules an array',        $$SELECT udm.create_class('bad', 'x', validation_rules => '[]')$$),
    ('rules', 'attribute rules a string',    $$SELECT udm.create_attribute('bad', 'age', 'integer', '"min 0"')$$),
    ('rules', 'assignment rules a number',   $$SELECT udm.assign_attribute('bad', 'car', 'name', false, '7')$$),
    -- cardinality
    ('cardinality', 'an array',              $$SELECT udm.allow_relationship('bad', 'car', 'person', 'drives', '[1]')$$),
    ('cardinality', 'unknown key',           $$SELECT udm.allow_relationship('bad', 'car', 'person', 'drives', '{"max": 1}')$$),
    ('cardinality', 'zero',                  $$SELECT udm.allow_relationship('bad', 'car', 'person', 'drives', '{"max_targets": 0}')$$),
    ('cardinality', 'negative',              $$SELECT udm.allow_relationship('bad', 'car', 'person', 'drives', '{"max_sources": -2}')$$),
    ('cardinality', 'fraction',              $$SELECT udm.allow_relationship('bad', 'car', 'person', 'drives', '{"max_targets": 1.5}')$$),
    ('cardinality', 'a string',              $$SELECT udm.allow_relationship('bad', 'car', 'person', 'drives', '{"max_targets": "one"}')$$),
    -- model documents
    ('model', 'not an object',               $$SELECT udm.apply('bad', '[]')$$),
    ('model', 'unknown top-level key',       $$SELECT udm.apply('bad', '{"clases": {}}')$$),
    ('model', 'classes an array',            $$SELECT udm.apply('bad', '{"classes": []}')$$),
    ('model', 'attribute without type',      $$SELECT udm.apply('bad', '{"attributes": {"age": {}}}')$$),
    ('model', 'type not a string',           $$SELECT udm.apply('bad', '{"attributes": {"age": {"type": 1}}}')$$),
    ('model', 'unknown data type',           $$SELECT udm.apply('bad', '{"attributes": {"age": {"type": "int"}}}')$$),
    ('model', 'required not a boolean',      $$SELECT udm.apply('bad', '{"attributes": {"age": {"type": "integer"}}, "classes": {"person": {"attributes": {"age": {"required": "yes"}}}}}')$$),
    ('model', 'assignment of unknown attr',  $$SELECT udm.apply('bad', '{"classes": {"person": {"attributes": {"age": {}}}}}')$$),
    ('model', 'reference without target',    $$SELECT udm.apply('bad', '{"attributes": {"boss": {"type": "reference"}}}')$$),
    ('model', 'reference to missing class',  $$SELECT udm.apply('bad', '{"attributes": {"boss": {"type": "reference", "target": "manager"}}}')$$),
    ('model', 'relationship without type',   $$SELECT udm.apply('bad', '{"classes": {"a": {}}, "relationships": [{"from": "a", "to": "a"}]}')$$),
    ('model', 'relationship unknown class',  $$SELECT udm.apply('bad', '{"classes": {"a": {}}, "relationship_types": {"r": {}}, "relationships": [{"from": "a", "to": "b", "type": "r"}]}')$$),
    ('model', 'relationship twice',          $$SELECT udm.apply('bad', '{"classes": {"a": {}}, "relationship_types": {"r": {}}, "relationships": [{"from": "a", "to": "a", "type": "r"}, {"from": "a", "to": "a", "type": "r"}]}')$$),
    ('model', 'ids are udm''s',              $$SELECT udm.apply('bad', '{"classes": {"a": {"id": "00000000-0000-0000-0000-000000000001"}}}')$$),
    ('model', 'bad class name',              $$SELECT udm.apply('bad', '{"classes": {"Robert''); DROP TABLE students;--": {}}}')$$),
    ('model', 'rename from nothing',         $$SELECT udm.apply('bad', '{"classes": {"vehicle": {"renamed_from": "boat"}}}')$$),
    ('model', 'rename onto existing',        $$SELECT udm.apply('bad', udm.model('bad') || '{"classes": {"person": {}, "car": {"renamed_from": "person"}}}')$$),
    ('model', 'incompatible retype',         $$SELECT udm.apply('bad', jsonb_set(udm.model('bad'), '{attributes,electric,type}', '"date"'))$$),
    ('model', 'dangling after removal',      $$SELECT udm.apply('bad', udm.model('bad') #- '{classes,person}')$$),
    ('model', 'huge number',                 $$SELECT udm.apply('bad', '{"classes": {"a": {"rules": {"max": 1e400}}}}')$$);

SELECT area, label, test_error_undo(stmt) AS error FROM cases ORDER BY area, label;

-- Nothing was applied: same version, same model, catalog and tables in sync.
SELECT version = :version_before AS version_unchanged FROM tenant_bad.schema_state;
SELECT udm.model('bad') = :'model_before'::jsonb AS model_unchanged;
SELECT count(*) AS tables FROM pg_class WHERE relnamespace = 'tenant_bad'::regnamespace AND relkind = 'r' AND relname LIKE 'tc\_%';
SELECT * FROM udm.verify('bad');
SELECT udm.drop_tenant('bad', force => true);
