// Enforcing validation rules: the compiled rules of a class table, cached per backend and
// invalidated through the relcache; turning tuples and documents into rule values.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "udm/core/rules.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg {

// A custom rule function, looked up once per compiled class.
struct CustomFunction {
    std::shared_ptr<FmgrInfo> fn;  // fn_mcxt is CacheMemoryContext
    bool returns_text = false;     // else boolean
};

// The column of one attribute in a class table.
struct AttributeColumn {
    std::string attribute;
    AttrNumber attnum = 0;
};

// What the triggers of one class table need to know, cached per backend: the compiled
// rules and where each attribute's column is; whose table it is.
struct ClassValidator {
    std::string tenant;      // empty for a table that is no class table
    Oid tenant_namespace = InvalidOid;
    std::string class_name;
    AttrNumber id_attnum = 0;
    std::vector<AttributeColumn> columns;  // every assigned attribute present in the table
    rules::CompiledClass compiled;
    std::vector<AttrNumber> attnums;     // per compiled attribute; 0 when the column is missing
    std::vector<Oid> typids;             // per compiled attribute
    std::vector<CustomFunction> custom;  // per compiled attribute; fn null without one
    bool empty = true;                   // nothing to check
};

// The validator of class cls of model m for a relation with descriptor desc. Looks up the
// custom functions through spi.
std::shared_ptr<ClassValidator> build_validator(Spi& spi, const model::Model& m, const model::ThingClass& cls,
                                                TupleDesc desc);

// The cached validator of a class table, built on first use and after every invalidation
// of the table's relcache entry (a model change invalidates every class table of the
// tenant when it commits).
std::shared_ptr<const ClassValidator> validator_for(Relation rel);

// Checks a tuple; appends the violations, custom functions included.
void check_tuple(const ClassValidator& v, TupleDesc desc, HeapTuple tuple, std::vector<rules::Violation>& out);

// Calls a custom rule function on a non-null value; appends a violation when it returns
// false or a message. An error inside the function surfaces unchanged.
void call_custom_function(const CustomFunction& f, const rules::CompiledAttribute& a, Datum value,
                          std::vector<rules::Violation>& out);

// Throws 23514 for a row with violations: message naming the class and the count, detail
// the JSON array of violations.
[[noreturn]] void throw_violations(const std::string& class_name, const std::vector<rules::Violation>& violations);

// Registers the relcache callback that keeps the cache current; called from _PG_init.
void register_validation_cache();

// Validators of the tables of a tenant's classes must be rebuilt at commit: queues relcache
// invalidations of every class table of the model.
void invalidate_class_tables(const naming::TenantNames& names, const model::Model& m);

// udm.rules_not_valid: when on, a rule change does not check existing rows.
extern bool rules_not_valid;

}  // namespace udm::pg
