// Custom rule functions: looked up, checked and called with the rights of the user on
// whose behalf a rule is checked (see custom_function.hpp).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "udm/core/rules.hpp"
#include "udm/pg/barrier.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/custom_function.hpp"
#include "udm/pg/spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
}

namespace udm::pg {

namespace {

// The reason a function cannot serve as a custom rule, or nullopt when it can.
std::optional<Error> unusable(Oid fn) {
    struct Facts {
        bool found = false;
        Oid rettype = InvalidOid;
        bool retset = false;
        char kind = 0;
    };
    const Facts facts = guard([&] {
        Facts f;
        HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
        if (!HeapTupleIsValid(tuple))
            return f;
        const auto* proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
        f.found = true;
        f.rettype = proc->prorettype;
        f.retset = proc->proretset;
        f.kind = proc->prokind;
        ReleaseSysCache(tuple);
        return f;
    });
    if (!facts.found)
        return Error(sqlstate::kUndefinedFunction, "does not exist");
    if (facts.kind != PROKIND_FUNCTION) {
        return Error(sqlstate::kInvalidFunctionDefinition, "is not a plain function",
                     "A custom rule names a function, not a procedure or an aggregate.");
    }
    if (facts.rettype != BOOLOID || facts.retset) {
        return Error(
            sqlstate::kInvalidFunctionDefinition, "must return boolean",
            "A custom rule function returns true when the value is valid, false when it is not.");
    }
    return std::nullopt;
}

// The name of role, for messages.
std::string role_name(Oid role) {
    return guard([&] {
        const char* name = GetUserNameFromId(role, true);
        return std::string(name != nullptr ? name : "?");
    });
}

constexpr const char* kRightsHint =
    "Custom rule functions run as the tenant's role: grant it USAGE on the function's schema "
    "and EXECUTE on the function.";

// Whether role may call f: nullopt when it may, else why not.
std::optional<Error> missing_rights(const CustomFunction& f, Oid role) {
    const bool usage = guard(
        [&] { return pg_namespace_aclcheck(f.namespace_oid, role, ACL_USAGE) == ACLCHECK_OK; });
    if (!usage) {
        return Error(sqlstate::kInsufficientPrivilege,
                     "is in a schema role " + role_name(role) + " may not use", kRightsHint);
    }
    const bool execute =
        guard([&] { return pg_proc_aclcheck(f.oid, role, ACL_EXECUTE) == ACLCHECK_OK; });
    if (!execute) {
        return Error(sqlstate::kInsufficientPrivilege,
                     "may not be executed by role " + role_name(role), kRightsHint);
    }
    return std::nullopt;
}

// "custom rule function app.f(text)" with the site when there is one.
std::string subject(const CustomFunction& f, const CustomRuleSite* site) {
    std::string s = "custom rule function " + f.signature;
    if (site != nullptr)
        s += " of attribute \"" + site->attribute + "\" of class \"" + site->class_name + "\"";
    return s;
}

[[noreturn]] void raise(const CustomFunction& f, const Error& why, const CustomRuleSite* site) {
    std::string hint = why.hint();
    if (site != nullptr && why.sqlstate() == std::string_view(sqlstate::kUndefinedFunction)) {
        hint = "Create it again, or change the rules of attribute \"" + site->attribute + "\".";
    }
    throw Error(why.sqlstate(), subject(f, site) + " " + why.what(), why.detail(), hint);
}

}  // namespace

Oid column_type(model::DataType type) {
    switch (type) {
        case model::DataType::kText:
            return TEXTOID;
        case model::DataType::kNumber:
            return NUMERICOID;
        case model::DataType::kInteger:
            return INT8OID;
        case model::DataType::kBoolean:
            return BOOLOID;
        case model::DataType::kDate:
            return DATEOID;
        case model::DataType::kTimestamp:
            return TIMESTAMPTZOID;
        case model::DataType::kReference:
            return UUIDOID;
        case model::DataType::kJson:
            return JSONBOID;
    }
    return InvalidOid;
}

CustomFunction resolve_custom_function(const std::string& name, Oid typid, MemoryContext cxt) {
    CustomFunction f;
    const std::size_t dot = name.find('.');
    const std::string schema = dot == std::string::npos ? std::string() : name.substr(0, dot);
    const std::string function = dot == std::string::npos ? name : name.substr(dot + 1);
    f.signature = name + "(" + guard([&] { return std::string(format_type_be(typid)); }) + ")";
    if (schema.empty()) {
        f.problem = Error(sqlstate::kInvalidParameterValue, "is not schema-qualified");
        return f;
    }
    // By name in one schema: no search_path, so never the caller's pg_temp.
    f.namespace_oid = guard([&] { return get_namespace_oid(schema.c_str(), true); });
    if (!OidIsValid(f.namespace_oid)) {
        f.problem = Error(sqlstate::kUndefinedFunction, "does not exist",
                          "Schema \"" + schema + "\" does not exist.");
        return f;
    }
    if (guard([&] { return isAnyTempNamespace(f.namespace_oid); })) {
        f.problem =
            Error(sqlstate::kInsufficientPrivilege, "is in a temporary schema",
                  "A temporary function ends with its session; create it in a permanent schema.");
        return f;
    }
    f.oid = guard([&] {
        oidvector* args = buildoidvector(&typid, 1);
        return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(function.c_str()),
                               PointerGetDatum(args), ObjectIdGetDatum(f.namespace_oid));
    });
    if (!OidIsValid(f.oid)) {
        f.problem = Error(sqlstate::kUndefinedFunction, "does not exist");
        return f;
    }
    if ((f.problem = unusable(f.oid)))
        return f;
    auto info = std::make_shared<FmgrInfo>();
    guard([&] { fmgr_info_cxt(f.oid, info.get(), cxt); });
    f.fn = std::move(info);
    return f;
}

