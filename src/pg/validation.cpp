// The validation trigger and the per-backend cache of compiled class rules.
//
// The cache maps a class table's OID to its validator. A relcache invalidation of that
// table (any DDL on it, or the invalidation a model change queues for every class table of
// its tenant) marks the entry stale in every backend when the change commits; the next row
// rebuilds it. So does an invalidation of any other relation its probes name by OID (an
// index of a referring table, a target's primary key): a REINDEX CONCURRENTLY or DROP
// INDEX there would otherwise leave it holding a dead, or reused, OID. Nothing uncommitted
// is ever seen by another backend: it reads the catalog with its own snapshot.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/model_change.hpp"
#include "udm/pg/tenant_access.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

extern "C" {
#include "access/xact.h"
#include "storage/proc.h"
#include "utils/syscache.h"
}

namespace udm::pg {

namespace {

struct CacheEntry {
    std::shared_ptr<const ClassValidator> validator;
    bool valid = false;
    // The pg_proc syscache hashes of its custom functions; unresolved when one was not
    // found (any new function may be it).
    std::vector<std::uint32_t> function_hashes;
    bool unresolved = false;
    // Built in a REPEATABLE READ or SERIALIZABLE transaction, whose snapshot may predate a
    // model change whose invalidation already arrived: good for that transaction only.
    LocalTransactionId only_in = InvalidLocalTransactionId;
    // The other relations its probes name by OID (referring tables and their indexes,
    // target tables and their keys, unique indexes): an invalidation of any of them makes
    // it stale too, or a dropped or rebuilt index would be opened by a dead OID.
    std::vector<Oid> mentions;
};

// Whether a cached validator may check this row.
bool usable(const CacheEntry& e) {
    return e.valid && !e.validator->broken &&
           (e.only_in == InvalidLocalTransactionId || e.only_in == MyProc->lxid);
}

// Created on first use (no static constructors that can throw).
std::unordered_map<Oid, CacheEntry>* cache = nullptr;
// Moves on every invalidation: a validator built while it moved may be stale already.
std::uint64_t generation = 0;
// The entry of the last lookup, for the rows of one statement after the first: a hash
// lookup per row costs more than the rest of a cache hit. Entries are never erased, so
// the pointer stays valid.
Oid last_relid = InvalidOid;
CacheEntry* last_entry = nullptr;

// Relcache callback: marks entries stale. Touches no catalog and allocates nothing.
void on_relcache_invalidation(Datum, Oid relid) noexcept {
    ++generation;
    if (cache == nullptr)
        return;
    if (relid == InvalidOid) {
        for (auto& [oid, entry] : *cache)
            entry.valid = false;
        return;
    }
    for (auto& [oid, entry] : *cache) {
        if (oid == relid ||
            std::find(entry.mentions.begin(), entry.mentions.end(), relid) != entry.mentions.end())
            entry.valid = false;
    }
}

// The relations other than its own table that the probes of v name by OID.
std::vector<Oid> mentioned_relations(const ClassValidator& v) {
    std::vector<Oid> out;
    for (const UniqueProbe& p : v.probes.unique)
        out.push_back(p.index);
    for (const ReferenceProbe& p : v.probes.references) {
        out.push_back(p.target_table);
        out.push_back(p.target_pkey);
    }
    for (const ReferrerProbe& p : v.probes.referrers) {
        out.push_back(p.table);
        out.push_back(p.index);
    }
    for (Oid shard : {v.outbox, v.relationships, v.state}) {
        if (OidIsValid(shard))
            out.push_back(shard);
    }
    return out;
}

// pg_proc callback: a custom function dropped, replaced or created (one a rule names but
// that was missing) makes the validators that call it stale. Touches no catalog.
void on_function_invalidation(Datum, int, std::uint32_t hashvalue) noexcept {
    ++generation;
    if (cache == nullptr)
        return;
    for (auto& [oid, entry] : *cache) {
        if (!entry.valid || (entry.function_hashes.empty() && !entry.unresolved))
            continue;
        if (hashvalue == 0 || entry.unresolved ||
            std::find(entry.function_hashes.begin(), entry.function_hashes.end(), hashvalue) !=
                entry.function_hashes.end()) {
            entry.valid = false;
        }
    }
}

// The id of the class whose table rel is, from the argument udm gives the validate
// trigger of a class table; nullopt for a relation without one (tables of tenants created
// before udm gave its triggers that argument are found by name). On a Citus worker rel is
// a shard, named tc_<class>_<shard id>, with the same triggers named <trigger>_<shard id>.
std::optional<std::string> class_id_of_relation(Relation rel) {
    static constexpr std::string_view kTrigger = "validate";
    const TriggerDesc* triggers = rel->trigdesc;
    if (triggers == nullptr)
        return std::nullopt;
    for (int i = 0; i < triggers->numtriggers; ++i) {
        const Trigger& t = triggers->triggers[i];
        const std::string_view name = t.tgname;
        if (t.tgnargs != 1 || name.substr(0, kTrigger.size()) != kTrigger)
            continue;
        const std::string_view shard = name.substr(kTrigger.size());
        if (!shard.empty() && (shard.size() < 2 || shard[0] != '_' ||
                               shard.find_first_not_of("0123456789", 1) != std::string_view::npos))
            continue;
        // udm's own trigger function, not another one of that trigger name.
        const bool udms = guard([&] {
            const char* fn = get_func_name(t.tgfoid);
            const char* nsp = fn ? get_namespace_name(get_func_namespace(t.tgfoid)) : nullptr;
            return fn != nullptr && nsp != nullptr && std::strcmp(fn, "validate_row") == 0 &&
                   std::strcmp(nsp, "udm") == 0;
        });
        if (udms)
            return std::string(t.tgargs[0]);
    }
    return std::nullopt;
}

// On a Citus worker, when rel is a shard of a class table: what the validator reads and
// writes directly (probed indexes and tables, the outbox) becomes the local shard of each,
// not the empty shell table of the same name that build_row_probes found. On any node of a
// cluster, the epoch of the events this node writes for the tenant (docs/events.md).
void use_local_shards(Relation rel, ClassValidator& v) {
    const Oid relid = RelationGetRelid(rel);
    with_own_settings([&] {
        // Writable: the first events of a tenant on this node claim a new epoch.
        with_spi(/*read_only=*/false, [&](Spi& spi) {
            if (!citus::is_shard(spi, relid)) {
                // A plain table of this node: its tenant's events may have been written on
                // a worker before (udm.undistribute_tenant brought it here), so this node
                // claims its epoch too. Not for the empty shell of a distributed table.
                if (!citus::placement_of(spi, v.tenant_namespace).distributed) {
                    // Made stale by its invalidation, as for a shard: a claim rolled back
                    // is claimed again.
                    v.state = guard(
                        [&] { return get_relname_relid("schema_state", v.tenant_namespace); });
                    if (OidIsValid(v.state))
                        v.epoch = citus::claim_epoch(spi, v.state);
                }
                return;
            }
            const auto shard_of = [&](const char* table) {
                const Oid shell =
                    guard([&] { return get_relname_relid(table, v.tenant_namespace); });
                return OidIsValid(shell) ? citus::local_shard(spi, shell) : InvalidOid;
            };
            v.outbox = shard_of("data_events");
            v.relationships = shard_of("relationships");
            // Invalidated by the tenant's model changes (udm.forget_compiled_rules).
            v.state = shard_of("schema_state");
            if (!OidIsValid(v.outbox) || !OidIsValid(v.state)) {
                // Events with a made-up epoch, or none, would be lost to consumers.
                throw Error(sqlstate::kObjectNotInPrerequisiteState,
                            "the catalog of tenant \"" + v.tenant +
                                "\" is not all on the node that holds this class table",
                            "Its outbox or schema_state has no shard here.",
                            "Keep the tenant's tables in one distributed schema.");
            }
            v.epoch = citus::claim_epoch(spi, v.state);
            for (UniqueProbe& p : v.probes.unique)
                p.index = citus::local_shard(spi, p.index);
            for (ReferenceProbe& p : v.probes.references) {
                p.target_table = citus::local_shard(spi, p.target_table);
                p.target_pkey = citus::local_shard(spi, p.target_pkey);
                p.target_is_deleted =
                    OidIsValid(p.target_table)
                        ? guard([&] { return get_attnum(p.target_table, "is_deleted"); })
                        : 0;
            }
        });
    });
    // A probe whose shard is not on this node checks nothing rather than the wrong table.
    auto& unique = v.probes.unique;
    unique.erase(std::remove_if(unique.begin(), unique.end(),
                                [](const UniqueProbe& p) { return !OidIsValid(p.index); }),
                 unique.end());
    auto& refs = v.probes.references;
    refs.erase(std::remove_if(refs.begin(), refs.end(),
                              [](const ReferenceProbe& p) {
                                  return !OidIsValid(p.target_pkey) || p.target_is_deleted <= 0;
                              }),
               refs.end());
}

// The validator of a class table, built from the catalog rows of its class (not the whole
// tenant model); an empty one for a table that is no class table.
std::shared_ptr<ClassValidator> build_for_relation(Relation rel) {
    const std::string table = RelationGetRelationName(rel);
    auto tenant = tenant_of_relation(rel);
    auto empty = std::make_shared<ClassValidator>();
    if (!tenant)
        return empty;
    const naming::TenantNames& names = *tenant;
    const std::optional<std::string> class_id = class_id_of_relation(rel);
    // The trigger runs with the writer's settings: udm's SQL must not resolve anything
    // from a search_path the writer (or a custom function before) chose.
    const std::optional<ClassModel> cm = with_own_settings([&] {
        return with_spi(/*read_only=*/true, [&](Spi& spi) {
            return class_id ? load_class_model_by_id(spi, names, *class_id)
                            : load_class_model(spi, names, table);
        });
    });
    if (!cm)
        return empty;
    auto v = build_validator(names, cm->model, cm->model.classes.at(cm->class_name),
                             RelationGetDescr(rel));
    v->tenant_namespace = RelationGetNamespace(rel);
    v->class_name = cm->class_name;
    v->probes = build_row_probes(rel, cm->model, cm->model.classes.at(cm->class_name));
    if (citus::loaded())
        use_local_shards(rel, *v);
    return v;
}

// The rule value of compiled attribute i from its column's Datum d (not null); d becomes
// what a custom function is given. Calls PostgreSQL: run inside guard().
void read_value(const ClassValidator& v, std::size_t i, Datum& d, rules::Value& val) {
    switch (v.compiled.attributes[i].type) {
        case rules::DataType::kText: {
            text* t = DatumGetTextPP(d);
            val.text = std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
            d = PointerGetDatum(t);
            break;
        }
        case rules::DataType::kNumber:
            val.number = numeric_to_double(d);
            break;
        case rules::DataType::kInteger:
            val.integer = DatumGetInt64(d);
            break;
        case rules::DataType::kBoolean:
            val.boolean = DatumGetBool(d);
            break;
        case rules::DataType::kDate:
            val.integer = DatumGetDateADT(d);
            break;
        case rules::DataType::kTimestamp:
            val.integer = DatumGetTimestampTz(d);
            break;
        default:
            break;
    }
}

// The per-row buffers of a validator, reused from row to row; a nested check of the same
// class (a custom function that writes to it) gets buffers of its own.
class RowBuffers {
  public:
    RowBuffers(const ClassValidator& v, std::size_t n) : v_(v), shared_(!v.scratch_busy) {
        if (shared_) {
            v.scratch_busy = true;
            values_ = &v.scratch_values;
            datums_ = &v.scratch_datums;
        } else {
            values_ = &own_values_;
            datums_ = &own_datums_;
        }
        values_->assign(n, rules::Value{});
        datums_->assign(n, Datum(0));
    }
    ~RowBuffers() {
        if (shared_)
            v_.scratch_busy = false;
    }
    RowBuffers(const RowBuffers&) = delete;
    RowBuffers& operator=(const RowBuffers&) = delete;
    std::vector<rules::Value>& values() { return *values_; }
    std::vector<Datum>& datums() { return *datums_; }

