-- Included by the regression tests that race two sessions (the other one over dblink).
-- wait_for_other(pid) waits up to 30 s until the backend pid waits for a transaction's
-- lock, and says whether it did.
-- On a Citus coordinator (test/integration/citus.sh) the wait is on the worker holding the
-- tenant, as the distributed transaction of that backend (its global pid).
CREATE FUNCTION pg_temp.wait_for_other(other integer) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    citus boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus');
    waits boolean;
BEGIN
    FOR i IN 1..600 LOOP
        IF EXISTS (SELECT 1 FROM pg_locks WHERE pid = other AND locktype = 'transactionid' AND NOT granted) THEN
            RETURN true;
        END IF;
        IF citus THEN
            EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.citus_lock_waits w, pg_catalog.pg_dist_node n'
                    ' WHERE n.groupid = 0 AND w.waiting_gpid = pg_catalog.citus_calculate_gpid(n.nodeid, $1))'
                INTO waits USING other;
            IF waits THEN
                RETURN true;
            END IF;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN false;
END
$$;
