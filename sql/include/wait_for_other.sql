-- Included by the regression tests that race two sessions (the other one over dblink).
-- wait_for_other(pid) waits up to 30 s until the backend pid waits for a transaction's
-- lock, and says whether it did.
CREATE FUNCTION pg_temp.wait_for_other(other integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..600 LOOP
        IF EXISTS (SELECT 1 FROM pg_locks WHERE pid = other AND locktype = 'transactionid' AND NOT granted) THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN false;
END
$$;
