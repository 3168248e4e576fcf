// Change events: the signals (NOTIFY) sent when a transaction that wrote events commits.
//
// NOTIFY is the doorbell, the outbox is the mail: a signal carries the tenant (and for
// schema changes the version), never the events. At most one signal per channel and
// tenant is sent per transaction, from the pre-commit callback, so a rolled-back
// transaction or subtransaction signals nothing.
#pragma once

#include <cstdint>
#include <string>

namespace udm::pg {

// Channels of the signals.
inline constexpr const char* kSchemaChannel = "udm_schema";
inline constexpr const char* kDataChannel = "udm_data";

// Signals on udm_schema at commit that the tenant's schema is at version; payload
// {"tenant": "<tenant>", "version": <highest version queued>}.
void signal_schema_change(const std::string& tenant, std::int64_t version);

// Signals on udm_schema at commit that the tenant's limits changed (limits_version, at
// schema version version); payload {"tenant": "<tenant>", "version": <highest version>,
// "limits_version": <highest limits version queued>}, one signal with a model change of
// the same transaction.
void signal_limits_change(const std::string& tenant, std::int64_t version,
                          std::int64_t limits_version);

// Signals on udm_data at commit that the tenant has new data events; payload
// {"tenant": "<tenant>"}.
void signal_data_change(const std::string& tenant);

// Registers the transaction callbacks that send or forget the signals; from _PG_init.
void register_event_signals();

}  // namespace udm::pg
