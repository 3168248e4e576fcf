// Reading a tenant's model from its catalog, through a per-backend cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "udm/core/model.hpp"
#include "udm/core/naming.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg {

// Which state of a tenant's catalog a model is: its schema version, the transaction that
// wrote that version (the xmin of the tenant's schema_state row) and that table's OID (a
// tenant dropped and created again in one transaction is another table). Every model
// change writes them with the catalog rows, so a key names one catalog content: a
// rolled-back change leaves a key no snapshot sees again, and a change in another session
// a new one.
struct ModelKey {
    std::int64_t version = 0;
    std::string writer;
    bool operator==(const ModelKey& o) const { return version == o.version && writer == o.writer; }
};

// The SQL expression of ModelKey::writer over the tenant's schema_state row.
inline constexpr const char* kModelKeyWriter = "xmin::text || '/' || tableoid::oid::text";

// A model as of one key, with the size of its document (model::to_json, dumped) that the
// history's checkpoints are measured against.
struct KnownModel {
    ModelKey key;
    std::shared_ptr<const model::Model> model;
    std::size_t bytes = 0;
};

// Reads the tenant's current model from its catalog (with ids), with the snapshot of spi.
model::Model load_model(Spi& spi, const naming::TenantNames& names);

// The key of the tenant's catalog as spi's next query sees it; with lock, the
// schema_state row is locked FOR UPDATE first (the model lock of a change). limits, when
// given, receives the tenant's stored limits (jsonb as text) from the same row.
ModelKey model_key(Spi& spi, const naming::TenantNames& names, bool lock,
                   std::string* limits = nullptr);

// The tenant's model as of key: from this backend's cache, or else read from the catalog
// (with spi's snapshot; the result then carries the key that snapshot saw).
KnownModel model_at(Spi& spi, const naming::TenantNames& names, const ModelKey& key);

// Records the model a change has just written (its renames resolved, every id set).
void remember_model(const naming::TenantNames& names, KnownModel known);

// The tenant's current model as the jsonb document of udm.model (kept with the cached
// model: a tenant read again and again is converted once).
Datum model_document(const naming::TenantNames& names);

// The tenant's current model on an SPI connection of its own; a copy, or shared.
model::Model read_model(const naming::TenantNames& names);
std::shared_ptr<const model::Model> read_model_shared(const naming::TenantNames& names);

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

// The same for the class of that id (the argument udm gives the triggers of a class table):
// nullopt when the tenant has no such class.
std::optional<ClassModel> load_class_model_by_id(Spi& spi, const naming::TenantNames& names,
                                                 const std::string& class_id);

}  // namespace udm::pg
