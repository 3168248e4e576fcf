// The fake GraphQL engine of the gateway's tests.
#include "fake_engine.hpp"

#include <cctype>

namespace udm::gateway::testing {

namespace {

using nlohmann::json;

// A token of the fake grammar with its 1-based position.
struct Token {
    std::string text;  // a name, "$name", a string literal with quotes, or punctuation
    int line = 1;
    int column = 1;
};

// Splits a document into tokens; nullopt on a character the grammar does not know.
std::optional<std::vector<Token>> tokenize(std::string_view doc, GraphQLError& error) {
    std::vector<Token> tokens;
    int line = 1;
    int column = 1;
    std::size_t i = 0;
    auto advance = [&](std::size_t n) {
        for (std::size_t k = 0; k < n; ++k, ++i) {
            if (doc[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
    };
    while (i < doc.size()) {
        char c = doc[i];
        if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
            advance(1);
            continue;
        }
        Token token{{}, line, column};
        std::size_t start = i;
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
            std::size_t end = i + 1;
            while (end < doc.size() &&
                   (std::isalnum(static_cast<unsigned char>(doc[end])) || doc[end] == '_')) {
                ++end;
            }
            advance(end - start);
        } else if (c == '"') {
            std::size_t end = doc.find('"', i + 1);
            if (end == std::string_view::npos) {
                error = {"Syntax Error: Unterminated string.", {{line, column}}};
                return std::nullopt;
            }
            advance(end + 1 - start);
        } else if (std::string_view("{}():!").find(c) != std::string_view::npos) {
            advance(1);
        } else {
            error = {std::string("Syntax Error: Unexpected character: \"") + c + "\".",
                     {{line, column}}};
            return std::nullopt;
        }
        token.text = std::string(doc.substr(start, i - start));
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// An operation of the fake grammar.
class FakeOperation : public PreparedOperation {
  public:
    FakeOperation(std::string field, bool subscription, std::optional<std::string> class_filter,
                  std::vector<std::string> selection)
        : field_(std::move(field)),
          subscription_(subscription),
          class_filter_(std::move(class_filter)),
          selection_(std::move(selection)) {}

    std::string root_field() const override { return field_; }
    bool is_subscription() const override { return subscription_; }
    bool matches(const json& event) const override {
        return !class_filter_ || event.value("class", std::string()) == *class_filter_;
    }
    nlohmann::ordered_json execute(const json& root_value) const override {
        json value = root_value.contains(field_) ? root_value[field_] : root_value;
        if (!selection_.empty() && value.is_object()) {
            json picked = json::object();
            for (const auto& name : selection_)
                picked[name] = value.value(name, json());
            value = std::move(picked);
        }
        return json{{"data", json{{field_, std::move(value)}}}};
    }

  private:
    std::string field_;
    bool subscription_;
    std::optional<std::string> class_filter_;
    std::vector<std::string> selection_;
};

// A fake tenant schema.
class FakeSchema : public TenantSchema {
  public:
    FakeSchema(std::int64_t version, std::string sdl) : version_(version), sdl_(std::move(sdl)) {}

    std::int64_t version() const override { return version_; }
    const std::string& sdl() const override { return sdl_; }

    PrepareResult prepare(std::string_view document, const json& variables,
                          const std::optional<std::string>&) const override {
        GraphQLError error;
        auto tokens = tokenize(document, error);
        if (!tokens)
            return std::vector<GraphQLError>{error};
        std::size_t i = 0;
        auto at = [&](std::size_t k) -> const Token* {
            return k < tokens->size() ? &(*tokens)[k] : nullptr;
        };
        auto fail = [&](const std::string& message, const Token* token) -> PrepareResult {
            GraphQLError e{message, {}};
            if (token)
                e.locations.push_back({token->line, token->column});
            return std::vector<GraphQLError>{e};
        };
        bool subscription = false;
        if (at(i) && (at(i)->text == "query" || at(i)->text == "subscription")) {
            subscription = at(i)->text == "subscription";
            ++i;
            if (at(i) && at(i)->text != "{" && at(i)->text != "(")
                ++i;                            // operation name
            if (at(i) && at(i)->text == "(") {  // variable definitions are not checked
                while (at(i) && at(i)->text != ")")
                    ++i;
                ++i;
            }
        }
        if (!at(i) || at(i)->text != "{")
            return fail("Syntax Error: Expected \"{\".", at(i));
        const Token* field = at(++i);
        if (!field || !(std::isalpha(static_cast<unsigned char>(field->text[0])))) {
            return fail("Syntax Error: Expected Name.", field);
        }
        const char* type = subscription ? "Subscription" : "Query";
        bool known = subscription
                         ? (field->text == "schemaChanged" || field->text == "thingChanged")
                         : (field->text == "schemaVersion" || field->text == "sdl");
        if (!known) {
            return fail("Cannot query field \"" + field->text + "\" on type \"" + type + "\".",
                        field);
        }
        ++i;
        std::optional<std::string> class_filter;
        if (at(i) && at(i)->text == "(") {
            if (!at(i + 1) || at(i + 1)->text != "class" || !at(i + 2) || at(i + 2)->text != ":" ||
                !at(i + 3) || !at(i + 4) || at(i + 4)->text != ")") {
                return fail("Unknown argument on field \"" + field->text + "\".", at(i + 1));
            }
            const std::string& value = at(i + 3)->text;
            if (value[0] == '$') {
                auto v = variables.find(value.substr(1));
                if (v == variables.end() || !v->is_string()) {
                    return fail(
                        "Variable \"" + value + "\" of required type \"String!\" was not provided.",
                        at(i + 3));
                }
                class_filter = v->get<std::string>();
            } else if (value[0] == '"') {
                class_filter = value.substr(1, value.size() - 2);
            } else {
                return fail("String cannot represent a non string value: " + value, at(i + 3));
            }
            i += 5;
        }
        std::vector<std::string> selection;
        if (at(i) && at(i)->text == "{") {
            for (++i; at(i) && at(i)->text != "}"; ++i)
                selection.push_back(at(i)->text);
            if (!at(i))
                return fail("Syntax Error: Expected Name, found <EOF>.", nullptr);
            ++i;
        }
        if (!at(i) || at(i)->text != "}")
            return fail("Syntax Error: Expected \"}\".", at(i));
        if (at(i + 1))
            return fail("Syntax Error: Unexpected Name \"" + at(i + 1)->text + "\".", at(i + 1));
        return std::make_shared<const FakeOperation>(field->text, subscription,
                                                     std::move(class_filter), std::move(selection));
    }

  private:
    std::int64_t version_;
    std::string sdl_;
};

}  // namespace

SchemaBuilder fake_schema_builder() {
    return [](const json& model, std::int64_t version) {
        std::string sdl = "# fake schema of model version " + std::to_string(version) + "\n";
        if (model.is_object() && model.contains("classes") && model["classes"].is_object()) {
            for (auto it = model["classes"].begin(); it != model["classes"].end(); ++it) {
                sdl += "# class " + it.key() + "\n";
            }
        }
        sdl +=
            "type Query {\n  schemaVersion: Int!\n  sdl: String!\n}\n"
            "type Subscription {\n  schemaChanged: SchemaChange!\n"
            "  thingChanged(class: String): ThingChange!\n}\n"
            "type SchemaChange {\n  version: Int!\n  previousVersion: Int!\n  time: String!\n"
            "  actor: String\n  breaking: Boolean!\n  sdl: String!\n}\n"
            "type ThingChange {\n  position: String!\n  operation: String!\n  class: String!\n"
            "  id: ID!\n  changedAttributes: [String!]!\n  time: String!\n}\n";
        return std::make_shared<const FakeSchema>(version, std::move(sdl));
    };
}

}  // namespace udm::gateway::testing
