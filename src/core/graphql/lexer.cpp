// Tokens of GraphQL documents, with graphql-js 16's error messages.
#include "lexer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace udm::graphql {

namespace {

bool is_digit(int c) {
    return c >= '0' && c <= '9';
}
bool is_name_start(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_continue(int c) {
    return is_name_start(c) || is_digit(c);
}
bool is_scalar_value(std::uint32_t c) {
    return c <= 0xd7ff || (c >= 0xe000 && c <= 0x10ffff);
}

// The value of a hex digit, or -1.
int hex_value(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xc0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xe0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    }
}

// The length of the UTF-8 sequence a lead byte starts (the source is valid UTF-8).
std::size_t sequence_length(unsigned char c) {
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        return 2;
    if ((c & 0xf0) == 0xe0)
        return 3;
    return 4;
}

std::uint32_t decode_at(std::string_view s, std::size_t pos) {
    const auto c = static_cast<unsigned char>(s[pos]);
    const std::size_t n = sequence_length(c);
    if (n == 1 || pos + n > s.size())
        return c;
    std::uint32_t v = c & (0xff >> (n + 1));
    for (std::size_t i = 1; i < n; ++i)
        v = (v << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3f);
    return v;
}

// The lines of a block string's raw value with their common indentation removed and
// leading and trailing blank lines dropped, joined with \n (spec: BlockStringValue).
std::string block_string_value(const std::string& raw) {
    std::vector<std::string> lines(1);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\r' || raw[i] == '\n') {
            if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')
                ++i;
            lines.emplace_back();
        } else {
            lines.back() += raw[i];
        }
    }
    std::size_t common = std::string::npos, first = lines.size(), last = 0;
    bool any = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t indent = lines[i].find_first_not_of(" \t");
        if (indent == std::string::npos)
            continue;
        if (!any)
            first = i;
        any = true;
        last = i;
        if (i != 0 && indent < common)
            common = indent;
    }
    if (!any)
        return {};
    std::string out;
    for (std::size_t i = first; i <= last; ++i) {
        if (i > first)
            out += '\n';
        if (i == 0 || common == std::string::npos) {
            out += lines[i];
        } else if (lines[i].size() > common) {
            out.append(lines[i], common, std::string::npos);
        }
    }
    return out;
}

}  // namespace

std::string describe(const Token& token) {
    static constexpr const char* kPunctuators[] = {"<EOF>", "!", "$", "&", "(", ")", "...", ":",
                                                   "=",     "@", "[", "]", "{", "|", "}"};
    switch (token.kind) {
        case TokenKind::kEof:
            return "<EOF>";
        case TokenKind::kName:
            return "Name \"" + token.value + "\"";
        case TokenKind::kInt:
            return "Int \"" + token.value + "\"";
        case TokenKind::kFloat:
            return "Float \"" + token.value + "\"";
        case TokenKind::kString:
            return "String \"" + token.value + "\"";
        case TokenKind::kBlockString:
            return "BlockString \"" + token.value + "\"";
        default:
            return std::string("\"") + kPunctuators[static_cast<int>(token.kind)] + "\"";
    }
}

Lexer::Lexer(std::string_view source, std::size_t max_tokens)
    : src_(source), max_tokens_(max_tokens) {}

Location Lexer::locate(std::size_t offset) {
    if (offset < cursor_) {
        cursor_ = 0;
        cursor_line_ = 1;
        cursor_column_ = 1;
    }
    while (cursor_ < offset && cursor_ < src_.size()) {
        const auto c = static_cast<unsigned char>(src_[cursor_]);
        if (c == '\n' || c == '\r') {
            // \r\n is one line break.
            cursor_ += (c == '\r' && cursor_ + 1 < offset && src_[cursor_ + 1] == '\n') ? 2 : 1;
            ++cursor_line_;
            cursor_column_ = 1;
            continue;
        }
        if ((c & 0xc0) != 0x80)
            ++cursor_column_;  // a lead byte: one UTF-16 unit...
        if ((c & 0xf8) == 0xf0)
            ++cursor_column_;  // ...or two for a supplementary character
        ++cursor_;
    }
    return {cursor_line_, cursor_column_};
}

void Lexer::fail(std::size_t offset, const std::string& message) {
    throw SyntaxFailure{Error{"Syntax Error: " + message, {locate(offset)}, {}}};
}

std::string Lexer::code_point_at(std::size_t offset) const {
    if (offset >= src_.size())
        return "<EOF>";
    const std::uint32_t c = decode_at(src_, offset);
    if (c >= 0x20 && c <= 0x7e)
        return c == '"' ? "'\"'" : "\"" + std::string(1, static_cast<char>(c)) + "\"";
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
    return buf;
}

