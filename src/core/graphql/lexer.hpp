// The lexer of GraphQL documents (spec October 2021, section 2.1), as graphql-js 16 reads
// them: the same tokens, the same error messages, columns in UTF-16 code units.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "udm/core/graphql/document.hpp"

namespace udm::graphql {

enum class TokenKind {
    kEof,
    kBang,
    kDollar,
    kAmp,
    kParenL,
    kParenR,
    kSpread,
    kColon,
    kEquals,
    kAt,
    kBracketL,
    kBracketR,
    kBraceL,
    kPipe,
    kBraceR,
    kName,
    kInt,
    kFloat,
    kString,
    kBlockString
};

struct Token {
    TokenKind kind = TokenKind::kEof;
    std::string value;  // names, numbers as written, strings decoded
    Location location;
};

// How a token is described in error messages: "<EOF>", "\"{\"", "Name \"x\"".
std::string describe(const Token& token);

// Thrown by the lexer and the parser to unwind; parse() turns it into its result.
struct SyntaxFailure {
    Error error;
};

// Reads tokens one at a time. Throws SyntaxFailure on a lexical error or when the
// document has more than max_tokens tokens.
class Lexer {
  public:
    Lexer(std::string_view source, std::size_t max_tokens);
    // The next token; kEof at the end, again and again.
    Token next();
    // The location of a byte offset (offsets asked for only grow, so this is amortized O(1)).
    Location locate(std::size_t offset);
    // Throws a SyntaxFailure with "Syntax Error: " + message at offset.
    [[noreturn]] void fail(std::size_t offset, const std::string& message);

  private:
    Token make(TokenKind kind, std::size_t start, std::string value = {});
    Token read_number(std::size_t start);
    Token read_string(std::size_t start);
    Token read_block_string(std::size_t start);
    std::size_t read_digits(std::size_t pos);
    std::string code_point_at(std::size_t offset) const;

    std::string_view src_;
    std::size_t pos_ = 0;
    std::size_t max_tokens_;
    std::size_t tokens_ = 0;
    // Where locate() last stopped.
    std::size_t cursor_ = 0;
    int cursor_line_ = 1;
    int cursor_column_ = 1;
};

}  // namespace udm::graphql
