// What udm.relate and udm.unrelate decide: where the two things can be, which allowed
// relationship applies to them, whether it is stored reversed, whether it already exists,
// and whether its cardinality allows one more. The adapter (src/pg/relationships.cpp) runs
// the statements built here, in the order given, and decides nothing itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/model.hpp"
#include "udm/core/naming.hpp"

namespace udm::relate {

// One SQL statement and its $n parameters, as text; identifiers in it are quoted.
struct Statement {
    std::string sql;
    std::vector<std::string> params;
};

// A class of the tenant: its catalog id and its name.
struct ClassRef {
    std::string id;
    std::string name;
};

// A relationship type allowed from one class to another: one row of the tenant's
// thing_class_relationships. The cardinality stays the catalog's JSON text until the
// allowance is chosen, so that only the one that applies is parsed.
struct Allowance {
    ClassRef from;
    ClassRef to;
    std::string cardinality_json;
    bool bidirectional = false;
};

// A thing found in its class table.
struct Thing {
    std::string id;
    ClassRef cls;
};

// How the DETAIL of the 23514 error for a reached cardinality begins (udm.relate's other
// 23514, a relationship not allowed, has none): udm.graphql maps it to CARDINALITY_EXCEEDED.
inline constexpr std::string_view kCardinalityDetail = "The cardinality of relationship ";

// One end of a relationship as the caller names it.
enum class End { kFrom, kTo };

// The id of a relationship type ($1: its name); one text column, no row when unknown.
Statement type_id_query(const naming::TenantNames& tenant, const std::string& type);
// The error for a relationship type the tenant does not have (42704).
Error unknown_type(const std::string& type);

// The allowances of a relationship type; each row is read by allowance_from_row.
Statement allowances_query(const naming::TenantNames& tenant, const std::string& type_id);
// An allowance from a row of allowances_query (from id, from name, to id, to name,
// cardinality JSON, bidirectional as "t"/"f"); throws XX000 for any other shape.
Allowance allowance_from_row(const std::vector<std::optional<std::string>>& row);

// The classes whose tables may hold the thing at one end: that end's class of every
// allowance and, for a bidirectional one, the other end's too; each class once, in the
// order of the allowances. A thing anywhere else cannot take part in the relationship.
std::vector<ClassRef> candidate_classes(const std::vector<Allowance>& allowances, End end);

// Finds a thing in one class table and locks it against deletion until commit; it is
// there when the statement returns a row, whose one column says whether it is soft-deleted
// ("t" or "f").
Statement lock_thing(const naming::TenantNames& tenant, const ClassRef& cls, const std::string& id);

// Every class of the tenant (id, name), to name the class of a thing that no candidate
// class holds, for the error that follows. Rows are ClassRefs in order.
Statement classes_query(const naming::TenantNames& tenant);
// Which of classes holds the thing: one integer column, the index into classes; no row
// when none does. Not for an empty list.
Statement find_class(const naming::TenantNames& tenant, const std::vector<ClassRef>& classes,
                     const std::string& id);
// The error for a thing no class table holds (23503); end says which argument it was.
Error thing_not_found(End end, const std::string& id);
// The error for a soft-deleted thing (23503), refused like a missing one.
Error thing_deleted(End end, const Thing& thing);

// What relating two things comes to: the allowance that applies and the relationship as
// it is stored.
struct Decision {
    Thing from;  // as stored: swapped with to when reversed
    Thing to;
    model::Cardinality cardinality;
    bool bidirectional = false;  // (a, b) and (b, a) are the same relationship
    bool reversed = false;       // allowed only the other way round, so stored that way
};

// Chooses the allowance from from's class to to's class or, failing that, a bidirectional
// one from to's class to from's, stored in the direction it was allowed. Throws 23514
// when neither exists, and what parse_cardinality throws for a bad cardinality.
Decision decide(const std::string& type, const std::vector<Allowance>& allowances,
                const Thing& from, const Thing& to);

// Serializes relates of the same two things ($3: udm's advisory-lock key), so the counts
// that follow hold.
Statement advisory_lock(const Decision& d, std::int64_t key);

// A row when the relationship exists already, in either direction if it is bidirectional.
// Run with a fresh snapshot, after the advisory lock.
Statement existing(const naming::TenantNames& tenant, const std::string& type_id,
                   const Decision& d);

// One cardinality bound to check: the count statement (one bigint column) and what it
// may not reach.
struct LimitCheck {
    Statement count;
    std::int64_t max = 0;
    End end = End::kFrom;  // whose relationships are counted, as stored
};
// The bounds of the decided relationship's cardinality: targets of the from thing, then
// sources of the to thing. Run with a fresh snapshot, after the advisory lock.
std::vector<LimitCheck> limit_checks(const naming::TenantNames& tenant, const std::string& type_id,
                                     const Decision& d);
// Throws 23514 when count has reached the bound.
void check_limit(const std::string& type, const Decision& d, const LimitCheck& check,
                 std::int64_t count);

// Records the decided relationship (to be run as the tenant's owner); created_by is actor
// when given (a call run on a Citus worker for a coordinator's session), else the table's
// default.
Statement insert(const naming::TenantNames& tenant, const std::string& type_id, const Decision& d,
                 const std::optional<std::string>& actor = std::nullopt);

// Removes the relationship from from_id to to_id, or from to_id to from_id when it is
// stored so and bidirectional (to be run as the tenant's owner).
Statement remove(const naming::TenantNames& tenant, const std::string& type_id,
                 const std::string& from_id, const std::string& to_id);

}  // namespace udm::relate