  private:
    const ClassValidator& v_;
    bool shared_;
    std::vector<rules::Value> own_values_;
    std::vector<Datum> own_datums_;
    std::vector<rules::Value>* values_;
    std::vector<Datum>* datums_;
};

// Checks a row given as deformed columns (by attnum - 1, at least up to v.max_attnum).
void check_columns(const ClassValidator& v, const Datum* columns, const bool* nulls,
                   std::vector<rules::Violation>& out, const CustomFilter& filter) {
    const std::size_t n = v.compiled.attributes.size();
    RowBuffers buffers(v, n);
    std::vector<rules::Value>& values = buffers.values();
    std::vector<Datum>& datums = buffers.datums();
    guard([&] {
        for (std::size_t i = 0; i < n; ++i) {
            const AttrNumber attnum = v.attnums[i];
            if (attnum == 0 || nulls[attnum - 1])
                continue;
            values[i].is_null = false;
            datums[i] = columns[attnum - 1];
            read_value(v, i, datums[i], values[i]);
        }
    });
    // Reads a field of the current transaction: cannot fail.
    const std::int64_t now = static_cast<std::int64_t>(GetCurrentTransactionStartTimestamp());
    rules::evaluate(v.compiled, values, now, out);
    if (!v.any_custom)
        return;
    for (std::size_t i = 0; i < n; ++i) {
        if (!v.custom[i].named() || values[i].is_null)
            continue;
        if (filter && !filter(v.compiled.attributes[i]))
            continue;
        check_custom(v, i, datums[i], out);
    }
}

}  // namespace

void check_custom(const ClassValidator& v, std::size_t i, Datum value,
                  std::vector<rules::Violation>& out) {
    const rules::CompiledAttribute& a = v.compiled.attributes[i];
    bool valid = true;
    try {
        valid = call_custom_function(v.custom[i], v.tenant_role, value,
                                     CustomRuleSite{v.compiled.name, a.name});
    } catch (...) {
        // A function that failed mid-call may leave cached execution state behind (an SQL
        // function's): the validator is built anew before it is used again.
        v.broken = true;
        throw;
    }
    if (valid)
        return;
    // The rule's own message or a fixed one: nothing the function returns is shown.
    out.push_back({a.name, "custom", a.message.empty() ? std::string("is not valid") : a.message});
}

std::shared_ptr<ClassValidator> build_validator(const naming::TenantNames& names,
                                                const model::Model& m, const model::ThingClass& cls,
                                                TupleDesc desc) {
    auto v = std::make_shared<ClassValidator>();
    v->tenant = names.tenant;
    v->tenant_role = guard([&] { return get_role_oid(names.app_role.c_str(), true); });
    v->id_attnum = guard([&] { return static_cast<AttrNumber>(SPI_fnumber(desc, "id")); });
    for (const auto& [aname, a] : cls.assignments) {
        const std::string column = physical::column_name(aname);
        const int attnum = guard([&] { return SPI_fnumber(desc, column.c_str()); });
        if (attnum > 0 && !TupleDescAttr(desc, attnum - 1)->attisdropped) {
            v->columns.push_back({aname, static_cast<AttrNumber>(attnum)});
        }
    }
    v->compiled = rules::compile(m, cls);
    v->empty = v->compiled.empty();
    v->any_custom =
        std::any_of(v->compiled.attributes.begin(), v->compiled.attributes.end(),
                    [](const rules::CompiledAttribute& a) { return !a.custom.empty(); });
    if (v->any_custom) {
        MemoryContext memory = guard([] {
            return AllocSetContextCreate(CacheMemoryContext, "udm class validator",
                                         ALLOCSET_SMALL_SIZES);
        });
        // MemoryContextDelete does not raise: safe in a destructor.
        v->memory = std::shared_ptr<MemoryContextData>(
            memory, [](MemoryContext m) { MemoryContextDelete(m); });
    }
    for (const rules::CompiledAttribute& a : v->compiled.attributes) {
        const std::string column = physical::column_name(a.name);
        const int attnum = guard([&] { return SPI_fnumber(desc, column.c_str()); });
        const bool present = attnum > 0 && !TupleDescAttr(desc, attnum - 1)->attisdropped;
        v->attnums.push_back(present ? static_cast<AttrNumber>(attnum) : 0);
        if (present)
            v->max_attnum = std::max(v->max_attnum, static_cast<AttrNumber>(attnum));
        v->typids.push_back(present ? TupleDescAttr(desc, attnum - 1)->atttypid : InvalidOid);
        v->custom.push_back(
            a.custom.empty() || !present
                ? CustomFunction{}
                : resolve_custom_function(a.custom, v->typids.back(), v->memory.get()));
    }
    return v;
}

std::shared_ptr<const ClassValidator> validator_for(Relation rel) {
    const Oid relid = RelationGetRelid(rel);
    if (cache == nullptr)
        cache = new std::unordered_map<Oid, CacheEntry>();
    if (relid == last_relid && usable(*last_entry))
        return last_entry->validator;
    auto it = cache->find(relid);
    if (it != cache->end() && usable(it->second)) {
        last_relid = relid;
        last_entry = &it->second;
        return it->second.validator;
    }
    const std::uint64_t before = generation;
    std::shared_ptr<const ClassValidator> v = build_for_relation(rel);
    CacheEntry entry{v, generation == before, {}, false, InvalidLocalTransactionId};
    entry.mentions = mentioned_relations(*v);
    if (IsolationUsesXactSnapshot())
        entry.only_in = MyProc->lxid;
    for (const CustomFunction& f : v->custom) {
        if (!f.named())
            continue;
        if (OidIsValid(f.oid)) {
            entry.function_hashes.push_back(
                guard([&] { return GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(f.oid)); }));
        } else {
            entry.unresolved = true;
        }
    }
    // Publish only when no invalidation arrived while building.
    CacheEntry& slot = (*cache)[relid];
    slot = std::move(entry);
    last_relid = relid;
    last_entry = &slot;
    return v;
}

