-- udm 0.1.0: tenants and the UDM catalog.
\echo Use "CREATE EXTENSION udm" to load this file. \quit

-- The extension's schema holds functions and views only; everything that belongs to a
-- tenant lives in that tenant's schema and is not a member of the extension.
GRANT USAGE ON SCHEMA udm TO PUBLIC;

-- Provisioning runs as the extension owner (it creates roles and schemas). EXECUTE is
-- revoked from PUBLIC: a superuser grants it to the platform's provisioning role.
CREATE FUNCTION udm.create_tenant(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'udm_create_tenant'
    LANGUAGE C STRICT VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.create_tenant(text) IS
    'creates schema tenant_<name>, its owner and application roles, privileges and the UDM catalog; returns the schema name';
REVOKE ALL ON FUNCTION udm.create_tenant(text) FROM PUBLIC;

CREATE FUNCTION udm.drop_tenant(name text, force boolean DEFAULT false) RETURNS void
    AS 'MODULE_PATHNAME', 'udm_drop_tenant'
    LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET client_min_messages = warning;
COMMENT ON FUNCTION udm.drop_tenant(text, boolean) IS
    'drops a tenant''s schema and roles; refuses a tenant that holds thing classes unless force is true';
REVOKE ALL ON FUNCTION udm.drop_tenant(text, boolean) FROM PUBLIC;

CREATE FUNCTION udm.tenant_schema(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'udm_tenant_schema'
    LANGUAGE C STRICT STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.tenant_schema(text) IS
    'the schema of an existing tenant; an error for an invalid or unknown name';

CREATE FUNCTION udm.tenant_list(
        OUT name text, OUT schema_name text, OUT owner_role text, OUT app_role text,
        OUT created_at timestamptz, OUT schema_version bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'udm_tenant_list'
    LANGUAGE C STRICT STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION udm.tenant_list() IS 'every tenant of this database, read from its schema_state';
REVOKE ALL ON FUNCTION udm.tenant_list() FROM PUBLIC;

CREATE VIEW udm.tenants AS
    SELECT name, schema_name, owner_role, app_role, created_at, schema_version
    FROM udm.tenant_list();
COMMENT ON VIEW udm.tenants IS 'the tenants of this database';
REVOKE ALL ON udm.tenants FROM PUBLIC;

-- Trigger function of every tenant table with an updated_at column.
CREATE FUNCTION udm.touch_updated_at() RETURNS trigger
    AS 'MODULE_PATHNAME', 'udm_touch_updated_at'
    LANGUAGE C;
COMMENT ON FUNCTION udm.touch_updated_at() IS 'BEFORE UPDATE row trigger: sets updated_at to now()';

-- For the regression tests of the error barrier.
CREATE FUNCTION udm._raise_test_error(kind text) RETURNS void
    AS 'MODULE_PATHNAME', 'udm_raise_test_error'
    LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION udm._raise_test_error(text) IS
    'raises one kind of error through the C++ error barrier (udm, postgres, spi, bad_alloc, std, unknown, none)';
REVOKE ALL ON FUNCTION udm._raise_test_error(text) FROM PUBLIC;
