-- Included by the regression tests (pg_regress runs psql in the repository root).
-- test_error(sql) runs sql and returns "SQLSTATE: message" of the error it raises.
CREATE FUNCTION public.test_error(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code text;
    msg text;
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN code || ': ' || msg;
END
$$;

-- test_error_undo(sql) is test_error(sql) that also undoes what sql did when it succeeds,
-- so that table-driven cases stay independent of each other.
CREATE FUNCTION public.test_error_undo(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code text;
    msg text;
BEGIN
    EXECUTE sql;
    RAISE SQLSTATE 'UDMOK';
EXCEPTION
    WHEN SQLSTATE 'UDMOK' THEN
        RETURN 'no error (undone)';
    WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RETURN code || ': ' || msg;
END
$$;