Token Lexer::make(TokenKind kind, std::size_t start, std::string value) {
    if (kind != TokenKind::kEof && ++tokens_ > max_tokens_) {
        fail(start, "Document contains more than " + std::to_string(max_tokens_) +
                        " tokens. Parsing aborted.");
    }
    return Token{kind, std::move(value), locate(start)};
}

Token Lexer::next() {
    const std::size_t size = src_.size();
    while (pos_ < size) {
        const auto c = static_cast<unsigned char>(src_[pos_]);
        const std::size_t start = pos_;
        switch (c) {
            case ' ':
            case '\t':
            case ',':
            case '\n':
            case '\r':
                ++pos_;
                continue;
            case 0xef:  // U+FEFF, the byte order mark, is ignored like white space
                if (src_.compare(pos_, 3, "\xef\xbb\xbf") == 0) {
                    pos_ += 3;
                    continue;
                }
                break;
            case '#':
                while (pos_ < size && src_[pos_] != '\n' && src_[pos_] != '\r')
                    ++pos_;
                continue;
            case '!':
                ++pos_;
                return make(TokenKind::kBang, start);
            case '$':
                ++pos_;
                return make(TokenKind::kDollar, start);
            case '&':
                ++pos_;
                return make(TokenKind::kAmp, start);
            case '(':
                ++pos_;
                return make(TokenKind::kParenL, start);
            case ')':
                ++pos_;
                return make(TokenKind::kParenR, start);
            case ':':
                ++pos_;
                return make(TokenKind::kColon, start);
            case '=':
                ++pos_;
                return make(TokenKind::kEquals, start);
            case '@':
                ++pos_;
                return make(TokenKind::kAt, start);
            case '[':
                ++pos_;
                return make(TokenKind::kBracketL, start);
            case ']':
                ++pos_;
                return make(TokenKind::kBracketR, start);
            case '{':
                ++pos_;
                return make(TokenKind::kBraceL, start);
            case '|':
                ++pos_;
                return make(TokenKind::kPipe, start);
            case '}':
                ++pos_;
                return make(TokenKind::kBraceR, start);
            case '.':
                if (src_.compare(pos_, 3, "...") == 0) {
                    pos_ += 3;
                    return make(TokenKind::kSpread, start);
                }
                break;
            case '"':
                return src_.compare(pos_, 3, "\"\"\"") == 0 ? read_block_string(start)
                                                            : read_string(start);
            default:
                break;
        }
        if (is_digit(c) || c == '-')
            return read_number(start);
        if (is_name_start(c)) {
            while (pos_ < size && is_name_continue(static_cast<unsigned char>(src_[pos_])))
                ++pos_;
            return make(TokenKind::kName, start, std::string(src_.substr(start, pos_ - start)));
        }
        if (c == '\'')
            fail(start,
                 "Unexpected single quote character ('), did you mean to use a double quote (\")?");
        fail(start, "Unexpected character: " + code_point_at(start) + ".");
    }
    return make(TokenKind::kEof, size);
}

std::size_t Lexer::read_digits(std::size_t pos) {
    if (pos >= src_.size() || !is_digit(src_[pos])) {
        fail(pos, "Invalid number, expected digit but got: " + code_point_at(pos) + ".");
    }
    while (pos < src_.size() && is_digit(src_[pos]))
        ++pos;
    return pos;
}

Token Lexer::read_number(std::size_t start) {
    std::size_t pos = start;
    auto at = [this](std::size_t p) {
        return p < src_.size() ? static_cast<unsigned char>(src_[p]) : -1;
    };
    bool is_float = false;
    if (at(pos) == '-')
        ++pos;
    if (at(pos) == '0') {
        ++pos;
        if (is_digit(at(pos)))
            fail(pos, "Invalid number, unexpected digit after 0: " + code_point_at(pos) + ".");
    } else {
        pos = read_digits(pos);
    }
    if (at(pos) == '.') {
        is_float = true;
        pos = read_digits(pos + 1);
    }
    if (at(pos) == 'e' || at(pos) == 'E') {
        is_float = true;
        ++pos;
        if (at(pos) == '+' || at(pos) == '-')
            ++pos;
        pos = read_digits(pos);
    }
    if (at(pos) == '.' || is_name_start(at(pos))) {
        fail(pos, "Invalid number, expected digit but got: " + code_point_at(pos) + ".");
    }
    pos_ = pos;
    return make(is_float ? TokenKind::kFloat : TokenKind::kInt, start,
                std::string(src_.substr(start, pos - start)));
}

