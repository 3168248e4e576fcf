// A schema as SDL, in graphql-js printSchema's format, with applied directives added.
#include <string>
#include <string_view>

#include "sdl_print.hpp"

#include "introspection.hpp"
#include "literal.hpp"
#include "values.hpp"

namespace udm::graphql {

namespace {

// Whether d has a control character other than tab (with ascii_only, any byte outside
// printable ASCII but space), or """. Branch-free over the bytes, so that the compiler
// vectorizes it: a 10 MB SDL has millions of description bytes.
bool has_special(std::string_view d, bool ascii_only) {
    unsigned bad = 0;
    for (char ch : d) {
        const auto c = static_cast<unsigned char>(ch);
        bad |= static_cast<unsigned>(c < 0x20) & static_cast<unsigned>(ascii_only || c != '\t');
        bad |= static_cast<unsigned>(ascii_only && c > 0x7e);
    }
    return bad != 0 || d.find("\"\"\"") != std::string_view::npos;
}

// Whether graphql-js prints description as """description""" on one line: a short line
// without control characters (but tab) or """, that does not start with white space or end
// with a quote or backslash. Most descriptions are such lines.
bool prints_as_one_line(std::string_view d) {
    if (d.empty() || d.size() > 70 || d.front() == ' ' || d.front() == '\t' || d.back() == '"' ||
        d.back() == '\\')
        return false;
    return !has_special(d, false);
}

// Whether graphql-js prints description as a block string of three lines, """, the
// description and """: a line of printable ASCII longer than 70 characters, without """,
// that does not start with a space or end with a space, a quote or a backslash (the
// descriptions of a large schema's connection arguments and mutations).
bool prints_as_long_line(std::string_view d) {
    if (d.size() <= 70 || d.front() == ' ' || d.back() == ' ' || d.back() == '"' ||
        d.back() == '\\')
        return false;
    return !has_special(d, true);
}

// A description that may be absent.
void describe(std::string& out, const std::optional<std::string>& description,
              std::string_view indentation = {}, bool first_in_block = true) {
    if (description)
        print_description(out, std::string_view(*description), indentation, first_in_block);
}

}  // namespace

void print_description(std::string& out, std::string_view d, std::string_view indentation,
                       bool first_in_block) {
    if (!indentation.empty() && !first_in_block)
        out += '\n';
    out += indentation;
    if (prints_as_one_line(d)) {
        out.append("\"\"\"").append(d).append("\"\"\"\n");
        return;
    }
    if (prints_as_long_line(d)) {
        // print_block_string's three lines, each but the first indented.
        out.append("\"\"\"\n").append(indentation).append(d).append("\n");
        out.append(indentation).append("\"\"\"\n");
        return;
    }
    const std::string literal =
        printable_as_block_string(d) ? print_block_string(d) : print_string(d);
    // Every line of the literal after the first one indented.
    std::string_view rest = literal;
    for (std::size_t end; (end = rest.find('\n')) != std::string_view::npos;
         rest.remove_prefix(end + 1)) {
        out.append(rest.data(), end + 1);
        out += indentation;
    }
    out += rest;
    out += '\n';
}

void print_plain_description(std::string& out, std::string_view d, std::string_view indentation,
                             bool first_in_block) {
    if (!indentation.empty() && !first_in_block)
        out += '\n';
    out += indentation;
    if (d.size() <= 70) {
        out.append("\"\"\"").append(d).append("\"\"\"\n");
        return;
    }
    out.append("\"\"\"\n").append(indentation).append(d).append("\n");
    out.append(indentation).append("\"\"\"\n");
}

void print_input_value(std::string& out, const Schema& schema, const InputValue& v) {
    out += v.name;
    out += ": ";
    v.type.append_to(out);
    if (v.default_value) {
        // As graphql-js prints the default it coerced when it read the SDL.
        out += " = ";
        out += print_default_value(schema, v.type, default_value(schema, v));
    }
}

void print_arguments(std::string& out, const Schema& schema, const InputValue* args,
                     std::size_t count, std::string_view indentation) {
    if (count == 0)
        return;
    bool described = false;
    for (std::size_t i = 0; i < count; ++i)
        described = described || args[i].description.has_value();
    out += '(';
    if (!described) {
        for (std::size_t i = 0; i < count; ++i) {
            if (i > 0)
                out += ", ";
            print_input_value(out, schema, args[i]);
        }
    } else {
        const std::string inner = "  " + std::string(indentation);
        out += '\n';
        for (std::size_t i = 0; i < count; ++i) {
            if (i > 0)
                out += '\n';
            describe(out, args[i].description, inner, i == 0);
            out += inner;
            print_input_value(out, schema, args[i]);
        }
        out += '\n';
        out += indentation;
    }
    out += ')';
}

void print_applied(std::string& out, const AppliedDirective& d) {
    out += " @";
    out += d.name;
    if (d.arguments.empty())
        return;
    out += '(';
    for (std::size_t i = 0; i < d.arguments.size(); ++i) {
        if (i > 0)
            out += ", ";
        out += d.arguments[i].first;
        out += ": ";
        append_json_literal(out, d.arguments[i].second);
    }
    out += ')';
}

void print_directive(std::string& out, const Schema& schema, const DirectiveDefinition& d) {
    describe(out, d.description);
    out += "directive @";
    out += d.name;
    print_arguments(out, schema, d.arguments.data(), d.arguments.size(), "");
    out += " on ";
    for (std::size_t i = 0; i < d.locations.size(); ++i) {
        if (i > 0)
            out += " | ";
        out += d.locations[i];
    }
}

void print_field(std::string& out, const Schema& schema, const Field& f, bool first) {
    if (!first)
        out += '\n';
    describe(out, f.description, "  ", first);
    out += "  ";
    out += f.name;
    print_arguments(out, schema, f.arguments.data(), f.arguments.size(), "  ");
    out += ": ";
    f.type.append_to(out);
    for (const AppliedDirective& d : f.directives)
        print_applied(out, d);
}

void print_type(std::string& out, const Schema& schema, const Type& t) {
    describe(out, t.description);
    switch (t.kind) {
        case TypeKind::kScalar:
            out += "scalar ";
            out += t.name;
            if (t.specified_by_url) {
                out += " @specifiedBy(url: ";
                append_string(out, *t.specified_by_url);
                out += ')';
            }
            return;
        case TypeKind::kEnum:
            out += "enum ";
            out += t.name;
            out += " {\n";
            for (std::size_t i = 0; i < t.values.size(); ++i) {
                if (i > 0)
                    out += '\n';
                describe(out, t.values[i].description, "  ", i == 0);
                out += "  ";
                out += t.values[i].name;
            }
            out += "\n}";
            return;
        case TypeKind::kInputObject:
            out += "input ";
            out += t.name;
            if (t.input_fields.empty())
                return;
            out += " {\n";
            for (std::size_t i = 0; i < t.input_fields.size(); ++i) {
                if (i > 0)
                    out += '\n';
                describe(out, t.input_fields[i].description, "  ", i == 0);
                out += "  ";
                print_input_value(out, schema, t.input_fields[i]);
            }
            out += "\n}";
            return;
        case TypeKind::kObject:
            out += "type ";
            out += t.name;
            if (t.fields.empty())
                return;
            out += " {\n";
            for (std::size_t i = 0; i < t.fields.size(); ++i)
                print_field(out, schema, t.fields[i], i == 0);
            out += "\n}";
            return;
    }
}

std::string print_sdl(const Schema& schema) {
    std::string out;
    out.reserve(8192 + schema.types.size() * 1024);  // 1,000 classes: 800 bytes a type
    // The schema definition is left out: the root types have the default names.
    for (const DirectiveDefinition& d : schema.directives) {
        if (d.builtin)
            continue;
        if (!out.empty())
            out += "\n\n";
        print_directive(out, schema, d);
    }
    for (const Type& t : schema.types) {
        if (t.builtin)
            continue;
        if (!out.empty())
            out += "\n\n";
        print_type(out, schema, t);
    }
    out += '\n';
    return out;
}

}  // namespace udm::graphql
