// GraphQL requests over HTTP: GET parameters and POST bodies, Accept and Content-Type, and
// the status of GraphQL responses (graphql-over-http draft).
#include "graphql_http.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol.hpp"
#include "udm/core/graphql/document.hpp"

namespace udm::gateway {

namespace {

using nlohmann::json;

constexpr std::string_view kGraphqlResponseJson = "application/graphql-response+json";
constexpr std::string_view kJson = "application/json";
// Deepest nesting of a request body or of variables; no request comes near it.
constexpr int kMaxRequestDepth = 64;

// text without leading and trailing spaces and tabs.
std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// text in lower case (ASCII).
std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The pieces of text between separators.
std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t end = text.find(separator, start);
        out.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            return out;
        start = end + 1;
    }
}

// A header's values joined with ", " (a list header may come in several fields).
std::string joined(const Request& request, http::field field) {
    std::string out;
    auto range = request.equal_range(field);
    for (auto it = range.first; it != range.second; ++it) {
        if (!out.empty())
            out += ", ";
        out.append(it->value().data(), it->value().size());
    }
    return out;
}

// The content type of a GraphQL response of type.
std::string content_type_of(GraphqlMediaType type) {
    return std::string(type == GraphqlMediaType::kGraphqlResponseJson ? kGraphqlResponseJson
                                                                      : kJson) +
           "; charset=utf-8";
}