void check_tuple(const ClassValidator& v, TupleDesc desc, HeapTuple tuple,
                 std::vector<rules::Violation>& out, const CustomFilter& filter) {
    const std::size_t natts = static_cast<std::size_t>(desc->natts);
    std::vector<Datum> columns(natts);
    std::unique_ptr<bool[]> nulls(new bool[natts]);
    guard([&] { heap_deform_tuple(tuple, desc, columns.data(), nulls.get()); });
    check_columns(v, columns.data(), nulls.get(), out, filter);
}

void check_slot(const ClassValidator& v, TupleTableSlot* slot, std::vector<rules::Violation>& out) {
    // Deforms the columns up to the last one with rules, once, into the slot itself: what
    // the insert does next (index entries, constraints) finds them there.
    guard([&] { slot_getsomeattrs(slot, v.max_attnum); });
    check_columns(v, slot->tts_values, slot->tts_isnull, out, nullptr);
}

void throw_violations(const std::string& class_name,
                      const std::vector<rules::Violation>& violations) {
    std::vector<std::string> unique, references;
    bool own_rules = false;
    for (const rules::Violation& v : violations) {
        if (v.rule == "unique")
            unique.push_back(v.attribute);
        else if (v.rule == "reference")
            references.push_back(v.attribute);
        else
            own_rules = true;
    }
    const std::string detail = rules::to_json(violations).dump();
    const std::string row = "new row for class \"" + class_name + "\" ";
    auto names = [](const std::vector<std::string>& attributes) {
        std::string out = attributes.size() == 1 ? "attribute " : "attributes ";
        for (std::size_t i = 0; i < attributes.size(); ++i)
            out += (i == 0 ? "\"" : ", \"") + attributes[i] + "\"";
        return out;
    };
    if (!own_rules && !unique.empty()) {
        throw Error(sqlstate::kUniqueViolation,
                    row + "duplicates the value of unique " + names(unique), detail);
    }
    if (!own_rules && !references.empty()) {
        throw Error(sqlstate::kForeignKeyViolation,
                    row +
                        (references.size() == 1 ? "refers to a missing or deleted thing"
                                                : "refers to missing or deleted things") +
                        " through " + names(references),
                    detail);
    }
    const std::size_t n = violations.size();
    throw Error(sqlstate::kCheckViolation,
                row + "violates " + std::to_string(n) + (n == 1 ? " rule" : " rules"), detail);
}

