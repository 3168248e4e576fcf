// Checking rules against the rows a class already holds: udm.rule_impact and model changes
// that tighten rules.
#include <functional>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/module.hpp"
#include "udm/pg/rules_check.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace udm::pg {

namespace {

constexpr long kScanBatch = 1000;

}  // namespace

const model::ThingClass& find_class_of(const model::Model& m, const std::string& cls) {
    auto it = m.classes.find(cls);
    if (it == m.classes.end()) {
        naming::check_model_name(naming::NameKind::kClass, cls);
        throw Error(sqlstate::kUndefinedObject, "class \"" + cls + "\" does not exist");
    }
    return it->second;
}

void scan_violations(
    Spi& spi, const naming::TenantNames& names, const model::Model& m, const model::ThingClass& cls,
    const std::function<bool(const std::string&, const std::vector<rules::Violation>&)>& on_row,
    const CustomFilter& custom) {
    const std::string sql =
        "SELECT * FROM " + naming::qualified(names.schema, physical::table_name(cls.name));
    Portal portal = guard([&] {
        return SPI_cursor_open_with_args(nullptr, sql.c_str(), 0, nullptr, nullptr, nullptr, true,
                                         0);
    });
    std::shared_ptr<ClassValidator> v;
    int id_att = 0;
    for (;;) {
        const std::uint64_t n = guard([&] {
            SPI_cursor_fetch(portal, true, kScanBatch);
            return SPI_processed;
        });
        if (n == 0)
            break;
        SPITupleTable* table = SPI_tuptable;
        if (!v) {
            v = build_validator(names, m, cls, table->tupdesc);
            id_att = guard([&] { return SPI_fnumber(table->tupdesc, "id"); });
        }
        for (std::uint64_t i = 0; i < n; ++i) {
            std::vector<rules::Violation> violations;
            check_tuple(*v, table->tupdesc, table->vals[i], violations, custom);
            if (violations.empty())
                continue;
            char* id = guard([&] { return SPI_getvalue(table->vals[i], table->tupdesc, id_att); });
            if (!on_row(id != nullptr ? id : "", violations)) {
                guard([&] {
                    SPI_freetuptable(table);
                    SPI_cursor_close(portal);
                });
                return;
            }
        }
        guard([&] { SPI_freetuptable(table); });
    }
    guard([&] { SPI_cursor_close(portal); });
}

void check_existing_rows(Spi& spi, const naming::TenantNames& names, const model::Model& current,
                         const model::Model& desired, const model::Delta& delta) {
    if (rules_not_valid)
        return;
    for (const rules::RuleChange& change : rules::rule_changes(current, desired, delta)) {
        std::int64_t rows = 0;
        std::string sample;
        scan_violations(
            spi, names, desired, desired.classes.at(change.class_name),
            [&](const std::string& id, const std::vector<rules::Violation>& violations) {
                // Rows that break only rules that did not change were let in
                // before (udm.rules_not_valid); they do not block this change.
                bool counts = false;
                for (const auto& v : violations)
                    counts = counts || change.covers(v);
                if (counts && ++rows <= 5)
                    sample += (sample.empty() ? "" : ", ") + id;
                return true;
            },
            // Only the custom rules that changed are called: one whose function is gone
            // blocks the writes that need it, not every change of the model.
            [&](const rules::CompiledAttribute& a) {
                return change.covers(rules::Violation{a.name, "custom", {}});
            });
        if (rows > 0) {
            throw Error(sqlstate::kCheckViolation,
                        "cannot apply the new rules of class \"" + change.class_name +
                            "\": " + std::to_string(rows) +
                            (rows == 1 ? " row violates them" : " rows violate them"),
                        "For example the rows with ids " + sample + ".",
                        "udm.rule_impact(tenant, class, attribute, rules) lists them; with SET "
                        "udm.rules_not_valid "
                        "= on the rules apply to new and updated rows only.");
        }
    }
}

}  // namespace udm::pg