// A response of status with body in the media type.
Response typed_response(const Request& request, GraphqlMediaType type, http::status status,
                        std::string body) {
    Response response = json_response(request, status, "");
    response.set(http::field::content_type, content_type_of(type));
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

// A request error: 400 {"errors": [{"message"}]}.
Response bad_request(const Request& request, GraphqlMediaType type, const std::string& message) {
    return graphql_error_response(request, type, http::status::bad_request, message, "BAD_REQUEST");
}

// The raw text of each member of a JSON object text (already known to be valid), in order;
// a later member of the same name wins, as in nlohmann::json. The raw text of variables goes
// to the database as the client wrote it: numbers keep every digit.
std::vector<std::pair<std::string, std::string_view>> raw_members(std::string_view text) {
    std::vector<std::pair<std::string, std::string_view>> out;
    std::size_t i = text.find('{') + 1;
    auto skip_space = [&] {
        while (i < text.size() &&
               (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
            ++i;
    };
    // The end of the string starting at i (its closing quote + 1).
    auto string_end = [&](std::size_t at) {
        for (std::size_t j = at + 1; j < text.size(); ++j) {
            if (text[j] == '\\')
                ++j;
            else if (text[j] == '"')
                return j + 1;
        }
        return text.size();
    };
    for (;;) {
        skip_space();
        if (i >= text.size() || text[i] != '"')
            return out;
        std::size_t key_end = string_end(i);
        std::string key = json::parse(text.substr(i, key_end - i)).get<std::string>();
        i = key_end;
        skip_space();
        ++i;  // ':'
        skip_space();
        std::size_t start = i;
        int depth = 0;
        while (i < text.size()) {
            char c = text[i];
            if (c == '"') {
                i = string_end(i);
                continue;
            }
            if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (depth == 0)
                    break;
                --depth;
            } else if (c == ',' && depth == 0) {
                break;
            }
            ++i;
        }
        std::string_view value = text.substr(start, i - start);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
            value.remove_suffix(1);
        out.emplace_back(std::move(key), value);
        if (i >= text.size() || text[i] == '}')
            return out;
        ++i;  // ','
    }
}

// The parameters of a request, raw where they are JSON.
struct Parameters {
    std::optional<std::string> query;
    std::optional<std::string> variables;       // raw JSON text
    std::optional<std::string> operation_name;  // decoded
    std::optional<std::string> extensions;      // raw JSON text
};

// Checks variables and extensions (JSON texts: objects or null) and the query; moves what is
// valid into out, or returns the response refusing it.
std::optional<Response> check_parameters(const Request& request, GraphqlMediaType type,
                                         const GraphqlHttpLimits& limits, Parameters& params,
                                         PersistedQueries* persisted, GraphqlHttpRequest& out) {
    // PostgreSQL's text cannot hold NUL.
    for (const auto* text : {&params.query, &params.operation_name, &params.variables}) {
        if (*text && (*text)->find('\0') != std::string::npos)
            return bad_request(request, type, "The request holds a NUL character.");
    }
    if (params.query && params.query->size() > limits.max_query_bytes) {
        return bad_request(request, type,
                           "The query is too long: " + std::to_string(params.query->size()) +
                               " bytes, at most " + std::to_string(limits.max_query_bytes) + ".");
    }
    json extensions;
    for (auto [name, text] :
         {std::pair{"variables", &params.variables}, std::pair{"extensions", &params.extensions}}) {
        if (!*text)
            continue;
        if (!json_nesting_within(**text, kMaxRequestDepth)) {
            return bad_request(request, type,
                               std::string("The ") + name + " are nested more than " +
                                   std::to_string(kMaxRequestDepth) + " levels deep.");
        }
        json value = json::parse(**text, nullptr, false);
        if (value.is_discarded())
            return bad_request(request, type, std::string("The ") + name + " are not JSON.");
        if (value.is_null()) {
            text->reset();
        } else if (!value.is_object()) {
            return bad_request(request, type,
                               std::string("The ") + name + " must be a JSON object.");
        } else if (text == &params.extensions) {
            extensions = std::move(value);
        }
    }
    if (persisted == nullptr) {
        if (!params.query)
            return bad_request(request, type, "The request has no query.");
        out.query = std::move(*params.query);
    } else {
        PersistedQueryOutcome resolved = persisted->resolve(&extensions, std::move(params.query));
        if (auto* refusal = std::get_if<PersistedQueryRefusal>(&resolved)) {
            // Apollo clients send the query again on this error; like Apollo Server, it is a
            // 200 so that they read it as a GraphQL error rather than a failed request.
            if (refusal->kind == PersistedQueryRefusal::Kind::kNotFound) {
                return graphql_error_response(request, type, http::status::ok, refusal->message,
                                              refusal->code);
            }
            return bad_request(request, type, refusal->message);
        }
        out.query = std::move(std::get<std::string>(resolved));
    }
    out.variables = std::move(params.variables);
    out.operation_name = std::move(params.operation_name);
    return std::nullopt;
}

// The type of the operation a request runs, when the document parses and names it clearly.
std::optional<udm::graphql::OperationType> operation_type_of(
    const std::string& query, const std::optional<std::string>& operation_name) {
    udm::graphql::ParseResult parsed = udm::graphql::parse(query);
    if (!parsed.ok())
        return std::nullopt;
    const auto& operations = parsed.document.operations;
    if (!operation_name) {
        if (operations.size() != 1)
            return std::nullopt;
        return operations.front().type;
    }
    for (const auto& operation : operations) {
        if (operation.name == operation_name)
            return operation.type;
    }
    return std::nullopt;
}

// The parameters of a GET request's query string.
std::variant<Parameters, std::string> get_parameters(std::string_view target) {
    Parameters params;
    std::size_t question = target.find('?');
    if (question == std::string_view::npos)
        return params;
    for (std::string_view pair : split(target.substr(question + 1), '&')) {
        if (pair.empty())
            continue;
        std::size_t eq = pair.find('=');
        std::optional<std::string> name = url_decode(pair.substr(0, eq));
        std::optional<std::string> value =
            url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!name || !value)
            return std::string("The query string is not URL-encoded correctly.");
        std::optional<std::string>* slot = nullptr;
        if (*name == "query")
            slot = &params.query;
        else if (*name == "variables")
            slot = &params.variables;
        else if (*name == "operationName")
            slot = &params.operation_name;
        else if (*name == "extensions")
            slot = &params.extensions;
        if (slot == nullptr)
            continue;
        if (*slot)
            return "The parameter " + *name + " is given more than once.";
        *slot = std::move(*value);
    }
    return params;
}

// The parameters of a POST request's JSON body.
std::variant<Parameters, std::string> post_parameters(const std::string& body) {
    if (!json_nesting_within(body, kMaxRequestDepth)) {
        return "The request body is nested more than " + std::to_string(kMaxRequestDepth) +
               " levels deep.";
    }
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded())
        return std::string("The request body is not JSON.");
    if (!parsed.is_object())
        return std::string("The request body must be a JSON object.");
    Parameters params;
    for (auto& [name, raw] : raw_members(body)) {
        if (name == "query") {
            const json& query = parsed["query"];
            if (!query.is_string())
                return std::string("The query must be a string.");
            params.query = query.get<std::string>();
        } else if (name == "variables") {
            params.variables = std::string(raw);
        } else if (name == "operationName") {
            const json& operation = parsed["operationName"];
            if (operation.is_null()) {
                params.operation_name.reset();
            } else if (operation.is_string()) {
                params.operation_name = operation.get<std::string>();
            } else {
                return std::string("The operationName must be a string.");
            }
        } else if (name == "extensions") {
            params.extensions = std::string(raw);
        }
    }
    return params;
}

