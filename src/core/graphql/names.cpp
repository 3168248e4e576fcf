// Model names to GraphQL names, and unique names within a scope.
#include "names.hpp"

#include <cstdint>

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

namespace {

// FNV-1a of a lower-cased name.
std::size_t name_hash(std::string_view name) {
    std::uint64_t h = 14695981039346656037ull;
    for (char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return static_cast<std::size_t>(h ^ (h >> 29));
}

}  // namespace

NameAllocator::NameAllocator(std::size_t expected) {
    taken_.reserve(expected);
    chars_.reserve(expected * 16);  // most names are shorter
    std::size_t slots = 16;
    while (slots < 2 * expected)
        slots *= 2;
    slots_.assign(slots, 0);
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

void NameAllocator::grow() {
    slots_.assign(slots_.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = 0; i < taken_.size(); ++i) {
        std::size_t at = name_hash(taken(taken_[i])) & mask;
        while (slots_[at] != 0)
            at = (at + 1) & mask;
        slots_[at] = static_cast<std::uint32_t>(i + 1);
    }
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
    const std::size_t mask = slots_.size() - 1;
    std::size_t at = name_hash(lowered) & mask;
    for (; slots_[at] != 0; at = (at + 1) & mask) {
        if (taken(taken_[slots_[at] - 1]) == lowered) {
            chars_.resize(begin);
            return false;
        }
    }
    taken_.push_back(Span{begin, name.size()});
    slots_[at] = static_cast<std::uint32_t>(taken_.size());
    if (2 * taken_.size() > slots_.size())
        grow();
    return true;
}

}  // namespace udm::graphql
