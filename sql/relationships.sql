-- Relationships between things: allowed by class pair and type, bounded by cardinality,
-- gone when either thing is.
\set VERBOSITY default
SELECT udm.create_tenant('rel');
SELECT udm.apply('rel', '{
  "classes": {"person": {}, "car": {}, "company": {}},
  "relationship_types": {"owns": {"inverse": "owned_by"}, "knows": {}, "works_for": {"inverse": "employs"}},
  "relationships": [
    {"from": "person", "to": "car", "type": "owns", "cardinality": {"max_sources": 1}},
    {"from": "person", "to": "person", "type": "knows", "bidirectional": true},
    {"from": "person", "to": "company", "type": "works_for", "cardinality": {"max_targets": 1}}
  ]}');
INSERT INTO tenant_rel.tc_person (id) VALUES
    ('00000000-0000-0000-0000-0000000000a1'), ('00000000-0000-0000-0000-0000000000a2'),
    ('00000000-0000-0000-0000-0000000000a3'), ('00000000-0000-0000-0000-0000000000a4');
INSERT INTO tenant_rel.tc_car (id) VALUES ('00000000-0000-0000-0000-0000000000c1'), ('00000000-0000-0000-0000-0000000000c2');
INSERT INTO tenant_rel.tc_company (id) VALUES ('00000000-0000-0000-0000-0000000000b1'), ('00000000-0000-0000-0000-0000000000b2');
\set p1 '''00000000-0000-0000-0000-0000000000a1'''
\set p2 '''00000000-0000-0000-0000-0000000000a2'''
\set p3 '''00000000-0000-0000-0000-0000000000a3'''
\set p4 '''00000000-0000-0000-0000-0000000000a4'''
\set c1 '''00000000-0000-0000-0000-0000000000c1'''
\set c2 '''00000000-0000-0000-0000-0000000000c2'''
\set b1 '''00000000-0000-0000-0000-0000000000b1'''
\set b2 '''00000000-0000-0000-0000-0000000000b2'''

-- Allowed pairs relate; relating again is a no-op that says so.
SELECT udm.relate('rel', 'owns', :p1, :c1) AS related;
SELECT udm.relate('rel', 'owns', :p1, :c2) AS related;
SELECT udm.relate('rel', 'owns', :p1, :c1) AS related_again;
-- Other pairs are refused (23514), unknown things too (23503).
SELECT udm.relate('rel', 'owns', :c1, :p1);
SELECT udm.relate('rel', 'works_for', :p1, :c1);
SELECT udm.relate('rel', 'owns', :p1, '00000000-0000-0000-0000-00000000dead');
-- Cardinality: a car has at most one owner; a person works for at most one company.
SELECT udm.relate('rel', 'owns', :p2, :c1);
SELECT udm.relate('rel', 'works_for', :p1, :b1) AS related;
SELECT udm.relate('rel', 'works_for', :p1, :b2);
SELECT udm.relate('rel', 'works_for', :p2, :b1) AS related;
-- Bidirectional: either direction relates the same pair, stored once.
SELECT udm.relate('rel', 'knows', :p1, :p2) AS related;
SELECT udm.relate('rel', 'knows', :p2, :p1) AS related_reversed_again;
SELECT udm.relate('rel', 'knows', :p3, :p1) AS related;
SELECT t.name AS type, r.from_id, r.to_id
FROM tenant_rel.relationships r JOIN tenant_rel.relationship_types t ON t.id = r.relationship_type_id
ORDER BY 1, 2, 3;
-- Unrelating: in either direction only when bidirectional.
SELECT udm.unrelate('rel', 'knows', :p2, :p1) AS unrelated_reversed;
SELECT udm.unrelate('rel', 'knows', :p2, :p1) AS unrelated_again;
SELECT udm.unrelate('rel', 'owns', :c2, :p1) AS wrong_direction;
SELECT udm.unrelate('rel', 'owns', :p1, :c2) AS unrelated;
SELECT count(*) AS relationships FROM tenant_rel.relationships;

