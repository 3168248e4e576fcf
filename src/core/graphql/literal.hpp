// GraphQL literals: strings and block strings written the way graphql-js prints them, and
// JSON values as GraphQL value literals.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace udm::graphql {

// A string literal: quotes and backslashes escaped, control characters (and U+007F to
// U+009F) as \b \t \n \f \r or \uXXXX, as graphql-js printString does.
std::string print_string(std::string_view value);
// Appends print_string(value) to out.
void append_string(std::string& out, std::string_view value);

// Whether value survives the trip through a block string unchanged (graphql-js
// isPrintableAsBlockString): no leading or trailing empty line, no common indentation,
// no \r and no other control character except tab and newline.
bool printable_as_block_string(std::string_view value);

// A block string literal holding value, as graphql-js printBlockString writes it;
// value must be printable_as_block_string.
std::string print_block_string(std::string_view value);

// Appends a JSON string, number, boolean, null or array of them to out as a GraphQL value
// literal; objects as GraphQL object literals.
void append_json_literal(std::string& out, const nlohmann::json& value);

// The length of UTF-8 text in UTF-16 code units, as JavaScript counts it.
std::size_t utf16_length(std::string_view utf8);

}  // namespace udm::graphql
