// A schema as SDL, in graphql-js printSchema's format, with applied directives added.
#include <string>

#include "literal.hpp"
#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

namespace {

// A description before a definition at indentation; a blank line before every described
// item but the first of a block (graphql-js printDescription).
void print_description(std::string& out, const std::optional<std::string>& description,
                       const std::string& indentation = "", bool first_in_block = true) {
    if (!description)
        return;
    if (!indentation.empty() && !first_in_block)
        out += '\n';
    out += indentation;
    // Most descriptions are one short line: """text""" as it is.
    const std::string& d = *description;
    if (!d.empty() && d.size() <= 70 && d.front() != ' ' && d.front() != '\t' && d.back() != '"' &&
        d.back() != '\\' && d.find_first_of("\n\r") == std::string::npos &&
        d.find("\"\"\"") == std::string::npos && printable_as_block_string(d)) {
        out.append("\"\"\"").append(d).append("\"\"\"\n");
        return;
    }
    const std::string literal = printable_as_block_string(*description)
                                    ? print_block_string(*description)
                                    : print_string(*description);
    for (char c : literal) {
        out += c;
        if (c == '\n')
            out += indentation;
    }
    out += '\n';
}

void print_input_value(std::string& out, const InputValue& v) {
    out += v.name;
    out += ": ";
    v.type.append_to(out);
}

// Arguments on one line when none has a description, else one per line.
void print_arguments(std::string& out, const std::vector<InputValue>& args,
                     const std::string& indentation) {
    if (args.empty())
        return;
    bool described = false;
    for (const InputValue& a : args)
        described = described || a.description.has_value();
    out += '(';
    if (!described) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            if (i > 0)
                out += ", ";
            print_input_value(out, args[i]);
        }
    } else {
        out += '\n';
        for (std::size_t i = 0; i < args.size(); ++i) {
            if (i > 0)
                out += '\n';
            print_description(out, args[i].description, "  " + indentation, i == 0);
            out += "  " + indentation;
            print_input_value(out, args[i]);
        }
        out += '\n' + indentation;
    }
    out += ')';
}

void print_applied(std::string& out, const AppliedDirective& d) {
    out += " @" + d.name;
    if (d.arguments.empty())
        return;
    out += '(';
    for (std::size_t i = 0; i < d.arguments.size(); ++i) {
        if (i > 0)
            out += ", ";
        out += d.arguments[i].first + ": " + print_json_literal(d.arguments[i].second);
    }
    out += ')';
}

void print_directive(std::string& out, const DirectiveDefinition& d) {
    print_description(out, d.description);
    out += "directive @" + d.name;
    print_arguments(out, d.arguments, "");
    out += " on ";
    for (std::size_t i = 0; i < d.locations.size(); ++i) {
        if (i > 0)
            out += " | ";
        out += d.locations[i];
    }
}

void print_type(std::string& out, const Type& t) {
    print_description(out, t.description);
    switch (t.kind) {
        case TypeKind::kScalar:
            out += "scalar " + t.name;
            return;
        case TypeKind::kEnum:
            out += "enum " + t.name + " {\n";
            for (std::size_t i = 0; i < t.values.size(); ++i) {
                if (i > 0)
                    out += '\n';
                print_description(out, t.values[i].description, "  ", i == 0);
                out += "  " + t.values[i].name;
            }
            out += "\n}";
            return;
        case TypeKind::kObject:
            out += "type " + t.name;
            if (t.fields.empty())
                return;
            out += " {\n";
            for (std::size_t i = 0; i < t.fields.size(); ++i) {
                const Field& f = t.fields[i];
                if (i > 0)
                    out += '\n';
                print_description(out, f.description, "  ", i == 0);
                out.append("  ").append(f.name);
                print_arguments(out, f.arguments, "  ");
                out.append(": ");
                f.type.append_to(out);
                for (const AppliedDirective& d : f.directives)
                    print_applied(out, d);
            }
            out += "\n}";
            return;
    }
}

}  // namespace

std::string print_sdl(const Schema& schema) {
    std::string out;
    out.reserve(8192 + schema.types.size() * 2048);
    // The schema definition is left out: the root types have the default names.
    for (const DirectiveDefinition& d : schema.directives) {
        if (d.builtin)
            continue;
        if (!out.empty())
            out += "\n\n";
        print_directive(out, d);
    }
    for (const Type& t : schema.types) {
        if (t.builtin)
            continue;
        if (!out.empty())
            out += "\n\n";
        print_type(out, t);
    }
    out += '\n';
    return out;
}

}  // namespace udm::graphql