void register_validation_cache() {
    CacheRegisterSyscacheCallback(PROCOID, on_function_invalidation, (Datum)0);
    CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
}

void invalidate_class_tables(const naming::TenantNames& names,
                             const std::vector<std::string>& class_names) {
    const Oid nsp = tenant_namespace(names);
    for (const std::string& cname : class_names) {
        const std::string table = physical::table_name(cname);
        guard([&] {
            Oid rel = get_relname_relid(table.c_str(), nsp);
            if (OidIsValid(rel))
                CacheInvalidateRelcacheByRelid(rel);
        });
    }
}

}  // namespace udm::pg

// udm.forget_compiled_rules(): AFTER UPDATE statement trigger of every tenant's
// schema_state, which every model change updates. Invalidates the relcache entry of the
// table it fires on, when the transaction commits, in every backend: on a Citus worker the
// validators of the tenant's shards mention that shard of schema_state, and are built
// anew. (The coordinator invalidates the class tables a change touches itself.)
UDM_PG_FUNCTION(udm_forget_compiled_rules) {
    using namespace udm;
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.forget_compiled_rules() must be called as a trigger");
    }
    auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
        !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.forget_compiled_rules() must be fired AFTER ... FOR EACH STATEMENT");
    }
    pg::guard([&] { CacheInvalidateRelcache(trigdata->tg_relation); });
    return PointerGetDatum(nullptr);
}

