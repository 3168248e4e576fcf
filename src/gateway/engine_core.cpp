// The adapter between the gateway's engine interface and udm::graphql.
#include "engine_core.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>

#include "persisted_queries.hpp"
#include "udm/core/graphql/compile.hpp"
#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"

namespace udm::gateway {

namespace {

namespace gql = udm::graphql;

class CoreOperation final : public PreparedOperation {
  public:
    CoreOperation(gql::PreparedOperation operation, bool in_database,
                  std::optional<ThingSelection> things = std::nullopt)
        : operation_(std::move(operation)),
          in_database_(in_database),
          // A query whose fields @skip removed all has no root field; it answers {"data": {}}.
          root_field_(operation_.root_fields.empty() ? std::string()
                                                     : operation_.root_field().name),
          things_(std::move(things)) {
        for (const gql::PlannedField& f : operation_.root_fields)
            selects_sdl_ = selects_sdl_ || f.name == "sdl";
    }

    bool selects_sdl() const override { return selects_sdl_; }

    std::optional<ThingSelection> thing_selection() const override { return things_; }

    bool receives_thing_events() const override {
        return root_field_ == "thingChanged" || !operation_.event_class.empty();
    }

    std::string root_field() const override { return root_field_; }

    bool is_subscription() const override {
        return operation_.type == gql::OperationType::kSubscription;
    }

    bool runs_in_database() const override { return in_database_; }

    bool matches(const nlohmann::json& event) const override {
        if (root_field_ == "schemaChanged")
            return gql::schema_change_matches(operation_, event);
        if (root_field_ == "thingChanged" || !operation_.event_class.empty())
            return gql::thing_event_matches(operation_, event);
        return false;
    }

    nlohmann::ordered_json execute(const nlohmann::json& root_value) const override {
        if (!things_)
            return gql::execute(operation_, root_value);
        // The thing the change feed read for this selection, or why there is none.
        static const nlohmann::json kNull;
        const nlohmann::json* thing = &kNull;
        std::optional<std::string> error;
        std::string code = "INTERNAL";
        auto read = root_value.find(kThingsMember);
        auto failed = root_value.find(kThingErrorsMember);
        if (read != root_value.end() && read->contains(things_->key)) {
            thing = &(*read)[things_->key];
        } else if (failed != root_value.end() && failed->contains(things_->key)) {
            const nlohmann::json& e = (*failed)[things_->key];
            error = e.value("message", std::string("The thing could not be read."));
            code = e.value("code", code);
        } else {
            // Subscribed while the event's batch was being read.
            error =
                "The thing was not read for this event (the subscription started while "
                "its batch was read).";
        }
        return gql::execute_thing_event(operation_, root_value, *thing, error, code);
    }

    std::size_t estimated_response_bytes(std::size_t sdl_bytes) const override {
        return gql::estimate_response_bytes(operation_, sdl_bytes);
    }

  private:
    gql::PreparedOperation operation_;
    bool in_database_;
    std::string root_field_;
    std::optional<ThingSelection> things_;
    bool selects_sdl_ = false;
};

// A tenant's schema: its SDL, printed straight from the model when the schema is made,
// and the type system operations are validated against, built from the model on first use:
// by the change feed (complete()) once the SDL is served and the requests that waited for
// it answered, or by an operation that comes sooner (prepare(), which then waits for that
// one build). A large model's SDL is served in half the time so.
class CoreSchema final : public TenantSchema {
  public:
    CoreSchema(model::Model model, std::int64_t version, const EngineOptions& options)
        : sdl_(gql::print_model_sdl(model)),
          version_(version),
          model_(std::make_unique<model::Model>(std::move(model))) {
        options_.introspection = options.introspection;
    }

    std::int64_t version() const override { return version_; }
    const std::string& sdl() const override { return sdl_; }

    void complete() const override { (void)schema(); }