// Whether a Content-Type value is application/json (in UTF-8, the only charset it has).
bool is_json_content_type(std::string_view value) {
    std::vector<std::string_view> parts = split(value, ';');
    if (lower(trim(parts.front())) != kJson)
        return false;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        std::string param = lower(trim(parts[i]));
        if (param.rfind("charset=", 0) == 0) {
            std::string charset = param.substr(8);
            charset.erase(std::remove(charset.begin(), charset.end(), '"'), charset.end());
            if (charset != "utf-8" && charset != "utf8")
                return false;
        }
    }
    return true;
}

}  // namespace

std::optional<GraphqlMediaType> negotiate_graphql_media_type(std::string_view accept) {
    if (trim(accept).empty())
        return GraphqlMediaType::kJson;
    // For each type we serve: the q of the most specific range naming it, and how specific
    // (3 exact, 2 application/*, 1 */*, 0 not named).
    struct Match {
        double q = 0;
        int specificity = 0;
    };
    Match graphql_response, plain_json;
    auto consider = [](Match& match, int specificity, double q) {
        if (specificity > match.specificity) {
            match.specificity = specificity;
            match.q = q;
        }
    };
    for (std::string_view item : split(accept, ',')) {
        std::vector<std::string_view> parts = split(item, ';');
        std::string range = lower(trim(parts.front()));
        if (range.empty())
            continue;
        double q = 1;
        for (std::size_t i = 1; i < parts.size(); ++i) {
            std::string param = lower(trim(parts[i]));
            if (param.rfind("q=", 0) == 0) {
                char* end = nullptr;
                q = std::strtod(param.c_str() + 2, &end);
                if (end == param.c_str() + 2 || q < 0 || q > 1)
                    q = 0;
            }
        }
        if (range == kGraphqlResponseJson)
            consider(graphql_response, 3, q);
        if (range == kJson)
            consider(plain_json, 3, q);
        if (range == "application/*") {
            consider(graphql_response, 2, q);
            consider(plain_json, 2, q);
        }
        if (range == "*/*") {
            consider(graphql_response, 1, q);
            consider(plain_json, 1, q);
        }
    }
    if (graphql_response.q <= 0 && plain_json.q <= 0)
        return std::nullopt;
    if (graphql_response.q != plain_json.q) {
        return graphql_response.q > plain_json.q ? GraphqlMediaType::kGraphqlResponseJson
                                                 : GraphqlMediaType::kJson;
    }
    // Equally acceptable: the one the client named rather than matched by a wildcard; when
    // it named both, the one the draft prefers; application/json for wildcards alone.
    if (graphql_response.specificity == 3)
        return GraphqlMediaType::kGraphqlResponseJson;
    return GraphqlMediaType::kJson;
}

std::optional<std::string> url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
                return std::nullopt;
            }
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::variant<GraphqlHttpRequest, Response> read_graphql_request(const Request& request,
                                                                const GraphqlHttpLimits& limits,
                                                                PersistedQueries* persisted) {
    const bool get = request.method() == http::verb::get;
    if (!get && request.method() != http::verb::post) {
        Response response = graphql_error_response(request, GraphqlMediaType::kJson,
                                                   http::status::method_not_allowed,
                                                   "Use GET or POST.", "METHOD_NOT_ALLOWED");
        response.set(http::field::allow, "GET, POST");
        return response;
    }
    std::optional<GraphqlMediaType> type =
        negotiate_graphql_media_type(joined(request, http::field::accept));
    if (!type) {
        return graphql_error_response(
            request, GraphqlMediaType::kJson, http::status::not_acceptable,
            "Responses are application/graphql-response+json or application/json.",
            "NOT_ACCEPTABLE");
    }
    GraphqlHttpRequest out;
    out.media_type = *type;
    std::variant<Parameters, std::string> params;
    if (get) {
        boost::beast::string_view target = request.target();
        params = get_parameters(std::string_view(target.data(), target.size()));
    } else {
        if (request.count(http::field::content_type) != 1 ||
            !is_json_content_type(joined(request, http::field::content_type))) {
            return graphql_error_response(request, *type, http::status::unsupported_media_type,
                                          "The request body must be application/json.",
                                          "UNSUPPORTED_MEDIA_TYPE");
        }
        params = post_parameters(request.body());
    }
    if (auto* why = std::get_if<std::string>(&params))
        return bad_request(request, *type, *why);
    if (auto refused =
            check_parameters(request, *type, limits, std::get<Parameters>(params), persisted, out))
        return std::move(*refused);
    // GET must not change anything (RFC 9110 9.2.1): a mutation is refused before it runs.
    if (get && operation_type_of(out.query, out.operation_name) ==
                   udm::graphql::OperationType::kMutation) {
        Response response =
            graphql_error_response(request, *type, http::status::method_not_allowed,
                                   "Mutations are sent with POST.", "METHOD_NOT_ALLOWED");
        response.set(http::field::allow, "POST");
        return response;
    }
    return out;
}

