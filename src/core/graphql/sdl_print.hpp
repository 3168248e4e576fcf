// The pieces of SDL printing that print_sdl (sdl.cpp) and print_model_sdl (sdl_model.cpp)
// share: graphql-js printSchema's format, plus applied directives.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// A description before a definition at indentation, as graphql-js printDescription writes
// it; a blank line before every described item but the first of a block.
void print_description(std::string& out, std::string_view description,
                       std::string_view indentation = {}, bool first_in_block = true);
// The same for a description known to be printable ASCII without """, that neither starts
// with white space nor ends with a space, a quote or a backslash (udm's own text with model
// names in it): it prints on one line when it is 70 characters or shorter, else as a block
// of three lines, without the checks print_description makes.
void print_plain_description(std::string& out, std::string_view description,
                             std::string_view indentation, bool first_in_block);
// An argument or input field definition: name: Type, and " = default" when it has one.
void print_input_value(std::string& out, const Schema& schema, const InputValue& v);
// count arguments, on one line when none has a description, else one per line.
void print_arguments(std::string& out, const Schema& schema, const InputValue* args,
                     std::size_t count, std::string_view indentation);
// A directive applied to a field, after the field's type: " @name(arg: value, ...)".
void print_applied(std::string& out, const AppliedDirective& d);
// A directive definition with its description, arguments and locations.
void print_directive(std::string& out, const Schema& schema, const DirectiveDefinition& d);
// A field of an object type with its description and arguments, indented by two; first:
// the first field of its type (else a line break and, when it is described, a blank line
// come first).
void print_field(std::string& out, const Schema& schema, const Field& f, bool first);
// A type definition with its description: a scalar, an enum, an input object type or an
// object type with its fields.
void print_type(std::string& out, const Schema& schema, const Type& t);

}  // namespace udm::graphql
