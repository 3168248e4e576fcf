// The DDL planner: from the current and the desired model of a tenant, the ordered steps
// that make the database match the desired model: precondition checks, DDL and catalog
// changes, each step marked breaking or not and described as a change of the schema diff.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "udm/core/model.hpp"
#include "udm/core/naming.hpp"
#include "udm/core/tenant_catalog.hpp"

namespace udm::planner {

// A precondition on the data: a query returning one row (count bigint, detail text). A
// count above zero fails the change with sqlstate and message, in which "{count}" becomes
// the count and "{s}" the plural ending ("" for one).
struct Check {
    std::string lock;  // run first: holds off writes the check would miss
    std::string sql;
    std::vector<std::optional<std::string>> params;
    std::string sqlstate;
    std::string message;
    std::string hint;
};

// Data a step would destroy: a query returning one row (count bigint) of what the data
// holds now. Every loss of a plan is counted before any step runs, so its query names the
// tables and columns as they are before the change. {count} and {s} in what are filled as
// in Check: "{count} thing{s} of class \"product\"".
struct Loss {
    std::string lock;  // run before counting when the change is made: nothing can add to it
    std::string sql;
    std::vector<std::optional<std::string>> params;
    std::string unit;  // what is counted: "things", "values" or "relationships"
    std::string what;
};

// One step of a plan.
struct Step {
    std::string action;  // "create class", "add attribute", ...
    std::string object;  // "product", "product.title", ...
    bool breaking = false;
    model::Json change;  // the step's entry in the schema diff; null for bookkeeping steps
    std::vector<Check> checks;
    std::vector<Loss> losses;                 // the data it destroys, if any is there
    std::vector<std::string> ddl;             // run as udm, recorded in history
    std::vector<catalog::Statement> catalog;  // catalog rows, run as udm
    // The class table ddl[0] creates, unqualified; empty when the step creates none. In a
    // Citus distributed schema it must be distributed before the rest of the step runs.
    std::string new_table;
};

// The steps that turn one model into another, in the order they must run.
struct Plan {
    std::vector<Step> steps;
    // True when the models are the same: nothing to run, no new version.
    bool empty() const { return steps.empty(); }
    // The schema diff: every step's change, in order.
    model::Json diff() const;
    // Every DDL statement, in order.
    std::vector<std::string> ddl() const;
    // Planned with a delta: the relation names the change creates, which the caller checks
    // are free in the tenant's schema (physical::check_new_names).
    std::vector<std::string> new_relations;
};

// Makes a new uuid for an object entering the catalog.
using IdGenerator = std::function<std::string()>;

// Plans the change from current (read from the catalog, with ids) to desired (from the
// user). Fills the ids of desired: kept for objects that stay (or are renamed), new for
// the others. Throws udm::Error for a desired model that is inconsistent or a change
// that cannot be made (22023, 42704, 42710, 42P07).
Plan plan(const naming::TenantNames& tenant, const model::Model& current, model::Model& desired,
          const IdGenerator& new_id);

// The same, for a change whose delta (model::delta(current, desired)) the caller has: what
// the delta does not touch is neither checked again nor visited.
Plan plan(const naming::TenantNames& tenant, const model::Model& current, model::Model& desired,
          const IdGenerator& new_id, const model::Delta& delta, catalog::Placement placement = {});

}  // namespace udm::planner
