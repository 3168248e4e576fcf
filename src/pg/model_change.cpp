// One model change: lock, load, plan, check, run DDL and catalog changes, record history.
#include <cstring>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/history.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/custom_function.hpp"
#include "udm/pg/event_signals.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/model_change.hpp"
#include "udm/pg/module.hpp"
#include "udm/pg/rules_check.hpp"
#include "udm/pg/tenant_access.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/acl.h"
#include "utils/guc.h"
}

namespace udm::pg {

namespace {

// Sets lock_timeout for the length of a model change, the way a function's SET clause
// does. restore() on success; after an error the (sub)transaction abort restores it.
class LockTimeout {
  public:
    explicit LockTimeout(int ms) {
        const std::string value = std::to_string(ms);
        nest_level_ = push_settings({{"lock_timeout", value.c_str()}});
    }
    void restore() { restore_settings(nest_level_, true); }

  private:
    int nest_level_;
};

// Runs fn; a lock timeout inside becomes an error that says what udm was doing.
template <typename Fn>
void translating_lock_timeout(const naming::TenantNames& names, Fn&& fn) {
    try {
        fn();
    } catch (const PgError& e) {
        if (e.data()->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
            throw;
        throw Error(
            sqlstate::kLockNotAvailable,
            "could not change the model of tenant \"" + names.tenant +
                "\": a lock was not granted within " + std::to_string(ddl_lock_timeout_ms) + " ms",
            "Another transaction is using a table this change alters, or changing the same model.",
            "Retry when it has finished, or raise udm.ddl_lock_timeout.");
    }
}

// A message of the planner with its count: "{count}" becomes count, "{s}" its plural ending.
std::string with_count(std::string message, const std::string& count) {
    for (auto [token, value] : {std::pair<const char*, std::string>{"{count}", count},
                                {"{s}", count == "1" ? "" : "s"}}) {
        for (auto at = message.find(token); at != std::string::npos; at = message.find(token)) {
            message.replace(at, std::strlen(token), value);
        }
    }
    return message;
}

// Runs a check of the plan; throws its error when rows fail it. Its lock first, then a
// fresh snapshot: a write that was in progress, or committed after a REPEATABLE READ
// snapshot, is what the step's DDL would convert or constrain, so it is checked too.
void run_check(Spi& spi, const planner::Check& check) {
    if (!check.lock.empty())
        spi.execute(check.lock);
    const std::optional<Row> row = spi.query_row_latest(check.sql, check.params);
    if (!row || row->empty() || !(*row)[0] || *(*row)[0] == "0")
        return;
    const std::string& count = *(*row)[0];
    const std::string message = with_count(check.message, count);
    std::string detail;
    if (row->size() > 1 && (*row)[1])
        detail = "For example the rows with ids " + *(*row)[1] + ".";
    throw Error(check.sqlstate, message, detail, check.hint);
}

// Counts what each step of the plan would destroy, for udm.plan: per step, {"things": 3}
// or null when the step cannot destroy data.
std::vector<model::Json> count_losses(Spi& spi, const planner::Plan& plan) {
    std::vector<model::Json> out;
    for (const planner::Step& step : plan.steps) {
        model::Json destroys = step.losses.empty() ? model::Json() : model::Json::object();
        for (const planner::Loss& loss : step.losses) {
            const Cell count = spi.query_value(loss.sql, loss.params);
            const std::int64_t n = count ? std::stoll(*count) : 0;
            destroys[loss.unit] = destroys.value(loss.unit, std::int64_t{0}) + n;
        }
        out.push_back(std::move(destroys));
    }
    return out;
}

// Refuses a change that would destroy data, naming every loss with its count. What is
// counted is first locked against writes (readers go on) until the change commits: what
// was counted is what the change destroys.
void refuse_losses(Spi& spi, const naming::TenantNames& names, const planner::Plan& plan,
                   const DataLoss& loss) {
    std::vector<std::string> lost;
    for (const planner::Step& step : plan.steps) {
        for (const planner::Loss& l : step.losses) {
            spi.execute(l.lock);
            // Rows committed since a REPEATABLE READ snapshot would be dropped too: count them.
            const Cell count = spi.query_value_latest(l.sql, l.params);
            if (count && *count != "0")
                lost.push_back(with_count(l.what, *count));
        }
    }
    if (lost.empty())
        return;
    std::string all;
    for (std::size_t i = 0; i < lost.size(); ++i)
        all += (i == 0 ? "" : i + 1 == lost.size() ? " and " : ", ") + lost[i];
    throw Error(sqlstate::kDependentObjectsStillExist,
                "the change of tenant \"" + names.tenant + "\" would destroy " + all,
                "udm destroys data only when told to; udm.plan shows what each step destroys.",
                loss.how_to_allow);
}

// The relation names a change creates must be free in the tenant's schema, which holds
// the relations of every class the change does not touch. A taken one is named precisely
// by the whole-model check; one taken by something that is not udm's is refused as such.
void check_relations_free(Spi& spi, const naming::TenantNames& names,
                          const std::vector<std::string>& relations, const model::Model& desired) {
    if (relations.empty())
        return;
    const Oid nsp = tenant_namespace(names);
    Cell taken = spi.query_value(
        "SELECT relname::text FROM pg_catalog.pg_class WHERE relnamespace = $1::oid"
        " AND relname = ANY ($2::name[]) LIMIT 1",
        {std::to_string(nsp), text_array_literal(relations)});
    if (!taken)
        return;
    physical::check_name_collisions(desired);
    throw Error(sqlstate::kDuplicateTable,
                "relation \"" + *taken + "\" already exists in the schema of tenant \"" +
                    names.tenant + "\"",
                "The change would create a relation of that name while that one exists.",
                "Rename or drop that relation, or choose another name.");
}

// A random (version 4) uuid for a new catalog row, as gen_random_uuid() makes them.
std::string new_uuid() {
    unsigned char b[16];
    const bool ok = guard([&] { return pg_strong_random(b, sizeof b); });
    if (!ok)
        throw Error(sqlstate::kInternalError, "could not generate random values");
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += '-';
        out += kHex[b[i] >> 4];
        out += kHex[b[i] & 0x0F];
    }
    return out;
}

// The stored form of a new version: the whole model or the patch from current's.
history::Entry history_entry(Spi& spi, const std::string& schema, std::int64_t version,
                             const KnownModel& current, const model::Model& desired,
                             const model::Delta& delta, std::size_t* desired_bytes) {
    if (version == 1) {
        history::Entry whole{true, model::to_json(desired).dump()};
        *desired_bytes = whole.json.size();
        return whole;
    }
    // The patches since the last checkpoint: found by walking back the primary key.
    std::vector<Row> rows = spi.query(
        "SELECT count(*), coalesce(sum(pg_catalog.octet_length(model_patch::text)), 0) FROM " +
        schema + ".schema_versions WHERE version > (SELECT max(version) FROM " + schema +
        ".schema_versions WHERE model IS NOT NULL)");
    history::SinceCheckpoint since;
    if (!rows.empty() && rows[0][0] && rows[0][1]) {
        since.patches = std::stoll(*rows[0][0]);
        since.bytes = std::stoll(*rows[0][1]);
    }
    const std::size_t current_bytes =
        current.bytes != 0 ? current.bytes : history::document_bytes(*current.model);
    return history::entry_for(*current.model, desired, current_bytes, since, desired_bytes, &delta);
}

}  // namespace

ChangeResult change_model(const naming::TenantNames& names, const Edit& edit, bool dry_run,
                          const DataLoss& loss) {
    // A change inside a change (a custom rule function calling udm while the existing rows
    // are checked) would plan against a model the outer change then overwrites, and record
    // history that no longer applies.
    static int running = 0;
    if (running > 0) {
        throw Error(sqlstate::kObjectInUse, "a model change cannot start inside another",
                    "A custom rule function runs while a model change checks rows; it may not "
                    "change a model.");
    }
    const ScopedCount running_now(running);
    const std::string s = naming::quote_identifier(names.schema);
    return with_spi(/*read_only=*/false, [&](Spi& spi) {
        ChangeResult result;
        LockTimeout timeout(ddl_lock_timeout_ms);
        translating_lock_timeout(names, [&] {
            // One model change per tenant at a time: the schema_state row is the tenant's lock.
            const KnownModel known = model_at(spi, names, model_key(spi, names, !dry_run));
            const model::Model& current = *known.model;
            result.version = known.key.version;
            model::Model desired = edit(current);
            // What the change touches: everything below looks at that only.
            const model::Delta delta = model::delta(current, desired);
            model::check_limits(current, desired, &delta);
            const catalog::Placement placement = citus::placement_of(spi, tenant_namespace(names));
            result.plan = planner::plan(names, current, desired, new_uuid, delta, placement);
            check_relations_free(spi, names, result.plan.new_relations, desired);
            // A custom function the change introduces must be one the tenant's role may call.
            check_new_custom_functions(current, desired, delta, guard([&] {
                                           return get_role_oid(names.app_role.c_str(), false);
                                       }));
            if (dry_run) {
                result.destroys = count_losses(spi, result.plan);
                return;
            }
            if (result.plan.empty())
                return;
            if (placement.distributed && IsolationUsesXactSnapshot()) {
                // Through Citus the checks below would read the worker with this
                // transaction's snapshot, not the latest rows: rows another session
                // committed meanwhile would be destroyed, or fail to convert, unchecked.
                throw Error(sqlstate::kFeatureNotSupported,
                            "a model change of tenant \"" + names.tenant +
                                "\" needs a READ COMMITTED transaction",
                            "The tenant is a Citus distributed schema: udm checks the rows a "
                            "change would destroy or convert on its worker, which sees only "
                            "this transaction's snapshot.",
                            "Run the change in a READ COMMITTED transaction.");
            }
            if (!loss.allowed)
                refuse_losses(spi, names, result.plan, loss);

            // The new version first: whatever reads the catalog from here on (a custom rule
            // function checking rows) reads it under the new key.
            const std::vector<Row> next = spi.query(
                "UPDATE " + s + ".schema_state SET version = version + 1 RETURNING version, " +
                kModelKeyWriter);
            const ModelKey key{std::stoll(*next[0][0]), *next[0][1]};
            result.version = key.version;
            citus::DdlSettings citus_settings;
            for (const planner::Step& step : result.plan.steps) {
                for (const planner::Check& check : step.checks)
                    run_check(spi, check);
                for (const std::string& ddl : step.ddl) {
                    spi.execute(ddl);
                    if (placement.distributed && &ddl == &step.ddl.front() &&
                        !step.new_table.empty())
                        citus::distribute_table(spi, names.schema, step.new_table);
                }
                for (const catalog::Statement& st : step.catalog)
                    spi.execute(st.sql, st.params);
            }
            citus_settings.restore();
            // Rows already there must satisfy tightened rules (unless udm.rules_not_valid), and
            // every backend must compile the rules of the classes this changes anew once this
            // commits. Invalidated first: a validator a custom function's write compiled from
            // this uncommitted model is dropped again when the check below aborts the change.
            invalidate_class_tables(
                names, std::vector<std::string>(delta.classes.begin(), delta.classes.end()));
            check_existing_rows(spi, names, current, desired, delta);
            std::size_t desired_bytes = 0;
            const history::Entry entry =
                history_entry(spi, s, result.version, known, desired, delta, &desired_bytes);
            spi.execute(
                "INSERT INTO " + s +
                    ".schema_versions (version, previous_version, diff, ddl, model, model_patch)"
                    " VALUES ($1::bigint, $1::bigint - 1, $2::jsonb, $3::text[], $4::jsonb, "
                    "$5::jsonb)",
                {std::to_string(result.version),
                 history::recorded_diff(result.plan.diff(), current, desired).dump(),
                 text_array_literal(result.plan.ddl()), entry.whole ? Cell(entry.json) : Cell(),
                 entry.whole ? Cell() : Cell(entry.json)});
            signal_schema_change(names.tenant, result.version);
            // What the catalog now holds, for the next change of this transaction and, once
            // committed, of this session.
            remember_model(names, {key, std::make_shared<const model::Model>(std::move(desired)),
                                   desired_bytes});
        });
        timeout.restore();
        return result;
    });
}

}  // namespace udm::pg
