// Model names to GraphQL names, and unique names within a scope.
#include "names.hpp"

#include <algorithm>
#include <utility>

namespace udm::graphql {

namespace {

// Names are ASCII: no locale needed.
std::string lower(std::string_view name) {
    std::string out(name);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Joins the "_"-separated parts of a model name, each after the first (or every one, for
// PascalCase) with its first letter upper-cased.
std::string join_parts(std::string_view model_name, bool capitalize_first) {
    std::string out;
    out.reserve(model_name.size());
    bool capitalize = capitalize_first;
    for (char c : model_name) {
        if (c == '_') {
            capitalize = true;
            continue;
        }
        out += capitalize && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        capitalize = false;
    }
    return out;
}

}  // namespace

std::string pascal_case(std::string_view model_name) {
    return join_parts(model_name, true);
}

std::string camel_case(std::string_view model_name) {
    return join_parts(model_name, false);
}

void NameAllocator::reserve(std::string_view name) {
    take(lower(name));
}

bool NameAllocator::taken(const std::string& lowered) const {
    return std::binary_search(taken_.begin(), taken_.end(), lowered);
}

void NameAllocator::take(std::string lowered) {
    taken_.insert(std::lower_bound(taken_.begin(), taken_.end(), lowered), std::move(lowered));
}

std::string NameAllocator::claim(const std::string& plain) {
    std::string name = plain;
    // Plain names never contain "_", so a suffixed name cannot take a later plain name.
    for (int n = 2; taken(lower(name)); ++n)
        name = plain + "_" + std::to_string(n);
    take(lower(name));
    return name;
}

}  // namespace udm::graphql
