// The stored history of a tenant's model: every version a row, holding either the whole
// model (a checkpoint) or the JSON Patch (RFC 6902) from the version before it.
//
// A checkpoint is written when the patches since the last one add up to the size of the
// model, or number kMaxPatchesPerCheckpoint: a row holds its change except now and then
// the whole model, and rebuilding a version reads one model and at most about a model's
// worth of patches (or kMaxPatchesPerCheckpoint - 1 small ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "udm/core/model.hpp"

namespace udm::history {

inline constexpr std::int64_t kMaxPatchesPerCheckpoint = 100;

// What the patches since the last checkpoint add up to.
struct SinceCheckpoint {
    std::int64_t patches = 0;
    std::int64_t bytes = 0;
};

// The row of a new version: the whole model (text of an object) or a patch (text of an
// array), as JSON text.
struct Entry {
    bool whole = false;
    std::string json;
};

// The entry of a version whose model is after, the one before being before.
Entry entry_for(const model::Json& before, const model::Json& after, const SinceCheckpoint& since);

// The size of a model's document (model::to_json, dumped).
std::size_t document_bytes(const model::Model& m);

// The patch from before's document to after's, built from the elements that differ (only
// those the delta names, when given: what it costs follows the change, not the model).
// bytes_delta (when given) receives how much longer after's document is than before's:
// exact for changed elements, within a separator per element added or removed.
model::Json patch(const model::Model& before, const model::Model& after,
                  std::int64_t* bytes_delta = nullptr, const model::Delta* only = nullptr);

// The entry of a version, from the models: before_bytes is document_bytes(before);
// after_bytes receives (an estimate of) document_bytes(after), exact for a checkpoint.
Entry entry_for(const model::Model& before, const model::Model& after, std::size_t before_bytes,
                const SinceCheckpoint& since, std::size_t* after_bytes,
                const model::Delta* only = nullptr);

// The model at the last of a run of versions: a checkpoint and the patches after it, in
// order. Throws udm::Error XX000 when a patch does not apply.
model::Json rebuild(model::Json checkpoint, const std::vector<model::Json>& patches);

// The diff to record for a change from before to after (planner::Plan::diff()), each entry
// completed with what consumers filter on: "classes", the sorted names of the classes the
// entry alters, and the new name as "class" or "attribute" of a renamed class or attribute.
// An entry alters: its class (class and assignment entries); every class an attribute is
// assigned to, before or after (attribute entries); both ends of an allowed relationship,
// and of every allowed relationship of a relationship type; and the target class of a
// reference attribute, when the entry assigns it or it is assigned to any class. A class is
// named as it is after the change and, when the change renamed or removed it, as before.
// Costs the size of the diff, plus one pass over the assignments when it has attribute
// entries and one over the allowed relationships per relationship type entry.
model::Json recorded_diff(model::Json diff, const model::Model& before, const model::Model& after);

}  // namespace udm::history
