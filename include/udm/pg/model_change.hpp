// Changing a tenant's model in one transaction: lock, load, plan, check, run, record.
#pragma once

#include <cstdint>
#include <functional>

#include "udm/core/model.hpp"
#include "udm/core/planner.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg {

// Turns the current model into the desired one.
using Edit = std::function<model::Model(const model::Model& current)>;

// What a change did.
struct ChangeResult {
    std::int64_t version = 0;  // the schema version after the change
    planner::Plan plan;        // the steps; empty when nothing changed
};

// Runs a model change of an existing, authorized tenant: takes the tenant's model lock
// (waiting at most udm.ddl_lock_timeout), plans the edit against the current model and,
// unless dry_run, runs every check, DDL statement and catalog change and records a new
// schema version with its diff and DDL. A change that changes nothing records nothing.
ChangeResult change_model(const naming::TenantNames& names, const Edit& edit, bool dry_run);

}  // namespace udm::pg
