// Custom rule functions ({"custom": "schema.fn"}): user code that udm looks up and calls.
//
// They run as the tenant's application role (tenant_<t>_role), whoever writes the row or
// calls udm: never with udm's rights, nor with those of a more privileged writer (a
// superuser, a restore, an application's SECURITY DEFINER function), whom a tenant's code
// must not borrow. A rule may name only a function in a permanent schema that returns
// boolean and that the tenant's role may call; every call checks that again, then runs it
// as that role in a security-restricted operation with settings of its own (nothing it
// SETs outlives the call). Its result is a yes or no and never becomes part of a message.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "udm/core/error.hpp"
#include "udm/core/model.hpp"
#include "udm/pg/postgres.hpp"

namespace udm::pg {

// A custom rule function, resolved when a class's rules are compiled. One that cannot be
// called (gone, temporary, of the wrong kind) carries the reason and raises it when a
// value needs it: a broken function fails the writes that need it, not everything else.
struct CustomFunction {
    std::string signature;  // schema.fn(type): empty when the rule names none
    Oid oid = InvalidOid;
    Oid namespace_oid = InvalidOid;
    std::shared_ptr<FmgrInfo> fn;  // null when it cannot be called
    // Why it cannot be called: what() completes "custom rule function <signature> ".
    std::optional<Error> problem;
    mutable int active = 0;  // calls of fn under way (a call may not re-enter it)
    bool named() const { return !signature.empty(); }
};

// Where a custom rule is, for the messages of its errors.
struct CustomRuleSite {
    const std::string& class_name;
    const std::string& attribute;
};

// The type udm stores a data type as: what a custom function of it takes.
Oid column_type(model::DataType type);

// Looks up name(typid) (name is schema.fn) without raising for what is wrong with it;
// the FmgrInfo lives in cxt. Raises only for errors of PostgreSQL itself.
CustomFunction resolve_custom_function(const std::string& name, Oid typid, MemoryContext cxt);

// Checks the custom functions that what delta touches in desired names and did not name in
// current: each must exist, return boolean, be in a permanent schema and be callable by
// role, the tenant's role (USAGE on its schema, EXECUTE on it). Run by every model change
// before it writes.
void check_new_custom_functions(const model::Model& current, const model::Model& desired,
                                const model::Delta& delta, Oid role);

// Calls f on a non-null value as role (the tenant's), in a security-restricted operation
// with settings of its own; whether the value passes (NULL passes, as in a CHECK
// constraint). Raises f.problem, 42501 when role may not call it, 55006 when f is already
// running, and an error of the function itself with a context naming the rule.
bool call_custom_function(const CustomFunction& f, Oid role, Datum value,
                          const CustomRuleSite& site);

}  // namespace udm::pg
