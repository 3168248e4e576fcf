// udm-gateway: GraphQL SDL and subscriptions over udm's change events.
#include "engine_core.hpp"
#include "server.hpp"

// Runs the gateway (see --help).
int main(int argc, char** argv) {
    using namespace udm::gateway;
    return gateway_main(argc, argv, [](const Config& config) {
        return core_engine_builder(EngineOptions{config.introspection});
    });
}
