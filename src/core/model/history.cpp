// The stored history of a tenant's model: checkpoints and patches (see history.hpp).
#include "udm/core/history.hpp"

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
