// What udm.relate decides: candidate classes, direction, dedup, cardinality and errors.
#include "udm/core/relate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_of.hpp"
#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"

namespace udm::relate {
namespace {

using test::error_of;

const naming::TenantNames kTenant = naming::tenant_names("acme");
const ClassRef kPerson{"00000000-0000-0000-0000-00000000000a", "person"};
const ClassRef kCar{"00000000-0000-0000-0000-00000000000b", "car"};
const ClassRef kCompany{"00000000-0000-0000-0000-00000000000c", "company"};

Allowance allow(const ClassRef& from, const ClassRef& to, bool bidirectional = false,
                const std::string& cardinality = "{}") {
    return {from, to, cardinality, bidirectional};
}

std::vector<std::string> names(const std::vector<ClassRef>& classes) {
    std::vector<std::string> out;
    for (const ClassRef& c : classes)
        out.push_back(c.name);
    return out;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// --- where a thing can be

TEST(CandidateClasses, AreTheClassesOfThatEnd) {
    const std::vector<Allowance> a = {allow(kPerson, kCar), allow(kCompany, kCar)};
    EXPECT_EQ(names(candidate_classes(a, End::kFrom)),
              (std::vector<std::string>{"person", "company"}));
    EXPECT_EQ(names(candidate_classes(a, End::kTo)), (std::vector<std::string>{"car"}));
}

TEST(CandidateClasses, IncludeTheOtherEndOfBidirectionalAllowances) {
    const std::vector<Allowance> a = {allow(kPerson, kCompany, true), allow(kPerson, kCar)};
    EXPECT_EQ(names(candidate_classes(a, End::kFrom)),
              (std::vector<std::string>{"person", "company"}));
    EXPECT_EQ(names(candidate_classes(a, End::kTo)),
              (std::vector<std::string>{"company", "person", "car"}));
}

TEST(CandidateClasses, NameEachClassOnce) {
    const std::vector<Allowance> a = {allow(kPerson, kPerson, true)};
    EXPECT_EQ(names(candidate_classes(a, End::kFrom)), (std::vector<std::string>{"person"}));
    EXPECT_TRUE(candidate_classes({}, End::kTo).empty());
}

TEST(LockThing, ProbesOneClassTableByIdAndLocksTheRow) {
    const Statement st = lock_thing(kTenant, kCar, "id-1");
    EXPECT_EQ(st.sql,
              R"(SELECT is_deleted FROM "tenant_acme"."tc_car" WHERE id = $1::uuid FOR KEY SHARE)");
    EXPECT_EQ(st.params, (std::vector<std::string>{"id-1"}));
}

TEST(FindClass, NamesEachClassByItsIndex) {
    const Statement st = find_class(kTenant, {kPerson, kCar}, "id-1");
    EXPECT_EQ(
        st.sql,
        R"(SELECT k FROM (SELECT 0 AS k FROM "tenant_acme"."tc_person" WHERE id = $1::uuid)"
        R"( UNION ALL SELECT 1 AS k FROM "tenant_acme"."tc_car" WHERE id = $1::uuid) x LIMIT 1)");
    EXPECT_EQ(st.params, (std::vector<std::string>{"id-1"}));
}

TEST(ThingNotFound, SaysWhichEndAndKeepsItsSqlstate) {
    const Error e = thing_not_found(End::kTo, "id-9");
    EXPECT_STREQ(e.sqlstate(), "23503");
    EXPECT_STREQ(e.what(), "to thing id-9 does not exist");
    EXPECT_EQ(e.detail(), "No class table of this tenant holds a thing with that id.");
    EXPECT_STREQ(thing_not_found(End::kFrom, "id-9").what(), "from thing id-9 does not exist");
}

TEST(ThingDeleted, IsRefusedLikeAMissingThingNamingItsClass) {
    const Error e = thing_deleted(End::kFrom, Thing{"id-9", kCar});
    EXPECT_STREQ(e.sqlstate(), "23503");
    EXPECT_STREQ(e.what(), "from thing id-9 of class \"car\" is deleted");
    EXPECT_EQ(e.detail(), "A deleted thing takes part in no new relationship.");
}

TEST(UnknownType, Is42704WithTheNameAbbreviated) {
    const Error e = unknown_type(std::string(100, 'x'));
    EXPECT_STREQ(e.sqlstate(), "42704");
    EXPECT_EQ(std::string(e.what()),
              "relationship type \"" + std::string(63, 'x') + "...\" does not exist");
}

TEST(AllowanceFromRow, ReadsTheSixColumns) {
    const Allowance a =
        allowance_from_row({kPerson.id, kPerson.name, kCar.id, kCar.name, "{}", "t"});
    EXPECT_EQ(a.from.name, "person");
    EXPECT_EQ(a.to.id, kCar.id);
    EXPECT_TRUE(a.bidirectional);
    EXPECT_STREQ(error_of([] { allowance_from_row({"x"}); }).sqlstate(), "XX000");
    EXPECT_STREQ(error_of([] {
                     allowance_from_row({"a", std::nullopt, "b", "c", "{}", "f"});
                 }).sqlstate(),
                 "XX000");
}

// --- which allowance applies, and in which direction

TEST(Decide, TakesTheAllowanceAsGiven) {
    const Decision d = decide("owns", {allow(kPerson, kCar, false, R"({"max_sources": 1})")},
                              {"p1", kPerson}, {"c1", kCar});
    EXPECT_FALSE(d.reversed);
    EXPECT_FALSE(d.bidirectional);
    EXPECT_EQ(d.from.id, "p1");
    EXPECT_EQ(d.to.cls.name, "car");
    EXPECT_EQ(d.cardinality.max_sources, 1);
    EXPECT_FALSE(d.cardinality.max_targets);
}

TEST(Decide, StoresABidirectionalRelationshipTheWayItWasAllowed) {
    const Decision d =
        decide("employs", {allow(kPerson, kCompany, true)}, {"b1", kCompany}, {"p1", kPerson});
    EXPECT_TRUE(d.reversed);
    EXPECT_TRUE(d.bidirectional);
    EXPECT_EQ(d.from.id, "p1");
    EXPECT_EQ(d.from.cls.name, "person");
    EXPECT_EQ(d.to.id, "b1");
    EXPECT_EQ(d.to.cls.name, "company");
}

TEST(Decide, PrefersTheAllowanceAsGivenToTheReversedOne) {
    const Decision d = decide("knows",
                              {allow(kCompany, kPerson, true, R"({"max_targets": 2})"),
                               allow(kPerson, kCompany, true, R"({"max_targets": 7})")},
                              {"p1", kPerson}, {"b1", kCompany});
    EXPECT_FALSE(d.reversed);
    EXPECT_EQ(d.cardinality.max_targets, 7);
}

TEST(Decide, WithinOneClassIsNeverReversed) {
    const Decision d =
        decide("knows", {allow(kPerson, kPerson, true)}, {"p2", kPerson}, {"p1", kPerson});
    EXPECT_FALSE(d.reversed);
    EXPECT_EQ(d.from.id, "p2");
}

TEST(Decide, RefusesAPairNotAllowed) {
    const Error e = error_of([] {
        decide("owns", {allow(kPerson, kCar)}, {"c1", kCar}, {"p1", kPerson});
    });
    EXPECT_STREQ(e.sqlstate(), "23514");
    EXPECT_STREQ(e.what(),
                 R"(relationship "owns" is not allowed from class "car" to class "person")");
    EXPECT_EQ(e.hint(), "udm.allow_relationship(tenant, from_class, to_class, type) allows it.");
    EXPECT_TRUE(e.detail().empty());
}

TEST(Decide, DoesNotReverseAOneWayAllowance) {
    EXPECT_STREQ(error_of([] {
                     decide("owns", {allow(kCar, kPerson)}, {"p1", kPerson}, {"c1", kCar});
                 }).sqlstate(),
                 "23514");
}

// --- existence and cardinality

TEST(Existing, LooksBothWaysOnlyWhenBidirectional) {
    Decision d;
    d.from = {"p1", kPerson};
    d.to = {"c1", kCar};
    const Statement one_way = existing(kTenant, "t1", d);
    EXPECT_FALSE(contains(one_way.sql, "from_id = $3::uuid"));
    EXPECT_EQ(one_way.params, (std::vector<std::string>{"t1", "p1", "c1"}));
    d.bidirectional = true;
    EXPECT_TRUE(
        contains(existing(kTenant, "t1", d).sql, "OR (from_id = $3::uuid AND to_id = $2::uuid)"));
}

TEST(LimitChecks, OnePerBoundTargetsFirst) {
    Decision d;
    d.from = {"p1", kPerson};
    d.to = {"b1", kCompany};
    EXPECT_TRUE(limit_checks(kTenant, "t1", d).empty());
    d.cardinality.max_sources = 3;
    d.cardinality.max_targets = 1;
    const std::vector<LimitCheck> checks = limit_checks(kTenant, "t1", d);
    ASSERT_EQ(checks.size(), 2u);
    EXPECT_EQ(checks[0].end, End::kFrom);
    EXPECT_EQ(checks[0].max, 1);
    EXPECT_TRUE(contains(checks[0].count.sql, "from_id = $2::uuid AND to_class_id = $3::uuid"));
    EXPECT_EQ(checks[0].count.params, (std::vector<std::string>{"t1", "p1", kCompany.id}));
    EXPECT_EQ(checks[1].end, End::kTo);
    EXPECT_EQ(checks[1].max, 3);
    EXPECT_TRUE(contains(checks[1].count.sql, "to_id = $2::uuid AND from_class_id = $3::uuid"));
    EXPECT_EQ(checks[1].count.params, (std::vector<std::string>{"t1", "b1", kPerson.id}));
}

TEST(CheckLimit, RefusesOnceTheBoundIsReached) {
    Decision d;
    d.from = {"p1", kPerson};
    d.to = {"b2", kCompany};
    d.cardinality.max_targets = 1;
    const LimitCheck check = limit_checks(kTenant, "t1", d).at(0);
    check_limit("works_for", d, check, 0);
    const Error e = error_of([&] { check_limit("works_for", d, check, 1); });
    EXPECT_STREQ(e.sqlstate(), "23514");
    EXPECT_STREQ(e.what(), R"(thing p1 already has 1 "works_for" target, the most allowed)");
    EXPECT_EQ(e.detail(),
              R"(The cardinality of relationship "works_for" from class "person" to class )"
              R"("company" allows no more.)");
}

TEST(CheckLimit, NamesTheTargetThingForSources) {
    Decision d;
    d.from = {"p2", kPerson};
    d.to = {"c1", kCar};
    d.cardinality.max_sources = 1;
    const LimitCheck check = limit_checks(kTenant, "t1", d).at(0);
    EXPECT_STREQ(error_of([&] { check_limit("owns", d, check, 1); }).what(),
                 R"(thing c1 already has 1 "owns" source, the most allowed)");
}

TEST(Insert, StoresTheDecidedDirection) {
    const Decision d =
        decide("employs", {allow(kPerson, kCompany, true)}, {"b1", kCompany}, {"p1", kPerson});
    EXPECT_EQ(insert(kTenant, "t1", d).params,
              (std::vector<std::string>{"t1", kPerson.id, kCompany.id, "p1", "b1"}));
}

TEST(Insert, RecordsAnActorGivenAsAParameter) {
    const Decision d =
        decide("employs", {allow(kPerson, kCompany, true)}, {"b1", kCompany}, {"p1", kPerson});
    EXPECT_EQ(insert(kTenant, "t1", d).sql.find("created_by"), std::string::npos);
    const Statement st = insert(kTenant, "t1", d, std::string("app'user"));
    EXPECT_NE(st.sql.find("created_by) VALUES ("), std::string::npos) << st.sql;
    EXPECT_NE(st.sql.find("$6"), std::string::npos) << st.sql;
    EXPECT_EQ(st.params,
              (std::vector<std::string>{"t1", kPerson.id, kCompany.id, "p1", "b1", "app'user"}));
}

TEST(AdvisoryLock, TakesTheKeyAsAParameter) {
    Decision d;
    d.from = {"p1", kPerson};
    d.to = {"c1", kCar};
    const Statement st = advisory_lock(d, 42);
    EXPECT_EQ(st.params, (std::vector<std::string>{"p1", "c1", "42"}));
    EXPECT_TRUE(contains(st.sql, "ORDER BY x"));
}

}  // namespace
}  // namespace udm::relate
