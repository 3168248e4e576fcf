// The statements that provision and drop a tenant.
#include "udm/core/tenant_catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>

namespace udm::catalog {
namespace {

std::vector<Statement> provision(const char* tenant, Placement placement = {}) {
    Provisioning p = provision_tenant(naming::tenant_names(tenant), placement);
    std::vector<Statement> all = std::move(p.tables);
    all.insert(all.end(), p.views.begin(), p.views.end());
    return all;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Index of the first statement containing text, or -1.
int index_of(const std::vector<Statement>& sts, const std::string& text) {
    for (std::size_t i = 0; i < sts.size(); ++i) {
        if (contains(sts[i].sql, text))
            return static_cast<int>(i);
    }
    return -1;
}

TEST(ProvisionTenant, CreatesRolesThenSchema) {
    auto sts = provision("acme");
    ASSERT_GE(sts.size(), 5u);
    EXPECT_EQ(sts[0].sql, "CREATE ROLE \"tenant_acme_owner\" NOLOGIN");
    EXPECT_EQ(sts[1].sql, "CREATE ROLE \"tenant_acme_role\" NOLOGIN");
    int schema = index_of(sts, "CREATE SCHEMA \"tenant_acme\" AUTHORIZATION \"tenant_acme_owner\"");
    ASSERT_GE(schema, 0);
}

TEST(ProvisionTenant, EverythingInTheSchemaIsGivenToTheOwner) {
    auto sts = provision("acme");
    const std::string owner = " OWNER TO \"tenant_acme_owner\"";
    for (const char* table : kCatalogTables) {
        const std::string t = "\"tenant_acme\".\"" + std::string(table) + "\"";
        const int created =
            index_of(sts, "CREATE TABLE \"tenant_acme\"." + std::string(table) + " (");
        const int given = index_of(sts, "ALTER TABLE " + t + owner);
        ASSERT_GE(created, 0) << table;
        EXPECT_GT(given, created) << table;
    }
    EXPECT_GE(index_of(sts, "ALTER VIEW \"tenant_acme\".\"things\"" + owner), 0);
    EXPECT_GE(
        index_of(sts, "ALTER MATERIALIZED VIEW \"tenant_acme\".\"thing_class_summary\"" + owner),
        0);
    // Except in a Citus distributed schema: Citus moves shards and refreshes materialized
    // views connecting as the owner, who cannot log in. The schema is still the owner's.
    const std::vector<Statement> distributed = provision("acme", {true});
    EXPECT_LT(index_of(distributed, " OWNER TO "), 0);
    EXPECT_GE(index_of(distributed, "AUTHORIZATION \"tenant_acme_owner\""), 0);
    // Nothing is created as the owner, so no default privileges of its would ever apply.
    for (const Statement& st : sts)
        EXPECT_FALSE(contains(st.sql, "DEFAULT PRIVILEGES")) << st.sql;
}

TEST(ProvisionTenant, CreatesEveryCatalogTableWithTriggerPolicyAndGrant) {
    auto sts = provision("acme");
    for (const char* table : kCatalogTables) {
        const std::string t = "\"tenant_acme\".\"" + std::string(table) + "\"";
        EXPECT_GE(index_of(sts, "CREATE TABLE \"tenant_acme\"." + std::string(table) + " ("), 0)
            << table;
        EXPECT_GE(index_of(sts, "ALTER TABLE " + t + " ENABLE ROW LEVEL SECURITY"), 0) << table;
        EXPECT_GE(index_of(sts, "CREATE POLICY tenant_members ON " + t), 0) << table;
        EXPECT_GE(index_of(sts, "GRANT SELECT ON " + t + " TO \"tenant_acme_role\""), 0) << table;
    }
}

TEST(ProvisionTenant, TablesWithUpdatedAtHaveTheTrigger) {
    auto sts = provision("acme");
    for (const char* table : kTouchedTables) {
        EXPECT_GE(index_of(sts, "BEFORE UPDATE ON \"tenant_acme\".\"" + std::string(table) + "\""),
                  0)
            << table;
    }
    EXPECT_EQ(index_of(sts, "BEFORE UPDATE ON \"tenant_acme\".\"schema_versions\""), -1);
}

TEST(ProvisionTenant, ViewsAreReadableAndSecurityInvoker) {
    auto sts = provision("acme");
    for (const char* view : kCatalogViews) {
        EXPECT_GE(index_of(sts, "GRANT SELECT ON \"tenant_acme\".\"" + std::string(view) +
                                    "\" TO \"tenant_acme_role\""),
                  0)
            << view;
    }
    for (const char* view : {"things", "thing_class_metrics", "schema_storage_metrics"}) {
        EXPECT_GE(index_of(sts, "CREATE VIEW \"tenant_acme\"." + std::string(view) +
                                    " WITH (security_invoker = true)"),
                  0)
            << view;
    }
}

TEST(ProvisionTenant, DistributedTenantsAppRoleCanLogIn) {
    // Citus reaches the workers as the current user; the owner never is one.
    const std::vector<Statement> local = provision("acme");
    EXPECT_EQ(local[1].sql, "CREATE ROLE \"tenant_acme_role\" NOLOGIN");
    const std::vector<Statement> distributed = provision("acme", {true});
    EXPECT_EQ(distributed[0].sql, "CREATE ROLE \"tenant_acme_owner\" NOLOGIN");
    EXPECT_EQ(distributed[1].sql, "CREATE ROLE \"tenant_acme_role\" LOGIN");
}

TEST(ProvisionTenant, DistributedTenantsCheckMembershipPerRow) {
    // Citus refuses subqueries in the policies of distributed tables.
    for (bool distributed : {false, true}) {
        int policies = 0;
        for (const Statement& st : provision("acme", {distributed})) {
            if (!contains(st.sql, "CREATE POLICY"))
                continue;
            ++policies;
            EXPECT_EQ(contains(st.sql, "(SELECT pg_catalog.pg_has_role("), !distributed) << st.sql;
            EXPECT_TRUE(contains(st.sql, "pg_catalog.pg_has_role('tenant_acme_role', 'USAGE')"))
                << st.sql;
        }
        EXPECT_EQ(policies, static_cast<int>(std::size(kCatalogTables)));
    }
}

TEST(ProvisionTenant, ViewsComeSecond) {
    // On Citus the schema is distributed between the two parts.
    const Provisioning p = provision_tenant(naming::tenant_names("acme"));
    for (const Statement& st : p.tables)
        EXPECT_FALSE(contains(st.sql, "VIEW")) << st.sql;
    ASSERT_FALSE(p.views.empty());
    for (const char* view : kCatalogViews) {
        const std::string v = "\"tenant_acme\"." + std::string(view) + " ";
        EXPECT_TRUE(std::any_of(p.views.begin(), p.views.end(), [&](const Statement& st) {
            return contains(st.sql, "VIEW " + v);
        })) << view;
    }
}

TEST(ChangePlacement, DropsTheViewsDependentFirstAndWithoutCascade) {
    const Replacement r = change_placement(naming::tenant_names("acme"), {}, {}, {}, {true});
    ASSERT_EQ(r.drop_views.size(), std::size(kCatalogViews));
    // The summary and the metrics read things: it goes last. A view of the user's over
    // them stops the change rather than vanish.
    EXPECT_EQ(r.drop_views.back().sql, "DROP VIEW \"tenant_acme\".\"things\"");
    EXPECT_EQ(
        index_of(r.drop_views, "DROP MATERIALIZED VIEW \"tenant_acme\".\"thing_class_summary\""),
        static_cast<int>(std::size(kCatalogViews)) - 2);
    for (const Statement& st : r.drop_views)
        EXPECT_FALSE(contains(st.sql, "CASCADE")) << st.sql;
}

TEST(ChangePlacement, TablesTakeTheOwnerPolicyAndRoleOfThePlacement) {
    const naming::TenantNames names = naming::tenant_names("acme");
    for (bool distributed : {false, true}) {
        const Replacement r =
            change_placement(names, {"thing_classes", "tc_book"}, {}, {}, {distributed});
        const std::string owner = distributed ? "CURRENT_USER" : "\"tenant_acme_owner\"";
        for (const char* table : {"thing_classes", "tc_book"}) {
            const std::string t = "\"tenant_acme\".\"" + std::string(table) + "\"";
            const int own = index_of(r.fit_tables, "ALTER TABLE " + t + " OWNER TO " + owner);
            const int drop = index_of(r.fit_tables, "DROP POLICY tenant_members ON " + t);
            const int create = index_of(r.fit_tables, "CREATE POLICY tenant_members ON " + t);
            EXPECT_GE(own, 0) << table;
            ASSERT_GE(drop, 0) << table;
            ASSERT_GT(create, drop) << table;
            EXPECT_EQ(r.fit_tables[create].sql, member_policy(names, t, {distributed}));
        }
        EXPECT_EQ(index_of(r.fit_tables, std::string("ALTER ROLE \"tenant_acme_role\"") +
                                             (distributed ? " LOGIN" : " NOLOGIN")),
                  static_cast<int>(r.fit_tables.size()) - 1);
        // The views come back as a new tenant of that placement gets them.
        EXPECT_EQ(r.views.size(), provision_tenant(names, {distributed}).views.size());
    }
}

TEST(ChangePlacement, SwitchesEachEnabledTriggerOffAndOnAgainOneByOne) {
    const Replacement r = change_placement(naming::tenant_names("acme"), {},
                                           {{"tc_book", "validate", 'O'},
                                            {"schema_state", "forget_compiled_rules", 'O'},
                                            {"tc_book", "mine", 'A'},
                                            {"tc_book", "replica", 'R'}},
                                           {}, {true});
    ASSERT_EQ(r.disable_triggers.size(), 4u);
    ASSERT_EQ(r.enable_triggers.size(), 4u);
    EXPECT_EQ(r.disable_triggers[0].sql,
              "ALTER TABLE \"tenant_acme\".\"tc_book\" DISABLE TRIGGER \"validate\"");
    EXPECT_EQ(r.enable_triggers[1].sql,
              "ALTER TABLE \"tenant_acme\".\"schema_state\" ENABLE TRIGGER "
              "\"forget_compiled_rules\"");
    // Each fires again as it did.
    EXPECT_EQ(r.enable_triggers[2].sql,
              "ALTER TABLE \"tenant_acme\".\"tc_book\" ENABLE ALWAYS TRIGGER \"mine\"");
    EXPECT_EQ(r.enable_triggers[3].sql,
              "ALTER TABLE \"tenant_acme\".\"tc_book\" ENABLE REPLICA TRIGGER \"replica\"");
}

TEST(ChangePlacement, SetsCommentsAgainQuoted) {
    const Replacement r = change_placement(
        naming::tenant_names("acme"), {}, {},
        {{"tc_book", std::nullopt, "udm class book"}, {"tc_book", "it's", "a 'quote'"}}, {false});
    EXPECT_GE(
        index_of(r.fit_tables, "COMMENT ON TABLE \"tenant_acme\".\"tc_book\" IS 'udm class book'"),
        0);
    EXPECT_GE(index_of(r.fit_tables,
                       "COMMENT ON COLUMN \"tenant_acme\".\"tc_book\".\"it's\" IS 'a ''quote'''"),
              0);
}

TEST(ProvisionTenant, NoStatementGrantsWriteOnTheCatalog) {
    for (const Statement& st : provision("acme")) {
        if (contains(st.sql, "GRANT")) {
            EXPECT_FALSE(contains(st.sql, "INSERT") || contains(st.sql, "UPDATE") ||
                         contains(st.sql, "DELETE") || contains(st.sql, "CREATE ON"))
                << st.sql;
        }
    }
}

TEST(ProvisionTenant, RecordsTheTenantInSchemaStateWithParameters) {
    for (const Statement& st : provision("acme"))
        EXPECT_FALSE(contains(st.sql, "INSERT")) << st.sql;
    const Statement last = tenant_state(naming::tenant_names("acme"));
    EXPECT_TRUE(contains(last.sql, "INSERT INTO \"tenant_acme\".\"schema_state\""));
    EXPECT_TRUE(contains(last.sql, "$1"));
    ASSERT_EQ(last.params.size(), 2u);
    EXPECT_EQ(last.params[0], "acme");
    EXPECT_EQ(last.params[1], std::to_string(kCatalogVersion));
}

TEST(ProvisionTenant, ReferencesOnlyItsSchemaPgCatalogAndUdm) {
    // Every schema-qualified name is the tenant's own, pg_catalog, or the udm extension.
    std::regex qualified_name(R"re(("?[A-Za-z_][A-Za-z0-9_]*"?)\.("?[A-Za-z_][A-Za-z0-9_]*"?))re");
    for (const Statement& st : provision("acme")) {
        for (auto it = std::sregex_iterator(st.sql.begin(), st.sql.end(), qualified_name);
             it != std::sregex_iterator(); ++it) {
            std::string schema = (*it)[1];
            // Table aliases of the views and listing queries.
            if (schema == "n" || schema == "c" || schema == "t" || schema == "tc" || schema == "aa")
                continue;
            EXPECT_TRUE(schema == "\"tenant_acme\"" || schema == "pg_catalog" || schema == "udm")
                << schema << " in " << st.sql;
        }
    }
}

TEST(ProvisionTenant, CatalogChecksAndKeysFromTheSpecification) {
    std::string all;
    for (const Statement& st : provision("acme"))
        all += st.sql + ";\n";
    for (const char* expected :
         {"CONSTRAINT unique_thing_class_name UNIQUE (name)",
          "CONSTRAINT valid_validation_rules_json CHECK (pg_catalog.jsonb_typeof(validation_rules) "
          "= 'object')",
          "CONSTRAINT valid_permissions_json",
          "CONSTRAINT valid_thing_class_name CHECK (name ~ '[^[:space:]]'",
          "CONSTRAINT unique_thing_class_attribute UNIQUE (thing_class_id, attribute_id)",
          "CONSTRAINT fk_assignment_thing_class FOREIGN KEY (thing_class_id) REFERENCES "
          "\"tenant_acme\".thing_classes (id) ON DELETE CASCADE",
          "CONSTRAINT fk_assignment_attribute FOREIGN KEY (attribute_id) REFERENCES "
          "\"tenant_acme\".attributes (id) ON DELETE RESTRICT",
          "CONSTRAINT unique_class_relationship UNIQUE (from_thing_class_id, to_thing_class_id, "
          "relationship_type_id)",
          "CONSTRAINT fk_class_rel_from", "CONSTRAINT fk_class_rel_to",
          "CONSTRAINT fk_class_rel_type",
          "CONSTRAINT valid_attribute_data_type CHECK (data_type IN ('text', 'number', 'integer', "
          "'boolean', 'date', 'timestamp', 'reference', 'json'))",
          "USING gin (validation_rules)", "USING gin (permissions)",
          "USING gin (assignment_rules)"}) {
        EXPECT_TRUE(contains(all, expected)) << expected;
    }
}

TEST(ProvisionTenant, PolicyNamesOnlyTheTenantsOwnRole) {
    for (const Statement& st : provision("acme")) {
        if (contains(st.sql, "CREATE POLICY")) {
            EXPECT_TRUE(contains(st.sql, "pg_has_role('tenant_acme_role', 'USAGE')")) << st.sql;
        }
    }
}

TEST(DropTenant, DropsSchemaThenRoles) {
    auto sts = drop_tenant(naming::tenant_names("acme"));
    ASSERT_EQ(sts.size(), 4u);
    EXPECT_EQ(sts[0].sql, "DROP SCHEMA \"tenant_acme\" CASCADE");
    EXPECT_EQ(sts[1].sql, "DROP OWNED BY \"tenant_acme_owner\", \"tenant_acme_role\"");
    EXPECT_EQ(sts[2].sql, "DROP ROLE \"tenant_acme_role\"");
    EXPECT_EQ(sts[3].sql, "DROP ROLE \"tenant_acme_owner\"");
}

}  // namespace
}  // namespace udm::catalog
