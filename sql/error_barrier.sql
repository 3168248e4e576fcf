-- Errors raised in C++ reach the client with their real SQLSTATE, message, detail and
-- hint; the session keeps working afterwards.
\set VERBOSITY default

-- udm's own error: its SQLSTATE (22023), message, detail and hint.
SELECT udm._raise_test_error('udm');
-- A PostgreSQL error inside a guarded call comes back unchanged (22012).
SELECT udm._raise_test_error('postgres');
-- A PostgreSQL error inside SPI, with its context (22P02).
SELECT udm._raise_test_error('spi');
-- std::bad_alloc is out of memory (53200).
SELECT udm._raise_test_error('bad_alloc');
-- Any other C++ exception is an internal error naming its type (XX000).
SELECT udm._raise_test_error('std');
SELECT udm._raise_test_error('unknown');

-- The codes, pinned.
SELECT kind, test_error(format('SELECT udm._raise_test_error(%L)', kind)) AS error
FROM unnest(ARRAY['udm', 'postgres', 'spi', 'bad_alloc', 'std', 'unknown', 'none', 'nonsense']) AS kind;

-- The session still works, in and out of transactions and savepoints.
SELECT 1 AS still_alive;
BEGIN;
SAVEPOINT s;
SELECT udm._raise_test_error('spi');
ROLLBACK TO SAVEPOINT s;
SELECT 2 AS alive_after_savepoint;
SELECT udm._raise_test_error('udm');
ROLLBACK;
SELECT 3 AS alive_after_rollback;

-- Many errors in one session: no leak of error state, no crash.
SELECT count(*) AS errors_caught
FROM generate_series(1, 2000) AS i,
     LATERAL (SELECT test_error(format('SELECT udm._raise_test_error(%L)',
                  (ARRAY['udm', 'postgres', 'spi', 'bad_alloc', 'std', 'unknown'])[1 + i % 6]))) AS e(msg)
WHERE e.msg <> 'no error';
SELECT 4 AS alive_after_many;

-- The trigger function refuses to be misused, with its own SQLSTATE.
SELECT test_error('SELECT udm.touch_updated_at()');
CREATE TABLE barrier_probe (id int, updated_at timestamptz);
CREATE TRIGGER wrong_timing AFTER UPDATE ON barrier_probe
    FOR EACH ROW EXECUTE FUNCTION udm.touch_updated_at();
INSERT INTO barrier_probe VALUES (1, NULL);
SELECT test_error('UPDATE barrier_probe SET id = 2');
DROP TRIGGER wrong_timing ON barrier_probe;
CREATE TABLE barrier_probe_no_column (id int);
CREATE TRIGGER touch BEFORE UPDATE ON barrier_probe_no_column
    FOR EACH ROW EXECUTE FUNCTION udm.touch_updated_at();
INSERT INTO barrier_probe_no_column VALUES (1);
SELECT test_error('UPDATE barrier_probe_no_column SET id = 2');
CREATE TABLE barrier_probe_wrong_type (id int, updated_at text);
CREATE TRIGGER touch BEFORE UPDATE ON barrier_probe_wrong_type
    FOR EACH ROW EXECUTE FUNCTION udm.touch_updated_at();
INSERT INTO barrier_probe_wrong_type VALUES (1, 'x');
SELECT test_error('UPDATE barrier_probe_wrong_type SET id = 2');
DROP TABLE barrier_probe, barrier_probe_no_column, barrier_probe_wrong_type;