bool graphql_response_has_data(std::string_view body) {
    std::size_t i = body.find_first_not_of(" \t\r\n");
    if (i == std::string_view::npos || body[i] != '{')
        return false;
    i = body.find_first_not_of(" \t\r\n", i + 1);
    // jsonb writes shorter keys first: "data" comes before "errors" and "extensions".
    if (i != std::string_view::npos && body.substr(i, 6) == "\"data\"")
        return true;
    json parsed = json::parse(body, nullptr, false);
    return parsed.is_object() && parsed.contains("data");
}

Response graphql_result_response(const Request& request, GraphqlMediaType type, std::string body) {
    // application/json: every well-formed GraphQL response is 200 (the legacy rule).
    http::status status = http::status::ok;
    if (type == GraphqlMediaType::kGraphqlResponseJson && !graphql_response_has_data(body))
        status = http::status::bad_request;
    return typed_response(request, type, status, std::move(body) + "\n");
}

Response graphql_error_response(const Request& request, GraphqlMediaType type, http::status status,
                                const std::string& message, const std::string& code,
                                const std::string& sqlstate) {
    nlohmann::ordered_json extensions{{"code", code}};
    if (!sqlstate.empty())
        extensions["sqlstate"] = sqlstate;
    nlohmann::ordered_json body{
        {"errors", nlohmann::ordered_json::array({nlohmann::ordered_json{
                       {"message", message}, {"extensions", extensions}}})}};
    return typed_response(request, type, status, body.dump() + "\n");
}

GraphqlFailure describe_graphql_failure(const GraphqlCallResult& failure) {
    const std::string& state = failure.sqlstate;
    const std::string klass = state.substr(0, 2);
    if (failure.connection_lost || klass == "08" || klass == "53" || state == "57P01" ||
        state == "57P02" || state == "57P03") {
        return {http::status::service_unavailable, "The database is unavailable; try again.",
                "DATABASE_UNAVAILABLE", state, true};
    }
    if (klass == "40") {
        // A serialization failure or a deadlock: the transaction was rolled back whole, and
        // the same request may well succeed when sent again.
        return {http::status::service_unavailable,
                "The transaction conflicted with another one and was rolled back; try again.",
                "TRANSACTION_ROLLBACK", state, true};
    }
    if (state == "57014") {
        return {http::status::gateway_timeout,
                "The request was canceled by the database: it ran longer than statement_timeout.",
                "TIMEOUT", state, false};
    }
    if (klass == "22") {
        // A value PostgreSQL refuses in the request itself (variables jsonb cannot hold).
        return {http::status::bad_request, "The request holds a value the database refuses.",
                "BAD_USER_INPUT", state, false};
    }
    if (state == "42704")
        return {http::status::not_found, "Unknown tenant.", "UNKNOWN_TENANT", state, false};
    return {http::status::internal_server_error, "The request failed in the database.",
            "INTERNAL_SERVER_ERROR", state, false};
}

Response graphql_failure_response(const Request& request, GraphqlMediaType type,
                                  const GraphqlCallResult& failure) {
    GraphqlFailure described = describe_graphql_failure(failure);
    Response response = graphql_error_response(request, type, described.status, described.message,
                                               described.code, described.sqlstate);
    if (described.retry)
        response.set(http::field::retry_after, "1");
    return response;
}

Response graphql_busy_response(const Request& request, GraphqlMediaType type,
                               const std::string& message, std::chrono::milliseconds retry_after) {
    Response response = graphql_error_response(request, type, http::status::service_unavailable,
                                               message, "SERVICE_UNAVAILABLE");
    const auto seconds = std::max<long long>(1, (retry_after.count() + 999) / 1000);
    response.set(http::field::retry_after, std::to_string(seconds));
    return response;
}

}  // namespace udm::gateway

namespace udm::gateway {

std::string rate_limited_message(std::int64_t requests_per_second) {
    return "Too many requests: this tenant may send " + std::to_string(requests_per_second) +
           " per second; try again later.";
}

Response graphql_rate_limited_response(const Request& request, GraphqlMediaType type,
                                       std::int64_t requests_per_second,
                                       std::chrono::milliseconds retry_after) {
    Response response =
        graphql_error_response(request, type, http::status::too_many_requests,
                               rate_limited_message(requests_per_second), "RATE_LIMITED");
    const auto seconds = std::max<long long>(1, (retry_after.count() + 999) / 1000);
    response.set(http::field::retry_after, std::to_string(seconds));
    return response;
}

}  // namespace udm::gateway
