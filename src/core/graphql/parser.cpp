// Recursive-descent parser of executable GraphQL documents (spec October 2021, section 2),
// bounded in size, tokens and nesting depth.
#include <cstdint>
#include <utility>

#include "lexer.hpp"
#include "udm/core/graphql/document.hpp"

namespace udm::graphql {

namespace {

// The first byte of src that is not part of valid UTF-8, or npos.
std::size_t invalid_utf8_at(std::string_view src) {
    std::size_t i = 0;
    while (i < src.size()) {
        const auto c = static_cast<unsigned char>(src[i]);
        std::size_t n;
        std::uint32_t min;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 2, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4, min = 0x10000;
        } else {
            return i;
        }
        if (i + n > src.size())
            return i;
        std::uint32_t v = c & (0xff >> (n + 1));
        for (std::size_t k = 1; k < n; ++k) {
            const auto d = static_cast<unsigned char>(src[i + k]);
            if ((d & 0xc0) != 0x80)
                return i;
            v = (v << 6) | (d & 0x3f);
        }
        if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
            return i;
        i += n;
    }
    return std::string_view::npos;
}

class Parser {
  public:
    Parser(std::string_view source, const ParseLimits& limits)
        : lexer_(source, limits.max_tokens), max_depth_(limits.max_depth) {
        token_ = lexer_.next();
    }

    Document document() {
        Document doc;
        do {
            definition(doc);
        } while (token_.kind != TokenKind::kEof);
        return doc;
    }

  private:
    // Counts one level of nesting for as long as it lives.
    class Nesting {
      public:
        explicit Nesting(Parser& p) : p_(p) {
            if (++p_.depth_ > p_.max_depth_) {
                throw SyntaxFailure{Error{"Document is nested too deeply (more than " +
                                              std::to_string(p_.max_depth_) + " levels).",
                                          {p_.token_.location},
                                          {}}};
            }
        }
        ~Nesting() { --p_.depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;

      private:
        Parser& p_;
    };

    [[noreturn]] void fail_at(const Location& at, const std::string& message) {
        throw SyntaxFailure{Error{"Syntax Error: " + message, {at}, {}}};
    }
    [[noreturn]] void unexpected() {
        fail_at(token_.location, "Unexpected " + describe(token_) + ".");
    }

    bool peek(TokenKind kind) const { return token_.kind == kind; }
    bool peek_keyword(std::string_view word) const {
        return token_.kind == TokenKind::kName && token_.value == word;
    }
    void advance() { token_ = lexer_.next(); }

    // The current token, which must be of kind; moves past it.
    Token expect(TokenKind kind) {
        if (token_.kind != kind) {
            Token wanted{kind, {}, {}};
            fail_at(token_.location,
                    "Expected " +
                        (kind == TokenKind::kName ? std::string("Name") : describe(wanted)) +
                        ", found " + describe(token_) + ".");
        }
        Token t = std::move(token_);
        advance();
        return t;
    }

    // Moves past a token of kind when it is the current one.
    bool skip(TokenKind kind) {
        if (token_.kind != kind)
            return false;
        advance();
        return true;
    }

    void expect_keyword(std::string_view word) {
        if (!peek_keyword(word))
            fail_at(token_.location,
                    "Expected \"" + std::string(word) + "\", found " + describe(token_) + ".");
        advance();
    }

    void definition(Document& doc) {
        if (peek(TokenKind::kBraceL)) {
            OperationDefinition op;
            op.location = token_.location;
            op.selection_set = selection_set();
            doc.operations.push_back(std::move(op));
            return;
        }
        if (peek_keyword("query") || peek_keyword("mutation") || peek_keyword("subscription")) {
            doc.operations.push_back(operation());
            return;
        }
        if (peek_keyword("fragment")) {
            doc.fragments.push_back(fragment_definition());
            return;
        }
        if (peek(TokenKind::kString) || peek(TokenKind::kBlockString)) {
            fail_at(token_.location,
                    "Unexpected description, descriptions are supported only on type definitions.");
        }
        // Type system definitions (type, schema, ...) are not executable: as unexpected as
        // any other name here.
        unexpected();
    }

