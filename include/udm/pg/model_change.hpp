// Changing a tenant's model in one transaction: lock, load, plan, check, run, record.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "udm/core/model.hpp"
#include "udm/core/planner.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg {

// Turns the current model into the desired one.
using Edit = std::function<model::Model(const model::Model& current)>;

// Whether a change may destroy data that is there (things, values, relationships), and
// how the caller says so, for the refusal when it may not: "call udm.apply(tenant, model,
// allow_data_loss => true)".
struct DataLoss {
    bool allowed = false;
    std::string how_to_allow;
};

// What a change did.
struct ChangeResult {
    std::int64_t version = 0;  // the schema version after the change
    planner::Plan plan;        // the steps; empty when nothing changed
    // Dry run only: per step, what it would destroy ({"things": 3}), null for a step that
    // cannot destroy data.
    std::vector<model::Json> destroys;
};

// Runs a model change of an existing, authorized tenant: takes the tenant's model lock
// (waiting at most udm.ddl_lock_timeout), plans the edit against the current model and,
// unless dry_run, runs every check, DDL statement and catalog change and records a new
// schema version with its diff and DDL. A change that changes nothing records nothing.
// A change that would destroy data is refused (2BP01, counting what would go) unless
// loss.allowed; the tables and relationships it counted stay locked, so nothing is added
// to them before the change runs.
ChangeResult change_model(const naming::TenantNames& names, const Edit& edit, bool dry_run,
                          const DataLoss& loss);

}  // namespace udm::pg
