// Custom rule functions ({"custom": "schema.fn"}): user code that udm looks up and calls.
//
// They are looked up and called with the rights of the user on whose behalf a rule is
// checked, never with udm's own (STYLE.md, Rights): the one writing the row in the
// trigger, the caller of udm.validate, udm.rule_impact or a model change otherwise. A
// rule may name only a function in a permanent schema that returns boolean and that its
// author may call; every call checks again that the user may call it, then runs it as
// that user inside a security-restricted operation. Its result is a yes or no and never
// becomes part of a message.
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
    std::optional<Error>
        problem;  // why it cannot be called: what() completes "function <signature> "
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

// Checks the custom functions that desired names and current did not: each must exist,
// return boolean, be in a permanent schema and be callable by caller (USAGE on its
// schema, EXECUTE on it). Run by every model change before it writes anything.
void check_new_custom_functions(const model::Model& current, const model::Model& desired,
                                Oid caller);

// Calls f on a non-null value as role, in a security-restricted operation; whether the
// value passes (NULL passes, as in a CHECK constraint). Raises f.problem, 42501 when role
// may not call it, and an error of the function itself with a context naming the rule.
bool call_custom_function(const CustomFunction& f, Oid role, Datum value,
                          const CustomRuleSite& site);

}  // namespace udm::pg
