-- Each CHECK, UNIQUE, NOT NULL and foreign key of the catalog rejects what it should,
-- with its SQLSTATE.
SELECT udm.create_tenant('cat');
SET search_path = tenant_cat, public;

INSERT INTO thing_classes (id, name, description, validation_rules)
VALUES ('00000000-0000-0000-0000-00000000000a', 'product', 'things for sale', '{"max_length": 10}');
INSERT INTO attributes (id, name, data_type)
VALUES ('00000000-0000-0000-0000-0000000000b1', 'title', 'text');
INSERT INTO relationship_types (id, name, inverse_name)
VALUES ('00000000-0000-0000-0000-0000000000c1', 'contains', 'contained_in');

-- Defaults.
SELECT name, validation_rules, permissions, is_active, created_by = session_user AS created_by_session_user,
       id IS NOT NULL AS has_id, created_at = updated_at AS fresh
FROM thing_classes;

SELECT label, test_error(stmt) AS error FROM (VALUES
  -- thing_classes
  ('class: duplicate name',          $$INSERT INTO thing_classes (name) VALUES ('product')$$),
  ('class: null name',               $$INSERT INTO thing_classes (name) VALUES (NULL)$$),
  ('class: empty name',              $$INSERT INTO thing_classes (name) VALUES ('')$$),
  ('class: blank name',              $$INSERT INTO thing_classes (name) VALUES (E' \t ')$$),
  ('class: 256-character name',      $$INSERT INTO thing_classes (name) VALUES (repeat('n', 256))$$),
  ('class: rules not an object',     $$INSERT INTO thing_classes (name, validation_rules) VALUES ('a', '[]')$$),
  ('class: rules a string',          $$INSERT INTO thing_classes (name, validation_rules) VALUES ('a', '"x"')$$),
  ('class: rules null',              $$INSERT INTO thing_classes (name, validation_rules) VALUES ('a', NULL)$$),
  ('class: permissions not object',  $$INSERT INTO thing_classes (name, permissions) VALUES ('a', '1')$$),
  ('class: blank created_by',        $$INSERT INTO thing_classes (name, created_by) VALUES ('a', ' ')$$),
  ('class: duplicate id',            $$INSERT INTO thing_classes (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'b')$$),
  -- attributes
  ('attribute: duplicate name',      $$INSERT INTO attributes (name, data_type) VALUES ('title', 'text')$$),
  ('attribute: blank name',          $$INSERT INTO attributes (name, data_type) VALUES ('  ', 'text')$$),
  ('attribute: unknown data type',   $$INSERT INTO attributes (name, data_type) VALUES ('a', 'varchar')$$),
  ('attribute: null data type',      $$INSERT INTO attributes (name, data_type) VALUES ('a', NULL)$$),
  ('attribute: rules not an object', $$INSERT INTO attributes (name, data_type, validation_rules) VALUES ('a', 'text', '[1]')$$),
  ('attribute: reference, no target',$$INSERT INTO attributes (name, data_type) VALUES ('a', 'reference')$$),
  ('attribute: target, not reference',$$INSERT INTO attributes (name, data_type, target_class_id) VALUES ('a', 'text', '00000000-0000-0000-0000-00000000000a')$$),
  ('attribute: unknown target',      $$INSERT INTO attributes (name, data_type, target_class_id) VALUES ('a', 'reference', gen_random_uuid())$$),
  -- attribute_assignments
  ('assignment: unknown class',      $$INSERT INTO attribute_assignments (thing_class_id, attribute_id) VALUES (gen_random_uuid(), '00000000-0000-0000-0000-0000000000b1')$$),
  ('assignment: unknown attribute',  $$INSERT INTO attribute_assignments (thing_class_id, attribute_id) VALUES ('00000000-0000-0000-0000-00000000000a', gen_random_uuid())$$),
  ('assignment: rules not an object',$$INSERT INTO attribute_assignments (thing_class_id, attribute_id, assignment_rules) VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b1', 'true')$$),
  ('assignment: null is_required',   $$INSERT INTO attribute_assignments (thing_class_id, attribute_id, is_required) VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b1', NULL)$$),
  -- relationship_types
  ('relationship type: duplicate',   $$INSERT INTO relationship_types (name) VALUES ('contains')$$),
  ('relationship type: blank name',  $$INSERT INTO relationship_types (name) VALUES ('')$$),
  ('relationship type: blank inverse',$$INSERT INTO relationship_types (name, inverse_name) VALUES ('x', ' ')$$),
  -- thing_class_relationships
  ('class relationship: unknown from',$$INSERT INTO thing_class_relationships (from_thing_class_id, to_thing_class_id, relationship_type_id) VALUES (gen_random_uuid(), '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000c1')$$),
  ('class relationship: unknown to', $$INSERT INTO thing_class_relationships (from_thing_class_id, to_thing_class_id, relationship_type_id) VALUES ('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), '00000000-0000-0000-0000-0000000000c1')$$),
  ('class relationship: unknown type',$$INSERT INTO thing_class_relationships (from_thing_class_id, to_thing_class_id, relationship_type_id) VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a', gen_random_uuid())$$),
  ('class relationship: rules array',$$INSERT INTO thing_class_relationships (from_thing_class_id, to_thing_class_id, relationship_type_id, cardinality_rules) VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000c1', '[]')$$),
  -- schema_state
  ('schema state: second row',       $$INSERT INTO schema_state (singleton, tenant_name, catalog_version) VALUES (true, 'x', 1)$$),
  ('schema state: false singleton',  $$INSERT INTO schema_state (singleton, tenant_name, catalog_version) VALUES (false, 'x', 1)$$),
  ('schema state: negative version', $$UPDATE schema_state SET version = -1$$),
  ('schema state: catalog version 0',$$UPDATE schema_state SET catalog_version = 0$$)
) AS t(label, stmt) ORDER BY label;

-- Assignments and allowed relationships: valid rows, their UNIQUE keys, and cascades.
INSERT INTO attribute_assignments (thing_class_id, attribute_id, is_required)
VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b1', true);
SELECT test_error($$INSERT INTO attribute_assignments (thing_class_id, attribute_id) VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b1')$$) AS duplicate_assignment;
INSERT INTO thing_class_relationships (from_thing_class_id, to_thing_class_id, relationship_type_id, cardinality_rules)
VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000c1', '{"max_from": 1}');
SELECT test_error($$INSERT INTO thing_class_relationships (from_thing_class_id, to_thing_class_id, relationship_type_id) VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000c1')$$) AS duplicate_class_relationship;

-- An attribute in use and a relationship type in use cannot be deleted (23503)...
SELECT test_error($$DELETE FROM attributes WHERE name = 'title'$$) AS delete_assigned_attribute;
SELECT test_error($$DELETE FROM relationship_types WHERE name = 'contains'$$) AS delete_used_type;
-- ... and a class referenced by a reference attribute cannot be deleted either.
INSERT INTO attributes (name, data_type, target_class_id) VALUES ('product_ref', 'reference', '00000000-0000-0000-0000-00000000000a');
SELECT test_error($$DELETE FROM thing_classes WHERE name = 'product'$$) AS delete_referenced_class;
DELETE FROM attributes WHERE name = 'product_ref';
-- Deleting a class removes its assignments and allowed relationships (ON DELETE CASCADE).
DELETE FROM thing_classes WHERE name = 'product';
SELECT (SELECT count(*) FROM attribute_assignments) AS assignments,
       (SELECT count(*) FROM thing_class_relationships) AS class_relationships,
       (SELECT count(*) FROM attributes) AS attributes_kept;

-- The indexes, including GIN on every JSONB rules column.
SELECT tablename, indexname, regexp_replace(indexdef, '^.* USING ', 'USING ') AS method
FROM pg_indexes WHERE schemaname = 'tenant_cat' ORDER BY tablename, indexname;

-- The GIN index serves containment queries on rules.
INSERT INTO thing_classes (name, validation_rules)
SELECT 'class_' || i, jsonb_build_object('max_length', i) FROM generate_series(1, 2000) AS i;
ANALYZE thing_classes;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT name FROM thing_classes WHERE validation_rules @> '{"max_length": 7}';
RESET enable_seqscan;
SELECT name FROM thing_classes WHERE validation_rules @> '{"max_length": 7}';

RESET search_path;
SELECT udm.drop_tenant('cat', force => true);