    PrepareResult prepare(std::string_view document, const nlohmann::json& variables,
                          const std::optional<std::string>& operation_name) const override {
        // Equal requests share one operation, so an event is executed once for all of them
        // (PreparedOperation::render): a thousand clients of one app send the same document.
        Key key{std::string(document), variables.dump(), operation_name};
        const std::size_t key_bytes = std::get<0>(key).size() + std::get<1>(key).size() +
                                      (operation_name ? operation_name->size() : 0);
        // Big requests are not kept: apps subscribe with small documents.
        const bool cacheable = key_bytes <= kMaxCachedRequestBytes;
        if (cacheable) {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = prepared_.find(key);
            if (it != prepared_.end())
                return it->second;
        }
        const gql::Schema& schema = this->schema();
        gql::PrepareResult prepared =
            gql::prepare(schema, document, variables, operation_name, options_);
        if (prepared.ok()) {
            // Things are read and written inside PostgreSQL by udm.graphql, with the client's
            // privileges: the gateway validated the operation and hands it over whole.
            bool in_database = false;
            for (const gql::PlannedField& f : prepared.operation->root_fields) {
                if (gql::reads_things(schema, f) || gql::writes_things(schema, f))
                    in_database = true;
            }
            // An introspection answer can be megabytes (a large schema): not kept.
            const bool introspects = prepared.operation->introspects();
            // A subscription selecting its events' thing: the change feed reads the things of
            // each batch once per equal request (document, operation name, variables).
            std::optional<ThingSelection> things;
            if (gql::event_thing_field(*prepared.operation) != nullptr) {
                const std::string& vars = std::get<1>(key);
                things = ThingSelection{
                    sha256_hex(std::string(document) + '\0' + vars + '\0' +
                               (operation_name ? "1" + *operation_name : std::string("0"))),
                    prepared.operation->event_class, std::string(document), vars, operation_name};
            }
            std::shared_ptr<const PreparedOperation> operation =
                std::make_shared<const CoreOperation>(std::move(*prepared.operation), in_database,
                                                      std::move(things));
            if (!cacheable || introspects)
                return operation;
            std::lock_guard<std::mutex> lock(mutex_);
            // Bounded in entries and bytes: a client sending ever new documents empties the
            // cache, nothing else.
            if (prepared_.size() >= kMaxPrepared || cached_bytes_ + key_bytes > kMaxCachedBytes) {
                prepared_.clear();
                cached_bytes_ = 0;
            }
            auto [it, added] = prepared_.emplace(std::move(key), operation);
            if (added)
                cached_bytes_ += key_bytes;
            return it->second;
        }
        std::vector<GraphQLError> errors;
        errors.reserve(prepared.errors.size());
        for (const gql::Error& e : prepared.errors) {
            GraphQLError error{e.message, {}};
            for (const gql::Location& l : e.locations)
                error.locations.emplace_back(l.line, l.column);
            errors.push_back(std::move(error));
        }
        return errors;
    }

  private:
    // The type system, built by the first caller (others wait for it); the model goes once
    // it is built. A failed build (out of memory) is tried again by the next caller.
    const gql::Schema& schema() const {
        std::call_once(built_, [this] {
            schema_ = std::make_unique<const gql::Schema>(gql::build_schema(*model_));
            model_.reset();
        });
        return *schema_;
    }

    // document, variables (JSON text), operation name
    using Key = std::tuple<std::string, std::string, std::optional<std::string>>;
    static constexpr std::size_t kMaxPrepared = 1024;
    static constexpr std::size_t kMaxCachedRequestBytes = 16 * 1024;
    static constexpr std::size_t kMaxCachedBytes = 4 * 1024 * 1024;

    std::string sdl_;
    std::int64_t version_;
    gql::PrepareOptions options_;
    mutable std::once_flag built_;
    mutable std::unique_ptr<model::Model> model_;        // until schema_ is built
    mutable std::unique_ptr<const gql::Schema> schema_;  // once built
    mutable std::mutex mutex_;
    mutable std::map<Key, std::shared_ptr<const PreparedOperation>> prepared_;
    mutable std::size_t cached_bytes_ = 0;  // of the keys in prepared_
};

}  // namespace

SchemaBuilder core_engine_builder(EngineOptions options) {
    return [options](const nlohmann::json& model_document, std::int64_t version) {
        // udm.model and udm.schema_at return the document format users write (no ids).
        return std::make_shared<const CoreSchema>(model::parse_model(model_document), version,
                                                  options);
    };
}

}  // namespace udm::gateway