Token Lexer::read_string(std::size_t start) {
    std::size_t pos = start + 1;
    std::string value;
    auto hex4 = [this](std::size_t p) -> int {
        if (p + 4 > src_.size())
            return -1;
        int v = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            const int h = hex_value(static_cast<unsigned char>(src_[p + i]));
            if (h < 0)
                return -1;
            v = (v << 4) | h;
        }
        return v;
    };
    // Source text for a message, never ending inside a UTF-8 sequence.
    auto slice = [this](std::size_t from, std::size_t n) {
        std::size_t end = std::min(from + n, src_.size());
        while (end < src_.size() && (static_cast<unsigned char>(src_[end]) & 0xc0) == 0x80)
            ++end;
        return std::string(src_.substr(from, end - from));
    };
    while (pos < src_.size()) {
        const auto c = static_cast<unsigned char>(src_[pos]);
        if (c == '"') {
            pos_ = pos + 1;
            return make(TokenKind::kString, start, std::move(value));
        }
        if (c == '\n' || c == '\r')
            break;
        if (c != '\\') {
            value += static_cast<char>(c);
            ++pos;
            continue;
        }
        const int e = pos + 1 < src_.size() ? static_cast<unsigned char>(src_[pos + 1]) : -1;
        if (e == 'u' && pos + 2 < src_.size() && src_[pos + 2] == '{') {
            // \u{...}: any Unicode scalar value. The digits are read as graphql-js reads
            // them (32-bit arithmetic, at most 12 characters), for the same error text.
            std::int32_t point = 0;
            std::size_t size = 3;
            bool ok = false;
            while (size < 12 && pos + size < src_.size()) {
                const int d = static_cast<unsigned char>(src_[pos + size++]);
                if (d == '}') {
                    ok = size >= 5 && point >= 0 &&
                         is_scalar_value(static_cast<std::uint32_t>(point));
                    break;
                }
                const int h = hex_value(d);
                point = h < 0 ? -1
                              : static_cast<std::int32_t>((static_cast<std::uint32_t>(point) << 4) |
                                                          static_cast<std::uint32_t>(h));
                if (point < 0)
                    break;
            }
            if (!ok)
                fail(pos, "Invalid Unicode escape sequence: \"" + slice(pos, size) + "\".");
            append_utf8(value, static_cast<std::uint32_t>(point));
            pos += size;
        } else if (e == 'u') {
            const int code = hex4(pos + 2);
            if (code >= 0 && is_scalar_value(static_cast<std::uint32_t>(code))) {
                append_utf8(value, static_cast<std::uint32_t>(code));
                pos += 6;
                continue;
            }
            if (code >= 0xd800 && code <= 0xdbff && src_.compare(pos + 6, 2, "\\u") == 0) {
                const int trail = hex4(pos + 8);
                if (trail >= 0xdc00 && trail <= 0xdfff) {
                    append_utf8(value, 0x10000 +
                                           ((static_cast<std::uint32_t>(code) - 0xd800) << 10) +
                                           (static_cast<std::uint32_t>(trail) - 0xdc00));
                    pos += 12;
                    continue;
                }
            }
            fail(pos, "Invalid Unicode escape sequence: \"" + slice(pos, 6) + "\".");
        } else {
            static constexpr std::pair<char, char> kEscapes[] = {
                {'"', '"'},  {'\\', '\\'}, {'/', '/'},  {'b', '\b'},
                {'f', '\f'}, {'n', '\n'},  {'r', '\r'}, {'t', '\t'}};
            bool known = false;
            for (auto [k, v] : kEscapes) {
                if (e == k) {
                    value += v;
                    known = true;
                }
            }
            if (!known) {
                const std::size_t n =
                    pos + 1 < src_.size()
                        ? 1 + sequence_length(static_cast<unsigned char>(src_[pos + 1]))
                        : 1;
                fail(pos, "Invalid character escape sequence: \"" + slice(pos, n) + "\".");
            }
            pos += 2;
        }
    }
    fail(pos, "Unterminated string.");
}

Token Lexer::read_block_string(std::size_t start) {
    std::size_t pos = start + 3;
    std::string raw;
    while (pos < src_.size()) {
        if (src_.compare(pos, 3, "\"\"\"") == 0) {
            pos_ = pos + 3;
            return make(TokenKind::kBlockString, start, block_string_value(raw));
        }
        if (src_.compare(pos, 4, "\\\"\"\"") == 0) {
            raw += "\"\"\"";
            pos += 4;
            continue;
        }
        raw += src_[pos++];
    }
    fail(pos, "Unterminated string.");
}

}  // namespace udm::graphql