// udm.validate_row(): BEFORE INSERT OR UPDATE row trigger of every class table. Checks the
// new row against the class's compiled rules and refuses it with every violation.
UDM_PG_FUNCTION(udm_validate_row) {
    using namespace udm;
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.validate_row() must be called as a trigger");
    }
    auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
        TRIGGER_FIRED_BY_DELETE(trigdata->tg_event)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.validate_row() must be fired BEFORE INSERT OR UPDATE FOR EACH ROW");
    }
    HeapTuple tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple
                                                                  : trigdata->tg_trigtuple;
    std::shared_ptr<const pg::ClassValidator> v = pg::validator_for(trigdata->tg_relation);
    if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && v->id_attnum > 0) {
        // Relationships and events name things by id: an id that changed would leave
        // them pointing at nothing.
        const bool same = pg::guard([&] {
            TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
            bool old_null = false, new_null = false;
            Datum before = heap_getattr(trigdata->tg_trigtuple, v->id_attnum, desc, &old_null);
            Datum after = heap_getattr(tuple, v->id_attnum, desc, &new_null);
            return old_null == new_null &&
                   (old_null || datumIsEqual(before, after, false, UUID_LEN));
        });
        if (!same) {
            throw Error(sqlstate::kFeatureNotSupported,
                        "the id of a thing of class \"" + v->class_name + "\" cannot change", {},
                        "Ids are assigned by udm once; insert a new thing to get a new id.");
        }
    }
    if (!v->empty || !v->probes.empty()) {
        std::vector<rules::Violation> violations;
        TupleTableSlot* slot = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newslot
                                                                           : trigdata->tg_trigslot;
        if (v->empty) {
            // Nothing of the row's own to check.
        } else if (slot != nullptr) {
            pg::check_slot(*v, slot, violations);
        } else {
            pg::check_tuple(*v, RelationGetDescr(trigdata->tg_relation), tuple, violations);
        }
        // Probed even when the row breaks other rules: the detail lists every violation.
        pg::probe_row(
            v->probes, trigdata->tg_relation, v->class_name,
            TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_trigtuple : nullptr, slot,
            tuple, violations);
        if (!violations.empty())
            pg::throw_violations(v->compiled.name, violations);
    }
    return PointerGetDatum(tuple);
}
