// Model names to GraphQL names, and unique names within a scope.
#include "names.hpp"

#include <algorithm>

namespace udm::graphql {

namespace {

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

NameAllocator::NameAllocator(std::size_t expected) {
    taken_.reserve(expected);
    chars_.reserve(expected * 16);  // most names are shorter
}

void NameAllocator::reserve(std::string_view name) {
    take(name);
}

std::string NameAllocator::claim(std::string_view plain) {
    if (take(plain))
        return std::string(plain);
    // Plain names never contain "_", so a suffixed name cannot take a later plain name.
    for (int n = 2;; ++n) {
        std::string name = std::string(plain) + "_" + std::to_string(n);
        if (take(name))
            return name;
    }
}

std::string_view NameAllocator::taken(Span s) const {
    return std::string_view(chars_.data() + s.begin, s.size);
}

bool NameAllocator::take(std::string_view name) {
    const std::size_t begin = chars_.size();
    chars_.append(name);
    // Names are ASCII: no locale needed.
    for (std::size_t i = begin; i < chars_.size(); ++i) {
        if (chars_[i] >= 'A' && chars_[i] <= 'Z')
            chars_[i] = static_cast<char>(chars_[i] - 'A' + 'a');
    }
    const std::string_view lowered = taken(Span{begin, name.size()});
    auto at = std::lower_bound(taken_.begin(), taken_.end(), lowered,
                               [this](Span s, std::string_view n) { return taken(s) < n; });
    if (at != taken_.end() && taken(*at) == lowered) {
        chars_.resize(begin);
        return false;
    }
    taken_.insert(at, Span{begin, name.size()});
    return true;
}

}  // namespace udm::graphql
