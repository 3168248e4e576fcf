// The stand-in engine of udm-gateway until the core's GraphQL engine is merged.
#include "engine_pending.hpp"

namespace udm::gateway {

namespace {

// A tenant schema that knows its version and nothing else.
class PendingSchema : public TenantSchema {
public:
    explicit PendingSchema(std::int64_t version) : version_(version) {}

    std::int64_t version() const override { return version_; }
    const std::string& sdl() const override { return sdl_; }
    PrepareResult prepare(std::string_view, const nlohmann::json&,
                          const std::optional<std::string>&) const override {
        return std::vector<GraphQLError>{
            {"this build of udm-gateway has no GraphQL engine yet", {}}};
    }

private:
    std::int64_t version_;
    std::string sdl_;
};

}  // namespace

SchemaBuilder pending_engine_builder() {
    return [](const nlohmann::json&, std::int64_t version) {
        return std::make_shared<const PendingSchema>(version);
    };
}

}  // namespace udm::gateway