-- Deleting a thing removes its relationships, in one statement whatever the row count.
DELETE FROM tenant_rel.tc_person WHERE id = :p1;
SELECT t.name AS type, r.from_id, r.to_id
FROM tenant_rel.relationships r JOIN tenant_rel.relationship_types t ON t.id = r.relationship_type_id
ORDER BY 1, 2, 3;
-- Now the car is free: someone else may own it.
SELECT udm.relate('rel', 'owns', :p2, :c1) AS related;
DELETE FROM tenant_rel.tc_car;
SELECT count(*) AS owns_left FROM tenant_rel.relationships r JOIN tenant_rel.relationship_types t ON t.id = r.relationship_type_id WHERE t.name = 'owns';

-- Tightening a cardinality that existing relationships exceed is refused with the count.
SELECT udm.relate('rel', 'knows', :p2, :p3) AS related;
SELECT udm.relate('rel', 'knows', :p2, :p4) AS related;
SELECT r->>'type' AS first_relationship FROM jsonb_array_elements(udm.model('rel')->'relationships') WITH ORDINALITY AS x(r, n) WHERE n = 1;
SELECT udm.apply('rel', jsonb_set(udm.model('rel'), '{relationships,0,cardinality}', '{"max_targets": 1}'));
SELECT udm.apply('rel', jsonb_set(udm.model('rel'), '{relationships,0,cardinality}', '{"max_targets": 3}'));
SELECT r->>'type' AS type, r->'cardinality' AS cardinality FROM jsonb_array_elements(udm.model('rel')->'relationships') r ORDER BY 1;
SELECT udm.apply('rel', jsonb_set(udm.model('rel'), '{relationships,0,cardinality}', '{"max_targets": 2}'));
SELECT d->>'change' AS change, d->>'breaking' AS breaking FROM udm.migrations('rel'), jsonb_array_elements(diff) d
WHERE version = (SELECT max(version) FROM udm.migrations('rel'));
SELECT udm.apply('rel', jsonb_set(udm.model('rel'), '{relationships,0,cardinality}', '{"max_targets": 5}'));
SELECT d->>'change' AS change, d->>'breaking' AS breaking FROM udm.migrations('rel'), jsonb_array_elements(diff) d
WHERE version = (SELECT max(version) FROM udm.migrations('rel'));

-- Disallowing a relationship removes the relationships of that kind between those classes,
-- when told to: without force it is refused, counting them.
SELECT count(*) AS knows_before FROM tenant_rel.relationships;
SELECT udm.disallow_relationship('rel', 'person', 'person', 'knows');
SELECT udm.disallow_relationship('rel', 'person', 'person', 'knows', force => true);
SELECT count(*) AS knows_after FROM tenant_rel.relationships;
-- Dropping a class removes the relationships of its things.
SELECT udm.relate('rel', 'works_for', :p3, :b2) AS related;
SELECT udm.drop_class('rel', 'company');
SELECT udm.drop_class('rel', 'company', force => true);
SELECT count(*) AS relationships_left FROM tenant_rel.relationships;
SELECT * FROM udm.verify('rel');

-- Things are looked up only in the classes the type allows at their end (at either end
-- when it is bidirectional): a thing of another class is refused naming its class, an id
-- no class table holds does not exist.
SELECT udm.create_class('rel', 'team');
SELECT udm.allow_relationship('rel', 'team', 'person', 'knows', bidirectional => true);
INSERT INTO tenant_rel.tc_team (id) VALUES ('00000000-0000-0000-0000-0000000000d1');
INSERT INTO tenant_rel.tc_car (id) VALUES ('00000000-0000-0000-0000-0000000000c3');
\set t1 '''00000000-0000-0000-0000-0000000000d1'''
\set c3 '''00000000-0000-0000-0000-0000000000c3'''
SELECT udm.relate('rel', 'knows', :p2, :t1) AS related_reversed;
SELECT udm.relate('rel', 'knows', :t1, :p2) AS related_again;
SELECT c.name AS from_class, r.from_id, r.to_id
FROM tenant_rel.relationships r JOIN tenant_rel.thing_classes c ON c.id = r.from_class_id;
SELECT udm.relate('rel', 'knows', :c3, :p2);
SELECT udm.relate('rel', 'knows', :p2, :c3);
SELECT udm.relate('rel', 'owns', :p2, :t1);
SELECT udm.relate('rel', 'knows', :c3, '00000000-0000-0000-0000-00000000dead');
SELECT udm.relate('rel', 'knows', '00000000-0000-0000-0000-00000000dead', :c3);
SELECT udm.unrelate('rel', 'knows', :p2, :t1) AS unrelated_reversed;
SELECT udm.drop_tenant('rel', force => true);
