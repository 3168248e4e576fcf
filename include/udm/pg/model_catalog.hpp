// Reading a tenant's model from its catalog.
#pragma once

#include <optional>
#include <string>

#include "udm/core/model.hpp"
#include "udm/core/naming.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg {

// Reads the tenant's current model from its catalog (with ids), with the snapshot of spi.
model::Model load_model(Spi& spi, const naming::TenantNames& names);

// The same, on an SPI connection of its own.
model::Model read_model(const naming::TenantNames& names);

// One class and what its rules depend on: its assigned attributes, and the classes their
// references name (bare, without attributes).
struct ClassModel {
    model::Model model;
    std::string class_name;
};

// Reads, with the snapshot of spi, the class of the tenant whose table is named table, as
// a model holding only that class and what it needs (see ClassModel); nullopt when no class
// has that table. Costs what the class holds, not what the tenant holds.
std::optional<ClassModel> load_class_model(Spi& spi, const naming::TenantNames& names,
                                           const std::string& table);

}  // namespace udm::pg