void check_new_custom_functions(const model::Model& current, const model::Model& desired,
                                const model::Delta& delta, Oid role) {
    const auto before = rules::custom_functions(current, &delta);
    for (const auto& named : rules::custom_functions(desired, &delta)) {
        if (std::find(before.begin(), before.end(), named) != before.end())
            continue;
        CustomFunction f =
            resolve_custom_function(named.first, column_type(named.second), CurrentMemoryContext);
        if (f.problem)
            raise(f, *f.problem, nullptr);
        if (auto why = missing_rights(f, role))
            raise(f, *why, nullptr);
    }
}

bool call_custom_function(const CustomFunction& f, Oid role, Datum value,
                          const CustomRuleSite& site) {
    if (f.problem)
        raise(f, *f.problem, &site);
    // The tenant's role, which must still exist: role 0 would pass PUBLIC's grants.
    if (!OidIsValid(role) ||
        !guard([&] { return SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)); })) {
        throw Error(sqlstate::kUndefinedObject,
                    "the role of the tenant of class \"" + site.class_name + "\" does not exist",
                    {}, "udm.verify and the tenant's roles need repair.");
    }
    if (auto why = missing_rights(f, role))
        raise(f, *why, &site);
    // A function that writes rows its own rule checks would call itself through the same
    // FmgrInfo, which an SQL function's cached execution state does not survive.
    if (f.active > 0) {
        throw Error(sqlstate::kObjectInUse, subject(f, &site) + " is already running",
                    "A custom rule function may not write rows that its own rule checks.");
    }
    const ScopedCount active(f.active);
    bool valid = true;
    try {
        // As the tenant's role, in a security-restricted operation and with settings of its
        // own, as PostgreSQL runs user code in maintenance commands: no SET ROLE, no
        // temporary objects, and nothing it SETs (search_path) outlives the call.
        ScopedUser as_tenant(role, SECURITY_RESTRICTED_OPERATION);
        valid = with_own_settings([&] {
            citus::disallow_nested_execution();
            return guard([&] {
                LOCAL_FCINFO(fcinfo, 1);
                InitFunctionCallInfoData(*fcinfo, f.fn.get(), 1, InvalidOid, nullptr, nullptr);
                fcinfo->args[0].value = value;
                fcinfo->args[0].isnull = false;
                Datum result = FunctionCallInvoke(fcinfo);
                return fcinfo->isnull || DatumGetBool(result);
            });
        });
    } catch (const PgError& e) {
        // What the function cached for itself (an SQL function's execution state, left
        // running by the error) must not be resumed by a later call in this transaction.
        f.fn->fn_extra = nullptr;
        // The function's own error, unchanged, with a line of context naming the rule.
        const std::string line = subject(f, &site);
        guard([&] {
            ErrorData* data = e.data();
            data->context = data->context != nullptr
                                ? psprintf("%s\n%s", data->context, line.c_str())
                                : pstrdup(line.c_str());
        });
        throw;
    }
    return valid;
}

}  // namespace udm::pg
