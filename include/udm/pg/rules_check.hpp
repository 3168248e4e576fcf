// Checking rules against the rows a class already holds.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "udm/core/rules.hpp"
#include "udm/pg/spi.hpp"
#include "udm/pg/validation.hpp"

namespace udm::pg {

// The class of a model; 42704 (or 22023 for a bad name) when there is none.
const model::ThingClass& find_class_of(const model::Model& m, const std::string& cls);

// Checks every row of a class's table against the class's rules in model m; calls on_row
// with the id and violations of each row that breaks one, until it returns false. Custom
// functions run as the tenant's role, those custom accepts only.
void scan_violations(
    Spi& spi, const naming::TenantNames& names, const model::Model& m, const model::ThingClass& cls,
    const std::function<bool(const std::string&, const std::vector<rules::Violation>&)>& on_row,
    const CustomFilter& custom);

// Refuses (23514, with the count) a change whose new rules rows of a class already
// break, unless udm.rules_not_valid is on.
void check_existing_rows(Spi& spi, const naming::TenantNames& names, const model::Model& current,
                         const model::Model& desired, const model::Delta& delta);

}  // namespace udm::pg
