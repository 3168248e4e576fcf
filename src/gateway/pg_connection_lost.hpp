// Telling a lost database connection from an error the server reports of another one.
#pragma once

#include <pqxx/pqxx>

namespace udm::gateway {

// libpqxx 6 throws pqxx::broken_connection for every SQLSTATE of class 08, also when the
// server itself reports it of a connection of its own: a Citus coordinator that cannot reach
// the worker holding a tenant. Only when the gateway's own connection is no longer open is
// it lost (and to be opened again); otherwise the error is that query's, and of its tenant.
inline bool connection_lost(const pqxx::connection_base& connection) {
    return !connection.is_open();
}

}  // namespace udm::gateway
