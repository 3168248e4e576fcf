// udm-gateway with the fake GraphQL engine, for test/integration/gateway_e2e.sh.
#include "fake_engine.hpp"
#include "server.hpp"

// Runs the gateway with the test double of the engine (see udm-gateway --help).
int main(int argc, char** argv) {
    return udm::gateway::gateway_main(argc, argv, udm::gateway::testing::fake_schema_builder());
}
