// The stored history of a tenant's model: checkpoints and patches (see history.hpp).
#include "udm/core/history.hpp"

#include <algorithm>
#include <map>
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

namespace {

// What recorded_diff() looks names up in: the renames of the change and, built when first
// needed, which classes each attribute is assigned to before and after.
class AlteredClasses {
  public:
    AlteredClasses(const model::Json& diff, const model::Model& before, const model::Model& after)
        : before_(before), after_(after) {
        std::size_t attribute_entries = 0;
        for (const model::Json& e : diff) {
            if (e.is_object() && e.value("kind", "") == "attribute")
                ++attribute_entries;
            if (!e.is_object() || e.value("change", "") != "renamed")
                continue;
            const std::string from = e.value("from", ""), to = e.value("to", "");
            if (e.value("kind", "") == "class") {
                class_renames_[from] = to;
                class_renames_[to] = from;
            } else if (e.value("kind", "") == "attribute") {
                attribute_old_[to] = from;
                attribute_new_[from] = to;
            }
        }
        // A few attributes are looked up class by class; many (a whole model applied) in an
        // index of every assignment, built once.
        use_index_ = attribute_entries > kDirectLookups;
    }

    // The classes one entry of the diff alters.
    std::set<std::string> of(const model::Json& e) {
        std::set<std::string> out;
        const std::string kind = e.value("kind", "");
        if (kind == "class") {
            add_class(out, e.value("class", ""));
            add_class(out, e.value("from", ""));
            add_class(out, e.value("to", ""));
        } else if (kind == "assignment") {
            add_class(out, e.value("class", ""));
            add_targets(out, e.value("attribute", ""));
        } else if (kind == "attribute") {
            const std::string name = e.contains("to") && e.value("change", "") == "renamed"
                                         ? e.value("to", "")
                                         : e.value("attribute", "");
            std::set<std::string> assigned;
            add_assigned(assigned, name);
            if (!assigned.empty())
                add_targets(out, name);
            out.insert(assigned.begin(), assigned.end());
        } else if (kind == "relationship") {
            add_class(out, e.value("from", ""));
            add_class(out, e.value("to", ""));
        } else if (kind == "relationship_type") {
            const std::string type = e.value("type", "");
            for (const model::Model* m : {&before_, &after_}) {
                for (const auto& [key, r] : m->relationships) {
                    if (r.type == type) {
                        add_class(out, r.from);
                        add_class(out, r.to);
                    }
                }
            }
        }
        out.erase(std::string());
        return out;
    }

  private:
    const model::Model& before_;
    const model::Model& after_;
    std::map<std::string, std::string> class_renames_;  // both ways
    std::map<std::string, std::string> attribute_old_, attribute_new_;
    // Up to this many attribute entries, a change costs what it changes, not what the
    // model holds: no index of every assignment of a 1,000-class model for one attribute.
    static constexpr std::size_t kDirectLookups = 16;
    bool use_index_ = false;
    bool indexed_ = false;
    std::map<std::string, std::set<std::string>> assigned_before_, assigned_after_;

    // A class by every name the change gave it.
    void add_class(std::set<std::string>& out, const std::string& name) const {
        if (name.empty())
            return;
        out.insert(name);
        auto it = class_renames_.find(name);
        if (it != class_renames_.end())
            out.insert(it->second);
    }

    // The attribute's name before the change, from its name after it.
    std::string old_name(const std::string& attribute) const {
        auto it = attribute_old_.find(attribute);
        if (it != attribute_old_.end())
            return it->second;
        return attribute_new_.count(attribute) ? std::string() : attribute;
    }

    // The classes attribute (named as after the change) is assigned to, before or after.
    void add_assigned(std::set<std::string>& out, const std::string& attribute) {
        if (!use_index_) {
            const std::string old = old_name(attribute);
            for (const auto& [cname, c] : after_.classes) {
                if (c.assignments.count(attribute))
                    add_class(out, cname);
            }
            for (const auto& [cname, c] : before_.classes) {
                if (!old.empty() && c.assignments.count(old))
                    add_class(out, cname);
            }
            return;
        }
        if (!indexed_) {
            for (const auto& [cname, c] : before_.classes) {
                for (const auto& [aname, a] : c.assignments)
                    assigned_before_[aname].insert(cname);
            }
            for (const auto& [cname, c] : after_.classes) {
                for (const auto& [aname, a] : c.assignments)
                    assigned_after_[aname].insert(cname);
            }
            indexed_ = true;
        }
        auto after = assigned_after_.find(attribute);
        if (after != assigned_after_.end()) {
            for (const std::string& c : after->second)
                add_class(out, c);
        }
        auto before = assigned_before_.find(old_name(attribute));
        if (before != assigned_before_.end()) {
            for (const std::string& c : before->second)
                add_class(out, c);
        }
    }

    // The target classes of attribute (named as after the change), before and after.
    void add_targets(std::set<std::string>& out, const std::string& attribute) const {
        auto after = after_.attributes.find(attribute);
        if (after != after_.attributes.end() && after->second.target)
            add_class(out, *after->second.target);
        auto before = before_.attributes.find(old_name(attribute));
        if (before != before_.attributes.end() && before->second.target)
            add_class(out, *before->second.target);
    }
};

}  // namespace

model::Json recorded_diff(model::Json diff, const model::Model& before, const model::Model& after) {
    if (!diff.is_array())
        return diff;
    AlteredClasses altered(diff, before, after);
    for (model::Json& e : diff) {
        if (!e.is_object())
            continue;
        if (e.value("change", "") == "renamed" && e.contains("to")) {
            const std::string kind = e.value("kind", "");
            if (kind == "class")
                e["class"] = e["to"];
            else if (kind == "attribute")
                e["attribute"] = e["to"];
        }
        model::Json classes = model::Json::array();
        for (const std::string& c : altered.of(e))
            classes.push_back(c);
        e["classes"] = std::move(classes);
    }
    return diff;
}

}  // namespace udm::history
