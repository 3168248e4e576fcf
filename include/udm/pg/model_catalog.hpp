// Reading a tenant's model from its catalog.
#pragma once

#include "udm/core/model.hpp"
#include "udm/core/naming.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg {

// Reads the tenant's current model from its catalog (with ids), with the snapshot of spi.
model::Model load_model(Spi& spi, const naming::TenantNames& names);

// The same, on an SPI connection of its own.
model::Model read_model(const naming::TenantNames& names);

}  // namespace udm::pg
