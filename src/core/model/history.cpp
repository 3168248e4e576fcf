// The stored history of a tenant's model: checkpoints and patches (see history.hpp).
#include "udm/core/history.hpp"

#include <algorithm>
#include <set>

#include "udm/core/error.hpp"

namespace udm::history {

Entry entry_for(const model::Json& before, const model::Json& after, const SinceCheckpoint& since) {
    std::string whole = after.dump();
    std::string patch = model::Json::diff(before, after).dump();
    const auto total = static_cast<std::size_t>(since.bytes) + patch.size();
    if (since.patches + 1 >= kMaxPatchesPerCheckpoint || total >= whole.size())
        return {true, std::move(whole)};
    return {false, std::move(patch)};
}

std::size_t document_bytes(const model::Model& m) {
    return model::to_json(m).dump().size();
}

namespace {

using model::Json;

// A JSON Pointer token (RFC 6901).
std::string pointer_token(const std::string& name) {
    std::string out;
    for (char c : name) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

// The dumped length of a member "name":value, with its separator.
std::int64_t member_bytes(const std::string& name, const Json& value) {
    return static_cast<std::int64_t>(Json(name).dump().size() + 2 + value.dump().size());
}

// Adds to out the operations turning one element of a section of before's document into
// after's: nothing when both have the same document.
template <typename Map>
void diff_element(const std::string& prefix, const std::string& name, const Map& before,
                  const Map& after, Json& out, std::int64_t& delta) {
    auto b = before.find(name);
    auto a = after.find(name);
    const std::string path = prefix + pointer_token(name);
    if (a == after.end()) {
        if (b == before.end())
            return;
        out.push_back({{"op", "remove"}, {"path", path}});
        delta -= member_bytes(name, model::to_json(b->second));
    } else if (b == before.end()) {
        Json value = model::to_json(a->second);
        delta += member_bytes(name, value);
        out.push_back({{"op", "add"}, {"path", path}, {"value", std::move(value)}});
    } else if (!model::same_document(b->second, a->second)) {
        const Json from = model::to_json(b->second);
        const Json to = model::to_json(a->second);
        delta += static_cast<std::int64_t>(to.dump().size()) -
                 static_cast<std::int64_t>(from.dump().size());
        for (Json op : Json::diff(from, to)) {
            op["path"] = path + op["path"].get<std::string>();
            out.push_back(std::move(op));
        }
    }
}

// The same for a whole section, in name order; only the names given, if any.
template <typename Map>
void diff_section(const char* section, const Map& before, const Map& after,
                  const std::set<std::string>* only, Json& out, std::int64_t& delta) {
    const std::string prefix = std::string("/") + section + "/";
    if (only != nullptr) {
        for (const std::string& name : *only)
            diff_element(prefix, name, before, after, out, delta);
        return;
    }
    std::set<std::string> names;
    for (const auto& [name, e] : before)
        names.insert(name);
    for (const auto& [name, e] : after)
        names.insert(name);
    for (const std::string& name : names)
        diff_element(prefix, name, before, after, out, delta);
}

}  // namespace

Json patch(const model::Model& before, const model::Model& after, std::int64_t* bytes_delta,
           const model::Delta* only) {
    Json out = Json::array();
    std::int64_t delta = 0;
    diff_section("attributes", before.attributes, after.attributes,
                 only ? &only->attributes : nullptr, out, delta);
    std::set<std::string> classes;
    if (only != nullptr) {
        classes = only->classes;
        classes.insert(only->removed_classes.begin(), only->removed_classes.end());
    }
    diff_section("classes", before.classes, after.classes, only ? &classes : nullptr, out, delta);
    diff_section("relationship_types", before.relationship_types, after.relationship_types, nullptr,
                 out, delta);
    const bool same_relationships = std::equal(
        before.relationships.begin(), before.relationships.end(), after.relationships.begin(),
        after.relationships.end(), [](const auto& x, const auto& y) {
            return x.first == y.first && model::same_document(x.second, y.second);
        });
    if (!same_relationships) {
        const Json from = model::relationships_to_json(before);
        const Json to = model::relationships_to_json(after);
        delta += static_cast<std::int64_t>(to.dump().size()) -
                 static_cast<std::int64_t>(from.dump().size());
        for (Json op : Json::diff(from, to)) {
            op["path"] = "/relationships" + op["path"].get<std::string>();
            out.push_back(std::move(op));
        }
    }
    if (bytes_delta != nullptr)
        *bytes_delta = delta;
    return out;
}

Entry entry_for(const model::Model& before, const model::Model& after, std::size_t before_bytes,
                const SinceCheckpoint& since, std::size_t* after_bytes, const model::Delta* only) {
    std::int64_t delta = 0;
    std::string p = patch(before, after, &delta, only).dump();
    const std::int64_t estimate = static_cast<std::int64_t>(before_bytes) + delta;
    std::size_t size = estimate > 0 ? static_cast<std::size_t>(estimate) : 0;
    const auto total = static_cast<std::size_t>(since.bytes) + p.size();
    Entry e{false, std::move(p)};
    if (since.patches + 1 >= kMaxPatchesPerCheckpoint || total >= size) {
        e = {true, model::to_json(after).dump()};
        size = e.json.size();
    }
    if (after_bytes != nullptr)
        *after_bytes = size;
    return e;
}

model::Json rebuild(model::Json checkpoint, const std::vector<model::Json>& patches) {
    for (const model::Json& p : patches) {
        try {
            checkpoint = checkpoint.patch(p);
        } catch (const model::Json::exception& e) {
            throw Error(sqlstate::kInternalError, "the stored model history does not apply",
                        std::string("A patch failed: ") + e.what() + ".");
        }
    }
    return checkpoint;
}

}  // namespace udm::history