    OperationDefinition operation() {
        OperationDefinition op;
        op.location = token_.location;
        op.type = token_.value == "query"      ? OperationType::kQuery
                  : token_.value == "mutation" ? OperationType::kMutation
                                               : OperationType::kSubscription;
        advance();
        if (peek(TokenKind::kName)) {
            op.name_location = token_.location;
            op.name = expect(TokenKind::kName).value;
        }
        if (skip(TokenKind::kParenL)) {
            do {
                op.variables.push_back(variable_definition());
            } while (!skip(TokenKind::kParenR));
        }
        op.directives = directives(false);
        op.selection_set = selection_set();
        return op;
    }

    VariableDefinition variable_definition() {
        VariableDefinition v;
        v.location = token_.location;
        expect(TokenKind::kDollar);
        v.name = expect(TokenKind::kName).value;
        expect(TokenKind::kColon);
        v.type_location = token_.location;
        v.type = type();
        if (skip(TokenKind::kEquals))
            v.default_value = value(true);
        v.directives = directives(true);
        return v;
    }

    TypeRef type() {
        TypeRef t;
        if (peek(TokenKind::kBracketL)) {
            Nesting level(*this);
            advance();
            TypeRef of = type();
            expect(TokenKind::kBracketR);
            t = TypeRef::list(std::move(of));
        } else {
            t = TypeRef::named(expect(TokenKind::kName).value);
        }
        return skip(TokenKind::kBang) ? TypeRef::non_null(std::move(t)) : t;
    }

    SelectionSet selection_set() {
        Nesting level(*this);
        expect(TokenKind::kBraceL);
        SelectionSet set;
        do {
            set.push_back(selection());
        } while (!skip(TokenKind::kBraceR));
        return set;
    }

    Selection selection() {
        Selection s;
        s.location = token_.location;
        if (skip(TokenKind::kSpread)) {
            if (peek(TokenKind::kName) && token_.value != "on") {
                s.kind = Selection::Kind::kFragmentSpread;
                s.name_location = token_.location;
                s.name = expect(TokenKind::kName).value;
                s.directives = directives(false);
                return s;
            }
            s.kind = Selection::Kind::kInlineFragment;
            if (peek_keyword("on")) {
                advance();
                s.type_condition_location = token_.location;
                s.type_condition = expect(TokenKind::kName).value;
            }
            s.directives = directives(false);
            s.selection_set_location = token_.location;
            s.selection_set = selection_set();
            return s;
        }
        s.name = expect(TokenKind::kName).value;
        if (skip(TokenKind::kColon)) {
            s.alias = std::move(s.name);
            s.name = expect(TokenKind::kName).value;
        }
        s.arguments = arguments(false);
        s.directives = directives(false);
        if (peek(TokenKind::kBraceL)) {
            s.selection_set_location = token_.location;
            s.selection_set = selection_set();
        }
        return s;
    }

    std::vector<Argument> arguments(bool is_const) {
        std::vector<Argument> args;
        if (!skip(TokenKind::kParenL))
            return args;
        do {
            Argument a;
            a.location = token_.location;
            a.name = expect(TokenKind::kName).value;
            expect(TokenKind::kColon);
            a.value = value(is_const);
            args.push_back(std::move(a));
        } while (!skip(TokenKind::kParenR));
        return args;
    }

    std::vector<Directive> directives(bool is_const) {
        std::vector<Directive> out;
        while (peek(TokenKind::kAt)) {
            Directive d;
            d.location = token_.location;
            advance();
            d.name = expect(TokenKind::kName).value;
            d.arguments = arguments(is_const);
            out.push_back(std::move(d));
        }
        return out;
    }

    FragmentDefinition fragment_definition() {
        FragmentDefinition f;
        f.location = token_.location;
        advance();
        if (peek_keyword("on"))
            unexpected();
        f.name_location = token_.location;
        f.name = expect(TokenKind::kName).value;
        expect_keyword("on");
        f.type_condition_location = token_.location;
        f.type_condition = expect(TokenKind::kName).value;
        f.directives = directives(false);
        f.selection_set = selection_set();
        return f;
    }

