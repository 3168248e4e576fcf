-- Validation rules: checked when written, enforced by the C++ trigger on every class
-- table with every violation reported at once, values never echoed.
\set VERBOSITY default
SELECT udm.create_tenant('val');
SELECT udm.apply('val', '{
  "attributes": {
    "name":    {"type": "text", "rules": {"min_length": 2, "max_length": 12, "not_blank": true}},
    "code":    {"type": "text", "rules": {"pattern": "^[A-Z]{3}-[0-9]+$", "message": "must look like ABC-123"}},
    "email":   {"type": "text", "rules": {"format": "email"}},
    "site":    {"type": "text", "rules": {"format": "uri"}},
    "color":   {"type": "text", "rules": {"enum": ["red", "green", "blue"]}},
    "price":   {"type": "number", "rules": {"min": 0, "exclusive_max": 10000, "multiple_of": 0.01}},
    "qty":     {"type": "integer", "rules": {"min": 1, "max": 99, "multiple_of": 1}},
    "size":    {"type": "integer", "rules": {"enum": [1, 2, 4]}},
    "born":    {"type": "date", "rules": {"min": "1900-01-01", "max": "today"}},
    "seen":    {"type": "timestamp", "rules": {"max": "now+1d"}},
    "starts":  {"type": "date"},
    "ends":    {"type": "date"},
    "phone":   {"type": "text"},
    "fax":     {"type": "text"}
  },
  "classes": {"item": {
    "rules": {"defaults": {"text": {"max_length": 40}},
              "compare": ["starts", "<=", "ends"],
              "required_together": [["starts", "ends"]],
              "one_of_required": [["phone", "fax", "email"]]},
    "attributes": {"name": {"required": true}, "code": {}, "email": {}, "site": {}, "color": {},
                   "price": {}, "qty": {}, "size": {}, "born": {}, "seen": {}, "starts": {}, "ends": {},
                   "phone": {"rules": {"pattern": "^[0-9 +]+$"}}, "fax": {}}}}}') AS version;

-- The merged rules: class defaults, then attribute, then assignment, key by key.
SELECT attribute, data_type, rules FROM udm.effective_rules('val', 'item') ORDER BY attribute;

-- A valid row.
INSERT INTO tenant_val.tc_item (id, name, code, email, site, color, price, qty, size, born, seen, starts, ends, phone)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'Anvil', 'ABC-1', 'sales@example.com', 'https://example.com/a', 'red', 19.99, 3, 2, '1980-05-01', now(),
        '2024-01-01', '2024-02-01', '+49 30 1234');
-- Every violation of a row at once, as a JSON array in the detail; no value echoed.
INSERT INTO tenant_val.tc_item (name, code, email, site, color, price, qty, size, born, seen, starts, ends)
VALUES (' ', 'abc', 'not-an-email', 'no uri', 'purple', 12.345, 0, 3, '1850-01-01', now() + interval '2 days',
        '2024-03-01', '2024-02-01');
