// Function arguments in, results out: conversions between Datums and C++ values, each
// PostgreSQL call guarded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/pg/spi.hpp"

namespace udm::pg {

// Argument n as a string; NULL is an error (22004) naming the argument.
std::string text_arg(FunctionCallInfo fcinfo, int n, const char* name);
// Argument n as a string, or nullopt for NULL.
std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n);
// Argument n (jsonb) as JSON, or fallback for NULL.
nlohmann::json jsonb_arg(FunctionCallInfo fcinfo, int n, const nlohmann::json& fallback);
// Argument n (jsonb) as JSON; NULL is an error (22004).
nlohmann::json required_jsonb_arg(FunctionCallInfo fcinfo, int n, const char* name);
// Argument n (boolean), or fallback for NULL.
bool bool_arg(FunctionCallInfo fcinfo, int n, bool fallback);
// Argument n (boolean); NULL is an error (22004) naming the argument.
bool required_bool_arg(FunctionCallInfo fcinfo, int n, const char* name);
// Argument n (integer); NULL is an error (22004) naming the argument.
std::int32_t int32_arg(FunctionCallInfo fcinfo, int n, const char* name);
// Argument n (bigint); NULL is an error (22004) naming the argument.
std::int64_t int64_arg(FunctionCallInfo fcinfo, int n, const char* name);
// Argument n (uuid) in its text form; NULL is an error (22004).
std::string uuid_arg(FunctionCallInfo fcinfo, int n, const char* name);

// Argument n, a text[] (not NULL) of at most max_items elements (54000 beyond); NULL
// elements are left out.
std::vector<std::string> text_array_arg(FunctionCallInfo fcinfo, int n, const char* name,
                                        std::size_t max_items);

// A numeric Datum as a double, as numeric_float8 rounds it (NaN and infinities included).
// Reads numeric's stored form directly when the value is at most 2^53 times a power of ten
// within 10^±22 (the double is then exact to the last bit); otherwise, and for toasted
// values, goes through numeric_float8. Calls PostgreSQL only then: run inside guard().
double numeric_to_double(Datum d);

// A text Datum.
Datum text_datum(const std::string& value);
// A jsonb Datum.
Datum jsonb_datum(const nlohmann::json& value);

// A PostgreSQL array literal of texts, for a text[] column given as text.
std::string text_array_literal(const std::vector<std::string>& items);

// Returns rows from a set-returning function declared with OUT columns; each value is
// the text form of its column's type (converted with the type's input function).
Datum return_rows(FunctionCallInfo fcinfo, const std::vector<Row>& rows);

}  // namespace udm::pg