    Value value(bool is_const) {
        Value v;
        v.location = token_.location;
        switch (token_.kind) {
            case TokenKind::kBracketL: {
                Nesting level(*this);
                v.kind = Value::Kind::kList;
                advance();
                while (!skip(TokenKind::kBracketR))
                    v.list.push_back(value(is_const));
                return v;
            }
            case TokenKind::kBraceL: {
                Nesting level(*this);
                v.kind = Value::Kind::kObject;
                advance();
                while (!skip(TokenKind::kBraceR)) {
                    v.field_locations.push_back(token_.location);
                    std::string name = expect(TokenKind::kName).value;
                    expect(TokenKind::kColon);
                    v.fields.emplace_back(std::move(name), value(is_const));
                }
                return v;
            }
            case TokenKind::kInt:
                v.kind = Value::Kind::kInt;
                break;
            case TokenKind::kFloat:
                v.kind = Value::Kind::kFloat;
                break;
            case TokenKind::kString:
            case TokenKind::kBlockString:
                v.kind = Value::Kind::kString;
                break;
            case TokenKind::kName:
                if (token_.value == "true" || token_.value == "false") {
                    v.kind = Value::Kind::kBoolean;
                    v.boolean = token_.value == "true";
                } else if (token_.value == "null") {
                    v.kind = Value::Kind::kNull;
                } else {
                    v.kind = Value::Kind::kEnum;
                }
                break;
            case TokenKind::kDollar:
                if (is_const) {
                    advance();
                    if (peek(TokenKind::kName)) {
                        fail_at(v.location,
                                "Unexpected variable \"$" + token_.value + "\" in constant value.");
                    }
                    unexpected();
                }
                advance();
                v.kind = Value::Kind::kVariable;
                v.text = expect(TokenKind::kName).value;
                return v;
            default:
                unexpected();
        }
        v.text = std::move(token_.value);
        advance();
        return v;
    }

    Lexer lexer_;
    Token token_;
    std::size_t depth_ = 0;
    std::size_t max_depth_;
};

}  // namespace

nlohmann::ordered_json Error::to_json() const {
    nlohmann::ordered_json j = {{"message", message}};
    if (!locations.empty()) {
        j["locations"] = nlohmann::ordered_json::array();
        for (const Location& l : locations)
            j["locations"].push_back({{"line", l.line}, {"column", l.column}});
    }
    if (!path.empty()) {
        j["path"] = nlohmann::ordered_json::array();
        for (const nlohmann::json& p : path)
            j["path"].push_back(p.is_string() ? nlohmann::ordered_json(p.get<std::string>())
                                              : nlohmann::ordered_json(p.get<std::size_t>()));
    }
    return j;
}

nlohmann::ordered_json to_json(const std::vector<Error>& errors) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const Error& e : errors)
        out.push_back(e.to_json());
    return out;
}

std::string_view operation_type_name(OperationType type) {
    switch (type) {
        case OperationType::kQuery:
            return "query";
        case OperationType::kMutation:
            return "mutation";
        case OperationType::kSubscription:
            return "subscription";
    }
    return "query";
}

ParseResult parse(std::string_view source, const ParseLimits& limits) {
    ParseResult result;
    if (source.size() > limits.max_bytes) {
        result.error = Error{"Document too large: " + std::to_string(source.size()) +
                                 " bytes (at most " + std::to_string(limits.max_bytes) + ").",
                             {},
                             {}};
        return result;
    }
    // Names and punctuation are ASCII, so a bad byte is found here once, not in every token.
    if (const std::size_t bad = invalid_utf8_at(source); bad != std::string_view::npos) {
        Lexer lexer(source, limits.max_tokens);
        result.error = Error{"Syntax Error: Invalid UTF-8.", {lexer.locate(bad)}, {}};
        return result;
    }
    try {
        Parser parser(source, limits);
        result.document = parser.document();
    } catch (SyntaxFailure& f) {
        result.error = std::move(f.error);
    }
    return result;
}

}  // namespace udm::graphql
