// Tenant-name rule, derived names and SQL quoting.
#include "udm/core/naming.hpp"

#include <gtest/gtest.h>

#include <string>

#include "udm/core/error.hpp"

namespace udm::naming {
namespace {

TEST(TenantName, AcceptsLowerCaseIdentifiers) {
    for (const char* name : {"a", "acme", "acme_2", "a_b_c", "x9", "z_"}) {
        EXPECT_FALSE(tenant_name_violation(name).has_value()) << name;
        EXPECT_NO_THROW(check_tenant_name(name)) << name;
    }
}

TEST(TenantName, AcceptsExactlyTheMaximumLength) {
    EXPECT_FALSE(tenant_name_violation(std::string(kMaxTenantNameLength, 'a')).has_value());
    EXPECT_TRUE(tenant_name_violation(std::string(kMaxTenantNameLength + 1, 'a')).has_value());
}

TEST(TenantName, RejectsEverythingElseWithAReason) {
    struct Case {
        std::string name;
        std::string reason_contains;
    };
    const Case cases[] = {
        {"", "empty"},
        {"Acme", "lower-case letter"},
        {"1acme", "lower-case letter"},
        {"_acme", "lower-case letter"},
        {"acMe", "other than"},
        {"ac-me", "other than"},
        {"ac me", "other than"},
        {"acme;drop", "other than"},
        {"acme\"x", "other than"},
        {"acme'x", "other than"},
        {"caf\xC3\xA9", "other than"},
        {std::string("ac\0me", 5), "other than"},
        {std::string(49, 'a'), "49 bytes"},
    };
    for (const Case& c : cases) {
        auto why = tenant_name_violation(c.name);
        ASSERT_TRUE(why.has_value()) << c.name;
        EXPECT_NE(why->find(c.reason_contains), std::string::npos) << *why;
    }
}

TEST(TenantName, ErrorIs22023AndStatesTheRule) {
    try {
        check_tenant_name("Bad Name");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22023");
        EXPECT_EQ(
            std::string(e.what()),
            "invalid tenant name \"Bad Name\": tenant names must match ^[a-z][a-z0-9_]{0,47}$");
        EXPECT_FALSE(e.detail().empty());
    }
}

TEST(TenantName, ErrorAbbreviatesHugeNames) {
    try {
        check_tenant_name(std::string(10000, 'x'));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_LT(std::string(e.what()).size(), 200u);
    }
}

TEST(TenantNames, DerivesSchemaAndRoles) {
    TenantNames n = tenant_names("acme");
    EXPECT_EQ(n.tenant, "acme");
    EXPECT_EQ(n.schema, "tenant_acme");
    EXPECT_EQ(n.owner_role, "tenant_acme_owner");
    EXPECT_EQ(n.app_role, "tenant_acme_role");
}

TEST(TenantNames, LongestNameFitsInPostgresIdentifiers) {
    TenantNames n = tenant_names(std::string(kMaxTenantNameLength, 'q'));
    EXPECT_LE(n.owner_role.size(), 63u);
    EXPECT_LE(n.app_role.size(), 63u);
    EXPECT_LE(n.schema.size(), 63u);
}

TEST(TenantNames, RolesOfDifferentTenantsNeverCollide) {
    // "x_owner" could only equal "y_role" if "owner" and "role" shared a tail; check the
    // awkward pairs anyway.
    const char* names[] = {"a", "a_role", "a_owner", "a_role_owner", "role", "owner", "a_b"};
    for (const char* x : names) {
        for (const char* y : names) {
            if (std::string(x) == y)
                continue;
            TenantNames nx = tenant_names(x), ny = tenant_names(y);
            for (const std::string* rx : {&nx.owner_role, &nx.app_role}) {
                for (const std::string* ry : {&ny.owner_role, &ny.app_role}) {
                    EXPECT_NE(*rx, *ry) << x << " vs " << y;
                }
            }
        }
    }
}

TEST(TenantNames, ChecksTheName) {
    EXPECT_THROW(tenant_names("Robert'); DROP TABLE students;--"), Error);
}

TEST(TenantOfSchema, RecognisesOnlyTenantSchemas) {
    EXPECT_EQ(tenant_of_schema("tenant_acme"), std::optional<std::string>("acme"));
    EXPECT_FALSE(tenant_of_schema("tenant_").has_value());
    EXPECT_FALSE(tenant_of_schema("tenant_Acme").has_value());
    EXPECT_FALSE(tenant_of_schema("public").has_value());
    EXPECT_FALSE(tenant_of_schema("tenantacme").has_value());
}

TEST(Quote, IdentifiersAreAlwaysQuoted) {
    EXPECT_EQ(quote_identifier("acme"), "\"acme\"");
    EXPECT_EQ(quote_identifier("select"), "\"select\"");
    EXPECT_EQ(quote_identifier("we\"ird"), "\"we\"\"ird\"");
    EXPECT_EQ(quote_identifier(""), "\"\"");
    EXPECT_EQ(qualified("tenant_a", "thing_classes"), "\"tenant_a\".\"thing_classes\"");
}

TEST(Quote, LiteralsLikePostgresQuoteLiteral) {
    EXPECT_EQ(quote_literal("abc"), "'abc'");
    EXPECT_EQ(quote_literal("it's"), "'it''s'");
    EXPECT_EQ(quote_literal("a\\b"), "E'a\\\\b'");
    EXPECT_EQ(quote_literal("'; DROP ROLE x; --"), "'''; DROP ROLE x; --'");
    EXPECT_EQ(quote_literal(""), "''");
}

TEST(Abbreviate, CutsOnACharacterBoundary) {
    EXPECT_EQ(abbreviate("short"), "short");
    std::string accents;
    for (int i = 0; i < 40; ++i)
        accents += "\xC3\xA9";  // 80 bytes of é
    std::string cut = abbreviate(accents, 63);
    EXPECT_EQ(cut.substr(cut.size() - 3), "...");
    EXPECT_EQ((cut.size() - 3) % 2, 0u);  // whole two-byte characters only
}

TEST(ErrorType, KeepsSqlstateDetailAndHint) {
    Error e("42710", "tenant \"a\" already exists", "detail.", "hint.");
    EXPECT_STREQ(e.sqlstate(), "42710");
    EXPECT_EQ(e.detail(), "detail.");
    EXPECT_EQ(e.hint(), "hint.");
}

TEST(ErrorType, MalformedSqlstateBecomesInternal) {
    EXPECT_STREQ(Error("4271", "x").sqlstate(), "XX000");
    EXPECT_STREQ(Error("42a10", "x").sqlstate(), "XX000");
}

}  // namespace
}  // namespace udm::naming
