// The whole gateway process: configuration, threads, database listener, HTTP listener,
// signals and graceful shutdown.
#pragma once

#include "config.hpp"
#include "graphql_engine.hpp"

namespace udm::gateway {

// Runs the gateway until SIGTERM or SIGINT; returns the process exit status.
int run_server(const Config& config, SchemaBuilder builder);

// Parses the command line and the environment, then runs the gateway with builder.
int gateway_main(int argc, char** argv, SchemaBuilder builder);
// The same with the builder made from the configuration (e.g. its introspection switch).
int gateway_main(int argc, char** argv,
                 const std::function<SchemaBuilder(const Config&)>& make_builder);

}  // namespace udm::gateway
