// The change events of a tenant as udm's outbox functions return them, behind an interface
// so that the change feed can be tested without a database.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace udm::gateway {

// One committed model change (a row of udm.schema_events).
struct SchemaEvent {
    std::int64_t version = 0;
    std::int64_t previous_version = 0;
    std::string actor;
    std::string time;         // ISO 8601, UTC
    double committed_at = 0;  // seconds since the epoch, for the latency metric
    nlohmann::json diff = nlohmann::json::array();
};

// One committed write of class data (a row of udm.data_events).
struct DataEvent {
    std::string position;  // an ordered decimal, kept as text
    std::string class_name;
    std::string operation;  // insert, update or delete
    std::string thing_id;
    nlohmann::json changed = nlohmann::json::array();  // attribute names
    std::string time;
    double committed_at = 0;
};

// A tenant's current model and its version, read in one snapshot.
struct TenantModel {
    std::int64_t version = 0;
    nlohmann::json model;
    // Changes when the tenant is dropped and created again under the same name (the OID of
    // its schema_state table), so a recreated tenant is not taken for the old one.
    std::string identity;
};

// The consumer's position is older than what the outbox still holds (SQLSTATE 22023).
class BehindRetention : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A tenant that exists, as udm.tenant_state tells: its identity (as in TenantModel), and
// whether its events can be read now (false while the Citus node holding it is down).
struct TenantPresence {
    std::string identity;
    bool reachable = true;
};

// A query failed for another reason than a lost connection (missing function, bad data, a
// Citus worker that cannot be reached).
class OutboxQueryError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The tenant does not exist (any more): udm's functions raised SQLSTATE 42704.
class UnknownTenant : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A read of things failed in the database (udm.graphql_things): its SQLSTATE and message (the
// message is for the log only, never for clients).
class ThingReadError : public std::runtime_error {
  public:
    ThingReadError(std::string sqlstate, const std::string& message)
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }

  private:
    std::string sqlstate_;
};

// Reads udm's outbox. Implementations throw BehindRetention, UnknownTenant and
// OutboxQueryError as above; any other exception means the connection is gone.
class Outbox {
  public:
    virtual ~Outbox() = default;
    // The current model and version of tenant, or nullopt when there is no such tenant.
    virtual std::optional<TenantModel> current_model(const std::string& tenant) = 0;
    // The model document of tenant as of version (udm.schema_at).
    virtual nlohmann::json schema_at(const std::string& tenant, std::int64_t version) = 0;
    // The model changes of tenant after version, in order.
    virtual std::vector<SchemaEvent> schema_events(const std::string& tenant,
                                                   std::int64_t after_version) = 0;
    // At most max data events of tenant after position, in order, without gaps.
    virtual std::vector<DataEvent> data_events(const std::string& tenant,
                                               const std::string& after_position, int max) = 0;
    // The position of the newest retained data event of tenant ("0" when there is none).
    virtual std::string data_head(const std::string& tenant) = 0;
    // How far udm.prune_events removed tenant's data events: every event after it is still
    // kept ("0" when nothing was pruned).
    virtual std::string data_pruned_through(const std::string& tenant) = 0;
    // What is known of each of tenants that exists now, in one query; tenants that do not
    // exist are missing from the result.
    virtual std::map<std::string, TenantPresence> tenant_identities(
        const std::vector<std::string>& tenants) = 0;
    // The things of ids (of one class) as the thing field of a subscription document
    // selects them, read as the tenant's role: an object from id to thing holding those that
    // are there and not soft deleted (udm.graphql_things). Throws ThingReadError.
    virtual nlohmann::json read_things(const std::string& tenant, const std::string& query,
                                       const std::string& variables,
                                       const std::optional<std::string>& operation_name,
                                       const std::vector<std::string>& ids) {
        (void)tenant, (void)query, (void)variables, (void)operation_name, (void)ids;
        throw ThingReadError("0A000", "this outbox reads no things");
    }
};

}  // namespace udm::gateway
