// udm-gateway: GraphQL SDL and subscriptions over udm's change events.
#include "engine_core.hpp"
#include "server.hpp"

// Runs the gateway (see --help).
int main(int argc, char** argv) {
    return udm::gateway::gateway_main(argc, argv, udm::gateway::core_engine_builder());
}