SELECT jsonb_array_length(udm.validate('val', 'item', '{"name": " ", "code": "abc", "email": "not-an-email",
  "site": "no uri", "color": "purple", "price": 12.345, "qty": 0, "size": 3, "born": "1850-01-01",
  "starts": "2024-03-01", "ends": "2024-02-01"}')) AS violations;
SELECT d->>'attribute' AS attribute, d->>'rule' AS rule, d->>'message' AS message
FROM jsonb_array_elements(udm.validate('val', 'item', '{"name": " ", "code": "abc", "email": "not-an-email",
  "site": "no uri", "color": "purple", "price": 12.345, "qty": 0, "size": 3, "born": "1850-01-01",
  "starts": "2024-03-01", "ends": "2024-02-01"}')) d ORDER BY 1, 2;
-- Characters, not bytes; updates are checked too, with the same codes.
INSERT INTO tenant_val.tc_item (id, name, email) VALUES ('00000000-0000-0000-0000-0000000000a2', 'ééééééééééé', 'x@y.org');
SELECT test_error($$UPDATE tenant_val.tc_item SET qty = 100 WHERE name = 'Anvil'$$);
SELECT test_error($$UPDATE tenant_val.tc_item SET starts = '2025-01-01' WHERE name = 'Anvil'$$);
SELECT test_error($$INSERT INTO tenant_val.tc_item (name, phone) VALUES ('Phone', 'call me')$$);
SELECT test_error($$INSERT INTO tenant_val.tc_item (name) VALUES ('Nobody')$$);
SELECT test_error($$INSERT INTO tenant_val.tc_item (code) VALUES ('ABC-9')$$);
SELECT count(*) AS rows FROM tenant_val.tc_item;

-- udm.validate reads a document the way a client sends one.
SELECT udm.validate('val', 'item', '{"name": "Fine", "fax": "1"}') AS valid;
SELECT udm.validate('val', 'item', '{"name": 42, "price": "12", "qty": 1.5, "born": "yesterday", "extra": 1}') AS wrong_types;
SELECT test_error($$SELECT udm.validate('val', 'nothing', '{}')$$);

-- Rules are checked when written: nothing is saved on a bad one.
SELECT version FROM tenant_val.schema_state \gset
SELECT label, test_error_undo(stmt) AS error FROM (VALUES
  ('unknown key',       $$SELECT udm.alter_attribute('val', 'name', validation_rules => '{"maxlen": 3}')$$),
  ('key of other type', $$SELECT udm.alter_attribute('val', 'name', validation_rules => '{"min": 3}')$$),
  ('wrong value type',  $$SELECT udm.alter_attribute('val', 'name', validation_rules => '{"max_length": "3"}')$$),
  ('min over max',      $$SELECT udm.alter_attribute('val', 'price', validation_rules => '{"min": 5, "max": 1}')$$),
  ('bad pattern',       $$SELECT udm.alter_attribute('val', 'code', validation_rules => '{"pattern": "(["}')$$),
  ('backreference',     $$SELECT udm.alter_attribute('val', 'code', validation_rules => '{"pattern": "(a)\\1"}')$$),
  ('unknown format',    $$SELECT udm.alter_attribute('val', 'email', validation_rules => '{"format": "e-mail"}')$$),
  ('bad date bound',    $$SELECT udm.alter_attribute('val', 'born', validation_rules => '{"min": "01/01/1900"}')$$),
  ('bad relative unit', $$SELECT udm.alter_attribute('val', 'born', validation_rules => '{"min": "now-3h"}')$$),
  ('empty enum',        $$SELECT udm.alter_attribute('val', 'color', validation_rules => '{"enum": []}')$$),
  ('class rule typo',   $$SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,rules}', '{"requried_together": []}'))$$),
  ('compare unknown',   $$SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,rules}', '{"compare": ["starts", "<=", "nope"]}'))$$),
  ('compare types',     $$SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,rules}', '{"compare": ["qty", "<", "name"]}'))$$),
  ('defaults type',     $$SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,rules}', '{"defaults": {"string": {}}}'))$$),
  ('assignment rules',  $$SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,attributes,qty}', '{"rules": {"pattern": "x"}}'))$$),
  ('no such function',  $$SELECT udm.alter_attribute('val', 'code', validation_rules => '{"custom": "public.no_such_check"}')$$)
) AS t(label, stmt);
SELECT version = :version AS nothing_saved FROM tenant_val.schema_state;

-- udm.check_rules lints without saving.
SELECT * FROM udm.check_rules('text', '{"pattern": "(", "max_length": -1, "min_length": 5, "foo": 1}');
SELECT * FROM udm.check_rules('integer', '{"min": 1, "max": 5, "multiple_of": 2}');
SELECT test_error($$SELECT * FROM udm.check_rules('string', '{}')$$);

-- Custom functions return boolean; the message is the rule's own, never the function's.
-- An error inside surfaces unchanged, with a line of context naming the rule.
CREATE FUNCTION public.even_qty(bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 % 2 = 0';
CREATE FUNCTION public.code_check(text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$SELECT $1 NOT LIKE 'ZZZ%'$$;
CREATE FUNCTION public.explode(text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE EXCEPTION 'custom check failed' USING ERRCODE = 'P0042'; END$$;
CREATE FUNCTION public.wrong_result(bigint) RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT udm.alter_attribute('val', 'qty', validation_rules => '{"min": 1, "max": 99, "custom": "public.even_qty"}');
SELECT test_error($$SELECT udm.alter_attribute('val', 'qty', validation_rules => '{"custom": "public.wrong_result"}')$$);
SET udm.rules_not_valid = on;
SELECT udm.alter_attribute('val', 'qty', validation_rules => '{"min": 1, "max": 99, "custom": "public.even_qty"}');
SELECT udm.alter_attribute('val', 'code', validation_rules => '{"pattern": "^[A-Z]{3}-[0-9]+$", "custom": "public.code_check", "message": "must not start with ZZZ"}');
RESET udm.rules_not_valid;
SELECT test_error($$INSERT INTO tenant_val.tc_item (name, email, qty, code) VALUES ('Odd', 'a@b.cd', 3, 'ZZZ-1')$$);
SELECT d->>'attribute' AS attribute, d->>'rule' AS rule, d->>'message' AS message
FROM jsonb_array_elements(udm.validate('val', 'item', '{"name": "Odd", "email": "a@b.cd", "qty": 3, "code": "ZZZ-1"}')) d ORDER BY 1;
INSERT INTO tenant_val.tc_item (id, name, email, qty, code) VALUES ('00000000-0000-0000-0000-0000000000a3', 'Even', 'a@b.cd', 4, 'ABC-2');
SET udm.rules_not_valid = on;
SELECT udm.alter_attribute('val', 'site', validation_rules => '{"custom": "public.explode"}');
RESET udm.rules_not_valid;
SELECT test_error($$INSERT INTO tenant_val.tc_item (name, email, site) VALUES ('Boom', 'a@b.cd', 'http://x')$$);
SELECT udm.alter_attribute('val', 'site', validation_rules => '{}') > 0 AS explode_removed;

-- Tightening a rule that rows already break: refused with the count, unless NOT VALID.
SELECT * FROM udm.rule_impact('val', 'item', 'name', '{"max_length": 4}') ORDER BY id;
SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,attributes,name,rules}', '{"max_length": 4}'));
SET udm.rules_not_valid = on;
SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,attributes,name,rules}', '{"max_length": 4}')) > :version AS applied;
RESET udm.rules_not_valid;
-- Old rows stay; new and updated ones are checked.
SELECT count(*) AS long_names_kept FROM tenant_val.tc_item WHERE char_length(name) > 4;
SELECT test_error($$INSERT INTO tenant_val.tc_item (name, email) VALUES ('Toolong', 'a@b.cd')$$);
SELECT test_error($$UPDATE tenant_val.tc_item SET qty = 2 WHERE name = 'Anvil'$$);
SELECT test_error($$UPDATE tenant_val.tc_item SET qty = 4 WHERE name = 'Even'$$);

-- Loosening always passes: no row can break a looser rule.
SELECT udm.apply('val', jsonb_set(udm.model('val'), '{classes,item,attributes,name,rules}', '{"max_length": 400}')) > :version AS loosened;

-- Relative bounds: a date before "today - 18 years" and one after it.
SELECT udm.create_attribute('val', 'adult_since', 'date', '{"max": "today-18y"}');
SELECT udm.assign_attribute('val', 'item', 'adult_since');
SELECT jsonb_array_length(udm.validate('val', 'item', jsonb_build_object('name', 'Kid', 'email', 'k@x.io', 'adult_since', (current_date - interval '10 years')::date))) AS kid;
SELECT jsonb_array_length(udm.validate('val', 'item', jsonb_build_object('name', 'Grown', 'email', 'g@x.io', 'adult_since', (current_date - interval '30 years')::date))) AS grown;

-- Numbers are compared as numeric_float8 rounds them, whatever numeric's stored form: on
-- and just beyond the bounds, with more digits than a double holds, in the long header
-- (a scale over 63), and NaN and the infinities.
SELECT udm.create_attribute('val', 'ratio', 'number', '{"min": 0.1, "max": 0.3}') > 0 AS created;
SELECT udm.create_attribute('val', 'big', 'number', '{"min": -1e22, "max": 1e22}') > 0 AS created;
SELECT udm.assign_attribute('val', 'item', 'ratio') > 0 AS assigned;
SELECT udm.assign_attribute('val', 'item', 'big') > 0 AS assigned;
CREATE FUNCTION pg_temp.try_number(ratio numeric, big numeric) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    detail text;
BEGIN
    INSERT INTO tenant_val.tc_item (name, email, ratio, big) VALUES ('Num', 'n@x.io', ratio, big);
    RETURN 'accepted';
EXCEPTION WHEN check_violation THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN (SELECT string_agg((d->>'attribute') || ' ' || (d->>'rule'), ', ')
            FROM jsonb_array_elements(detail::jsonb) d);
END
$$;
SELECT label, pg_temp.try_number(ratio, big) AS outcome FROM (VALUES
  ('ratio on min',               0.1,                           NULL::numeric),
  ('ratio below min',            0.09999999999999999,           NULL),
  ('ratio on max',               0.3,                           NULL),
  ('ratio above max',            0.30000000000000004,           NULL),
  ('ratio rounds to max',        0.300000000000000001,          NULL),
  ('ratio tiny',                 1e-30,                         NULL),
  ('ratio on min, long header',  round(0.1, 70),                NULL),
  ('ratio above max, long',      round(0.30000000000000004, 70), NULL),
  ('ratio negative, long',       round(-0.1, 70),               NULL),
  ('ratio NaN',                  'NaN',                         NULL),
  ('big on max',                 NULL,                          1e22),
  ('big rounds to max',          NULL,                          1e22 + 1),
  ('big above max',              NULL,                          2e22),
  ('big on min',                 NULL,                          -1e22),
  ('big many digits',            NULL,                          1234567890123456.789),
  ('big Infinity',               NULL,                          'Infinity'),
  ('big -Infinity',              NULL,                          '-Infinity')
) AS t(label, ratio, big);

SELECT * FROM udm.verify('val');
SELECT udm.drop_tenant('val', force => true);
DROP FUNCTION public.even_qty(bigint), public.code_check(text), public.explode(text), public.wrong_result(bigint);
