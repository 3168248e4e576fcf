// String and value literals, byte for byte as graphql-js prints them.
#include "literal.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace udm::graphql {

namespace {

// GraphQL's white space within a line.
bool is_white_space(char c) {
    return c == ' ' || c == '\t';
}

// Appends \uXXXX (upper-case hex, as graphql-js writes it).
void append_unicode_escape(std::string& out, unsigned code) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04X", code);
    out += buf;
}

// Appends an integer in decimal, as JSON writes it.
template <typename Integer>
void append_integer(std::string& out, Integer value) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    (void)ec;  // 24 characters hold every 64-bit integer
    out.append(buf, end);
}

}  // namespace

std::string print_string(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 2);
    append_string(out, value);
    return out;
}

void append_string(std::string& out, std::string_view value) {
    out += '"';
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                continue;
            case '\\':
                out += "\\\\";
                continue;
            case '\b':
                out += "\\b";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\f':
                out += "\\f";
                continue;
            case '\r':
                out += "\\r";
                continue;
            default:
                break;
        }
        if (c < 0x20 || c == 0x7f) {
            append_unicode_escape(out, c);
        } else if (c == 0xc2 && i + 1 < value.size() &&
                   static_cast<unsigned char>(value[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(value[i + 1]) <= 0x9f) {
            // U+0080 to U+009F, the C1 control characters, are two bytes in UTF-8.
            append_unicode_escape(out, static_cast<unsigned char>(value[++i]));
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

bool printable_as_block_string(std::string_view value) {
    if (value.empty())
        return true;
    bool empty_line = true, has_indent = false, common_indent = true, seen_non_empty_line = false;
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n') {
            if (empty_line && !seen_non_empty_line)
                return false;  // a leading empty line
            seen_non_empty_line = true;
            empty_line = true;
            has_indent = false;
        } else if (c == '\t' || c == ' ') {
            has_indent = has_indent || empty_line;
        } else if (c < 0x20) {
            // graphql-js checks only some control characters here; a block string keeps
            // them all intact, but a regular string shows them, so none goes into a block.
            return false;
        } else {
            common_indent = common_indent && has_indent;
            empty_line = false;
        }
    }
    if (empty_line)
        return false;  // trailing empty lines
    if (common_indent && seen_non_empty_line)
        return false;  // indentation dedent would remove
    return true;
}

std::string print_block_string(std::string_view value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value.compare(i, 3, "\"\"\"") == 0) {
            escaped += "\\\"\"\"";
            i += 2;
        } else {
            escaped += value[i];
        }
    }
    // The lines of the escaped value (printable values hold no \r).
    bool single_line = escaped.find('\n') == std::string::npos;
    bool force_leading_new_line = !single_line;
    for (std::size_t pos = escaped.find('\n'); pos != std::string::npos;
         pos = escaped.find('\n', pos + 1)) {
        const std::size_t next = pos + 1;
        if (next < escaped.size() && escaped[next] != '\n' && !is_white_space(escaped[next])) {
            force_leading_new_line = false;
            break;
        }
    }
    const auto ends_with = [](std::string_view s, std::string_view suffix) {
        return s.size() >= suffix.size() &&
               s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    const bool trailing_triple_quotes = ends_with(escaped, "\\\"\"\"");
    const bool trailing_quote = ends_with(value, "\"") && !trailing_triple_quotes;
    const bool trailing_slash = ends_with(value, "\\");
    const bool force_trailing_new_line = trailing_quote || trailing_slash;
    const bool multiple_lines = !single_line || utf16_length(value) > 70 ||
                                force_trailing_new_line || force_leading_new_line ||
                                trailing_triple_quotes;
    const bool skip_leading_new_line = single_line && !value.empty() && is_white_space(value[0]);
    std::string out = "\"\"\"";
    if ((multiple_lines && !skip_leading_new_line) || force_leading_new_line)
        out += '\n';
    out += escaped;
    if (multiple_lines || force_trailing_new_line)
        out += '\n';
    out += "\"\"\"";
    return out;
}

void append_json_literal(std::string& out, const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::string:
            append_string(out, value.get_ref<const std::string&>());
            return;
        case nlohmann::json::value_t::array: {
            out += '[';
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (i > 0)
                    out += ", ";
                append_json_literal(out, value[i]);
            }
            out += ']';
            return;
        }
        case nlohmann::json::value_t::object: {
            out += '{';
            bool first = true;
            for (auto it = value.begin(); it != value.end(); ++it) {
                if (!first)
                    out += ", ";
                first = false;
                out += it.key();
                out += ": ";
                append_json_literal(out, *it);
            }
            out += '}';
            return;
        }
        case nlohmann::json::value_t::boolean:
            out += value.get<bool>() ? "true" : "false";
            return;
        case nlohmann::json::value_t::number_integer:
            append_integer(out, value.get<std::int64_t>());
            return;
        case nlohmann::json::value_t::number_unsigned:
            append_integer(out, value.get<std::uint64_t>());
            return;
        default:
            // Floats and null are written as in JSON, which GraphQL shares.
            out += value.dump();
            return;
    }
}

std::size_t utf16_length(std::string_view utf8) {
    std::size_t n = 0;
    for (char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c & 0xc0) != 0x80)
            ++n;  // a lead byte starts a code point
        if ((c & 0xf8) == 0xf0)
            ++n;  // four bytes: a surrogate pair in UTF-16
    }
    return n;
}

}  // namespace udm::graphql
